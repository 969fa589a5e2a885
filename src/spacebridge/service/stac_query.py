"""STAC item search parameters, validated (pure: no database, no HTTP).

Implements the parameter rules of the STAC API Item Search specification (v1.0.0): ``bbox`` as
``west,south,east,north`` (``west > east`` crosses the antimeridian), ``datetime`` as an RFC 3339 instant or an
interval ``start/end`` with ``..`` or an empty side for open ends, ``collections``, ``ids``, ``limit``; paging by an
opaque ``token``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spacebridge.core.errors import InvalidInputError, OutOfRangeError
from spacebridge.core.geo import BBox

__all__ = ["MAX_LIMIT", "SearchQuery", "item_index", "parse_datetime", "parse_interval", "parse_token"]

MAX_LIMIT = 1000
"""Largest page size served (the STAC API lets the server cap ``limit``)."""


def parse_datetime(text: str, *, field: str = "datetime") -> dt.datetime:
    """An RFC 3339 date-time (or date) as an aware UTC datetime."""
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInputError(
            f"{field} {text!r} is not an RFC 3339 date-time",
            hint="Use e.g. 2019-09-18T10:00:00Z, or an interval 2019-09-01T00:00:00Z/2019-09-30T23:59:59Z",
            field=field,
            value=text,
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def parse_interval(text: str | None) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """``None`` (no filter) or ``(start, end)`` with ``None`` for an open end."""
    if text is None or text.strip() == "":
        return None
    parts = text.split("/")
    if len(parts) == 1:
        instant = parse_datetime(parts[0])
        return instant, instant
    if len(parts) != 2:
        raise InvalidInputError(
            f"datetime {text!r} has {len(parts) - 1} '/' separators",
            hint="Give one instant or one interval start/end",
            field="datetime",
            value=text,
        )
    start, end = (None if p.strip() in ("", "..") else parse_datetime(p) for p in parts)
    if start is None and end is None:
        raise InvalidInputError(
            "datetime interval '../..' is open at both ends",
            hint="Close at least one end",
            field="datetime",
            value=text,
        )
    if start is not None and end is not None and start > end:
        raise InvalidInputError(
            f"datetime interval {text!r} ends before it starts",
            hint="Give start/end with start <= end",
            field="datetime",
            value=text,
        )
    return start, end


def parse_token(token: str | None) -> int:
    """Offset encoded in a paging token (``"o<offset>"``)."""
    if not token:
        return 0
    if not token.startswith("o") or not token[1:].isdigit():
        raise InvalidInputError(
            f"token {token!r} is not a paging token of this server",
            hint="Follow the 'next' link of a previous page instead of building tokens",
            field="token",
            value=token,
        )
    return int(token[1:])


@dataclass(frozen=True)
class SearchQuery:
    """A validated item search."""

    bbox: BBox | None = None
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None
    collections: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    limit: int = 10
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise OutOfRangeError(
                f"limit {self.limit} is outside [1, {MAX_LIMIT}]",
                hint=f"Ask for at most {MAX_LIMIT} items a page and follow the 'next' links",
                field="limit",
                value=self.limit,
            )

    def next_token(self, matched: int) -> str | None:
        nxt = self.offset + self.limit
        return f"o{nxt}" if nxt < matched else None

    def prev_token(self) -> str | None:
        return f"o{max(0, self.offset - self.limit)}" if self.offset > 0 else None


def _bbox_of_geometry(geometry: Mapping[str, Any]) -> tuple[float, float, float, float]:
    import shapely.geometry

    return tuple(shapely.geometry.shape(geometry).bounds)


def item_index(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Search columns of a STAC item: bbox (antimeridian-crossing boxes widened to all longitudes) and times."""
    raw_bbox = doc.get("bbox")
    if raw_bbox is None and doc.get("geometry"):
        raw_bbox = _bbox_of_geometry(doc["geometry"])
    if raw_bbox is None:
        raise InvalidInputError(
            f"STAC item {doc.get('id')!r} has neither bbox nor geometry",
            hint="Products served by the STAC API need a footprint",
            field="bbox",
        )
    box = BBox.from_sequence(list(raw_bbox))
    west, east = (-180.0, 180.0) if box.crosses_antimeridian else (box.west, box.east)
    props = doc.get("properties") or {}
    instant = props.get("datetime")
    start = props.get("start_datetime") or instant
    end = props.get("end_datetime") or instant
    return {
        "west": west,
        "south": box.south,
        "east": east,
        "north": box.north,
        "datetime": parse_datetime(instant, field="properties.datetime") if instant else None,
        "start_datetime": parse_datetime(start, field="properties.start_datetime") if start else None,
        "end_datetime": parse_datetime(end, field="properties.end_datetime") if end else None,
    }
