"""Request models of the monitoring routes (pydantic): malformed input is a 422 naming the field."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from spacebridge.api.deps import MAX_ID
from spacebridge.core.errors import SpacebridgeError
from spacebridge.service.geometry import AreaFacts, validate_geometry

__all__ = ["AreaIn", "RuleIn", "RunIn", "WebhookIn"]

_NAME = Field(min_length=1, max_length=200)
_VARIABLE = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")


def check_geometry(value: dict[str, Any]) -> AreaFacts:
    try:
        return validate_geometry(value)
    except SpacebridgeError as exc:
        raise ValueError(str(exc)) from exc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AreaIn(_Strict):
    name: str = _NAME
    admin_code: str | None = Field(None, max_length=40, description="e.g. an oblast ISO 3166-2 code, KZ-10")
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, lon/lat degrees")
    analyses: dict[str, dict[str, Any]] = Field(default_factory=dict, description="watched analyses and options")

    @field_validator("geometry")
    @classmethod
    def _geometry(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_geometry(value)
        return value


class WebhookIn(_Strict):
    url: str = Field(pattern=r"^https?://[^\s]+$", max_length=2000)
    secret: str | None = Field(None, min_length=8, max_length=200, description="HMAC-SHA256 key for the signature")


class RuleIn(_Strict):
    area_id: int = Field(ge=1, le=MAX_ID)
    name: str = _NAME
    variable: str = _VARIABLE
    op: Literal[">", ">=", "<", "<="]
    threshold: float
    hysteresis: float = Field(0.0, ge=0.0)
    webhooks: list[WebhookIn] = Field(default_factory=list, max_length=20)
    emails: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("threshold", "hysteresis")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for v in values:
            local, _, domain = v.partition("@")
            if not local or "." not in domain or any(c.isspace() for c in v) or len(v) > 254:
                raise ValueError(f"{v!r} is not an e-mail address")
        return values


class RunIn(_Strict):
    analysis: str = Field(min_length=1, max_length=100, description="analysis name, see GET /analyses")
    area_id: int | None = Field(None, ge=1, le=MAX_ID)
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON Polygon, instead of area_id")
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("geometry")
    @classmethod
    def _geometry(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            check_geometry(value)
        return value

    @model_validator(mode="after")
    def _one_place(self) -> RunIn:
        if (self.area_id is None) == (self.geometry is None):
            raise ValueError("give exactly one of area_id and geometry")
        return self
