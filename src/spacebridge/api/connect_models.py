"""Request models of the connectivity routes (pydantic): malformed input is a 422 naming the field.

Only the shape and the physical bounds of each value are checked here; the validity ranges of the ITU-R
models (frequency, elevation, percentage) are checked by the models themselves, whose errors name the link.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_LINKS", "MAX_SETTLEMENTS", "AttenuationIn", "LinkIn", "PlanIn", "SettlementIn"]

MAX_LINKS = 10_000
"""Links per attenuation request (about 0.03 s of computation)."""
MAX_SETTLEMENTS = 5_000
"""Settlements per synchronous plan request (about 2 s of computation); larger plans: ``connect plan``."""

_Count = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
_Key = Annotated[str, Field(min_length=1, max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinkIn(_Strict):
    """One Earth-space link, as a row of ``spacebridge connect attenuation``."""

    lat: float = Field(ge=-90, le=90, description="station latitude, degrees north", allow_inf_nan=False)
    lon: float = Field(ge=-180, le=360, description="station longitude, degrees east", allow_inf_nan=False)
    hs_km: float | None = Field(
        None, ge=-1, le=10, description="station height, km; null: ITU-R P.1511", allow_inf_nan=False
    )
    freq_ghz: float = Field(description="frequency, GHz (4 to 55 for P.618-14)", allow_inf_nan=False)
    elevation_deg: float = Field(description="path elevation, degrees (0 to 90]", allow_inf_nan=False)
    diameter_m: float = Field(gt=0, le=100, description="antenna diameter, m", allow_inf_nan=False)
    efficiency: float = Field(gt=0, le=1, description="antenna efficiency, fraction", allow_inf_nan=False)
    tau_deg: float = Field(
        ge=-360, le=360, description="polarisation tilt, degrees (45: circular)", allow_inf_nan=False
    )
    p_percent: float = Field(description="percentage of an average year exceeded, 0.001 to 50", allow_inf_nan=False)


class AttenuationIn(_Strict):
    links: list[LinkIn] = Field(min_length=1, max_length=MAX_LINKS)


class SettlementIn(_Strict):
    """One settlement, as a row of a settlements file."""

    id: str = Field(min_length=1, max_length=100)
    name: str = Field("", max_length=200)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    population: float | None = Field(
        None, ge=0, le=1e8, description="inhabitants; null: estimated from 'place' and flagged", allow_inf_nan=False
    )
    adm1: str = Field("", max_length=40, description="oblast code, e.g. KZ10")
    adm2: str = Field("", max_length=40, description="district code")
    place: Literal["", "city", "town", "village", "hamlet", "isolated_dwelling"] = ""
    facilities: dict[_Key, _Count] = Field(
        default_factory=dict, max_length=20, description="facility counts named in the scenario, e.g. schools"
    )


class PlanIn(_Strict):
    settlements: list[SettlementIn] = Field(min_length=1, max_length=MAX_SETTLEMENTS)
    scenario: dict[str, Any] = Field(
        default_factory=dict, description="keys merged over the default scenario (as a scenario YAML file)"
    )
    include_settlements: bool = Field(True, description="return the per-settlement rows")
