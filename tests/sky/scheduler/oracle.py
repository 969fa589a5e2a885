"""Independent, deliberately naive helpers for the scheduler tests (no code shared with the scheduler)."""

from __future__ import annotations

import itertools

import numpy as np

from spacebridge.sky.scheduler.problem import NightProblem


def plan_violations(problem: NightProblem, order, starts) -> list[str]:
    """Every block wholly inside one of its windows (exact duration), no overlap including slews, no repeats."""
    out = []
    if len(set(order)) != len(order):
        out.append("a request is scheduled twice")
    for i, s in zip(order, starts, strict=True):
        end = s + float(problem.duration_s[i])
        if not any(a <= s and end <= b for a, b in problem.windows[i]):
            out.append(f"{problem.keys[i]} [{s}, {end}] outside its windows {problem.windows[i].tolist()}")
    for (i, s), (j, t) in itertools.pairwise(zip(order, starts, strict=True)):
        if t < s + float(problem.duration_s[i]) + float(problem.slew_s[i, j]):
            out.append(f"{problem.keys[i]} -> {problem.keys[j]} overlaps (slew {problem.slew_s[i, j]} s)")
    groups = [int(problem.exclusive[i]) for i in order if problem.exclusive[i] >= 0]
    if len(groups) != len(set(groups)):
        out.append("two requests of one single group")
    return out


def _sequence_fits(problem: NightProblem, seq) -> bool:
    t, prev = -(10**9), None
    for i in seq:
        arrive = t + (problem.slew_s[prev, i] if prev is not None else 0)
        starts = [max(arrive, a) for a, b in problem.windows[i] if max(arrive, a) + problem.occupancy_s[i] <= b]
        if not starts:
            return False
        t, prev = min(starts) + problem.occupancy_s[i], i
    return True


def brute_force_value(problem: NightProblem) -> float:
    """Best total value over every ordered subset (small problems only)."""
    best = 0.0
    idx = range(problem.size)
    for k in range(1, problem.size + 1):
        for subset in itertools.combinations(idx, k):
            groups = [int(problem.exclusive[i]) for i in subset if problem.exclusive[i] >= 0]
            if len(groups) != len(set(groups)):
                continue
            value = float(np.sum(problem.value[list(subset)]))
            if value <= best:
                continue
            if any(_sequence_fits(problem, p) for p in itertools.permutations(subset)):
                best = value
    return best


def random_problem(rng: np.random.Generator, n: int, *, horizon_s: int = 8 * 3600, groups: bool = False):
    """A random night: 1-2 windows per request, durations 5-60 min, slews from random sky positions."""
    keys = [f"q{i}" for i in range(n)]
    windows = []
    for _ in range(n):
        wins, t = [], int(rng.integers(0, horizon_s // 2))
        for _ in range(int(rng.integers(1, 3))):
            length = int(rng.integers(600, horizon_s // 2))
            wins.append([t, min(t + length, horizon_s)])
            t = min(t + length + int(rng.integers(300, 3600)), horizon_s)
            if t >= horizon_s - 600:
                break
        windows.append(wins)
    ra, dec = rng.uniform(0, 360, n), rng.uniform(-30, 80, n)
    from spacebridge.sky.scheduler.problem import slew_matrix_s

    return NightProblem.build(
        keys,
        duration_s=rng.integers(300, 3600, n).astype(float) + rng.choice([0.0, 0.5], n),
        priority=rng.integers(1, 11, n).astype(float),
        windows=windows,
        slew_s=slew_matrix_s(ra, dec, slew_rate_deg_s=float(rng.choice([0.2, 1.0]))),
        horizon_s=horizon_s,
        exclusive=rng.integers(-1, 2, n) if groups else None,
    )
