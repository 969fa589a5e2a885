"""Observation requests: what scientists ask the observatory for, as frozen dataclasses.

The model follows the Las Cumbres Observatory observation portal (Saunders et al. 2014, Proc. SPIE 9149,
"The LCOGT observation portal, data pipeline and science archive"; Lampoudi, Saunders & Eastman 2015,
ICORES, "An integer linear programming solution to the telescope network scheduling problem"):

- a :class:`Proposal` belongs to a partner (an institution or country) that owns a share of the telescope time;
- a :class:`RequestGroup` bundles requests: ``"many"`` (each request stands alone) or ``"single"`` (alternatives,
  at most one of them is observed);
- a :class:`Request` is one block on the sky: a :class:`Target`, observing :class:`Constraints`, optional time
  :class:`Window` s (or a :class:`Cadence` that expands into windows) and either an explicit duration or a list of
  :class:`Exposure` s whose duration includes the readout and filter-change :class:`Overheads`.

Parsing and validation of the JSON request file is in :mod:`spacebridge.sky.request_file`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Literal

from spacebridge.core.errors import OutOfRangeError
from spacebridge.sky.night import TWILIGHT_SUN_ALTITUDE_DEG as _NIGHT_LEVELS

__all__ = [
    "TWILIGHT_SUN_ALTITUDE_DEG",
    "Cadence",
    "Constraints",
    "Exposure",
    "Overheads",
    "Proposal",
    "Request",
    "RequestGroup",
    "RequestSet",
    "Target",
    "Twilight",
    "Window",
    "exposure_sequence_duration_s",
]

Twilight = Literal["civil", "nautical", "astronomical"]

TWILIGHT_SUN_ALTITUDE_DEG: dict[str, float] = {k: _NIGHT_LEVELS[k] for k in ("civil", "nautical", "astronomical")}
"""Sun altitude (geometric, centre of the disc) below which a request may be observed, per twilight name."""


@dataclass(frozen=True)
class Target:
    """A sidereal target in ICRS."""

    name: str
    ra_deg: float
    dec_deg: float
    pm_ra_cosdec_mas_yr: float = 0.0
    pm_dec_mas_yr: float = 0.0


@dataclass(frozen=True)
class Constraints:
    """Observing constraints that must hold at every instant of the block."""

    max_airmass: float
    """Largest allowed airmass (plane-parallel sec z, no refraction), >= 1."""
    min_moon_separation_deg: float
    """Smallest allowed angular distance to the Moon (topocentric), in [0, 180] degrees."""
    twilight: Twilight
    """The Sun must be below the altitude that ends this twilight (see :data:`TWILIGHT_SUN_ALTITUDE_DEG`)."""

    @property
    def min_altitude_deg(self) -> float:
        """The altitude at which sec z equals :attr:`max_airmass`."""
        return math.degrees(math.asin(1.0 / self.max_airmass))

    @property
    def max_sun_altitude_deg(self) -> float:
        return TWILIGHT_SUN_ALTITUDE_DEG[self.twilight]


@dataclass(frozen=True)
class Window:
    """A UTC time interval in which the whole block must lie."""

    start_utc: dt.datetime
    end_utc: dt.datetime


@dataclass(frozen=True)
class Cadence:
    """Repeat a request every ``period_s``, each visit within ``jitter_s`` centred on its due time (LCO's cadence)."""

    start_utc: dt.datetime
    end_utc: dt.datetime
    period_s: float
    jitter_s: float

    def windows(self) -> tuple[Window, ...]:
        """The visit windows between :attr:`start_utc` and :attr:`end_utc`, clipped to that range."""
        if self.period_s <= 0 or self.jitter_s <= 0:
            raise OutOfRangeError(
                f"cadence period_s={self.period_s} and jitter_s={self.jitter_s} must both be positive",
                hint="Give the repeat period and the tolerance around each due time in seconds",
                period_s=self.period_s,
                jitter_s=self.jitter_s,
            )
        out: list[Window] = []
        half = dt.timedelta(seconds=self.jitter_s / 2.0)
        due = self.start_utc
        while due <= self.end_utc:
            start, end = max(due - half, self.start_utc), min(due + half, self.end_utc)
            if end > start:
                out.append(Window(start, end))
            due += dt.timedelta(seconds=self.period_s)
        return tuple(out)


@dataclass(frozen=True)
class Exposure:
    """``count`` exposures of ``exposure_s`` seconds through ``filter``."""

    filter: str
    exposure_s: float
    count: int = 1


@dataclass(frozen=True)
class Overheads:
    """Instrument overheads added to the exposure time of a request.

    The defaults are zero: the telescope's own values (from its site file) or the request file's are used.
    """

    setup_s: float = 0.0
    """Acquisition and guiding set-up once per block (LCO's "front padding")."""
    readout_s: float = 0.0
    """CCD readout after every exposure."""
    filter_change_s: float = 0.0
    """Each change of filter, including the first one of the block."""


def exposure_sequence_duration_s(exposures: tuple[Exposure, ...], overheads: Overheads) -> float:
    """Block duration of an exposure sequence: set-up, exposures, readouts and filter changes, in seconds.

    Follows LCO's duration model (observation portal ``get_request_duration``): one set-up, then for each
    exposure its time plus one readout, plus one filter change whenever the filter differs from the previous one
    (the first exposure always counts one change).

    Examples
    --------
    >>> exposure_sequence_duration_s(
    ...     (Exposure("g", 60.0, 2), Exposure("r", 30.0)), Overheads(setup_s=90.0, readout_s=10.0, filter_change_s=5.0)
    ... )
    280.0
    """
    total = overheads.setup_s
    previous: str | None = None
    for exposure in exposures:
        if exposure.filter != previous:
            total += overheads.filter_change_s
            previous = exposure.filter
        total += exposure.count * (exposure.exposure_s + overheads.readout_s)
    return total


@dataclass(frozen=True)
class Request:
    """One block to observe.

    ``id`` is kept as the request file gave it (a string or an integer) so that outputs echo it unchanged.
    """

    id: str | int
    target: Target
    duration_s: float
    """Exact length of the block; the scheduler never shortens it."""
    priority: float
    """Scientific priority, higher is more important; the scheduler maximises sum(priority * duration)."""
    constraints: Constraints
    windows: tuple[Window, ...] = ()
    """If not empty, the block must lie inside one of these windows (in addition to the night)."""
    exposures: tuple[Exposure, ...] = ()
    proposal_id: str | None = None
    group_id: str | None = None

    @property
    def key(self) -> str:
        """The id as a string (ids are unique as strings within a request set)."""
        return str(self.id)


@dataclass(frozen=True)
class Proposal:
    """A proposal of a partner, who owns ``time_share`` of the telescope time (a fraction in [0, 1])."""

    id: str
    partner: str
    time_share: float
    title: str = ""


@dataclass(frozen=True)
class RequestGroup:
    """Requests submitted together. ``operator="single"``: at most one of them is observed."""

    id: str
    operator: Literal["many", "single"] = "many"


@dataclass(frozen=True)
class RequestSet:
    """A parsed request file: the requests for one night at one site."""

    site: str
    night: dt.date
    """Local calendar date of the evening the night starts."""
    requests: tuple[Request, ...]
    slew_rate_deg_s: float | None = None
    """Slew rate; ``None``: the telescope's, or 1 deg/s without a telescope."""
    telescope: str | None = None
    proposals: tuple[Proposal, ...] = ()
    groups: tuple[RequestGroup, ...] = ()
    overheads: Overheads = field(default_factory=Overheads)

    def proposal(self, proposal_id: str | None) -> Proposal | None:
        """The proposal with this id, or None."""
        return next((p for p in self.proposals if p.id == proposal_id), None)

    def single_groups(self) -> dict[str, tuple[str, ...]]:
        """Group id -> keys of its requests, for the ``"single"`` groups (at most one request each)."""
        singles = {g.id for g in self.groups if g.operator == "single"}
        out: dict[str, list[str]] = {}
        for request in self.requests:
            if request.group_id in singles:
                out.setdefault(request.group_id, []).append(request.key)
        return {k: tuple(v) for k, v in out.items()}
