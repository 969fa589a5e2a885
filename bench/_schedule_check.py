"""An independent checker of night schedules, used by the scheduling benchmark and the tests.

It shares nothing with the scheduler: it reads the request document and the schedule document (the JSON of
``spacebridge sky schedule``), takes the site coordinates from the issue text, and recomputes every constraint with
astropy's full transforms (ICRS -> AltAz without refraction, ``get_body`` for the Sun and the Moon) every
``step_s`` seconds inside each block and at both edges. It reports:

- altitude/airmass (sec z) above ``max_airmass``, Sun above the request's twilight altitude, Moon closer than
  ``min_moon_separation_deg`` (topocentric, computed both as astroplan does, ``moon.separation(target)`` in the
  Moon's observer-centred GCRS frame, and between the two AltAz directions: both must hold);
- overlaps, counting the slew (great-circle separation / slew rate) between consecutive blocks;
- blocks whose length differs from ``duration_s`` (shortened or stretched), unknown or repeated ids, and requests
  missing from both lists.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Site coordinates from the issue text (not from the scheduler's site files).
SITES = {
    "tien-shan": (43.0576, 76.9715, 2735.0),
    "assy-turgen": (43.2253, 77.8717, 2750.0),
    "kamenskoe": (43.1767, 76.9661, 1450.0),
}
TWILIGHT_DEG = {"civil": -6.0, "nautical": -12.0, "astronomical": -18.0}


def _configure_astropy() -> None:
    from astropy.utils import iers

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None


def _parse(value: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(value)
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _id_problems(reqs: Mapping[str, Any], schedule_doc: Mapping[str, Any]) -> list[str]:
    ids = [str(b["id"]) for b in schedule_doc["scheduled"]] + [str(x["id"]) for x in schedule_doc["unscheduled"]]
    problems = [f"{rid}: not a request id" for rid in sorted(set(ids) - set(reqs))]
    problems += [f"{rid}: listed more than once" for rid in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"{rid}: neither scheduled nor unscheduled" for rid in sorted(set(reqs) - set(ids))]
    return problems


def _blocks(
    reqs: Mapping[str, Any], schedule_doc: Mapping[str, Any], tolerance_s: float
) -> tuple[list[tuple[dt.datetime, dt.datetime, str]], list[str]]:
    blocks, problems = [], []
    for b in schedule_doc["scheduled"]:
        rid = str(b["id"])
        if rid not in reqs:
            continue
        start, end = _parse(b["start_utc"]), _parse(b["end_utc"])
        length = (end - start).total_seconds()
        if abs(length - float(reqs[rid]["duration_s"])) > tolerance_s:
            problems.append(f"{rid}: block lasts {length} s, requested {reqs[rid]['duration_s']} s")
        blocks.append((start, end, rid))
    return sorted(blocks), problems


def _constraint_problems(
    reqs: Mapping[str, Any], blocks: Sequence[tuple[dt.datetime, dt.datetime, str]], location: Any, step_s: float
) -> list[str]:
    """Sample every block every ``step_s`` seconds and at both edges; recompute everything with astropy."""
    import astropy.units as u
    from astropy.coordinates import AltAz, SkyCoord, get_body
    from astropy.time import Time

    sample_rid, sample_t = [], []
    for start, end, rid in blocks:
        length = (end - start).total_seconds()
        offsets = np.unique(np.concatenate([np.arange(0.0, length, step_s), [length]]))
        sample_rid.extend([rid] * offsets.size)
        sample_t.extend(start + dt.timedelta(seconds=float(o)) for o in offsets)
    if not sample_t:
        return []
    times = Time(sample_t, scale="utc")
    frame = AltAz(obstime=times, location=location)  # no pressure: no refraction
    ra = np.array([reqs[r]["ra_deg"] for r in sample_rid], dtype=float)
    dec = np.array([reqs[r]["dec_deg"] for r in sample_rid], dtype=float)
    target = SkyCoord(ra * u.deg, dec * u.deg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy's NonRotationTransformationWarning for the Moon's GCRS frame
        target_altaz = target.transform_to(frame)
        sun_alt = get_body("sun", times, location).transform_to(frame).alt.deg
        # topocentric, as astroplan's MoonSeparationConstraint: moon.separation(target) in the Moon's GCRS frame
        # with the observer's position (the geocentric value differs by up to the lunar parallax, about 1 deg)
        moon = get_body("moon", times, location)
        moon_topo = moon.separation(target).deg
        moon_altaz = moon.transform_to(frame).separation(target_altaz).deg
    alt = target_altaz.alt.deg
    airmass = np.where(alt > 0, 1.0 / np.sin(np.radians(np.maximum(alt, 1e-9))), np.inf)
    problems = []
    for k, rid in enumerate(sample_rid):
        r = reqs[rid]
        when = sample_t[k].isoformat()
        if airmass[k] > float(r["max_airmass"]):
            problems.append(f"{rid}: airmass {airmass[k]:.4f} > {r['max_airmass']} at {when}")
        if sun_alt[k] > TWILIGHT_DEG[r["twilight"]]:
            problems.append(f"{rid}: Sun at {sun_alt[k]:.3f} deg (> {r['twilight']}) at {when}")
        sep = min(moon_topo[k], moon_altaz[k])
        if sep < float(r["min_moon_separation_deg"]):
            problems.append(f"{rid}: Moon {sep:.3f} deg < {r['min_moon_separation_deg']} at {when}")
    return problems


def _slew_problems(
    reqs: Mapping[str, Any], blocks: Sequence[tuple[dt.datetime, dt.datetime, str]], rate: float, tolerance_s: float
) -> list[str]:
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    problems = []
    for (_, e0, r0), (s1, _, r1) in itertools.pairwise(blocks):
        a = SkyCoord(reqs[r0]["ra_deg"] * u.deg, reqs[r0]["dec_deg"] * u.deg)
        b = SkyCoord(reqs[r1]["ra_deg"] * u.deg, reqs[r1]["dec_deg"] * u.deg)
        need = a.separation(b).deg / rate
        gap = (s1 - e0).total_seconds()
        if gap + tolerance_s < need:
            problems.append(f"{r0} -> {r1}: gap {gap:.1f} s < slew {need:.1f} s")
    return problems


def check_schedule(
    requests_doc: Mapping[str, Any],
    schedule_doc: Mapping[str, Any],
    *,
    step_s: float = 10.0,
    tolerance_s: float = 1e-3,
) -> list[str]:
    """Return one message per violation found (an empty list means the schedule is valid)."""
    _configure_astropy()
    import astropy.units as u
    from astropy.coordinates import EarthLocation

    lat, lon, height = SITES[requests_doc["site"]]
    location = EarthLocation(lat=lat * u.deg, lon=lon * u.deg, height=height * u.m)
    reqs = {str(r["id"]): r for r in requests_doc["requests"]}
    rate = float(requests_doc.get("slew_rate_deg_s") or 1.0)
    blocks, problems = _blocks(reqs, schedule_doc, tolerance_s)
    problems = _id_problems(reqs, schedule_doc) + problems
    problems += _constraint_problems(reqs, blocks, location, step_s)
    problems += _slew_problems(reqs, blocks, rate, tolerance_s)
    return problems


def priority_value(requests_doc: Mapping[str, Any], scheduled: Sequence[Mapping[str, Any]]) -> float:
    """Sum of priority x scheduled hours (the benchmark's figure of merit)."""
    prio = {str(r["id"]): float(r["priority"]) for r in requests_doc["requests"]}
    total = 0.0
    for b in scheduled:
        hours = (_parse(b["end_utc"]) - _parse(b["start_utc"])).total_seconds() / 3600.0
        total += prio[str(b["id"])] * hours
    return total
