"""Semester planning: assign requests to nights, weighing each night by a clear-sky prior per site and month.

For every night of the semester the requests' observability is computed on a coarse grid (10 min by default,
with the same constraints and margins as the night scheduler); a request is *eligible* on a night when one
observable stretch holds its whole block. Each night can take ``fill_factor`` of its dark time (the rest is slews,
overheads and the unexpected), and is worth its month's clear-sky fraction: the probability that the time is
usable. Requests are taken in decreasing priority (fewest eligible nights first among equals) and each goes to the
eligible night with the best clear-sky fraction that still has room (then the emptiest, then the earliest). With
proposals, each partner's expected hours (clear fraction x block hours) stay within its time share of the
semester's expected usable hours (LCO's time-allocation accounting, Saunders et al. 2014).

This is a planning aid, not a guarantee: each night is then scheduled exactly by
:func:`~spacebridge.sky.scheduler.plan.plan_night` with the requests assigned to it (and the unlucky ones of
cloudy nights carried over by re-planning). The clear-sky fractions are ASSUMED values (see
``sky/data/clear_sky.yaml``).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from spacebridge.core.errors import ConfigurationError, InvalidInputError, NotFoundError
from spacebridge.sky.night import night_of
from spacebridge.sky.requests import Proposal, Request
from spacebridge.sky.scheduler.observability import all_constraints, observability
from spacebridge.sky.scheduler.problem import windows_from_mask
from spacebridge.sky.sites import Site, Telescope, get_site

__all__ = ["ClearSkyPrior", "NightSlot", "SemesterOptions", "SemesterPlan", "load_clear_sky", "plan_semester"]

_EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


@dataclass(frozen=True)
class ClearSkyPrior:
    """Fraction of the dark time expected to be usable, per calendar month (January first)."""

    site_id: str
    monthly_fraction: tuple[float, ...]
    source: str

    def fraction(self, day: dt.date) -> float:
        return self.monthly_fraction[day.month - 1]


def load_clear_sky(path: str | Path | None = None) -> Mapping[str, ClearSkyPrior]:
    """Clear-sky priors from a YAML file (default: the bundled, ASSUMED ``sky/data/clear_sky.yaml``)."""
    if path is None:
        return _bundled()
    return _parse(Path(path).read_text(encoding="utf-8"), str(path))


@functools.cache
def _bundled() -> Mapping[str, ClearSkyPrior]:
    text = importlib.resources.files("spacebridge.sky").joinpath("data/clear_sky.yaml").read_text(encoding="utf-8")
    return _parse(text, "sky/data/clear_sky.yaml")


def _parse(text: str, where: str) -> Mapping[str, ClearSkyPrior]:
    doc = yaml.safe_load(text) or {}
    out = {}
    for site_id, values in (doc.get("sites") or {}).items():
        fractions = tuple(float(v) for v in values) if isinstance(values, list) else ()
        if len(fractions) != 12 or not all(0.0 <= f <= 1.0 for f in fractions):
            raise ConfigurationError(
                f"clear-sky prior of {site_id!r} in {where} must list 12 monthly fractions in [0, 1], got {values!r}",
                hint="one value per month, January first",
                site=site_id,
            )
        out[site_id] = ClearSkyPrior(site_id, fractions, str(doc.get("source", "")))
    return out


@dataclass(frozen=True)
class SemesterOptions:
    step_s: int = 600
    """Grid step of the per-night observability (seconds)."""
    fill_factor: float = 0.8
    """Share of each night's dark time that may be planned."""
    enforce_time_share: bool = True


@dataclass(frozen=True)
class NightSlot:
    """One night of the plan."""

    night: dt.date
    dark_h: float
    clear_fraction: float
    planned_h: float
    requests: tuple[str, ...]


@dataclass(frozen=True)
class SemesterPlan:
    """Which request goes to which night, what is expected of it, and why the rest was left out."""

    site_id: str
    nights: tuple[NightSlot, ...]
    assigned: Mapping[str, dt.date]
    unassigned: Mapping[str, str]
    expected_value: float
    """Sum over assigned requests of clear-sky fraction x priority x hours."""
    expected_hours_by_partner: Mapping[str, float] = field(default_factory=dict)
    prior: ClearSkyPrior | None = None


class _Ledger:
    """Night capacities, partner budgets and the expected value while requests are placed one by one."""

    def __init__(
        self, *, clear: np.ndarray, room: np.ndarray, proposals: Sequence[Proposal], enforce_share: bool
    ) -> None:
        self.clear, self.room = clear, room
        self.planned = np.zeros_like(room)
        self.per_night: list[list[str]] = [[] for _ in room]
        self.partner_of = {p.id: p.partner for p in proposals}
        self.shares: dict[str, float] = {}
        for p in proposals:
            self.shares[p.partner] = self.shares.get(p.partner, 0.0) + p.time_share
        self.usable_h = float((room * clear).sum())
        self.expected_by_partner: dict[str, float] = dict.fromkeys(self.shares, 0.0)
        self.enforce_share = enforce_share and sum(self.shares.values()) > 0  # no shares given: nothing to enforce
        self.value = 0.0

    def place(self, request: Request, eligible: np.ndarray) -> tuple[int | None, str]:
        """The night chosen for ``request`` (and books it), or None and the reason."""
        hours = request.duration_s / 3600.0
        if not eligible.any():
            return None, "never observable: no night of the semester has a whole block of observable time"
        ok = eligible & (self.room - self.planned >= hours - 1e-9)
        if not ok.any():
            return None, "nights full: its observable nights are taken by requests of higher priority"
        best = int(max(np.flatnonzero(ok), key=lambda d: (self.clear[d], self.room[d] - self.planned[d], -d)))
        expected_h = float(self.clear[best]) * hours
        partner = self.partner_of.get(request.proposal_id or "")
        if partner is not None and self.enforce_share:
            cap = self.shares[partner] * self.usable_h
            if self.expected_by_partner[partner] + expected_h > cap + 1e-9:
                return None, f"time share: partner {partner!r} would exceed its {self.shares[partner]:.0%} of the time"
        self.planned[best] += hours
        self.per_night[best].append(request.key)
        self.value += expected_h * request.priority
        if partner is not None:
            self.expected_by_partner[partner] += expected_h
        return best, ""


def _eligibility(
    site: Site, requests: Sequence[Request], day: dt.date, telescope: Telescope | None, step_s: int
) -> tuple[float, np.ndarray]:
    """Dark hours of the night (widest twilight the requests accept) and which requests fit a whole block."""
    night = night_of(site, day)
    used = {r.constraints.twilight for r in requests}
    for name in ("civil", "nautical", "astronomical"):
        if name in used and night.has_darkness(name):
            start, end = night.bounds(name)
            break
    else:
        return 0.0, np.zeros(len(requests), dtype=bool)
    t0 = math.ceil(float((start - _EPOCH) / np.timedelta64(1, "s")))
    t1 = math.floor(float((end - _EPOCH) / np.timedelta64(1, "s")))
    times_s = np.arange(0, t1 - t0 + 1, step_s, dtype=np.int64)
    times = (np.datetime64(t0, "s") + times_s.astype("timedelta64[s]")).astype("datetime64[ns]")
    _, masks = observability(site, requests, times, telescope=telescope)
    ok = all_constraints(masks)
    runs = windows_from_mask(times_s, ok)
    longest = np.array([int((w[:, 1] - w[:, 0]).max()) if len(w) else -1 for w in runs])
    need = np.array([math.ceil(r.duration_s) for r in requests])
    return (t1 - t0) / 3600.0, longest >= need


def plan_semester(
    requests: Sequence[Request],
    site: Site | str,
    start: dt.date,
    end: dt.date,
    *,
    proposals: Sequence[Proposal] = (),
    single_groups: Collection[str] = (),
    telescope: Telescope | None = None,
    prior: ClearSkyPrior | None = None,
    options: SemesterOptions | None = None,
) -> SemesterPlan:
    """Assign ``requests`` to the nights from ``start`` to ``end`` (local evening dates, inclusive).

    ``proposals`` give the partners' time shares; ``single_groups`` the ids of groups of which at most one request
    may be assigned (``RequestSet.single_groups()``).

    Raises
    ------
    InvalidInputError
        ``end`` before ``start``.
    NotFoundError
        No clear-sky prior for the site (pass ``prior``).
    """
    opts = options or SemesterOptions()
    site = get_site(site)
    if end < start:
        raise InvalidInputError(f"the semester ends ({end}) before it starts ({start})", hint="swap the dates")
    if prior is None:
        priors = load_clear_sky()
        if site.id not in priors:
            raise NotFoundError(
                f"no clear-sky prior for site {site.id!r}", hint=f"pass prior=...; known: {', '.join(priors)}"
            )
        prior = priors[site.id]
    days = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
    dark_h, eligible = np.zeros(len(days)), np.zeros((len(requests), len(days)), dtype=bool)
    for d, day in enumerate(days):
        dark_h[d], eligible[:, d] = _eligibility(site, requests, day, telescope, opts.step_s)
    ledger = _Ledger(
        clear=np.array([prior.fraction(day) for day in days]),
        room=dark_h * opts.fill_factor,
        proposals=proposals,
        enforce_share=opts.enforce_time_share,
    )
    order = sorted(range(len(requests)), key=lambda i: (-requests[i].priority, eligible[i].sum(), requests[i].key))
    assigned: dict[str, dt.date] = {}
    unassigned: dict[str, str] = {}
    used_groups: set[str] = set()
    for i in order:
        r = requests[i]
        if r.group_id is not None and r.group_id in used_groups:
            unassigned[r.key] = f"single group: another request of group {r.group_id!r} is assigned"
            continue
        night_index, reason = ledger.place(r, eligible[i])
        if night_index is None:
            unassigned[r.key] = reason
            continue
        assigned[r.key] = days[night_index]
        if r.group_id is not None and r.group_id in single_groups:
            used_groups.add(r.group_id)
    clear, planned, per_night = ledger.clear, ledger.planned, ledger.per_night
    nights = tuple(
        NightSlot(day, float(dark_h[d]), float(clear[d]), float(planned[d]), tuple(per_night[d]))
        for d, day in enumerate(days)
    )
    return SemesterPlan(site.id, nights, assigned, unassigned, ledger.value, ledger.expected_by_partner, prior)
