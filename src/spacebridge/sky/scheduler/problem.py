"""The scheduling problem of one night for one telescope, in integer seconds.

Everything the night schedulers need is here and nothing else: for each request its block length, its value and
the time intervals in which the whole block may lie (the *windows*, derived from the boolean observability masks
of :mod:`spacebridge.sky.constraints`), and the slew time between every pair of targets. Times are integer
seconds from the start of the night (``t0_unix_s``), so that block edges are exact and CP-SAT can use them.

Windows come from masks conservatively: a run of consecutive grid times where a request is observable becomes the
interval from the first to the last time of the run. Nothing between two grid samples outside the run is assumed
observable. (Constraint functions are smooth over the grid step; the thresholds carry a small safety margin, see
docs/decisions/0350-night-scheduling.md.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError

__all__ = ["NightProblem", "great_circle_deg", "slew_matrix_s", "windows_from_mask"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _frozen(a: npt.ArrayLike, dtype: type) -> npt.NDArray[Any]:
    out: npt.NDArray[Any] = np.array(a, dtype=dtype)  # a copy: the problem never shares memory with its inputs
    out.setflags(write=False)
    return out


def great_circle_deg(
    ra1_deg: npt.ArrayLike, dec1_deg: npt.ArrayLike, ra2_deg: npt.ArrayLike, dec2_deg: npt.ArrayLike
) -> FloatArray:
    """Angular distance between two directions (Vincenty's formula, stable at every separation), in degrees."""
    ra1, dec1, ra2, dec2 = (np.radians(np.asarray(x, dtype=float)) for x in (ra1_deg, dec1_deg, ra2_deg, dec2_deg))
    dra = ra2 - ra1
    num = np.hypot(np.cos(dec2) * np.sin(dra), np.cos(dec1) * np.sin(dec2) - np.sin(dec1) * np.cos(dec2) * np.cos(dra))
    den = np.sin(dec1) * np.sin(dec2) + np.cos(dec1) * np.cos(dec2) * np.cos(dra)
    return np.degrees(np.arctan2(num, den))


def slew_matrix_s(
    ra_deg: npt.ArrayLike, dec_deg: npt.ArrayLike, *, slew_rate_deg_s: float, settle_s: float = 0.0
) -> IntArray:
    """Slew time between every pair of targets, rounded up to whole seconds.

    The telescope moves along the great circle at ``slew_rate_deg_s`` (the model of astroplan's ``Transitioner``),
    then settles for ``settle_s`` seconds. The diagonal is zero (no slew to stay on a target).
    """
    if not slew_rate_deg_s > 0:
        raise InvalidInputError(
            f"slew_rate_deg_s must be positive, got {slew_rate_deg_s}", hint="Give the slew rate in degrees per second"
        )
    ra = np.asarray(ra_deg, dtype=float)
    dec = np.asarray(dec_deg, dtype=float)
    sep = great_circle_deg(ra[:, None], dec[:, None], ra[None, :], dec[None, :])
    seconds = np.ceil(sep / slew_rate_deg_s + settle_s - 1e-9).astype(np.int64)
    np.fill_diagonal(seconds, 0)
    return seconds


def windows_from_mask(times_s: npt.ArrayLike, mask: npt.ArrayLike) -> list[IntArray]:
    """Observable intervals of each row of ``mask`` (targets x times) as ``(k, 2)`` arrays of [first, last] times.

    A run of ``True`` from index ``i`` to ``j`` becomes ``[times_s[i], times_s[j]]``; a single ``True`` sample
    gives an interval of zero length, which fits no block.
    """
    times = np.asarray(times_s, dtype=np.int64)
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 2 or m.shape[1] != times.size:
        raise InvalidInputError(
            f"mask shape {m.shape} does not match {times.size} times", hint="Pass a (targets, times) mask"
        )
    padded = np.zeros((m.shape[0], m.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = m
    edges = np.diff(padded, axis=1)
    rows_up, cols_up = np.nonzero(edges == 1)
    _, cols_down = np.nonzero(edges == -1)
    out: list[IntArray] = [np.empty((0, 2), dtype=np.int64) for _ in range(m.shape[0])]
    if rows_up.size:
        starts, ends = times[cols_up], times[cols_down - 1]
        split = np.searchsorted(rows_up, np.arange(m.shape[0] + 1))
        for r in np.unique(rows_up):
            a, b = split[r], split[r + 1]
            out[r] = np.stack([starts[a:b], ends[a:b]], axis=1)
    return out


@dataclass(frozen=True, eq=False)
class NightProblem:
    """One night's scheduling problem (build it with :meth:`build`).

    Attributes are read-only numpy arrays indexed by request: ``occupancy_s`` (block length rounded up to whole
    seconds), ``duration_s`` (exact), ``value`` (priority x hours), ``windows`` (per request a sorted ``(k, 2)`` array
    of disjoint [earliest start, latest end] in seconds from ``t0_unix_s``), ``slew_s`` (pairwise slew seconds),
    ``exclusive`` (group index for requests of which at most one may be scheduled, -1 otherwise).
    """

    keys: tuple[str, ...]
    duration_s: FloatArray
    occupancy_s: IntArray
    priority: FloatArray
    value: FloatArray
    windows: tuple[IntArray, ...]
    slew_s: IntArray
    exclusive: IntArray
    t0_unix_s: int
    horizon_s: int

    @classmethod
    def build(
        cls,
        keys: Sequence[str],
        *,
        duration_s: npt.ArrayLike,
        priority: npt.ArrayLike,
        windows: Sequence[npt.ArrayLike],
        slew_s: npt.ArrayLike,
        t0_unix_s: int = 0,
        horizon_s: int | None = None,
        exclusive: npt.ArrayLike | None = None,
    ) -> NightProblem:
        """Validate and copy the inputs (the caller's arrays are never kept nor modified)."""
        n = len(keys)
        duration = _frozen(duration_s, np.float64)
        prio = _frozen(priority, np.float64)
        slew = _frozen(slew_s, np.int64)
        if duration.shape != (n,) or prio.shape != (n,) or slew.shape != (n, n) or len(windows) != n:
            raise InvalidInputError(
                f"inconsistent problem sizes: {n} keys, durations {duration.shape}, priorities {prio.shape}, "
                f"slew {slew.shape}, {len(windows)} window lists",
                hint="Give one duration, priority and window list per request and an n x n slew matrix",
            )
        if n and (not np.all(duration > 0) or not np.all(prio >= 0)):
            raise InvalidInputError("durations must be positive and priorities non-negative", hint="Check the inputs")
        wins = []
        for w in windows:
            arr = np.array(w, dtype=np.int64).reshape(-1, 2)
            arr = arr[np.argsort(arr[:, 0], kind="stable")]
            arr.setflags(write=False)
            wins.append(arr)
        ends = [int(w[:, 1].max()) for w in wins if len(w)]
        horizon = horizon_s if horizon_s is not None else max(ends, default=0)
        excl = np.full(n, -1) if exclusive is None else exclusive
        # value = priority x hours, plus a tiny term so that zero-priority blocks still fill idle time
        value = prio * duration / 3600.0 + duration * 1e-9
        return cls(
            keys=tuple(keys),
            duration_s=duration,
            occupancy_s=_frozen(np.ceil(duration - 1e-9), np.int64),
            priority=prio,
            value=_frozen(value, np.float64),
            windows=tuple(wins),
            slew_s=slew,
            exclusive=_frozen(excl, np.int64),
            t0_unix_s=int(t0_unix_s),
            horizon_s=int(horizon),
        )

    @cached_property
    def plain(self) -> tuple[tuple[tuple[tuple[int, int], ...], ...], list[int], list[list[int]]]:
        """Windows, occupancies and slews as plain Python ints (fast in the schedulers' sequential loops)."""
        windows = tuple(tuple((int(a), int(b)) for a, b in w) for w in self.windows)
        return windows, [int(x) for x in self.occupancy_s], self.slew_s.tolist()

    @property
    def size(self) -> int:
        return len(self.keys)

    def fits(self) -> npt.NDArray[np.bool_]:
        """Whether each request has at least one window long enough for its block."""
        return np.array(
            [bool(np.any(w[:, 1] - w[:, 0] >= d)) for w, d in zip(self.windows, self.occupancy_s, strict=True)],
            dtype=bool,
        )

    def max_window_s(self) -> IntArray:
        """Length of each request's longest window (0 if none)."""
        return np.array([int((w[:, 1] - w[:, 0]).max()) if len(w) else 0 for w in self.windows], dtype=np.int64)

    def padded_windows(self) -> tuple[IntArray, IntArray]:
        """Windows as two (n, K) arrays of earliest starts and latest ends; padding never fits a block."""
        k = max((len(w) for w in self.windows), default=0) or 1
        starts = np.full((self.size, k), np.iinfo(np.int64).max // 4, dtype=np.int64)
        ends = np.full((self.size, k), -(np.iinfo(np.int64).max // 4), dtype=np.int64)
        for i, w in enumerate(self.windows):
            starts[i, : len(w)] = w[:, 0]
            ends[i, : len(w)] = w[:, 1]
        return starts, ends

    def describe(self) -> str:
        return f"NightProblem({self.size} requests, {math.ceil(self.horizon_s / 60)} min night)"
