"""Timing of a sequence of blocks: earliest starts, latest arrivals and the cost of inserting a block.

A night schedule is an ordered sequence of requests. Given the order, each block starts as early as possible
(after the previous block and the slew, inside one of its windows): the forward pass. Because waiting is allowed
and starting earlier never hurts what follows, the rest of a sequence stays feasible as long as the telescope
arrives at a block no later than that block's *latest arrival*, computed by a backward pass. With both, whether a
block fits between two neighbours is decided in constant time per window, for every candidate and every gap at
once, which is what makes the insertion heuristics fast. This is the ``Wait``/``MaxShift`` bookkeeping of
Vansteenwegen et al. (2009, "Iterated local search for the team orienteering problem with time windows",
Computers & Operations Research 36(12):3281-3290), generalised to several windows per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.sky.scheduler.problem import IntArray, NightProblem

__all__ = ["INF", "Insertions", "Timer", "earliest_start", "forward_starts", "latest_arrivals"]

INF = np.iinfo(np.int64).max // 4
"""Stands for "no time" (infeasible) in integer time arrays."""


def earliest_start(windows: Sequence[tuple[int, int]], occupancy_s: int, arrival_s: int) -> int:
    """Earliest start at or after ``arrival_s`` such that the block fits in a window; ``INF`` if none."""
    for start, end in windows:
        s = arrival_s if arrival_s > start else start
        if s + occupancy_s <= end:
            return s
    return INF


def _latest_arrival(windows: Sequence[tuple[int, int]], occupancy_s: int, deadline_s: int) -> int:
    """Latest arrival from which the block can still end by ``deadline_s`` inside a window; ``-INF`` if none."""
    best = -INF
    for start, end in windows:
        latest = (end if end < deadline_s else deadline_s) - occupancy_s
        if latest >= start and latest > best:
            best = latest
    return best


def forward_starts(problem: NightProblem, order: Sequence[int]) -> list[int]:
    """Earliest start of every block of ``order`` (``INF`` from the first block that does not fit)."""
    windows, occ, slew = problem.plain
    starts: list[int] = []
    previous, free_at = -1, 0
    for i in order:
        arrival = free_at + slew[previous][i] if previous >= 0 else free_at
        s = earliest_start(windows[i], occ[i], arrival)
        starts.append(s)
        if s >= INF:
            starts.extend([INF] * (len(order) - len(starts)))
            return starts
        previous, free_at = i, s + occ[i]
    return starts


def latest_arrivals(problem: NightProblem, order: Sequence[int]) -> list[int]:
    """Latest arrival at every block of ``order`` such that it and all later blocks still fit."""
    windows, occ, slew = problem.plain
    out = [0] * len(order)
    deadline = INF
    for pos in range(len(order) - 1, -1, -1):
        i = order[pos]
        out[pos] = _latest_arrival(windows[i], occ[i], deadline)
        if pos:
            deadline = out[pos] - slew[order[pos - 1]][i]
    return out


@dataclass(frozen=True)
class Insertions:
    """Every way to insert each candidate into each gap of a sequence (arrays of shape candidates x gaps)."""

    candidates: IntArray
    start_s: IntArray
    """Earliest start of the candidate in that gap (``INF`` if it fits in no window there)."""
    feasible: npt.NDArray[np.bool_]
    """The candidate fits and every later block still fits."""
    shift_s: IntArray
    """Time the insertion consumes: wait + block + slews in and out - the slew it replaces."""
    delay_s: IntArray
    """How much later the next block would have to start (0 when the insertion fits in idle time or at the end)."""


class Timer:
    """Vectorised insertion evaluation for one problem (pre-computes padded windows and an extended slew matrix)."""

    def __init__(self, problem: NightProblem) -> None:
        self.problem = problem
        self.win_start, self.win_end = problem.padded_windows()
        n = problem.size
        slew = np.zeros((n + 1, n + 1), dtype=np.int64)  # index n: "no block" (start or end of the night)
        slew[:n, :n] = problem.slew_s
        self.slew = slew
        self.occ = np.asarray(problem.occupancy_s, dtype=np.int64)

    def insertions(
        self, order: Sequence[int], starts: Sequence[int], candidates: IntArray, latest: Sequence[int] | None = None
    ) -> Insertions:
        """Evaluate inserting every candidate into every gap of ``order``.

        ``starts`` are the blocks' earliest starts (:func:`forward_starts`); ``latest`` their latest arrivals
        (:func:`latest_arrivals`, computed here if not given).
        """
        n, m = self.problem.size, len(order)
        seq = np.asarray(order, dtype=np.int64)
        prev_idx = np.concatenate([[n], seq]) if m else np.array([n])
        next_idx = np.concatenate([seq, [n]]) if m else np.array([n])
        ends = np.asarray(starts, dtype=np.int64) + self.occ[seq] if m else np.empty(0, dtype=np.int64)
        prev_end = np.concatenate([[0], ends])
        if latest is None:
            latest = latest_arrivals(self.problem, order)
        latest_next = np.concatenate([np.asarray(latest, dtype=np.int64), [INF]])
        c = np.asarray(candidates, dtype=np.int64)
        occ = self.occ[c][:, None]
        arrival = prev_end[None, :] + self.slew[np.ix_(c, prev_idx)]  # (C, G); slews are symmetric
        start = np.full(arrival.shape, INF, dtype=np.int64)
        for k in range(self.win_start.shape[1]):  # few windows per request: loop, keep arrays 2-D
            s_k = np.maximum(arrival, self.win_start[c, k][:, None])
            ok = (s_k + occ <= self.win_end[c, k][:, None]) & (start == INF)
            np.copyto(start, s_k, where=ok)
        out = start + occ + self.slew[np.ix_(c, next_idx)]
        feasible = (start < INF) & (out <= latest_next[None, :])
        # the first gap has no previous block: waiting before the first block costs nothing
        before = np.broadcast_to(prev_end + self.slew[prev_idx, next_idx], start.shape).copy()
        before[:, 0] = start[:, 0]
        shift = np.where(feasible, out - before, INF)
        next_start = np.concatenate([np.asarray(starts, dtype=np.int64), [INF]]) if m else np.array([INF])
        delay = np.where(feasible, np.maximum(out - next_start[None, :], 0), INF)
        return Insertions(c, start, feasible, shift, delay)
