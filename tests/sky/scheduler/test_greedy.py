"""The night heuristic on synthetic masks: feasible, never shortened, inputs untouched, optimal on small nights."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacebridge.sky.scheduler.greedy import HeuristicOptions, schedule_night
from spacebridge.sky.scheduler.problem import NightProblem, windows_from_mask

from .oracle import brute_force_value, plan_violations, random_problem


def _same(a: NightProblem, b: NightProblem) -> bool:
    arrays = ("duration_s", "occupancy_s", "priority", "value", "slew_s", "exclusive")
    return (
        a.keys == b.keys
        and all(np.array_equal(getattr(a, k), getattr(b, k)) for k in arrays)
        and all(np.array_equal(x, y) for x, y in zip(a.windows, b.windows, strict=True))
    )


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), groups=st.booleans())
def test_small_nights_are_feasible_and_inputs_untouched(seed, n, groups):
    problem = random_problem(np.random.default_rng(seed), n, groups=groups)
    before = copy.deepcopy(problem)
    plan = schedule_night(problem)
    assert plan_violations(problem, plan.order, plan.start_s) == []
    assert plan.value == pytest.approx(float(problem.value[list(plan.order)].sum()) if plan.order else 0.0)
    assert plan.value <= brute_force_value(problem) + 1e-9
    assert _same(problem, before)


def test_small_nights_are_solved_almost_always_optimally():
    """Against the brute-force optimum of 150 fixed random nights of 6 requests: the heuristic is exact on the
    large majority and never far off (measured on seeds 300-1500: 3 misses in 1,200, the worst at 91 %)."""
    ratios = []
    for seed in range(150):
        problem = random_problem(np.random.default_rng(seed), 6, groups=seed % 2 == 0)
        best = brute_force_value(problem)
        ratios.append(schedule_night(problem).value / best if best else 1.0)
    ratios = np.array(ratios)
    assert np.mean(ratios > 1 - 1e-9) >= 0.97
    assert ratios.min() >= 0.85


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_oversubscribed_nights_stay_feasible_and_fast(seed):
    problem = random_problem(np.random.default_rng(seed), 120, horizon_s=10 * 3600)
    before = copy.deepcopy(problem)
    plan = schedule_night(problem, options=HeuristicOptions(max_time_s=0.5))
    assert plan_violations(problem, plan.order, plan.start_s) == []
    assert _same(problem, before)
    # blocks keep their full length: the occupied time is the sum of whole durations
    assert sum(problem.occupancy_s[i] for i in plan.order) <= problem.horizon_s


def test_the_more_valuable_request_wins_a_contested_slot():
    windows = windows_from_mask(np.arange(0, 1200, 60), np.ones((3, 20), dtype=bool))  # [0, 1140] for all
    problem = NightProblem.build(
        ["low", "high", "mid"], duration_s=[700, 700, 700], priority=[1, 9, 5], windows=windows, slew_s=np.zeros((3, 3))
    )
    plan = schedule_night(problem)
    assert [problem.keys[i] for i in plan.order] == ["high"]


def test_slews_are_respected_and_ordering_saves_slew_time():
    # three targets on a line: A (0 deg), B (50 deg), C (100 deg); slewing A->C costs 100 s at 1 deg/s.
    slew = np.array([[0, 50, 100], [50, 0, 50], [100, 50, 0]])
    # A and C fit with B between them only in the order A, B, C (or C, B, A)
    problem = NightProblem.build(
        ["A", "B", "C"], duration_s=[600, 600, 600], priority=[1, 1, 1], windows=[[[0, 1900]]] * 3, slew_s=slew
    )
    plan = schedule_night(problem)
    assert len(plan.order) == 3
    assert [problem.keys[i] for i in plan.order] in (["A", "B", "C"], ["C", "B", "A"])
    assert plan_violations(problem, plan.order, plan.start_s) == []


def test_blocks_are_never_shortened_to_fit():
    # the window is one second too short: the block must be left out, not trimmed
    problem = NightProblem.build(["x"], duration_s=[600.5], priority=[5], windows=[[[0, 600]]], slew_s=[[0]])
    assert schedule_night(problem).order == ()
    problem = NightProblem.build(["x"], duration_s=[600.5], priority=[5], windows=[[[0, 601]]], slew_s=[[0]])
    assert schedule_night(problem).order == (0,)


def test_single_groups_schedule_at_most_one_member():
    problem = NightProblem.build(
        ["a", "b", "c"],
        duration_s=[600, 600, 600],
        priority=[3, 4, 1],
        windows=[[[0, 5000]]] * 3,
        slew_s=np.zeros((3, 3)),
        exclusive=[0, 0, -1],
    )
    plan = schedule_night(problem)
    assert sorted(problem.keys[i] for i in plan.order) == ["b", "c"]


def test_empty_and_hopeless_problems():
    empty = NightProblem.build([], duration_s=[], priority=[], windows=[], slew_s=np.zeros((0, 0)))
    assert schedule_night(empty).order == ()
    hopeless = NightProblem.build(["x"], duration_s=[60], priority=[1], windows=[[]], slew_s=[[0]])
    assert schedule_night(hopeless).order == ()
