"""Night scheduling against astroplan's PriorityScheduler, in the same run, on seeded random requests at Tien Shan.

For 100 and 300 requests of 620 s (priorities 1-10, airmass limits 1.5-2.5, Moon distances 10-30 deg, astronomical
or nautical twilight; random positions uniform on the sky above dec -30 deg; seed 2026, never used while developing
the heuristic), both schedulers get the same constraints and the same night (the schedule's evening to morning
twilight):

- ours: ``plan_night`` (visibility grid, masks, heuristic, continuous re-check), and the CP-SAT polish for its gap;
- astroplan 0.10: ``PriorityScheduler`` with ``AirmassConstraint``, ``AtNightConstraint``,
  ``MoonSeparationConstraint``, a ``Transitioner`` with the same slew rate, ``time_resolution`` 20 s (a divisor of
  620 s, so its known defect of flooring block durations to the time step does not shorten these blocks; a small
  run at 60 s shows the defect). astroplan sorts by ascending priority, so it gets ``11 - priority``.

Both schedules go through the independent checker ``bench/_schedule_check.py`` (astropy only, every 10 s and at
block edges): constraint violations, overlaps including slews, and shortened blocks. Value is sum(priority x hours).

Run: ``.venv/bin/python bench/bench_schedule.py`` (about 15 minutes, mostly astroplan).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import measure, report
from _schedule_check import check_schedule, priority_value

NIGHT = "2026-11-27"
SEED = 2026
TWILIGHT_DEG = {"astronomical": -18.0, "nautical": -12.0, "civil": -6.0}


def random_requests(n: int, seed: int, duration_s: float = 620.0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        out.append(
            {
                "id": f"r{i:03d}",
                "ra_deg": float(rng.uniform(0.0, 360.0)),
                "dec_deg": float(np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-30.0)), 1.0)))),
                "duration_s": duration_s,
                "priority": float(rng.integers(1, 11)),
                "max_airmass": float(rng.choice([1.5, 2.0, 2.5])),
                "min_moon_separation_deg": float(rng.choice([10.0, 20.0, 30.0])),
                "twilight": str(rng.choice(["astronomical", "nautical"])),
            }
        )
    return out


def run_ours(doc: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    from spacebridge.sky.request_file import parse_request_set
    from spacebridge.sky.scheduler.export import schedule_document
    from spacebridge.sky.scheduler.plan import plan_night

    schedule = plan_night(parse_request_set(doc))
    return schedule_document(schedule), schedule


def run_astroplan(doc: dict[str, Any], start_utc: Any, end_utc: Any, resolution_s: float) -> dict[str, Any]:
    import astropy.units as u
    from astroplan import FixedTarget, Observer, ObservingBlock, PriorityScheduler, Schedule, Transitioner
    from astroplan.constraints import AirmassConstraint, AtNightConstraint, MoonSeparationConstraint
    from astropy.coordinates import EarthLocation, NonRotationTransformationWarning, SkyCoord
    from astropy.time import Time

    from _schedule_check import SITES

    lat, lon, height = SITES[doc["site"]]
    observer = Observer(location=EarthLocation(lat=lat * u.deg, lon=lon * u.deg, height=height * u.m))
    blocks = []
    for r in doc["requests"]:
        target = FixedTarget(SkyCoord(r["ra_deg"] * u.deg, r["dec_deg"] * u.deg), name=str(r["id"]))
        constraints = [
            AirmassConstraint(max=r["max_airmass"]),
            AtNightConstraint(max_solar_altitude=TWILIGHT_DEG[r["twilight"]] * u.deg),
            MoonSeparationConstraint(min=r["min_moon_separation_deg"] * u.deg),
        ]
        blocks.append(ObservingBlock(target, r["duration_s"] * u.s, 11 - r["priority"], constraints=constraints))
    scheduler = PriorityScheduler(
        constraints=[],
        observer=observer,
        transitioner=Transitioner(slew_rate=doc["slew_rate_deg_s"] * u.deg / u.s),
        time_resolution=resolution_s * u.s,
    )
    schedule = Schedule(Time(start_utc), Time(end_utc))
    with warnings.catch_warnings():
        # astroplan's MoonSeparationConstraint compares the Moon's GCRS position with ICRS targets, which astropy
        # flags as a non-rotation transformation; the separation it computes is the topocentric one we want.
        warnings.simplefilter("ignore", NonRotationTransformationWarning)
        scheduler(blocks, schedule)
    scheduled = [
        {"id": b.target.name, "start_utc": b.start_time.isot + "Z", "end_utc": b.end_time.isot + "Z"}
        for b in schedule.observing_blocks
    ]
    done = {b["id"] for b in scheduled}
    unscheduled = [{"id": str(r["id"]), "reason": ""} for r in doc["requests"] if str(r["id"]) not in done]
    return {"scheduled": scheduled, "unscheduled": unscheduled}


def bench(n: int, resolution_s: float, polish_s: float) -> dict[str, Any]:

    doc = {"site": "tien-shan", "night": NIGHT, "slew_rate_deg_s": 1.0, "requests": random_requests(n, SEED)}
    ours_m, (ours_doc, schedule) = measure(f"spacebridge plan_night ({n} requests)", lambda: run_ours(doc))
    start, end = schedule.night_start_utc, schedule.night_end_utc
    base_m, base_doc = measure(
        f"astroplan PriorityScheduler ({n} requests, {resolution_s:g} s)",
        lambda: run_astroplan(doc, start, end, resolution_s),
    )
    ours_problems = check_schedule(doc, ours_doc)
    base_problems = check_schedule(doc, base_doc)
    ours_value = priority_value(doc, ours_doc["scheduled"])
    base_value = priority_value(doc, base_doc["scheduled"])
    bad_ids = {p.split(":")[0] for p in base_problems}
    base_valid_value = priority_value(doc, [b for b in base_doc["scheduled"] if b["id"] not in bad_ids])
    figures: dict[str, Any] = {
        "requests": n,
        "night_utc": f"{start.isoformat()} .. {end.isoformat()}",
        "ours_scheduled": len(ours_doc["scheduled"]),
        "astroplan_scheduled": len(base_doc["scheduled"]),
        "ours_value_priority_h": round(ours_value, 4),
        "astroplan_value_priority_h": round(base_value, 4),
        "value_gain_percent": round(100.0 * (ours_value / base_value - 1.0), 2),
        "astroplan_value_without_violating_blocks": round(base_valid_value, 4),
        "ours_violations": len(ours_problems),
        "astroplan_violations": len(base_problems),
        "astroplan_violation_examples": base_problems[:3],
        "ours_heuristic_s": round(schedule.timings_s["heuristic_s"], 3),
        "ours_visibility_s": round(schedule.timings_s["visibility_s"], 3),
        "ours_verify_s": round(schedule.timings_s["verify_s"], 3),
    }
    if ours_problems:
        figures["ours_violation_examples"] = ours_problems[:5]
    if polish_s > 0:
        from spacebridge.sky.request_file import parse_request_set
        from spacebridge.sky.scheduler.plan import PlanOptions, plan_night

        polished = plan_night(parse_request_set(doc), options=PlanOptions(polish=True, polish_time_limit_s=polish_s))
        assert polished.polish is not None
        figures["cp_sat_status"] = polished.polish.status
        figures["cp_sat_value_priority_h"] = round(polished.value, 4)
        figures["cp_sat_bound_priority_h"] = round(polished.polish.bound, 4)
        figures["heuristic_gap_to_bound_percent"] = round(100.0 * (1.0 - ours_value / polished.polish.bound), 2)
        figures["cp_sat_time_limit_s"] = polish_s
    return report(f"schedule_{n}", ours_m, base_m, **figures)


def defect_demo(resolution_s: float = 60.0) -> None:
    """astroplan at a time step that does not divide 620 s: its blocks come out shortened."""
    doc = {"site": "tien-shan", "night": NIGHT, "slew_rate_deg_s": 1.0, "requests": random_requests(15, SEED + 1)}
    ours_doc, schedule = run_ours(doc)
    base_doc = run_astroplan(doc, schedule.night_start_utc, schedule.night_end_utc, resolution_s)
    short = [p for p in check_schedule(doc, base_doc) if "block lasts" in p]
    print(f"[schedule_defect] astroplan at {resolution_s:g} s: {len(short)} of {len(base_doc['scheduled'])} blocks "
          f"shortened, e.g. {short[:1]}; ours: {len(check_schedule(doc, ours_doc))} problems")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--astroplan-resolution-s", type=float, default=20.0)
    parser.add_argument("--polish-s", type=float, default=30.0, help="CP-SAT time limit for the gap (0: skip)")
    args = parser.parse_args()
    from spacebridge.sky.frames import use_offline_iers

    use_offline_iers()
    run_ours({"site": "tien-shan", "night": NIGHT, "requests": random_requests(2, 0)})  # warm astropy's caches up
    t0 = time.perf_counter()
    results = [bench(n, args.astroplan_resolution_s, args.polish_s) for n in args.sizes]
    defect_demo()
    targets = {100: 10.0, 300: 4.0}
    for res in results:
        n = res["requests"]
        ok = res["ours_violations"] == 0 and res["value_gain_percent"] >= targets.get(n, 0.0)
        ok = ok and res["ours_heuristic_s"] < 1.0
        print(f"[schedule_{n}] target (gain >= {targets.get(n, 0.0):g} %, 0 violations, heuristic < 1 s): "
              f"{'met' if ok else 'NOT met'}")  # fmt: skip
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
