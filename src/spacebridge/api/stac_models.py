"""Request models of the STAC API search (pydantic, so that bad input is a 422 naming the field)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from spacebridge.core.errors import SpacebridgeError
from spacebridge.core.geo import BBox
from spacebridge.service.stac_query import MAX_LIMIT, SearchQuery, parse_interval, parse_token

__all__ = ["SearchBody", "SearchParams"]


def _check_bbox(values: list[float]) -> list[float]:
    try:
        BBox.from_sequence(values)
    except SpacebridgeError as exc:
        raise ValueError(str(exc)) from exc
    return values


def _check_interval(value: str | None) -> str | None:
    try:
        parse_interval(value)
    except SpacebridgeError as exc:
        raise ValueError(str(exc)) from exc
    return value


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


class SearchParams(BaseModel):
    """Item search as query parameters (GET)."""

    bbox: str | None = Field(None, description="west,south,east,north in degrees; west > east crosses the date line")
    datetime: str | None = Field(None, description="RFC 3339 instant or interval start/end ('..' for open)")
    collections: str | None = Field(None, description="comma-separated collection ids")
    ids: str | None = Field(None, description="comma-separated item ids")
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    token: str | None = Field(None, description="paging token from a 'next' link")

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            numbers = [float(v) for v in value.split(",")]
        except ValueError as exc:
            raise ValueError(f"bbox {value!r} is not comma-separated numbers west,south,east,north") from exc
        _check_bbox(numbers)
        return value

    _dt = field_validator("datetime")(_check_interval)

    def to_query(self, *, collections: tuple[str, ...] = ()) -> SearchQuery:
        return SearchQuery(
            bbox=BBox.from_sequence([float(v) for v in self.bbox.split(",")]) if self.bbox else None,
            interval=parse_interval(self.datetime),
            collections=collections or _split(self.collections),
            ids=_split(self.ids),
            limit=self.limit,
            offset=parse_token(self.token),
        )


class SearchBody(BaseModel):
    """Item search as a JSON body (POST)."""

    model_config = ConfigDict(extra="forbid")

    bbox: list[float] | None = Field(None, min_length=4, max_length=6)
    datetime: str | None = None
    collections: list[str] | None = None
    ids: list[str] | None = None
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    token: str | None = None

    _bb = field_validator("bbox")(lambda v: None if v is None else _check_bbox(v))
    _dt = field_validator("datetime")(_check_interval)

    def to_query(self) -> SearchQuery:
        return SearchQuery(
            bbox=BBox.from_sequence(self.bbox) if self.bbox else None,
            interval=parse_interval(self.datetime),
            collections=tuple(self.collections or ()),
            ids=tuple(self.ids or ()),
            limit=self.limit,
            offset=parse_token(self.token),
        )
