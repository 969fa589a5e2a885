"""CP-SAT polish: proves the optimum on small nights, never returns a worse plan, reports its gap."""

from __future__ import annotations

import numpy as np
import pytest

from spacebridge.sky.scheduler.greedy import NightPlan, schedule_night
from spacebridge.sky.scheduler.polish import polish_night

from .oracle import brute_force_value, plan_violations, random_problem


@pytest.mark.parametrize("seed", range(8))
def test_polish_proves_the_brute_force_optimum(seed):
    rng = np.random.default_rng(1000 + seed)
    problem = random_problem(rng, int(rng.integers(3, 7)), groups=seed % 2 == 0)
    result = polish_night(problem, NightPlan((), (), 0.0), time_limit_s=10)
    assert result.status == "OPTIMAL"
    assert result.gap == pytest.approx(0.0, abs=1e-9)
    assert result.value == pytest.approx(brute_force_value(problem))
    assert plan_violations(problem, result.plan.order, result.plan.start_s) == []


def test_polish_never_returns_a_worse_plan_and_reports_a_bound():
    problem = random_problem(np.random.default_rng(7), 60, horizon_s=6 * 3600)
    start = schedule_night(problem)
    result = polish_night(problem, start, time_limit_s=2, num_workers=1)
    assert result.value >= start.value - 1e-12
    assert result.bound >= result.value - 1e-9
    assert 0.0 <= result.gap < 1.0
    assert plan_violations(problem, result.plan.order, result.plan.start_s) == []
