"""A prioritised rollout: which settlements to connect in which year under a yearly capital budget.

Each eligible settlement has a capital cost and a benefit (people reached, facilities weighted). Every year the
budget buys a set of not-yet-connected settlements; unspent budget does not carry over.

- ``greedy``: settlements in decreasing benefit per dollar (ties: larger benefit first, then input order);
  each year takes them in that order while they fit, skips those that do not and keeps filling with the next
  ones that do (Dantzig's greedy for the 0/1 knapsack, 1957: near-optimal when items are small against the
  budget, as settlements are against a national budget, but without a general guarantee). Vectorised.
- ``exact``: each year solves the 0/1 knapsack (maximise benefit under the budget) with OR-Tools'
  branch-and-bound knapsack solver; myopic across years (each year is optimal given the previous ones). Costs
  are rounded to millionths of the budget (k items may overspend by k/2 millionths), benefits to hundredths.
  Meant for up to a few tens of thousands of settlements; ``time_limit_s`` bounds each year's search (the
  result then says it is not proven optimal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError

__all__ = ["Rollout", "plan_rollout"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_BUDGET_UNITS = 1_000_000


@dataclass(frozen=True)
class Rollout:
    year: IntArray
    """1-based year each settlement is connected; 0 if not within the horizon or not eligible."""
    rank: IntArray
    """Position in the rollout (1 = first); 0 when not scheduled."""
    spent_usd: FloatArray
    """Capital spent per year."""
    benefit: FloatArray
    """Benefit connected per year."""
    method: str
    optimal: bool
    """Whether every year's selection is proven optimal (always True for greedy's own criterion: False)."""


def _greedy_year(order: IntArray, cost: FloatArray, taken: npt.NDArray[np.bool_], budget: float) -> IntArray:
    remaining = budget
    chosen: list[IntArray] = []
    candidates = order[~taken[order]]
    while candidates.size:
        candidates = candidates[cost[candidates] <= remaining]
        if candidates.size == 0:
            break
        cumulative = np.cumsum(cost[candidates])
        n_fit = int(np.searchsorted(cumulative, remaining, side="right"))
        pick = candidates[:n_fit]
        chosen.append(pick)
        remaining -= float(cumulative[n_fit - 1])
        candidates = candidates[n_fit:]
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)


def _exact_year(
    index: IntArray, cost: FloatArray, benefit: FloatArray, budget: float, time_limit_s: float
) -> tuple[IntArray, bool]:
    from ortools.algorithms.python import knapsack_solver

    fits = index[cost[index] <= budget]
    if fits.size == 0:
        return fits, True
    solver = knapsack_solver.KnapsackSolver(
        knapsack_solver.SolverType.KNAPSACK_MULTIDIMENSION_BRANCH_AND_BOUND_SOLVER, "rollout"
    )
    values = np.round(benefit[fits] * 100.0).astype(np.int64).tolist()
    unit = budget / _BUDGET_UNITS  # costs in millionths of the budget
    weights = [np.round(cost[fits] / unit).astype(np.int64).tolist()]
    solver.init(values, weights, [_BUDGET_UNITS])
    solver.set_time_limit(time_limit_s)
    solver.solve()
    mask = np.array([solver.best_solution_contains(i) for i in range(fits.size)], dtype=bool)
    return fits[mask], bool(solver.is_solution_optimal())


def plan_rollout(
    capex_usd: FloatArray,
    benefit: FloatArray,
    *,
    eligible: npt.NDArray[np.bool_],
    yearly_budget_usd: float,
    years: int,
    method: Literal["greedy", "exact"] = "greedy",
    time_limit_s: float = 10.0,
) -> Rollout:
    """Schedule eligible settlements year by year under ``yearly_budget_usd`` (see the module docstring)."""
    if method not in ("greedy", "exact"):
        raise InvalidInputError(f"unknown rollout method {method!r}", hint="Use 'greedy' or 'exact'", name="method")
    if yearly_budget_usd <= 0 or years <= 0:
        raise InvalidInputError("the yearly budget and the number of years must be positive", name="yearly_budget_usd")
    cost = np.asarray(capex_usd, dtype=np.float64)
    value = np.asarray(benefit, dtype=np.float64)
    ok = eligible & np.isfinite(cost) & (cost >= 0) & np.isfinite(value)
    ratio = np.where(cost > 0, value / np.where(cost > 0, cost, 1.0), np.inf)
    candidates = np.flatnonzero(ok)
    order = candidates[np.lexsort((candidates, -value[candidates], -ratio[candidates]))]
    year = np.zeros(cost.size, dtype=np.int64)
    rank = np.zeros(cost.size, dtype=np.int64)
    taken = ~ok
    spent, gained = np.zeros(years), np.zeros(years)
    optimal = method == "exact"
    next_rank = 1
    for y in range(years):
        if method == "greedy":
            pick = _greedy_year(order, cost, taken, yearly_budget_usd)
        else:
            pick, proven = _exact_year(order[~taken[order]], cost, value, yearly_budget_usd, time_limit_s)
            optimal = optimal and proven
            pick = pick[np.lexsort((pick, -value[pick], -ratio[pick]))]
        if pick.size == 0:
            break
        taken[pick] = True
        year[pick] = y + 1
        rank[pick] = np.arange(next_rank, next_rank + pick.size)
        next_rank += pick.size
        spent[y] = cost[pick].sum()
        gained[y] = value[pick].sum()
    return Rollout(year, rank, spent, gained, method, optimal)
