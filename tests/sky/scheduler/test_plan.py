"""A real night at Tien Shan, checked by the independent astropy checker (bench/_schedule_check.py)."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pytest

from spacebridge.sky.request_file import parse_request_set
from spacebridge.sky.scheduler.export import schedule_csv, schedule_document
from spacebridge.sky.scheduler.plan import plan_night
from spacebridge.sky.sites import Site, get_site


def _requests(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        out.append(
            {
                "id": f"t{i}" if i % 2 else i,  # integer and string ids
                "ra_deg": float(rng.uniform(0, 360)),
                "dec_deg": float(np.degrees(np.arcsin(rng.uniform(-0.5, 1.0)))),
                "duration_s": float(rng.choice([620.0, 900.5, 1800.0])),
                "priority": float(rng.integers(1, 11)),
                "max_airmass": float(rng.choice([1.5, 2.0, 3.0])),
                "min_moon_separation_deg": float(rng.choice([15, 30, 60])),
                "twilight": str(rng.choice(["astronomical", "nautical", "civil"])),
            }
        )
    return out


@pytest.fixture(scope="module")
def night():
    doc = {"site": "tien-shan", "night": "2026-11-27", "slew_rate_deg_s": 0.5, "requests": _requests(40, 3)}
    doc["requests"].append({**doc["requests"][0], "id": "south-pole", "ra_deg": 10.0, "dec_deg": -80.0})
    rs = parse_request_set(doc)
    frozen = copy.deepcopy(rs)
    schedule = plan_night(rs)
    return doc, rs, frozen, schedule


@pytest.mark.slow
def test_schedule_passes_the_independent_check(night, checker):
    doc, _, _, schedule = night
    out = schedule_document(schedule)
    assert set(out) == {"scheduled", "unscheduled"}
    assert all(set(b) == {"id", "start_utc", "end_utc"} for b in out["scheduled"])
    assert all(set(u) == {"id", "reason"} for u in out["unscheduled"])
    assert len(out["scheduled"]) >= 15
    assert checker.check_schedule(doc, out, step_s=30.0) == []


def test_blocks_have_their_exact_durations_and_inputs_are_untouched(night):
    _, rs, frozen, schedule = night
    assert rs == frozen
    for block in schedule.scheduled:
        assert (block.end_utc - block.start_utc).total_seconds() == block.request.duration_s
        assert block.start_utc.microsecond == 0
    assert any(b.request.duration_s == 900.5 for b in schedule.scheduled)
    assert len(schedule.scheduled) + len(schedule.unscheduled) == len(rs.requests)


def test_reasons_and_exports(night):
    _, _, _, schedule = night
    reasons = {u.request.id: u.reason for u in schedule.unscheduled}
    assert reasons["south-pole"].code == "never visible"
    doc = schedule_document(schedule)
    assert doc["scheduled"][0]["start_utc"].endswith("Z")
    assert any(b["end_utc"].endswith(".5Z") for b in doc["scheduled"])
    ids = [b["id"] for b in doc["scheduled"]]
    assert any(isinstance(i, int) for i in ids + [u["id"] for u in doc["unscheduled"]])
    rows = schedule_csv(schedule).splitlines()
    assert rows[0].startswith("id,status,start_utc,end_utc,duration_s")
    assert len(rows) == 1 + len(schedule.scheduled) + len(schedule.unscheduled)
    starts = [dt.datetime.fromisoformat(b["start_utc"]) for b in doc["scheduled"]]
    assert starts == sorted(starts)


@pytest.mark.slow
def test_telescope_limits_and_settle_time(checker):
    doc = {"site": "tien-shan", "telescope": "zeiss-1000-east", "night": "2026-11-27", "requests": _requests(25, 5)}
    schedule = plan_night(parse_request_set(doc))
    out = schedule_document(schedule)
    assert checker.check_schedule(doc, out, step_s=30.0) == []  # slew rate of the telescope (1 deg/s)
    tel = get_site("tien-shan").telescope("zeiss-1000-east")
    grid = schedule.grid
    for a, b in zip(schedule.scheduled, schedule.scheduled[1:], strict=False):
        gap = (b.start_utc - a.end_utc).total_seconds()
        assert gap >= tel.settle_s
    for block in schedule.scheduled:  # equatorial mount: hour angle within the limits on the grid
        row = grid.index(block.request.key)
        t = grid.times_utc.astype("datetime64[s]").astype(object)
        inside = np.array([block.start_utc.replace(tzinfo=None) <= x <= block.end_utc.replace(tzinfo=None) for x in t])
        assert np.all(np.abs(grid.hour_angle_h[row][inside]) <= 5.0)


def test_no_darkness_at_high_latitude_in_june():
    base = get_site("tien-shan")
    north = Site("north", "test site at 65 N", 65.0, 25.0, 0.0, "Europe/Helsinki", (0.0, 360.0), (0.0, 0.0), ())
    doc = {"site": "north", "night": "2026-06-21", "requests": _requests(3, 1)}
    for r in doc["requests"]:
        r["twilight"] = "astronomical"
    schedule = plan_night(parse_request_set(doc), sites={"north": north, "tien-shan": base})
    assert schedule.scheduled == ()
    assert {u.reason.code for u in schedule.unscheduled} == {"no darkness"}


def test_unknown_site_and_telescope_are_clear_errors():
    from spacebridge.core.errors import NotFoundError

    doc = {"site": "mauna-kea", "night": "2026-11-27", "requests": _requests(1, 1)}
    with pytest.raises(NotFoundError, match="mauna-kea"):
        plan_night(parse_request_set(doc))
    doc = {"site": "tien-shan", "telescope": "hubble", "night": "2026-11-27", "requests": _requests(1, 1)}
    with pytest.raises(NotFoundError, match="hubble"):
        plan_night(parse_request_set(doc))
