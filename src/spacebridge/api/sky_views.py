"""JSON documents of the sky routes, rendered from the sky pillar's frozen results (no astronomy here).

Times are ISO 8601 UTC strings ending in ``Z`` (``null`` for an event that does not happen); a *window* is a run
of consecutive grid samples where a mask holds, given by its first and last sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from spacebridge.sky import ConstraintResult, GeoBelt, Night, PassSearch, Site, VisibilityGrid
    from spacebridge.sky.scheduler import NightSchedule

__all__ = ["geo_belt_doc", "iso", "night_doc", "passes_doc", "schedule_doc", "site_doc", "visibility_doc", "windows"]

_TWILIGHTS = ("civil", "nautical", "astronomical")


def iso(t: Any) -> str | None:
    """``datetime64`` as ``YYYY-MM-DDTHH:MM:SSZ`` (``None`` for NaT)."""
    t = np.datetime64(t)
    if np.isnat(t):
        return None
    return str(t.astype("datetime64[s]")) + "Z"


def windows(mask: npt.NDArray[np.bool_], times_utc: npt.NDArray[np.datetime64]) -> list[dict[str, str | None]]:
    """Runs of True in ``mask`` (T,) as ``[{"start_utc", "end_utc"}]`` (first and last sample of each run)."""
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2] - 1
    return [{"start_utc": iso(times_utc[a]), "end_utc": iso(times_utc[b])} for a, b in zip(starts, ends, strict=True)]


def site_doc(site: Site) -> dict[str, Any]:
    """A site with its horizon mask and telescopes (every field of the sites file)."""
    return {
        "id": site.id,
        "name": site.name,
        "latitude_deg": site.latitude_deg,
        "longitude_deg": site.longitude_deg,
        "height_m": site.height_m,
        "timezone": site.timezone,
        "horizon_mask": [[a, h] for a, h in zip(site.horizon_az_deg, site.horizon_min_alt_deg, strict=True)],
        "telescopes": [
            {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(t).items()} for t in site.telescopes
        ],
        "sources": list(site.sources),
        "assumed": list(site.assumed),
    }


def night_doc(night: Night) -> dict[str, Any]:
    """Sunset, twilights and sunrise of a night, and its dark hours per twilight."""
    return {
        "site": night.site_id,
        "night": night.local_date.isoformat(),
        "search_start_utc": iso(night.window_start_utc),
        "search_end_utc": iso(night.window_end_utc),
        "sunset_utc": iso(night.dusk_utc["sunset"]),
        "sunrise_utc": iso(night.dawn_utc["sunset"]),
        "dusk_utc": {k: iso(night.dusk_utc[k]) for k in _TWILIGHTS},
        "dawn_utc": {k: iso(night.dawn_utc[k]) for k in _TWILIGHTS},
        "dark_hours": {k: round(night.duration_h(k), 3) for k in _TWILIGHTS},  # type: ignore[arg-type]
        "sun_min_altitude_deg": round(night.sun_min_altitude_deg, 2),
    }


def _curve(values: npt.NDArray[np.float64]) -> list[float]:
    return [round(float(v), 2) for v in values]


def visibility_doc(
    grid: VisibilityGrid, result: ConstraintResult, night: Night, *, twilight: str, step_s: float, curves: bool
) -> dict[str, Any]:
    """Per target: observable windows, best altitude and the reason a target is never observable."""
    reasons = result.reasons()
    times = grid.times_utc
    altitude = grid.altitude_deg
    rows: list[dict[str, Any]] = []
    for i, target_id in enumerate(grid.target_ids):
        ok = result.observable[i]
        best = int(np.argmax(altitude[i]))
        row: dict[str, Any] = {
            "id": target_id,
            "ra_deg": float(grid.ra_deg[i]),
            "dec_deg": float(grid.dec_deg[i]),
            "observable": bool(ok.any()),
            "fraction_observable": round(float(ok.mean()), 4),
            "windows": windows(ok, times),
            "max_altitude_deg": round(float(altitude[i, best]), 3),
            "max_altitude_utc": iso(times[best]),
            "reason": reasons[target_id],
        }
        if curves:
            row["altitude_deg"] = _curve(altitude[i])
        rows.append(row)
    start, end = night.bounds(twilight)  # type: ignore[arg-type]
    doc: dict[str, Any] = {
        "site": grid.site.id,
        "night": night_doc(night),
        "twilight": twilight,
        "start_utc": iso(start),
        "end_utc": iso(end),
        "step_s": step_s,
        "n_times": int(times.size),
        "moon_illumination": round(float(np.mean(grid.moon_illumination)), 3),
        "targets": rows,
    }
    if curves:
        doc["times_utc"] = [iso(t) for t in times]
        doc["sun_altitude_deg"] = _curve(grid.sun_altitude_deg)
        doc["moon_altitude_deg"] = _curve(grid.moon_altitude_deg)
    return doc


def passes_doc(search: PassSearch, *, visible_only: bool, catalogue: str) -> dict[str, Any]:
    """The ``sky passes`` records, with the extra facts of each pass and the satellites that failed."""
    rows = []
    for p in search.passes:
        if visible_only and not (p.sunlit and p.observer_dark):
            continue
        rows.append(
            {
                **p.to_json(),
                "name": p.name,
                "culmination_azimuth_deg": round(p.culmination_azimuth_deg, 2),
                "range_km": round(p.range_km, 1),
                "angular_rate_deg_s": round(p.angular_rate_deg_s, 4),
                "sunlit_fraction": round(p.sunlit_fraction, 3),
                "observer_dark": p.observer_dark,
            }
        )
    return {
        "site": search.site_id,
        "catalogue": catalogue,
        "start_utc": iso(search.start_utc),
        "end_utc": iso(search.end_utc),
        "min_elevation_deg": search.min_elevation_deg,
        "n_satellites": search.n_satellites,
        "passes": rows,
        "failed": [{"norad_id": k, "reason": v} for k, v in search.failed.items()],
    }


def geo_belt_doc(
    belt: GeoBelt, slots: Sequence[tuple[str, float]], *, dark_sun_altitude_deg: float, night: Night
) -> dict[str, Any]:
    """Visible slots of the geostationary belt with their pointing and the windows they can be observed in.

    ``slots`` are named longitudes (the Kazakh slots) placed first in ``belt``; the rest is the sampled belt.
    """
    observable = belt.observable(dark_sun_altitude_deg)
    dark = belt.sun_altitude_deg < dark_sun_altitude_deg
    names = dict(enumerate(name for name, _ in slots))
    rows = []
    for i in np.flatnonzero(belt.visible):
        rows.append(
            {
                "name": names.get(int(i)),
                "longitude_deg": round(float(belt.longitudes_deg[i]), 3),
                "elevation_deg": round(float(belt.elevation_deg[i]), 2),
                "azimuth_deg": round(float(belt.azimuth_deg[i]), 2),
                "observable_fraction": round(float(observable[i].mean()), 4),
                "observable_windows": windows(observable[i], belt.times_utc),
                "eclipse_windows": windows(dark & ~belt.sunlit[i], belt.times_utc),
            }
        )
    west, east = belt.visible_longitude_range()
    return {
        "site": belt.site_id,
        "night": night_doc(night),
        "start_utc": iso(belt.times_utc[0]),
        "end_utc": iso(belt.times_utc[-1]),
        "min_elevation_deg": belt.min_elevation_deg,
        "dark_sun_altitude_deg": dark_sun_altitude_deg,
        "visible_longitude_range_deg": None if np.isnan(west) else [round(west, 2), round(east, 2)],
        "slots": rows,
    }


def schedule_doc(result: NightSchedule) -> dict[str, Any]:
    """The ``sky schedule`` document (unchanged) with the night's bounds, the value, the method and the polish."""
    from spacebridge.sky.scheduler import schedule_document
    from spacebridge.sky.scheduler.export import format_utc

    polish = result.polish
    return {
        **schedule_document(result),
        "site": result.site.id,
        "telescope": result.telescope.id if result.telescope else None,
        "night": result.request_set.night.isoformat(),
        "night_start_utc": format_utc(result.night_start_utc) if result.night_start_utc else None,
        "night_end_utc": format_utc(result.night_end_utc) if result.night_end_utc else None,
        "value_priority_hours": round(result.value, 4),
        "method": result.method,
        "polish": None
        if polish is None
        else {"status": polish.status, "gap": round(polish.gap, 6), "bound": polish.bound, "wall_s": polish.wall_s},
    }
