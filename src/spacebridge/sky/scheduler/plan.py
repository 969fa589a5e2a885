"""Schedule one night from a request set: visibility -> masks -> windows -> heuristic (-> CP-SAT) -> check -> reasons.

The visibility grid and the constraint masks are :mod:`spacebridge.sky.visibility` and
:mod:`spacebridge.sky.constraints`; this module only chooses their parameters:

- the grid runs every ``step_s`` seconds (default 30 s) on whole UTC seconds, from the evening to the morning of
  the brightest twilight any request accepts; a request's windows are the runs of grid times where every
  constraint holds (see :func:`~spacebridge.sky.scheduler.problem.windows_from_mask`);
- thresholds carry small safety margins (altitude +0.01 deg, Sun -0.01 deg, Moon +0.05 deg). Between two samples
  30 s apart a constraint function departs from its chord by at most ``h**2/8 max|f''|``, about 4e-5 deg for
  altitudes (Earth rotation) and less for the Moon's separation, far inside the margins; the margins also absorb
  the differences between independent implementations of the same astronomy (about 1 arcsec);
- with a ``telescope`` the telescope's mount limits and the site's horizon mask apply too, its settle time is added
  to every slew, and its slew rate is used when the request file gives none.

The schedule is then checked again without margins at both edges of every block and in the middle of every grid
interval it covers; a block that failed would be dropped with a warning (none ever has in the tests).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import DegradedResultWarning
from spacebridge.sky.explain import Reason, explain_unscheduled
from spacebridge.sky.night import night_of
from spacebridge.sky.requests import Request, RequestSet
from spacebridge.sky.scheduler.greedy import HeuristicOptions, NightPlan, schedule_night
from spacebridge.sky.scheduler.observability import Margins, all_constraints, observability
from spacebridge.sky.scheduler.polish import PolishResult, polish_night
from spacebridge.sky.scheduler.problem import NightProblem, slew_matrix_s, windows_from_mask
from spacebridge.sky.sites import Site, Telescope, get_site
from spacebridge.sky.visibility import VisibilityGrid

__all__ = ["NightSchedule", "PlanOptions", "ScheduledBlock", "Unscheduled", "plan_night"]

log = logging.getLogger(__name__)
BoolArray = npt.NDArray[np.bool_]
_EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


@dataclass(frozen=True)
class PlanOptions:
    """How :func:`plan_night` builds and solves the problem."""

    step_s: int = 30
    """Grid step of the observability masks (seconds); block edges are quantised to it at window boundaries."""
    margins: Margins = field(default_factory=Margins)
    """Safety margins of the masks the schedule is planned on (the final check uses none)."""
    heuristic: HeuristicOptions = field(default_factory=HeuristicOptions)
    polish: bool = False
    """Run the CP-SAT polish after the heuristic."""
    polish_time_limit_s: float = 10.0


@dataclass(frozen=True)
class ScheduledBlock:
    request: Request
    start_utc: dt.datetime
    end_utc: dt.datetime
    """``start_utc + duration_s`` exactly."""
    slew_before_s: float = 0.0
    """Slew (and settle) time from the previous block; 0 for the first block."""


@dataclass(frozen=True)
class Unscheduled:
    request: Request
    reason: Reason


@dataclass(frozen=True, eq=False)
class NightSchedule:
    """The schedule of one night, with a reason for each request left out."""

    request_set: RequestSet
    site: Site
    telescope: Telescope | None
    night_start_utc: dt.datetime | None
    night_end_utc: dt.datetime | None
    scheduled: tuple[ScheduledBlock, ...]
    unscheduled: tuple[Unscheduled, ...]
    value: float
    """Sum of priority x scheduled hours."""
    method: str
    polish: PolishResult | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    grid: VisibilityGrid | None = field(default=None, repr=False)
    """The visibility grid the schedule was planned on (for charts)."""


def _utc(unix_s: float) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=unix_s)


def _unix(t: np.datetime64) -> float:
    return float((t.astype("datetime64[ns]") - _EPOCH) / np.timedelta64(1, "s"))


def _verify(
    site: Site,
    telescope: Telescope | None,
    requests: Sequence[Request],
    problem: NightProblem,
    plan: NightPlan,
    opts: PlanOptions,
) -> set[int]:
    """Indices of scheduled blocks that break a constraint at some instant (sampled finely, no margins)."""
    if not plan.order:
        return set()
    offsets, owners = [], []
    for k, (i, start) in enumerate(zip(plan.order, plan.start_s, strict=True)):
        length = float(problem.duration_s[i])
        # both edges, and the middle of every grid interval the block covers (where the masks never looked)
        rel = np.arange(opts.step_s / 2.0 - (start % opts.step_s), length, opts.step_s)
        rel = np.unique(np.concatenate([[0.0, length], rel[rel > 0]]))
        offsets.append(problem.t0_unix_s + start + rel)
        owners.append(np.full(rel.size, k))
    stamps = np.concatenate(offsets)
    owner = np.concatenate(owners)
    times = _EPOCH.astype("datetime64[ns]") + np.round(stamps * 1e9).astype("timedelta64[ns]")
    subset = [requests[i] for i in plan.order]
    _, masks = observability(site, subset, times, telescope=telescope, margins=Margins(0.0, 0.0, 0.0))
    ok = all_constraints(masks)
    good = ok[owner, np.arange(owner.size)]
    return {int(plan.order[k]) for k in np.unique(owner[~good])}


def _night_bounds(site: Site, rs: RequestSet) -> tuple[np.datetime64, np.datetime64] | None:
    night = night_of(site, rs.night)
    used = {r.constraints.twilight for r in rs.requests}
    for name in ("civil", "nautical", "astronomical"):  # brightest first: the widest night
        if name in used and night.has_darkness(name):
            return night.bounds(name)
    return None


def plan_night(
    request_set: RequestSet, *, options: PlanOptions | None = None, sites: Mapping[str, Site] | None = None
) -> NightSchedule:
    """Schedule the night of ``request_set`` and explain every request left out.

    ``sites`` replaces the bundled site list (see :func:`spacebridge.sky.sites.load_sites`).

    Raises
    ------
    NotFoundError
        Unknown site or telescope.
    """
    opts = options or PlanOptions()
    rs = request_set
    site = get_site(rs.site, sites=sites)
    telescope = site.telescope(rs.telescope) if rs.telescope else None
    timings: dict[str, float] = {}
    requests = rs.requests
    bounds = _night_bounds(site, rs) if requests else None
    if bounds is None:
        reason = Reason("no darkness", "no darkness: the Sun never gets below the requested twilight this night")
        return NightSchedule(
            rs, site, telescope, None, None, (), tuple(Unscheduled(r, reason) for r in requests), 0.0, "none"
        )
    t0 = math.ceil(_unix(bounds[0]))
    t_end = math.floor(_unix(bounds[1]))
    times_s = np.arange(0, t_end - t0 + 1, opts.step_s, dtype=np.int64)
    times = (np.datetime64(t0, "s") + times_s.astype("timedelta64[s]")).astype("datetime64[ns]")
    tick = time.perf_counter()
    grid, masks = observability(site, requests, times, telescope=telescope, margins=opts.margins)
    ok = all_constraints(masks)
    timings["visibility_s"] = time.perf_counter() - tick

    tick = time.perf_counter()
    rate = rs.slew_rate_deg_s or (telescope.slew_rate_deg_s if telescope else 1.0)
    groups = {g: k for k, g in enumerate(rs.single_groups())}
    problem = NightProblem.build(
        [r.key for r in requests],
        duration_s=[r.duration_s for r in requests],
        priority=[r.priority for r in requests],
        windows=windows_from_mask(times_s, ok),
        slew_s=slew_matrix_s(
            [r.target.ra_deg for r in requests],
            [r.target.dec_deg for r in requests],
            slew_rate_deg_s=rate,
            settle_s=telescope.settle_s if telescope else 0.0,
        ),
        t0_unix_s=t0,
        horizon_s=int(times_s[-1]) if times_s.size else 0,
        exclusive=[groups.get(r.group_id, -1) if r.group_id else -1 for r in requests],
    )
    plan = schedule_night(problem, options=opts.heuristic)
    timings["heuristic_s"] = time.perf_counter() - tick
    polished = None
    if opts.polish:
        polished = polish_night(problem, plan, time_limit_s=opts.polish_time_limit_s)
        plan = polished.plan
        timings["polish_s"] = polished.wall_s

    tick = time.perf_counter()
    failed = _verify(site, telescope, requests, problem, plan, opts)
    timings["verify_s"] = time.perf_counter() - tick
    if failed:
        warnings.warn(
            f"dropped {len(failed)} block(s) that failed the continuous constraint check: "
            f"{', '.join(problem.keys[i] for i in sorted(failed))}",
            DegradedResultWarning,
            stacklevel=2,
        )
        keep = [(i, s) for i, s in zip(plan.order, plan.start_s, strict=True) if i not in failed]
        plan = NightPlan(
            tuple(i for i, _ in keep),
            tuple(s for _, s in keep),
            float(problem.value[[i for i, _ in keep]].sum()),
            plan.method,
        )
    reasons = explain_unscheduled(problem, plan, requests, masks, times_s)
    for i in failed:
        reasons[i] = Reason("never visible", "never visible: its only placement failed the continuous constraint check")
    blocks = tuple(
        ScheduledBlock(
            requests[i],
            _utc(t0 + s),
            _utc(t0 + s + requests[i].duration_s),
            float(problem.slew_s[plan.order[k - 1], i]) if k else 0.0,
        )
        for k, (i, s) in enumerate(zip(plan.order, plan.start_s, strict=True))
    )
    value = sum(b.request.priority * b.request.duration_s / 3600.0 for b in blocks)
    left = tuple(Unscheduled(requests[i], reasons[i]) for i in sorted(reasons))
    log.info("night %s at %s: %d scheduled, %d not", rs.night, site.id, len(blocks), len(left))
    return NightSchedule(
        rs, site, telescope, _utc(t0), _utc(t_end), blocks, left, value, plan.method, polished, timings, grid
    )
