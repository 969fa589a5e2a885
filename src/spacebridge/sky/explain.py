"""Why a request was not scheduled: one reason per unscheduled request, in words a scientist understands.

The reasons are tried in this order, the first that applies wins:

``single group``
    another request of its ``"single"`` group is scheduled;
``no darkness``
    the Sun never gets below the request's twilight this night;
``never visible``
    while it is dark, the target never meets its airmass limit, or only outside the telescope's mount limits or
    behind the horizon;
``outside its time windows``
    it is visible only outside the windows (or cadence) the request gave;
``Moon``
    it is too close to the Moon whenever it is otherwise observable, or the Moon cuts every observable stretch
    below the block length;
``window too short``
    its longest observable stretch is shorter than the block;
``outranked by``
    it fits, but the blocks of other requests (named, with their priorities) fill its observable time.

The functions are pure: masks (requests x times, True where a constraint holds) and the plan in, reasons out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.sky.requests import Request
from spacebridge.sky.scheduler.greedy import NightPlan
from spacebridge.sky.scheduler.problem import NightProblem, windows_from_mask

__all__ = ["REASON_CODES", "Reason", "explain_unscheduled"]

BoolArray = npt.NDArray[np.bool_]

REASON_CODES = (
    "single group",
    "no darkness",
    "never visible",
    "outside its time windows",
    "Moon",
    "window too short",
    "outranked",
)


@dataclass(frozen=True)
class Reason:
    """Why one request is not in the schedule."""

    code: str
    """One of :data:`REASON_CODES`."""
    text: str
    """The sentence shown to the user (starts with the code's words)."""
    blocked_by: tuple[str, ...] = ()
    """Ids of the scheduled requests that took its time (``outranked``) or of its group sibling."""


def _longest_s(times_s: npt.NDArray[np.int64], row: BoolArray) -> int:
    runs = windows_from_mask(times_s, row[None, :])[0]
    return int((runs[:, 1] - runs[:, 0]).max()) if len(runs) else 0


def _hhmm(t0_unix_s: int, seconds: int) -> str:
    return dt.datetime.fromtimestamp(t0_unix_s + seconds, dt.UTC).strftime("%H:%M")


def _outranked(i: int, problem: NightProblem, plan: NightPlan, requests: Sequence[Request]) -> Reason:
    """Name the scheduled blocks (slews included) that overlap the places where request ``i`` could go."""
    occ = int(problem.occupancy_s[i])
    spans = [(int(a), int(b)) for a, b in problem.windows[i] if b - a >= occ]
    blockers: list[int] = []
    for j, start in zip(plan.order, plan.start_s, strict=True):
        slew = int(problem.slew_s[i, j])
        lo, hi = start - slew, start + int(problem.occupancy_s[j]) + slew
        if any(lo < b and hi > a for a, b in spans):
            blockers.append(j)
    blockers.sort(key=lambda j: (-requests[j].priority, problem.keys[j]))
    names = ", ".join(f"{problem.keys[j]} (priority {requests[j].priority:g})" for j in blockers[:6])
    if len(blockers) > 6:
        names += f" and {len(blockers) - 6} more"
    where = ", ".join(f"{_hhmm(problem.t0_unix_s, a)}-{_hhmm(problem.t0_unix_s, b)} UTC" for a, b in spans)
    text = f"outranked by {names}: their blocks and slews fill its observable time ({where})"
    return Reason("outranked", text, tuple(problem.keys[j] for j in blockers))


def explain_unscheduled(
    problem: NightProblem,
    plan: NightPlan,
    requests: Sequence[Request],
    masks: Mapping[str, BoolArray],
    times_s: npt.NDArray[np.int64],
) -> dict[int, Reason]:
    """Reason for every request index not in ``plan``.

    Parameters
    ----------
    problem, plan
        The night problem and the schedule found for it.
    requests
        The requests, in the problem's order.
    masks
        (requests x times) booleans, True where each holds: ``dark`` (the Sun below the request's twilight),
        ``airmass`` (the airmass limit), ``limits`` (the telescope's mount limits and the horizon),
        ``window`` (inside the request's time windows) and ``moon`` (far enough from the Moon); see
        :func:`spacebridge.sky.scheduler.observability.observability`.
    times_s
        The grid times, seconds from ``problem.t0_unix_s``.
    """
    out: dict[int, Reason] = {}
    scheduled = plan.scheduled
    used_groups = {int(problem.exclusive[j]): problem.keys[j] for j in scheduled if problem.exclusive[j] >= 0}
    for i, request in enumerate(requests):
        if i in scheduled:
            continue
        cons = request.constraints
        dark = masks["dark"][i]
        low_airmass = dark & masks["airmass"][i]
        visible = low_airmass & masks["limits"][i]
        in_window = visible & masks["window"][i]
        observable = in_window & masks["moon"][i]
        group = int(problem.exclusive[i])
        if group >= 0 and group in used_groups:
            sibling = used_groups[group]
            out[i] = Reason("single group", f"single group: {sibling} of its group is scheduled", (sibling,))
        elif not dark.any():
            out[i] = Reason("no darkness", f"no darkness: the Sun never gets below {cons.twilight} twilight")
        elif not low_airmass.any():
            out[i] = Reason(
                "never visible",
                f"never visible: airmass stays above {cons.max_airmass:g} (altitude below "
                f"{cons.min_altitude_deg:.1f} deg) while the Sun is below {cons.twilight} twilight",
            )
        elif not visible.any():
            out[i] = Reason(
                "never visible",
                f"never visible: outside the telescope's mount limits or behind the horizon whenever the airmass is "
                f"below {cons.max_airmass:g} in {cons.twilight} darkness",
            )
        elif not in_window.any():
            out[i] = Reason("outside its time windows", "outside its time windows: visible only outside them")
        elif not observable.any():
            out[i] = Reason(
                "Moon", f"Moon: closer than {cons.min_moon_separation_deg:g} deg whenever it is otherwise observable"
            )
        elif _longest_s(times_s, observable) < problem.occupancy_s[i]:
            longest = _longest_s(times_s, observable) / 60.0
            need = request.duration_s / 60.0
            if _longest_s(times_s, in_window) >= problem.occupancy_s[i]:
                text = (
                    f"Moon: the Moon (closer than {cons.min_moon_separation_deg:g} deg) leaves at most "
                    f"{longest:.0f} min in a row, the block needs {need:.1f} min"
                )
                out[i] = Reason("Moon", text)
            else:
                text = (
                    f"window too short: observable at most {longest:.0f} min in a row, the block needs {need:.1f} min"
                )
                out[i] = Reason("window too short", text)
        else:
            out[i] = _outranked(i, problem, plan, requests)
    return out
