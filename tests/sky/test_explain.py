"""Reasons for unscheduled requests, on synthetic masks: one case per reason."""

from __future__ import annotations

import numpy as np

from spacebridge.sky.explain import REASON_CODES, explain_unscheduled
from spacebridge.sky.requests import Constraints, Request, Target
from spacebridge.sky.scheduler.greedy import schedule_night
from spacebridge.sky.scheduler.problem import NightProblem, windows_from_mask

T = 120  # 60 s steps: a two-hour night
TIMES = np.arange(T, dtype=np.int64) * 60


def _request(key: str, priority: float, duration_s: float = 1800.0) -> Request:
    return Request(key, Target(key, 10.0, 20.0), duration_s, priority, Constraints(2.0, 30.0, "astronomical"))


def _case(masks: dict[str, np.ndarray], priorities, durations, exclusive=None):
    requests = [_request(f"r{i}", p, d) for i, (p, d) in enumerate(zip(priorities, durations, strict=True))]
    observable = masks["dark"] & masks["airmass"] & masks["limits"] & masks["window"] & masks["moon"]
    problem = NightProblem.build(
        [r.key for r in requests],
        duration_s=durations,
        priority=priorities,
        windows=windows_from_mask(TIMES, observable),
        slew_s=np.zeros((len(requests), len(requests)), dtype=int),
        t0_unix_s=1_795_800_000,
        exclusive=exclusive,
    )
    plan = schedule_night(problem)
    return plan, explain_unscheduled(problem, plan, requests, masks, TIMES)


def _masks(n: int) -> dict[str, np.ndarray]:
    return {k: np.ones((n, T), dtype=bool) for k in ("dark", "airmass", "limits", "window", "moon")}


def test_each_reason():
    m = _masks(8)
    m["dark"][0] = False  # r0: no darkness
    m["airmass"][1] = False  # r1: never visible
    m["window"][2] = False  # r2: outside its windows
    m["moon"][3] = False  # r3: Moon all night
    m["moon"][4, ::20] = False  # r4: the Moon cuts the night into 18-minute pieces
    m["airmass"][5, 10:] = False  # r5: visible 9 minutes only
    m["limits"][7] = False  # r7: outside the mount limits
    plan, reasons = _case(m, [1] * 8, [1800] * 8)
    assert plan.order == (6,)
    codes = {i: reasons[i].code for i in reasons}
    assert codes == {
        0: "no darkness",
        1: "never visible",
        2: "outside its time windows",
        3: "Moon",
        4: "Moon",
        5: "window too short",
        7: "never visible",
    }
    assert "mount limits" in reasons[7].text
    assert reasons[1].text.startswith("never visible: airmass stays above 2")
    assert "leaves at most 18 min" in reasons[4].text
    assert "observable at most 9 min in a row, the block needs 30.0 min" in reasons[5].text
    assert set(codes.values()) <= set(REASON_CODES)


def test_outranked_names_the_blocking_requests_by_priority():
    m = _masks(4)
    # a two-hour night, four 50-minute requests: two fit; the two of lowest priority are outranked
    plan, reasons = _case(m, [2, 9, 5, 1], [3000] * 4)
    assert sorted(plan.order) == [1, 2]
    assert reasons[0].code == reasons[3].code == "outranked"
    assert reasons[0].blocked_by == ("r1", "r2")
    assert reasons[0].text.startswith("outranked by r1 (priority 9), r2 (priority 5)")


def test_single_group_sibling_is_named():
    plan, reasons = _case(_masks(2), [3, 2], [600, 600], exclusive=[0, 0])
    assert plan.order == (0,)
    assert reasons[1].code == "single group"
    assert reasons[1].blocked_by == ("r0",)
