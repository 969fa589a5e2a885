"""Request models of the sky routes (pydantic): malformed input is a 422 naming the field.

Only shapes and physical bounds are checked here (dec in [-90, 90], positive steps, a window of at most
:data:`MAX_PASS_WINDOW_H`); the sky pillar checks the rest (unknown site or telescope: 404; a night without
darkness: 422) and the routes bound the work of a request (:data:`MAX_GRID_CELLS`, :data:`MAX_SATELLITE_HOURS`:
413). Dates are limited to 1980-2099, the span the bundled IERS and leap-second tables and ERFA handle without
extrapolating far (see docs/decisions/0380-sky-api-and-page.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

__all__ = [
    "MAX_CURVE_VALUES",
    "MAX_GRID_CELLS",
    "MAX_PASS_WINDOW_H",
    "MAX_SATELLITE_HOURS",
    "MAX_SCHEDULE_REQUESTS",
    "MAX_TARGETS",
    "MAX_TLE_CHARS",
    "PassesIn",
    "ScheduleIn",
    "ScheduleRequestIn",
    "TargetIn",
    "VisibilityIn",
    "check_night",
]

MAX_TARGETS = 2_000
"""Targets per visibility request."""
MAX_GRID_CELLS = 1_000_000
"""Targets x time steps per visibility request (about 0.1 s and 100 MB at most)."""
MAX_CURVE_VALUES = 200_000
"""Altitude values returned with ``curves`` (targets x time steps), to keep answers under a few MB."""
MAX_TLE_CHARS = 300_000
"""Characters of a posted catalogue (about 1,700 three-line element sets)."""
MAX_PASS_WINDOW_H = 24.0
"""Longest pass-search window (h)."""
MAX_SATELLITE_HOURS = 4_000.0
"""Satellites x window hours per pass request (the bundled 190 satellites over a 16-hour night: about 1.5 s)."""
MAX_SCHEDULE_REQUESTS = 500
"""Requests per schedule, cadence visits counted (the heuristic takes under 1 s for 300)."""
MAX_VISITS = 200
"""Visits one cadence may expand into."""
MAX_POLISH_S = 30.0
"""Longest CP-SAT polish a request may ask for (s)."""
FIRST_DATE, LAST_DATE = dt.date(1980, 1, 1), dt.date(2099, 12, 31)

Twilight = Literal["astronomical", "nautical", "civil", "sunset"]


def check_night(value: dt.date) -> dt.date:
    """A local evening date between :data:`FIRST_DATE` and :data:`LAST_DATE`."""
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value.isoformat()} is outside {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}")
    return value


def _utc(value: dt.datetime) -> dt.datetime:
    """Naive = UTC; aware = converted to UTC; returned naive, between the first and last dates."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError("date-time out of range") from None
    check_night(value.date())
    return value


Night = Annotated[dt.date, AfterValidator(check_night), Field(description="local evening date, YYYY-MM-DD")]
UtcTime = Annotated[dt.datetime, AfterValidator(_utc), Field(description="ISO 8601; UTC unless an offset is given")]
SiteId = Annotated[str, Field(min_length=1, max_length=100, description="tien-shan, assy-turgen or kamenskoe")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetIn(_Strict):
    """One fixed target (ICRS), as a row of a ``sky visibility`` targets file."""

    id: str = Field(min_length=1, max_length=100)
    ra_deg: float = Field(
        ge=-360, le=360, description="right ascension, deg (wrapped to [0, 360))", allow_inf_nan=False
    )
    dec_deg: float = Field(ge=-90, le=90, description="declination, deg", allow_inf_nan=False)
    pm_ra_cosdec_mas_yr: float = Field(
        0.0, ge=-1e5, le=1e5, description="proper motion in RA cos(dec)", allow_inf_nan=False
    )
    pm_dec_mas_yr: float = Field(0.0, ge=-1e5, le=1e5, description="proper motion in dec, mas/yr", allow_inf_nan=False)


class VisibilityIn(_Strict):
    """Targets, a site and a night; the constraints of ``spacebridge sky visibility``."""

    site: SiteId
    telescope: str | None = Field(None, min_length=1, max_length=100, description="apply its mount limits")
    night: Night
    twilight: Twilight = "astronomical"
    step_s: float = Field(300.0, ge=30, le=3600, description="time step of the grid, s", allow_inf_nan=False)
    min_altitude_deg: float = Field(0.0, ge=-90, le=90, allow_inf_nan=False)
    max_airmass: float | None = Field(None, ge=1, le=100, description="highest sec z", allow_inf_nan=False)
    min_moon_separation_deg: float | None = Field(None, ge=0, le=180, allow_inf_nan=False)
    horizon: bool = Field(True, description="apply the site's horizon mask")
    curves: bool = Field(False, description="return the altitude of every target at every time step")
    targets: list[TargetIn] = Field(min_length=1, max_length=MAX_TARGETS)


class PassesIn(_Strict):
    """A satellite catalogue (posted, or the bundled sample), a site and a window, as ``spacebridge sky passes``."""

    site: SiteId
    tle: str | None = Field(
        None, min_length=1, max_length=MAX_TLE_CHARS, description="TLE (2 or 3 lines) or OMM JSON/CSV/XML text"
    )
    sample: bool = Field(False, description="use the bundled CelesTrak excerpt (190 satellites, June 2026)")
    start_utc: UtcTime
    end_utc: UtcTime
    min_elevation_deg: float = Field(
        10.0, ge=0, lt=90, description="elevation a pass must reach, deg", allow_inf_nan=False
    )
    visible_only: bool = Field(False, description="keep passes sunlit at culmination with the observer in darkness")

    @field_validator("end_utc")
    @classmethod
    def _window(cls, end: dt.datetime, info: ValidationInfo) -> dt.datetime:
        start = info.data.get("start_utc")
        if start is not None:
            hours = (end - start).total_seconds() / 3600.0
            if not 0 < hours <= MAX_PASS_WINDOW_H:
                raise ValueError(
                    f"must be after start_utc by at most {MAX_PASS_WINDOW_H:g} h (got {hours:.2f} h); "
                    "use 'spacebridge sky passes' for longer windows"
                )
        return end

    @model_validator(mode="after")
    def _one_catalogue(self) -> PassesIn:
        if (self.tle is None) == (not self.sample):
            raise ValueError("give exactly one of tle (catalogue text) and sample=true")
        return self


class _Open(BaseModel):
    """Every field the request-file parser reads is typed here (it assumes the types: a ``groups`` that is not a
    list or a ``proposal`` that is a list crash it); unknown fields pass through, and the parser ignores them."""

    model_config = ConfigDict(extra="allow")


_Id = Annotated[str, Field(min_length=1, max_length=100)]
_Seconds = Annotated[float, Field(ge=0, le=86400, allow_inf_nan=False)]


class ProposalIn(_Open):
    id: _Id
    partner: str = Field("", max_length=100)
    time_share: float = Field(0.0, ge=0, le=1, allow_inf_nan=False)
    title: str = Field("", max_length=500)


class GroupIn(_Open):
    id: _Id
    operator: Literal["many", "single"] = "many"


class OverheadsIn(_Open):
    setup_s: _Seconds = 0.0
    readout_s: _Seconds = 0.0
    filter_change_s: _Seconds = 0.0


class WindowIn(_Strict):
    start_utc: UtcTime
    end_utc: UtcTime


class CadenceIn(_Strict):
    """Repeat every ``period_s`` between ``start_utc`` and ``end_utc``, each visit within ``jitter_s``."""

    start_utc: UtcTime
    end_utc: UtcTime
    period_s: float = Field(ge=60, le=30 * 86400, allow_inf_nan=False)
    jitter_s: float = Field(gt=0, le=30 * 86400, allow_inf_nan=False)

    @property
    def visits(self) -> int:
        return max(0, int((self.end_utc - self.start_utc).total_seconds() // self.period_s) + 1)

    @model_validator(mode="after")
    def _bounded(self) -> CadenceIn:
        if self.visits > MAX_VISITS:
            raise ValueError(f"expands into {self.visits} visits, more than {MAX_VISITS}; use a longer period_s")
        return self


class ExposureIn(_Strict):
    filter: str = Field(min_length=1, max_length=40)
    exposure_s: float = Field(gt=0, le=86400, allow_inf_nan=False)
    count: int = Field(1, ge=1, le=10_000)


class ScheduleRequestIn(_Open):
    """One request of a ``spacebridge sky schedule`` request file."""

    id: Annotated[str, Field(min_length=1, max_length=100)] | Annotated[int, Field(ge=0, le=2**53)]
    ra_deg: float = Field(ge=0, le=360, allow_inf_nan=False)
    dec_deg: float = Field(ge=-90, le=90, allow_inf_nan=False)
    duration_s: float | None = Field(
        None, gt=0, le=86400, description="absent: from the exposures", allow_inf_nan=False
    )
    priority: float = Field(ge=0, le=1e6, description="higher is more important", allow_inf_nan=False)
    max_airmass: float = Field(ge=1, le=100, allow_inf_nan=False)
    min_moon_separation_deg: float = Field(ge=0, le=180, allow_inf_nan=False)
    twilight: Literal["astronomical", "nautical", "civil"]
    name: str | None = Field(None, max_length=200)
    pm_ra_cosdec_mas_yr: float | None = Field(None, ge=-1e5, le=1e5, allow_inf_nan=False)
    pm_dec_mas_yr: float | None = Field(None, ge=-1e5, le=1e5, allow_inf_nan=False)
    proposal: _Id | None = None
    group: _Id | None = None
    windows: list[WindowIn] | None = Field(None, max_length=100)
    cadence: CadenceIn | None = None
    exposures: list[ExposureIn] | None = Field(None, max_length=100)


class ScheduleIn(_Open):
    """The request file of ``spacebridge sky schedule`` (its optional LCO-style sections are passed through)."""

    site: SiteId
    telescope: str | None = Field(None, min_length=1, max_length=100)
    night: Night
    slew_rate_deg_s: float | None = Field(None, gt=0, le=100, allow_inf_nan=False)
    requests: list[ScheduleRequestIn] = Field(min_length=1, max_length=MAX_SCHEDULE_REQUESTS)
    proposals: list[ProposalIn] | None = Field(None, max_length=100, description="partner time shares")
    groups: list[GroupIn] | None = Field(None, max_length=MAX_SCHEDULE_REQUESTS)
    overheads: OverheadsIn | None = None

    @property
    def n_blocks(self) -> int:
        """Requests once cadences are expanded into visits."""
        return sum(r.cadence.visits if r.cadence else 1 for r in self.requests)
