"""Satellite passes over a site: rise, culmination, set, sunlight and observer darkness, for whole catalogues.

Method (hand-written because skyfield's ``find_events`` works one satellite at a time, about 100x slower here):

1. Propagate every satellite with sgp4's ``SatrecArray`` on a coarse grid (120 s at LEO, up to 600 s for orbits
   whose perigee is high, scaled by the perigee time scale), keeping TEME positions *and* velocities.
2. Between grid points the position is the cubic Hermite interpolant of those positions and velocities: for a LEO
   orbit at 120 s its error is a few metres (``|r''''| h^4 / 384``), far below what moves a pass time by 1 ms.
3. Culminations are the coarse local maxima of elevation (and the window edges), refined by golden-section search
   on the interpolant; those reaching ``min_elevation_deg`` become passes; rise and set are found by bisection
   between the last coarse sample below the threshold and the culmination (and symmetrically).

TEME -> terrestrial with IAU-82 GMST of UT1 (UT1-UTC from astropy's IERS tables at mid-window), observer on WGS84,
as skyfield does; tested against skyfield's ``find_events`` to 1 s in ``tests/sky/test_passes.py``.

A pass already in progress at ``start_utc`` has no rise (``NaT``, JSON ``null``) and its culmination is the highest
point inside the window; likewise a pass still in progress at ``end_utc`` has no set. ``sunlit`` is evaluated at
the culmination (the Earth's shadow is a cylinder-free geometric test against the Earth's sphere, no penumbra).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import DegradedResultWarning, InvalidInputError
from spacebridge.sky.frames import to_datetime64
from spacebridge.sky.geometry import (
    ObserverGeometry,
    observer_geometry,
    propagate_teme,
    sun_itrs_km,
    sunlit_mask,
    teme_to_itrs,
)
from spacebridge.sky.satellites import SatelliteCatalog, gmst82_rad
from spacebridge.sky.sites import Site, get_site

__all__ = ["PassSearch", "SatellitePass", "find_passes"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")
_JD_UNIX = 2440587.5
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_STALE_DAYS = 14.0
# A coarse local maximum this far below the threshold is still refined: between two samples 120 s apart a LEO
# pass peaking at the threshold is at most a few degrees higher than the highest sample.
_CANDIDATE_MARGIN_DEG = 10.0


@dataclass(frozen=True)
class SatellitePass:
    """One pass. Times are UTC ``datetime64[ns]`` (``NaT``: before the window start / after its end)."""

    norad_id: int
    name: str
    rise_utc: np.datetime64
    culmination_utc: np.datetime64
    set_utc: np.datetime64
    max_elevation_deg: float
    culmination_azimuth_deg: float
    range_km: float
    angular_rate_deg_s: float
    sunlit: bool
    sunlit_fraction: float
    observer_dark: bool

    def to_json(self) -> dict[str, Any]:
        """The CLI's record: ``norad_id, rise_utc, culmination_utc, set_utc, max_elevation_deg, sunlit``."""
        return {
            "norad_id": self.norad_id,
            "rise_utc": _iso(self.rise_utc),
            "culmination_utc": _iso(self.culmination_utc),
            "set_utc": _iso(self.set_utc),
            "max_elevation_deg": round(self.max_elevation_deg, 3),
            "sunlit": self.sunlit,
        }


def _iso(t: np.datetime64) -> str | None:
    if np.isnat(t):
        return None
    return str(t.astype("datetime64[ms]")) + "Z"


@dataclass(frozen=True)
class PassSearch:
    """Passes of a catalogue over one site and window, sorted by culmination; ``failed``: NORAD id -> reason."""

    site_id: str
    start_utc: np.datetime64
    end_utc: np.datetime64
    min_elevation_deg: float
    passes: tuple[SatellitePass, ...]
    failed: dict[int, str]
    n_satellites: int


@dataclass(frozen=True)
class _Chunk:
    """Coarse TEME states of a group of satellites: r, v (S, K, 3) in km and km/s at t0 + k * step."""

    r: FloatArray
    v: FloatArray
    t0_s: float
    step_s: float
    dut1_s: float

    def state_itrs(self, sat: npt.NDArray[np.intp], t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Hermite-interpolated terrestrial position and velocity (km, km/s) of satellites ``sat`` at ``t_s``."""
        k_max = self.r.shape[1] - 2
        k = np.clip(np.floor((t_s - self.t0_s) / self.step_s).astype(np.intp), 0, k_max)
        h = self.step_s
        u = ((t_s - self.t0_s) - k * h) / h
        p0, p1 = self.r[sat, k], self.r[sat, k + 1]
        m0, m1 = self.v[sat, k] * h, self.v[sat, k + 1] * h
        u2, u3 = u * u, u * u * u
        h00, h10, h01, h11 = 2 * u3 - 3 * u2 + 1, u3 - 2 * u2 + u, -2 * u3 + 3 * u2, u3 - u2
        pos = h00[:, None] * p0 + h10[:, None] * m0 + h01[:, None] * p1 + h11[:, None] * m1
        d00, d10, d01, d11 = 6 * u2 - 6 * u, 3 * u2 - 4 * u + 1, -6 * u2 + 6 * u, 3 * u2 - 2 * u
        vel = (d00[:, None] * p0 + d10[:, None] * m0 + d01[:, None] * p1 + d11[:, None] * m1) / h
        return teme_to_itrs(pos, vel, t_s, self.dut1_s)


def _coarse_elevation_deg(r_teme: FloatArray, t_s: FloatArray, geo: ObserverGeometry) -> FloatArray:
    """Elevation (deg) of TEME positions (S, K, 3) at times (K,), fused by numexpr (no (S, K, 3) temporaries)."""
    import numexpr

    theta = gmst82_rad(_JD_UNIX + (t_s + geo.dut1_s) / 86400.0)
    o, up = geo.observer_itrs_km, geo.up
    env = {
        "rx": r_teme[..., 0],
        "ry": r_teme[..., 1],
        "rz": r_teme[..., 2],
        "c": np.cos(theta)[None, :],
        "s": np.sin(theta)[None, :],
        "u0": up[0],
        "u1": up[1],
        "u2": up[2],
        "o0": o[0],
        "o1": o[1],
        "o2": o[2],
        "oup": float(o @ up),
        "oo": float(o @ o),
        "deg": 180.0 / np.pi,
    }
    expr = (
        "arcsin(((c * rx + s * ry) * u0 + (c * ry - s * rx) * u1 + rz * u2 - oup)"
        " / sqrt(rx * rx + ry * ry + rz * rz - 2 * ((c * rx + s * ry) * o0 + (c * ry - s * rx) * o1 + rz * o2) + oo))"
        " * deg"
    )
    return np.asarray(numexpr.evaluate(expr, local_dict=env), dtype=np.float64)


def _golden_max(f: Callable[[FloatArray], FloatArray], lo: FloatArray, hi: FloatArray, iters: int = 30) -> FloatArray:
    """Golden-section search for the maximum of a unimodal ``f`` on ``[lo, hi]``, element-wise."""
    a, b = lo.copy(), hi.copy()
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        left = fc > fd  # the maximum is in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        t_new = np.where(left, b - _GOLDEN * (b - a), a + _GOLDEN * (b - a))
        f_new = f(t_new)
        c, d, fc, fd = (
            np.where(left, t_new, d),
            np.where(left, c, t_new),
            np.where(left, f_new, fd),
            np.where(left, fc, f_new),
        )
    return (a + b) / 2.0


def _bisect(f: Callable[[FloatArray], FloatArray], below: FloatArray, above: FloatArray, iters: int = 22) -> FloatArray:
    """Crossing of ``f = 0`` between ``below`` (f < 0) and ``above`` (f >= 0), either order in time."""
    a, b = below.copy(), above.copy()
    for _ in range(iters):
        mid = (a + b) / 2.0
        neg = f(mid) < 0.0
        a, b = np.where(neg, mid, a), np.where(neg, b, mid)
    return (a + b) / 2.0


def _step_for(catalog: SatelliteCatalog) -> FloatArray:
    """Coarse step per satellite from its perigee time scale: 120 s at LEO, scaled as ``(r_p / 7000 km)^1.5`` and
    rounded down to 120, 240 or 600 s (the Hermite error grows as the step to the fourth power)."""
    n_rad_s = np.array([s.no_kozai for s in catalog.satrecs]) / 60.0
    ecc = np.array([s.ecco for s in catalog.satrecs])
    a_km = (398600.4418 / np.maximum(n_rad_s, 1e-9) ** 2) ** (1.0 / 3.0)
    scale = 120.0 * (np.maximum(a_km * (1.0 - ecc), 1.0) / 7000.0) ** 1.5
    return np.select([scale >= 600.0, scale >= 240.0], [600.0, 240.0], 120.0)


def find_passes(
    catalog: SatelliteCatalog,
    site: Site | str,
    start_utc: Any,
    end_utc: Any,
    *,
    min_elevation_deg: float = 10.0,
    dark_sun_altitude_deg: float = -6.0,
    chunk_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> PassSearch:
    """Passes above ``min_elevation_deg`` of every satellite in ``catalog`` between ``start_utc`` and ``end_utc``.

    Parameters
    ----------
    catalog
        Satellites (:func:`spacebridge.sky.satellites.parse_catalog`).
    site
        Observatory or site id.
    start_utc, end_utc
        The window (UTC; ``datetime64``, datetime or ISO string).
    min_elevation_deg
        Elevation a pass must reach (deg); rise and set are the crossings of this elevation.
    dark_sun_altitude_deg
        ``observer_dark`` is true when the Sun is below this altitude at culmination (-6: end of civil twilight).
    chunk_size
        Satellites propagated together (memory: about 100 kB per satellite and night).
    progress
        Called with the number of satellites done after each chunk (for a progress bar).
    """
    site = get_site(site)
    start, end = to_datetime64(start_utc)[0], to_datetime64(end_utc)[0]
    if not end > start:
        raise InvalidInputError(
            f"the window end {end} is not after its start {start}", hint="give --end after --start", argument="end"
        )
    if not -90.0 <= min_elevation_deg < 90.0:
        raise InvalidInputError(f"min_elevation_deg must be in [-90, 90), got {min_elevation_deg}")
    t0 = float((start - _EPOCH) / np.timedelta64(1, "ns")) / 1e9
    t1 = float((end - _EPOCH) / np.timedelta64(1, "ns")) / 1e9
    geo = observer_geometry(site, start, end)
    _warn_stale(catalog, (t0 + t1) / 2)
    passes: list[SatellitePass] = []
    failed: dict[int, str] = {}
    steps = _step_for(catalog)
    done = 0
    for step in np.unique(steps):
        members = np.flatnonzero(steps == step)
        for lo in range(0, members.size, chunk_size):
            idx = members[lo : lo + chunk_size]
            passes.extend(
                _search_chunk(
                    catalog.subset(idx), geo, t0, t1, float(step), min_elevation_deg, dark_sun_altitude_deg, failed
                )
            )
            done += idx.size
            if progress is not None:
                progress(done)
    passes.sort(key=lambda p: (p.culmination_utc, p.norad_id))
    if failed:
        warnings.warn(
            f"{len(failed)} satellite(s) could not be propagated (e.g. {next(iter(failed.values()))}); "
            "they are listed in PassSearch.failed",
            DegradedResultWarning,
            stacklevel=2,
        )
    return PassSearch(site.id, start, end, float(min_elevation_deg), tuple(passes), failed, len(catalog))


def _warn_stale(catalog: SatelliteCatalog, mid_s: float) -> None:
    age_days = np.abs(_JD_UNIX + mid_s / 86400.0 - catalog.epochs_jd)
    stale = int((age_days > _STALE_DAYS).sum())
    if stale:
        warnings.warn(
            f"{stale} of {len(catalog)} element sets are more than {_STALE_DAYS:g} days from the window "
            f"(up to {age_days.max():.0f} days): SGP4 errors grow by kilometres per day, pass times may be off "
            "by seconds to minutes; use fresh TLEs",
            DegradedResultWarning,
            stacklevel=3,
        )


def _search_chunk(
    cat: SatelliteCatalog,
    geo: ObserverGeometry,
    t0: float,
    t1: float,
    step: float,
    min_el: float,
    dark_sun_alt: float,
    failed: dict[int, str],
) -> list[SatellitePass]:
    from sgp4.api import SGP4_ERRORS

    n_steps = max(int(np.ceil((t1 - t0) / step)), 1)
    t_grid = np.asarray(t0 + np.arange(n_steps + 1) * step, dtype=np.float64)
    r, v, err = propagate_teme(cat.satrecs, t_grid, geo.dut1_s)
    bad = err.any(axis=1)
    for bad_row in np.flatnonzero(bad):
        code = int(err[bad_row][err[bad_row] != 0][0])
        failed[cat.norad_ids[bad_row]] = (
            f"NORAD {cat.norad_ids[bad_row]}: sgp4 error {code}, {SGP4_ERRORS.get(code, '')}"
        )
    if bad.any():
        r[bad], v[bad] = 7000.0, 0.0
    chunk = _Chunk(r, v, t0, step, geo.dut1_s)
    el = _coarse_elevation_deg(r, t_grid, geo)
    el[bad] = -90.0
    # Candidate culminations: interior local maxima and the two window edges.
    prev = np.concatenate([np.full((el.shape[0], 1), -np.inf), el[:, :-1]], axis=1)
    nxt = np.concatenate([el[:, 1:], np.full((el.shape[0], 1), -np.inf)], axis=1)
    cand = (el >= prev) & (el > nxt) & (el > min_el - _CANDIDATE_MARGIN_DEG)
    sat, k = np.nonzero(cand)
    if sat.size == 0:
        return []

    def elev(s: npt.NDArray[np.intp]) -> Callable[[FloatArray], FloatArray]:
        return lambda t: geo.elevation_deg(chunk.state_itrs(s, t)[0])

    lo = np.maximum(t_grid[np.maximum(k - 1, 0)], t0)
    hi = np.minimum(t_grid[np.minimum(k + 1, n_steps)], t1)
    t_max = _golden_max(elev(sat), lo, hi)
    # The window edges themselves may be the maximum (pass in progress at start or end).
    for edge in (t0, t1):
        at_edge = np.abs(t_max - edge) < 1e-3 * step
        t_max = np.where(at_edge, edge, t_max)
    el_max = elev(sat)(t_max)
    keep = el_max >= min_el
    sat, k, t_max, el_max = sat[keep], k[keep], t_max[keep], el_max[keep]
    if sat.size == 0:
        return []
    below = el < min_el
    # Rise: last coarse sample below the threshold before the culmination; none -> already up at start.
    k_c = np.clip(np.floor((t_max - t0) / step).astype(np.intp), 0, n_steps)
    cols = np.arange(n_steps + 1)[None, :]
    before = below[sat] & (cols <= k_c[:, None])
    has_rise = before.any(axis=1)
    j_rise = np.where(has_rise, n_steps - np.argmax(before[:, ::-1], axis=1), 0)
    after = below[sat] & (cols > k_c[:, None])
    has_set = after.any(axis=1)
    j_set = np.where(has_set, np.argmax(after, axis=1), n_steps)
    f = elev(sat)

    def above(t: FloatArray) -> FloatArray:
        return f(t) - min_el

    rise = _bisect(above, t_grid[j_rise], np.asarray(np.minimum(t_grid[np.minimum(j_rise + 1, n_steps)], t_max)))
    sett = _bisect(above, t_grid[j_set], np.asarray(np.maximum(t_grid[np.maximum(j_set - 1, 0)], t_max)))
    rise = np.where(has_rise, rise, np.nan)
    sett = np.where(has_set, sett, np.nan)
    # Merge culminations that belong to the same pass (same rise and set): keep the highest.
    order = np.lexsort((-el_max, np.nan_to_num(rise, nan=-1.0), sat))
    key = np.stack([sat[order], np.nan_to_num(rise[order], nan=-1.0).round(3)], axis=1)
    first = np.ones(order.size, dtype=bool)
    first[1:] = np.any(key[1:] != key[:-1], axis=1)
    sel = order[first]
    sat, t_max, el_max, rise, sett = sat[sel], t_max[sel], el_max[sel], rise[sel], sett[sel]
    # Geometry at culmination, sunlight along the pass, observer darkness.
    pos, vel = chunk.state_itrs(sat, t_max)
    rho = pos - geo.observer_itrs_km
    rng = np.linalg.norm(rho, axis=1)
    rate = np.degrees(np.linalg.norm(np.cross(rho, vel), axis=1) / rng**2)
    az = geo.azimuth_deg(pos)
    sun = sun_itrs_km(geo, t_max)
    sunlit_c = sunlit_mask(pos, sun)
    a = np.where(np.isnan(rise), t0, rise)
    b = np.where(np.isnan(sett), t1, sett)
    fracs = np.linspace(0.0, 1.0, 9)
    sunlit_n = np.zeros(sat.size)
    for q in fracs:
        tq = a + q * (b - a)
        sunlit_n += sunlit_mask(chunk.state_itrs(sat, tq)[0], sun_itrs_km(geo, tq))
    dark = geo.sun_altitude_deg(sun) < dark_sun_alt
    out = []
    for i in range(int(sat.size)):
        out.append(
            SatellitePass(
                norad_id=cat.norad_ids[sat[i]],
                name=cat.names[sat[i]],
                rise_utc=_to_dt64(rise[i]),
                culmination_utc=_to_dt64(t_max[i]),
                set_utc=_to_dt64(sett[i]),
                max_elevation_deg=float(el_max[i]),
                culmination_azimuth_deg=float(az[i]),
                range_km=float(rng[i]),
                angular_rate_deg_s=float(rate[i]),
                sunlit=bool(sunlit_c[i]),
                sunlit_fraction=float(sunlit_n[i] / fracs.size),
                observer_dark=bool(dark[i]),
            )
        )
    return out


def _to_dt64(t_s: float) -> np.datetime64:
    if np.isnan(t_s):
        return np.datetime64("NaT", "ns")
    return _EPOCH + np.timedelta64(round(t_s * 1e9), "ns")
