"""ICRS -> topocentric horizon frames, computed once per time step and applied to any number of targets.

Why hand-written: astropy's full ``ICRS -> AltAz`` transform recomputes the astrometry context for every
(target, time) pair, which costs seconds for 10,000 targets over a night. Here the context is computed once per
time step with astropy's own ``erfa_astrom.apco`` (same IERS tables, polar motion, Earth rotation angle and CIP as
``SkyCoord.transform_to(AltAz)``), folded into one 3x3 rotation per time step, and applied to all targets with one
matrix product.

The chain is ERFA's ``atciqz`` + ``atioq`` (SOFA Board, *SOFA Tools for Earth Attitude*, 2021):
``local = AE(phi) . PM(xp, yp) . R3(ERA + lon) . BPN . normalize(p + beta)``,
with ``beta`` the observer's barycentric velocity over c (stellar plus diurnal aberration to first order,
``p' = p + beta - (p . beta) p``: the second-order term is below 0.002 arcsec). Because ``p'`` is linear in ``p`` and
its quadratic monomials, ``u . R p'`` for any local vector ``u`` (zenith, Moon, axes) is one (N, 10) @ (10, T)
matrix product (:func:`project`). Gravitational light deflection by the Sun is left out: it is below
0.05 arcsec for a target more than 10 deg from the Sun, i.e. for anything observable at night. Refraction, when a
pressure is given, is ERFA's ``A tan z + B tan^3 z`` model with the constants from ``erfa.refco`` (as astropy).
``tests/sky/test_frames.py`` checks the result against ``SkyCoord.transform_to(AltAz)`` to 1 arcsec.

Offline use: :func:`use_offline_iers` configures astropy so that nothing is downloaded and nothing raises for
future dates (the IERS tables shipped by ``astropy-iers-data`` are used, predictions beyond them are extrapolated).
It is called on first use by the functions here and by the CLI; call it yourself to apply it earlier.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import DegradedResultWarning

if TYPE_CHECKING:
    from astropy.time import Time

    from spacebridge.sky.sites import Site

__all__ = [
    "ObserverFrames",
    "altaz_deg",
    "astropy_time",
    "observer_frames",
    "project",
    "to_datetime64",
    "topocentric",
    "use_offline_iers",
]

log = logging.getLogger(__name__)
_IERS_LOCK = threading.Lock()
_IERS_DONE: list[bool] = []

FloatArray = npt.NDArray[np.float64]


def use_offline_iers() -> None:
    """Make astropy work offline: never download IERS tables and never fail on old predictions.

    Sets ``astropy.utils.iers.conf.auto_download = False`` and ``auto_max_age = None`` (see astropy's
    "Working offline" notes). Idempotent; process-wide (astropy's configuration is global). The bundled
    ``astropy-iers-data`` tables then give UT1-UTC and polar motion; beyond their predictions astropy holds the last
    value, which degrades altitudes by at most ~15 arcsec per second of UT1 error.
    """
    if _IERS_DONE:
        return
    with _IERS_LOCK:
        if _IERS_DONE:
            return
        from astropy.utils import iers

        iers.conf.auto_download = False
        iers.conf.auto_max_age = None
        _IERS_DONE.append(True)
        log.debug("astropy IERS configured for offline use")


def to_datetime64(times_utc: Any) -> npt.NDArray[np.datetime64]:
    """UTC instants as ``datetime64[ns]`` (naive values are UTC; aware datetimes are converted)."""
    arr = np.atleast_1d(np.asarray(times_utc))
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]")
    out = []
    for value in arr.ravel():
        if hasattr(value, "tzinfo") and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        out.append(np.datetime64(value, "ns"))
    return np.asarray(out, dtype="datetime64[ns]").reshape(arr.shape)


def astropy_time(times_utc: npt.NDArray[np.datetime64]) -> Time:
    """An astropy ``Time`` (UTC) for ``datetime64`` instants, with ERFA's 'dubious year' turned into our warning."""
    from astropy.time import Time

    use_offline_iers()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = Time(times_utc, scale="utc")
        _ = t.tt
    if any("dubious year" in str(w.message) for w in caught):
        warnings.warn(
            "times beyond the leap-second table shipped with astropy: UTC-TAI is extrapolated",
            DegradedResultWarning,
            stacklevel=3,
        )
    return t


@dataclass(frozen=True)
class ObserverFrames:
    """Per-time-step astrometry for one site (T time steps).

    ``rotation[t]`` maps an aberration-corrected BCRS direction to the local frame (x south, y east, z up);
    ``beta[t]`` is the observer's BCRS velocity over c (add it to a unit direction before rotating);
    ``sun_dir`` / ``sun_dist_au`` give the observer->Sun direction and distance; ``observer_bcrs_au`` the observer's
    barycentric position; ``era_lon_rad`` the Earth rotation angle plus longitude (local CIO-based sidereal angle,
    hour angle = ``era_lon_rad`` - CIRS right ascension); ``bpn`` the GCRS->CIRS matrix; ``refa``/``refb`` the
    refraction constants (zero without refraction).
    """

    times_utc: npt.NDArray[np.datetime64]
    jd_tt: FloatArray
    rotation: FloatArray
    beta: FloatArray
    sun_dir: FloatArray
    sun_dist_au: FloatArray
    observer_bcrs_au: FloatArray
    era_lon_rad: FloatArray
    bpn: FloatArray
    refa: FloatArray
    refb: FloatArray
    observer_local_au: FloatArray

    @property
    def refraction(self) -> bool:
        return bool(np.any(self.refa != 0.0))


def observer_frames(
    site: Site,
    times_utc: Any,
    *,
    pressure_hpa: float = 0.0,
    temperature_c: float = 0.0,
    relative_humidity: float = 0.5,
    wavelength_um: float = 0.55,
) -> ObserverFrames:
    """Astrometry context for ``site`` at ``times_utc`` (the expensive part, done once per time step).

    Parameters
    ----------
    site
        The observatory.
    times_utc
        UTC instants (``datetime64`` or datetimes), shape (T,).
    pressure_hpa
        Air pressure for refraction (hPa); 0 (the default, as in astropy and astroplan) means no refraction.
        ``site.standard_pressure_hpa`` is a sensible value when refraction is wanted.
    temperature_c, relative_humidity, wavelength_um
        Refraction parameters (ERFA ``refco``), ignored without pressure.
    """
    import astropy.units as u
    import erfa
    from astropy.coordinates import AltAz, EarthLocation
    from astropy.coordinates.erfa_astrom import erfa_astrom

    times = to_datetime64(times_utc).ravel()
    t = astropy_time(times)
    location = EarthLocation.from_geodetic(site.longitude_deg * u.deg, site.latitude_deg * u.deg, site.height_m * u.m)
    frame = AltAz(
        obstime=t,
        location=location,
        pressure=pressure_hpa * u.hPa,
        temperature=temperature_c * u.deg_C,
        relative_humidity=relative_humidity,
        obswl=wavelength_um * u.micron,
    )
    astrom = erfa_astrom.get().apco(frame)
    n = times.size
    sx, cx = np.sin(astrom["xpl"]), np.cos(astrom["xpl"])
    sy, cy = np.sin(astrom["ypl"]), np.cos(astrom["ypl"])
    polar = np.zeros((n, 3, 3))
    polar[:, 0, 0], polar[:, 0, 2] = cx, sx
    polar[:, 1, 0], polar[:, 1, 1], polar[:, 1, 2] = sx * sy, cy, -cx * sy
    polar[:, 2, 0], polar[:, 2, 1], polar[:, 2, 2] = -sx * cy, sy, cx * cy
    horizon = np.zeros((n, 3, 3))
    horizon[:, 0, 0], horizon[:, 0, 2] = astrom["sphi"], -astrom["cphi"]
    horizon[:, 1, 1] = 1.0
    horizon[:, 2, 0], horizon[:, 2, 2] = astrom["cphi"], astrom["sphi"]
    rotation = horizon @ polar @ erfa.rz(astrom["eral"], astrom["bpn"])
    # Observer's geocentric position in the local frame (constant apart from polar motion, < 1 m).
    x, y, z = (c.to_value(u.au) for c in location.geocentric)
    r_xy = float(np.hypot(x, y))
    observer_local = horizon[0] @ np.array([r_xy, 0.0, z])
    return ObserverFrames(
        times_utc=times,
        jd_tt=np.asarray(t.tt.jd1 + t.tt.jd2, dtype=np.float64),
        rotation=rotation,
        beta=np.asarray(astrom["v"], dtype=np.float64),
        sun_dir=-np.asarray(astrom["eh"], dtype=np.float64),
        sun_dist_au=np.asarray(astrom["em"], dtype=np.float64),
        observer_bcrs_au=np.asarray(astrom["eb"], dtype=np.float64),
        era_lon_rad=np.asarray(astrom["eral"], dtype=np.float64),
        bpn=np.asarray(astrom["bpn"], dtype=np.float64),
        refa=np.asarray(astrom["refa"], dtype=np.float64),
        refb=np.asarray(astrom["refb"], dtype=np.float64),
        observer_local_au=np.asarray(observer_local, dtype=np.float64),
    )


def _features(unit_icrs: FloatArray) -> FloatArray:
    """Per-target features (N, 10): p, 1 and the six quadratic monomials of p."""
    p = np.asarray(unit_icrs, dtype=np.float64)
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    return np.stack([x, y, z, np.ones_like(x), x * x, y * y, z * z, x * y, x * z, y * z], axis=1)


def _weights(frames: ObserverFrames, local: FloatArray) -> FloatArray:
    """Per-time weights (10, T) such that ``features @ weights`` is ``u . R p'`` for local unit vectors ``u``.

    ``p' = p + b - (p . b) p`` is the aberrated direction to first order in ``b`` (unit to O(b^2) ~ 1e-8), so
    ``u . R p' = p . w + b . w - (p . b)(p . w)`` with ``w = R^T u``: linear in p and in its quadratic monomials.
    """
    w = np.einsum("tji,tj->ti", frames.rotation, np.broadcast_to(local, frames.beta.shape))
    b = frames.beta
    return np.stack(
        [
            w[:, 0],
            w[:, 1],
            w[:, 2],
            np.einsum("ti,ti->t", b, w),
            -b[:, 0] * w[:, 0],
            -b[:, 1] * w[:, 1],
            -b[:, 2] * w[:, 2],
            -(b[:, 0] * w[:, 1] + b[:, 1] * w[:, 0]),
            -(b[:, 0] * w[:, 2] + b[:, 2] * w[:, 0]),
            -(b[:, 1] * w[:, 2] + b[:, 2] * w[:, 1]),
        ]
    )


def project(frames: ObserverFrames, unit_icrs: FloatArray, local: FloatArray) -> FloatArray:
    """Cosine (N, T) of the angle between the aberrated directions of fixed targets and local unit vectors.

    ``local`` is (3,) or (T, 3) in the local frame (e.g. the zenith gives the sine of the altitude, the Moon the
    cosine of the Moon separation). One matrix product (N, 10) @ (10, T), run on one BLAS thread: with an inner
    dimension of 10 it is memory-bound, and extra threads only contend with the caller's own (Dask, numexpr).
    """
    feats, weights = _features(unit_icrs), _weights(frames, np.asarray(local, dtype=np.float64))
    with _blas_controller().limit(limits=1, user_api="blas"):
        return np.asarray(feats @ weights)


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl's controller, built once (building it scans the loaded libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def topocentric(
    frames: ObserverFrames, unit_icrs: FloatArray, *, refraction: bool = True
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Local direction components (x south, y east, z up) of fixed ICRS unit vectors, shape (N, T) each.

    ``unit_icrs`` is (N, 3). Aberration is applied per time step (first order; unit length to 1e-8). With
    ``refraction`` and non-zero refraction constants the vector is bent toward the zenith as ERFA's ``atioq`` does.
    """
    x, y, z = (project(frames, unit_icrs, axis) for axis in np.eye(3))
    if refraction and frames.refraction:
        x, y, z = _refract(x, y, z, frames.refa[None, :], frames.refb[None, :])
    return x, y, z


def altaz_deg(x: FloatArray, y: FloatArray, z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Altitude and azimuth (deg, north = 0, east = 90) of local direction components."""
    alt = np.degrees(np.arctan2(z, np.hypot(x, y)))
    az = np.mod(np.degrees(np.arctan2(y, -x)), 360.0)
    return alt, az


def _refract(
    x: FloatArray, y: FloatArray, z: FloatArray, refa: FloatArray, refb: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ERFA ``atioq``'s refraction step (A tan z + B tan^3 z with a Newton-Raphson correction)."""
    norm = np.sqrt(x * x + y * y + z * z)
    xn, yn, zn = x / norm, y / norm, z / norm
    r = np.maximum(np.hypot(xn, yn), 1e-6)
    zc = np.maximum(zn, 0.05)
    tz = r / zc
    w = refb * tz * tz
    delta = (refa + w) * tz / (1.0 + (refa + 3.0 * w) / (zc * zc))
    cosdel = 1.0 - delta * delta / 2.0
    f = cosdel - delta * zc / r
    return xn * f, yn * f, cosdel * zn + delta * r
