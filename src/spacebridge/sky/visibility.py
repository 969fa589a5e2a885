"""Visibility of many targets over one night: a targets x times grid computed with one rotation per time step.

:func:`compute_visibility` returns a :class:`VisibilityGrid` holding, for N targets and T time steps, the altitude
(eager) and, on first access, azimuth, airmass, hour angle and Moon separation (all (N, T)), with the Sun's and
Moon's altitude and the Moon's illumination per time step. :mod:`spacebridge.sky.constraints` turns a grid into
boolean masks. The per-time-step work (IERS, precession-nutation, Earth rotation, polar motion, aberration,
refraction constants) is done once in :func:`spacebridge.sky.frames.observer_frames`; the per-target work is one
matrix product and a few element-wise operations, so 10,000 targets over a night take tens of milliseconds.

Examples
--------
>>> from spacebridge.sky.targets import fixed_targets
>>> grid = compute_visibility("tien-shan", fixed_targets(["Vega"], [279.2347], [38.7837]), night="2026-06-20")
>>> grid.altitude_deg.shape[0]
1
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError
from spacebridge.sky.ephemeris import body_local, local_altaz_deg, moon_illumination, moon_local, sun_local
from spacebridge.sky.frames import ObserverFrames, _refract, observer_frames, project, to_datetime64, topocentric
from spacebridge.sky.night import Night, Twilight, night_of
from spacebridge.sky.sites import Site, get_site
from spacebridge.sky.targets import FixedTargets

__all__ = ["VisibilityGrid", "airmass_kasten_young", "compute_visibility", "time_grid"]

FloatArray = npt.NDArray[np.float64]


def _evaluate(expr: str, **arrays: object) -> FloatArray:
    """Element-wise ``expr`` fused and multi-threaded by numexpr (``deg`` is 180/pi)."""
    import numexpr

    return np.asarray(numexpr.evaluate(expr, local_dict={"deg": 180.0 / np.pi, **arrays}), dtype=np.float64)


def airmass_kasten_young(altitude_deg: npt.ArrayLike) -> FloatArray:
    """Relative air mass of Kasten & Young (1989, *Applied Optics* 28, 4735), ``inf`` below the horizon."""
    alt = np.asarray(altitude_deg, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = 1.0 / (np.sin(np.radians(alt)) + 0.50572 * (alt + 6.07995) ** -1.6364)
    return np.where(alt > 0.0, x, np.inf)


@dataclass(frozen=True, eq=False)
class VisibilityGrid:
    """Targets x times geometry for one site (N targets, T time steps; times are UTC ``datetime64[ns]``).

    Arrays are (N, T) unless noted. ``sin_altitude`` is computed eagerly; ``altitude_deg``, ``azimuth_deg``,
    ``airmass``, ``hour_angle_h``, ``moon_separation_deg`` (and its cosine) on first access. Altitudes are observed
    (refracted) if the grid was computed with a pressure, geometric otherwise. ``airmass`` is the plane-parallel
    ``sec z`` of that altitude (as astropy's ``AltAz.secz`` and astroplan's ``AirmassConstraint``), ``inf`` at or
    below the horizon.
    """

    site: Site
    times_utc: npt.NDArray[np.datetime64]
    target_ids: tuple[str, ...]
    ra_deg: FloatArray  # (N,), NaN for solar-system bodies
    dec_deg: FloatArray  # (N,), NaN for solar-system bodies
    sin_altitude: FloatArray  # (N, T) sine of the altitude (constraints compare it, no trigonometry needed)
    sun_altitude_deg: FloatArray  # (T,)
    moon_altitude_deg: FloatArray  # (T,)
    moon_azimuth_deg: FloatArray  # (T,)
    moon_illumination: FloatArray  # (T,) fraction of the disc lit
    refraction: bool
    night: Night | None = None
    _frames: ObserverFrames | None = field(default=None, repr=False)
    _icrs: FloatArray = field(default_factory=lambda: np.zeros((0, 3)), repr=False)  # fixed targets (Nf, 3)
    _body_xyz: tuple[FloatArray, ...] = field(default=(), repr=False)  # bodies: x, y, z (Nb, T) each
    _moon_local: FloatArray = field(default_factory=lambda: np.zeros((0, 3)), repr=False)

    @functools.cached_property
    def _xyz(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Local direction components (x south, y east, z up) of every row, (N, T) each."""
        if self._frames is None:
            empty = np.zeros((0, self.times_utc.size))
            return empty, empty, empty
        return _concat_xyz(self._frames, self._icrs, self._body_xyz, self.times_utc.size)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.target_ids), self.times_utc.size

    @functools.cached_property
    def altitude_deg(self) -> FloatArray:
        """Altitude (deg)."""
        return _evaluate("arcsin(where(s > 1, 1, where(s < -1, -1, s))) * deg", s=self.sin_altitude)

    @functools.cached_property
    def azimuth_deg(self) -> FloatArray:
        """Azimuth (deg, north = 0, east = 90)."""
        x, y, _ = self._xyz
        az = _evaluate("arctan2(y, -x) * deg", x=x, y=y)
        return _evaluate("where(az < 0, az + 360, az)", az=az)

    @functools.cached_property
    def airmass(self) -> FloatArray:
        """Plane-parallel air mass ``1 / sin(alt)``, ``inf`` at or below the horizon."""
        x, y, z = self._xyz
        return _evaluate("where(z > 0, sqrt(x * x + y * y + z * z) / z, inf)", x=x, y=y, z=z, inf=np.inf)

    @functools.cached_property
    def hour_angle_h(self) -> FloatArray:
        """Hour angle (h, in [-12, 12], negative east of the meridian), from the local direction."""
        x, y, z = self._xyz
        lat = np.radians(self.site.latitude_deg)
        return _evaluate("-arctan2(y, sl * x + cl * z) * deg / 15", x=x, y=y, z=z, sl=np.sin(lat), cl=np.cos(lat))

    @functools.cached_property
    def moon_cos_separation(self) -> FloatArray:
        """Cosine of the topocentric angular distance to the Moon's centre."""
        m = self._moon_local
        if self._frames is not None and not self.refraction and not self._body_xyz:
            return project(self._frames, self._icrs, m)
        x, y, z = self._xyz
        mx, my, mz = (np.ascontiguousarray(m[None, :, k]) for k in range(3))
        expr = "(x * mx + y * my + z * mz) / sqrt(x * x + y * y + z * z)"
        return _evaluate(expr, x=x, y=y, z=z, mx=mx, my=my, mz=mz)

    @functools.cached_property
    def moon_separation_deg(self) -> FloatArray:
        """Topocentric angular distance to the Moon's centre (deg)."""
        c = self.moon_cos_separation
        return _evaluate("arccos(where(c > 1, 1, where(c < -1, -1, c))) * deg", c=c)

    def index(self, target_id: str) -> int:
        """Row of ``target_id``."""
        try:
            return self.target_ids.index(target_id)
        except ValueError:
            raise InvalidInputError(f"no target {target_id!r} in this grid", value=target_id) from None


def time_grid(start_utc: np.datetime64, end_utc: np.datetime64, step_s: float) -> npt.NDArray[np.datetime64]:
    """UTC instants ``start, start + step, ...`` up to and including ``end`` when it falls on the grid."""
    if step_s <= 0:
        raise InvalidInputError(f"step_s must be positive, got {step_s}", argument="step_s", value=step_s)
    step = np.timedelta64(round(step_s * 1e9), "ns")
    start = np.asarray(start_utc).astype("datetime64[ns]")
    n = int((np.asarray(end_utc).astype("datetime64[ns]") - start) // step)
    return np.asarray(start + np.arange(n + 1) * step, dtype="datetime64[ns]")


def _jyear(times: npt.NDArray[np.datetime64]) -> float:
    mid = times[times.size // 2]
    days = (mid - np.datetime64("2000-01-01T12:00:00").astype("datetime64[ns]")) / np.timedelta64(86_400, "s")
    return 2000.0 + float(days) / 365.25


def _concat_xyz(
    frames: ObserverFrames, icrs: FloatArray, body_xyz: tuple[FloatArray, ...], n_times: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    parts: list[tuple[FloatArray, ...]] = []
    if icrs.shape[0]:
        parts.append(topocentric(frames, icrs))
    if body_xyz:
        parts.append(body_xyz)
    if not parts:
        empty = np.zeros((0, n_times))
        return empty, empty, empty
    x, y, z = (np.concatenate([p[k] for p in parts], axis=0) for k in range(3))
    return x, y, z


def compute_visibility(
    site: Site | str,
    targets: FixedTargets | None = None,
    *,
    night: Night | dt.date | str | None = None,
    times_utc: npt.ArrayLike | None = None,
    step_s: float = 300.0,
    twilight: Twilight = "astronomical",
    bodies: Sequence[str] = (),
    pressure_hpa: float = 0.0,
    temperature_c: float = 0.0,
    relative_humidity: float = 0.5,
    wavelength_um: float = 0.55,
) -> VisibilityGrid:
    """Targets x times visibility grid for one site.

    Parameters
    ----------
    site
        A :class:`Site` or a site id.
    targets
        Fixed ICRS targets (proper motion is applied to the middle of the time grid).
    night
        A :class:`Night` or a local evening date; the grid spans the night between ``twilight`` s, every
        ``step_s`` seconds. Ignored for the times when ``times_utc`` is given.
    times_utc
        Explicit UTC instants (T,) instead of a night.
    bodies
        Solar-system bodies to add as rows after the fixed targets (``moon``, ``jupiter``, ...).
    pressure_hpa, temperature_c, relative_humidity, wavelength_um
        Refraction (ERFA ``refco``); ``pressure_hpa=0`` (default, as astroplan) gives geometric altitudes.

    Raises
    ------
    NoValidDataError
        When the night has no darkness for ``twilight`` (e.g. astronomical twilight in summer at high latitude).
    """
    site = get_site(site)
    night_obj: Night | None = None
    if night is not None:
        night_obj = night if isinstance(night, Night) else night_of(site, night)
    if times_utc is not None:
        times = to_datetime64(times_utc).ravel()
    elif night_obj is not None:
        times = time_grid(*night_obj.bounds(twilight), step_s)
    else:
        raise InvalidInputError("give either night or times_utc", hint="e.g. night='2026-11-20'")
    frames = observer_frames(
        site,
        times,
        pressure_hpa=pressure_hpa,
        temperature_c=temperature_c,
        relative_humidity=relative_humidity,
        wavelength_um=wavelength_um,
    )
    ids: list[str] = []
    icrs = np.zeros((0, 3))
    if targets is not None and len(targets):
        icrs = targets.unit_vectors(_jyear(times))
        ids.extend(targets.ids)
    body_rows: list[FloatArray] = []
    for body in bodies:
        body_rows.append(body_local(frames, body))  # (T, 3)
        ids.append(body)
    body_xyz: tuple[FloatArray, ...] = ()
    if body_rows:
        stacked = np.stack(body_rows, axis=0)  # (Nb, T, 3)
        bx, by, bz = (np.ascontiguousarray(stacked[..., k]) for k in range(3))
        if frames.refraction:
            bx, by, bz = _refract(bx, by, bz, frames.refa[None, :], frames.refb[None, :])
        body_xyz = (bx, by, bz)
    no_body = np.full(len(bodies), np.nan)
    has_fixed = targets is not None and icrs.shape[0] > 0
    ra = np.concatenate([targets.ra_deg if has_fixed and targets is not None else np.zeros(0), no_body])
    dec = np.concatenate([targets.dec_deg if has_fixed and targets is not None else np.zeros(0), no_body])
    moon_unit, _ = moon_local(frames)
    moon_alt, moon_az = local_altaz_deg(moon_unit)
    if frames.refraction or body_rows:
        x, y, z = _concat_xyz(frames, icrs, body_xyz, times.size)
        sin_alt = _evaluate("z / sqrt(x * x + y * y + z * z)", x=x, y=y, z=z)
    else:
        sin_alt = project(frames, icrs, np.array([0.0, 0.0, 1.0]))
    return VisibilityGrid(
        site=site,
        times_utc=times,
        target_ids=tuple(ids),
        ra_deg=ra,
        dec_deg=dec,
        sin_altitude=sin_alt,
        sun_altitude_deg=local_altaz_deg(sun_local(frames))[0],
        moon_altitude_deg=moon_alt,
        moon_azimuth_deg=moon_az,
        moon_illumination=moon_illumination(frames),
        refraction=frames.refraction,
        night=night_obj,
        _frames=frames,
        _icrs=icrs,
        _body_xyz=body_xyz,
        _moon_local=moon_unit,
    )
