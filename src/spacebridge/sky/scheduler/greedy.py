"""Fast night scheduling: priority-weighted greedy insertion, then local search.

The night problem is an orienteering problem with time windows and sequence-dependent set-up times (slews): choose
and order blocks to maximise the summed value (priority x hours) with every block inside one of its windows. The
heuristic follows the iterated local search (ILS) of Vansteenwegen, Souffriau, Vanden Berghe & Van Oudheusden
(2009, Computers & Operations Research 36(12):3281-3290):

1. *Construction*, twice: (a) in priority order, each request goes where it consumes the least time (a dispatch
   rule like astroplan's ``PriorityScheduler``, but blocks around it may shift and the slews are counted);
   (b) best insertion by ``value**2 / shift`` (the ILS insertion rule). The better result is kept.
2. *Ejection*: a scheduled block steps out for an unscheduled one and goes back elsewhere if it still fits (or
   stays out when the newcomer is worth more).
3. *Perturbation*: remove ``R`` consecutive blocks from position ``P``, let the rest start earlier, re-insert
   (rule b); keep the best solution seen; ``R`` and ``P`` move as in the paper. Stops after
   ``max_no_improve`` perturbations without improvement or ``max_time_s``.

Every insertion is checked exactly (see :mod:`~spacebridge.sky.scheduler.timing`): blocks are never shortened and
never leave their windows. Inputs are never modified.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from spacebridge.sky.scheduler.problem import NightProblem
from spacebridge.sky.scheduler.timing import INF, Insertions, Timer, forward_starts, latest_arrivals

__all__ = ["HeuristicOptions", "NightPlan", "schedule_night"]

log = logging.getLogger(__name__)

_RULES = ((2.0, False), (1.0, False), (3.0, False), (2.0, True))
"""Insertion rules (exponent e, use delay): ``value**e / shift`` (e = 2 is Vansteenwegen et al.'s, 1 and 3
diversify) or ``value**e / (delay + shift / 20 + 1)``, which prefers idle time and the night's ends."""


@dataclass(frozen=True)
class HeuristicOptions:
    """Knobs of :func:`schedule_night` (defaults keep 300 requests well under one second)."""

    max_no_improve: int = 60
    """Perturbations without improvement before stopping (Vansteenwegen et al. use 150 on smaller instances)."""
    max_time_s: float = 0.6
    """Wall-clock cap of the local search, in seconds."""


@dataclass(frozen=True)
class NightPlan:
    """A feasible night schedule: request indices in time order and their start times (seconds from t0)."""

    order: tuple[int, ...]
    start_s: tuple[int, ...]
    value: float
    method: str = "heuristic"

    @property
    def scheduled(self) -> frozenset[int]:
        return frozenset(self.order)


class _State:
    """A sequence being edited: order, earliest starts and which exclusive groups are used."""

    def __init__(self, problem: NightProblem, timer: Timer, order: Sequence[int] = ()) -> None:
        self.problem, self.timer = problem, timer
        self.order = list(order)
        self._update()

    def refresh(self) -> None:
        """Recompute start times after ``order`` was replaced."""
        self._update()

    def _update(self) -> None:
        self.starts = forward_starts(self.problem, self.order)
        self.latest = latest_arrivals(self.problem, self.order)

    def insertions(self, candidates: np.ndarray) -> Insertions:
        return self.timer.insertions(self.order, self.starts, candidates, self.latest)

    def copy(self) -> _State:
        return _State(self.problem, self.timer, self.order)

    @property
    def value(self) -> float:
        return float(self.problem.value[self.order].sum()) if self.order else 0.0

    def candidates(self, fits: np.ndarray) -> np.ndarray:
        ok = fits.copy()
        ok[self.order] = False
        used = self.problem.exclusive[self.order] if self.order else np.empty(0, dtype=np.int64)
        used = used[used >= 0]
        if used.size:
            ok &= ~np.isin(self.problem.exclusive, used)
        return np.flatnonzero(ok)

    def insert(self, request: int, gap: int) -> None:
        self.order.insert(gap, request)
        self._update()

    def remove(self, positions: Sequence[int]) -> None:
        drop = set(positions)
        self.order = [r for k, r in enumerate(self.order) if k not in drop]
        self._update()


def _fill_by_ratio(state: _State, fits: np.ndarray, exponent: float = 2.0, delay: bool = False) -> None:
    """Insert the best ``value**exponent / cost`` candidate until nothing fits (ILS insertion step)."""
    value = state.problem.value
    while True:
        cands = state.candidates(fits)
        if not cands.size:
            return
        ins = state.insertions(cands)
        if not ins.feasible.any():
            return
        cost = ins.delay_s + ins.shift_s / 20.0 + 1.0 if delay else np.maximum(ins.shift_s, 1)
        ratio = np.where(ins.feasible, (value[cands] ** exponent)[:, None] / cost, -1.0)
        c, g = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
        state.insert(int(cands[c]), int(g))


def _fill_by_priority(state: _State, fits: np.ndarray) -> None:
    """Dispatch in decreasing value: each request goes to the gap where it consumes the least time."""
    for request in np.argsort(-state.problem.value, kind="stable"):
        if not fits[request] or request not in set(state.candidates(fits)):
            continue
        ins = state.insertions(np.array([request]))
        if ins.feasible.any():
            state.insert(int(request), int(np.argmin(ins.shift_s[0])))


def _eject_and_insert(state: _State, fits: np.ndarray, tries: int = 4) -> bool:
    """Best move "take block i out, put unscheduled j in, put i back elsewhere if it still fits".

    For each scheduled block, the ``tries`` most valuable requests that fit once it is out are inserted where they
    consume least time, then the block is re-inserted if possible. The gain is j's value, minus i's when i no
    longer fits (then it is a plain exchange). Applies the best positive move; returns whether one was made.
    """
    value = state.problem.value
    best_gain, best = 1e-12, None
    for pos, incumbent in enumerate(state.order):
        trial = state.copy()
        trial.remove([pos])
        cands = trial.candidates(fits)
        cands = cands[cands != incumbent]
        if not cands.size:
            continue
        ins = trial.insertions(cands)
        ok = ins.feasible.any(axis=1)
        for c in np.flatnonzero(ok)[np.argsort(-value[cands[ok]], kind="stable")][:tries]:
            if value[cands[c]] <= best_gain:
                break
            after = trial.copy()
            after.insert(int(cands[c]), int(np.argmin(ins.shift_s[c])))
            back = after.insertions(np.array([incumbent]))
            fits_back = bool(back.feasible.any()) and incumbent in after.candidates(fits)  # "single" groups
            gain = float(value[cands[c]]) - (0.0 if fits_back else float(value[incumbent]))
            if gain > best_gain:
                gap = int(np.argmin(back.shift_s[0])) if fits_back else -1
                best_gain, best = gain, (after, gap, incumbent)
    if best is None:
        return False
    after, gap, incumbent = best
    if gap >= 0:
        after.insert(incumbent, gap)
    state.order = after.order
    state.refresh()
    return True


def _improve(state: _State, fits: np.ndarray, deadline: float) -> None:
    while time.perf_counter() < deadline and _eject_and_insert(state, fits):
        _fill_by_ratio(state, fits)


def schedule_night(problem: NightProblem, *, options: HeuristicOptions | None = None) -> NightPlan:
    """Schedule one night with the greedy + local-search heuristic.

    Parameters
    ----------
    problem
        The night's requests, windows and slews (not modified).
    options
        Search limits; see :class:`HeuristicOptions`.

    Returns
    -------
    NightPlan
        Blocks in time order with their start times; every block lies wholly in one of its windows and
        consecutive blocks are separated by at least the slew time.
    """
    opts = options or HeuristicOptions()
    t_start = time.perf_counter()
    deadline = t_start + opts.max_time_s
    timer = Timer(problem)
    fits = problem.fits()
    constructed = []
    constructions: list[Callable[[_State, np.ndarray], None]] = [_fill_by_priority]
    constructions += [partial(_fill_by_ratio, exponent=e, delay=d) for e, d in _RULES]
    for construct in constructions:
        state = _State(problem, timer)
        construct(state, fits)
        _fill_by_ratio(state, fits)
        constructed.append(state)
    best = max(constructed, key=lambda st: st.value)
    _improve(best, fits, deadline)
    current = best.copy()
    remove_len, position, no_improve, iteration = 1, 0, 0, 0
    max_len = max(1, len(best.order) // 3)
    while no_improve < opts.max_no_improve and time.perf_counter() < deadline and current.order:
        iteration += 1
        position %= len(current.order)
        current.remove([(position + k) % len(current.order) for k in range(min(remove_len, len(current.order)))])
        _fill_by_ratio(current, fits, *_RULES[iteration % len(_RULES)])
        if current.value > best.value + 1e-12:
            _improve(current, fits, deadline)
            best, remove_len, no_improve = current.copy(), 1, 0
        else:
            remove_len, no_improve = remove_len + 1, no_improve + 1
        position += remove_len
        if remove_len > max_len:
            remove_len = 1
        if no_improve % 10 == 0:
            current = best.copy()
    log.info("heuristic: %d blocks, value %.3f in %.3f s", len(best.order), best.value, time.perf_counter() - t_start)
    if any(s >= INF for s in best.starts):  # pragma: no cover - guarded by construction
        raise RuntimeError("internal error: infeasible sequence produced")
    return NightPlan(tuple(best.order), tuple(best.starts), best.value)
