"""Exact polish of a night schedule with OR-Tools CP-SAT, within a time limit, reporting the optimality gap.

Model (the usual constraint-programming formulation of a single machine with optional jobs, time windows and
sequence-dependent set-up times, see Laborie et al. 2018, "IBM ILOG CP optimizer for scheduling", Constraints
23:210-250, and the OR-Tools routing-with-time-windows examples):

- per request a presence literal and an optional fixed-size interval variable whose start lies in the union of the
  request's windows (so the whole block lies in one window);
- ``NoOverlap`` over the intervals (redundant with the next item, but it propagates strongly);
- a ``Circuit`` over the present requests and a depot node: an arc ``i -> j`` forces
  ``start_j >= start_i + length_i + slew_ij``; absent requests take their self-loop;
- at most one request per ``"single"`` group;
- maximise the summed value; the heuristic's plan is the starting hint, so the polish never returns a worse plan.

CP-SAT reports its best bound, hence the gap ``(bound - value) / bound``. Hand-written: no library states this
model for us; OR-Tools solves it (Apache-2.0).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from spacebridge.sky.scheduler.greedy import NightPlan
from spacebridge.sky.scheduler.problem import NightProblem
from spacebridge.sky.scheduler.timing import INF, forward_starts

__all__ = ["PolishResult", "polish_night"]

log = logging.getLogger(__name__)

_SCALE = 100.0
"""Objective coefficients are round(priority x seconds x _SCALE) + 1 (CP-SAT needs integers)."""


@dataclass(frozen=True)
class PolishResult:
    """The polished plan and how good it is known to be."""

    plan: NightPlan
    status: str
    """CP-SAT status: OPTIMAL (gap 0), FEASIBLE (stopped by the time limit), or UNKNOWN (no model solution)."""
    value: float
    bound: float
    """Upper bound on the value of any schedule (same unit as ``value``)."""
    gap: float
    """Relative optimality gap ``(bound - value) / bound`` (0 when proven optimal)."""
    wall_s: float


def _coefficients(problem: NightProblem) -> np.ndarray:
    return np.round(problem.priority * problem.duration_s * _SCALE).astype(np.int64) + 1


def _hint(
    model: Any, start: NightPlan, present: dict, starts: dict, first: dict, arcs: dict, depot: dict, empty: Any
) -> None:
    """A complete hint (every literal) from the heuristic's plan, so CP-SAT starts from a full solution."""
    chosen = set(start.order)
    for i, lit in present.items():
        model.add_hint(lit, i in chosen)
    hinted_starts = dict(zip(start.order, start.start_s, strict=True))
    for i, var in starts.items():
        model.add_hint(var, int(hinted_starts.get(i, first[i])))
    used = set(zip(start.order, start.order[1:], strict=False))
    if start.order:
        used |= {(-1, start.order[0]), (start.order[-1], -1)}
    for key, lit in (arcs | depot).items():
        model.add_hint(lit, key in used)
    model.add_hint(empty, not start.order)


def polish_night(
    problem: NightProblem,
    start: NightPlan,
    *,
    time_limit_s: float = 10.0,
    num_workers: int = 2,
    seed: int = 0,
) -> PolishResult:
    """Improve ``start`` with CP-SAT for at most ``time_limit_s`` seconds and report the optimality gap.

    Examples
    --------
    >>> import numpy as np
    >>> from spacebridge.sky.scheduler.greedy import schedule_night
    >>> p = NightProblem.build(["a", "b"], duration_s=[600, 600], priority=[1, 2],
    ...                        windows=[[[0, 900]], [[0, 900]]], slew_s=np.zeros((2, 2)))
    >>> polish_night(p, schedule_night(p)).plan.order
    (1,)
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    coef = _coefficients(problem)
    cands = [int(i) for i in np.flatnonzero(problem.fits())]
    model = cp_model.CpModel()
    present, starts, intervals = {}, {}, []
    for i in cands:
        occ = int(problem.occupancy_s[i])
        spans = [[int(a), int(b) - occ] for a, b in problem.windows[i] if b - a >= occ]
        present[i] = model.new_bool_var(f"p{i}")
        starts[i] = model.new_int_var_from_domain(cp_model.Domain.from_intervals(spans), f"s{i}")
        intervals.append(model.new_optional_fixed_size_interval_var(starts[i], occ, present[i], f"iv{i}"))
    model.add_no_overlap(intervals)
    lo = {i: int(min(a for a, b in problem.windows[i] if b - a >= problem.occupancy_s[i])) for i in cands}
    hi = {i: int(max(b for a, b in problem.windows[i] if b - a >= problem.occupancy_s[i])) for i in cands}
    node = {i: k + 1 for k, i in enumerate(cands)}
    empty = model.new_bool_var("empty")
    arcs: list[tuple[int, int, Any]] = [(0, 0, empty)]
    arc_lit: dict[tuple[int, int], Any] = {}
    depot_lits: dict[tuple[int, int], Any] = {}
    for i in cands:
        arcs.append((node[i], node[i], present[i].Not()))
        for a, b, key in ((0, node[i], (-1, i)), (node[i], 0, (i, -1))):
            lit = model.new_bool_var(f"a{a}_{b}")
            arcs.append((a, b, lit))
            depot_lits[key] = lit
            model.add_implication(lit, present[i])
        for j in cands:
            slew = int(problem.slew_s[i, j])
            if i == j or lo[i] + int(problem.occupancy_s[i]) + slew + int(problem.occupancy_s[j]) > hi[j]:
                continue
            lit = model.new_bool_var(f"a{i}_{j}")
            arcs.append((node[i], node[j], lit))
            arc_lit[i, j] = lit
            model.add(starts[j] >= starts[i] + int(problem.occupancy_s[i]) + slew).only_enforce_if(lit)
    model.add_circuit(arcs)
    for group in np.unique(problem.exclusive[problem.exclusive >= 0]):
        members = [present[i] for i in cands if problem.exclusive[i] == group]
        if len(members) > 1:
            model.add_at_most_one(members)
    model.maximize(sum(int(coef[i]) * present[i] for i in cands))

    _hint(model, start, present, starts, lo, arc_lit, depot_lits, empty)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = int(num_workers)
    solver.parameters.random_seed = int(seed)
    solver.parameters.cp_model_probing_level = 0  # probing 30,000 arc literals costs seconds and gains little here
    status = solver.solve(model)
    status_name = solver.status_name(status)
    plan = start
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        order = sorted((i for i in cands if solver.value(present[i])), key=lambda i: solver.value(starts[i]))
        times = forward_starts(problem, order)
        value = float(problem.value[order].sum()) if order else 0.0
        if all(s < INF for s in times) and value > start.value + 1e-12:
            plan = NightPlan(tuple(order), tuple(times), value, method="cp-sat")
    start_coef = float(coef[list(start.order)].sum()) if start.order else 0.0
    plan_coef = float(coef[list(plan.order)].sum()) if plan.order else 0.0
    bound_coef = float(solver.best_objective_bound) if status_name != "UNKNOWN" else float(coef[cands].sum())
    bound_coef = max(bound_coef, plan_coef, start_coef)
    scale = plan.value / plan_coef if plan_coef else 1.0 / (_SCALE * 3600.0)
    gap = (bound_coef - plan_coef) / bound_coef if bound_coef > 0 else 0.0
    wall = time.perf_counter() - t0
    log.info("cp-sat polish: %s, value %.3f, gap %.2f%% in %.1f s", status_name, plan.value, 100 * gap, wall)
    return PolishResult(plan, status_name, plan.value, bound_coef * scale, gap, wall)
