"""The service's tables (SQLAlchemy 2 declarative models).

One schema for SQLite and PostgreSQL: portable column types only (``JSON``, timezone-aware ``DateTime``,
``Float`` bounding-box columns that index the STAC search). The schema is created and upgraded by the Alembic
migrations in :mod:`spacebridge.service.migrations`, never by ``create_all``; a test checks that the two agree.

Times are stored in UTC. Geometry is GeoJSON in a JSON column plus its bounding box in four float columns
(``west, south, east, north``, degrees): bbox filters run in SQL on both back-ends without PostGIS or
SpatiaLite; exact geometry tests, where needed, are done in Python with shapely (decision 0401).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Alert",
    "ApiKey",
    "Area",
    "Base",
    "Collection",
    "Delivery",
    "Item",
    "Rule",
    "RuleState",
    "Run",
    "Scene",
    "SeriesValue",
]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, dt.datetime: DateTime(timezone=True)}


class ApiKey(Base):
    """An API key, stored as a salted PBKDF2 hash; the clear key is shown once at creation."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    """First characters of the key, used to find the row without scanning every hash."""
    salt: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Collection(Base):
    """A STAC collection (one per product kind: flood extent, flood likelihood, ...)."""

    __tablename__ = "collections"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Item(Base):
    """A STAC item of a product, with the columns the search filters on."""

    __tablename__ = "items"
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    datetime: Mapped[dt.datetime | None] = mapped_column()
    start_datetime: Mapped[dt.datetime | None] = mapped_column()
    end_datetime: Mapped[dt.datetime | None] = mapped_column()
    west: Mapped[float] = mapped_column(Float)
    south: Mapped[float] = mapped_column(Float)
    east: Mapped[float] = mapped_column(Float)
    north: Mapped[float] = mapped_column(Float)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The full STAC item, hrefs absolute."""
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_items_datetime", "start_datetime", "end_datetime"),
        Index("ix_items_bbox", "west", "east", "south", "north"),
    )


class Area(Base):
    """An area of interest that the service watches."""

    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    admin_code: Mapped[str | None] = mapped_column(String(40), default=None)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    west: Mapped[float] = mapped_column(Float)
    south: Mapped[float] = mapped_column(Float)
    east: Mapped[float] = mapped_column(Float)
    north: Mapped[float] = mapped_column(Float)
    area_km2: Mapped[float] = mapped_column(Float)
    analyses: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Watched analyses and their options, e.g. ``{"flood": {}}``."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Rule(Base):
    """A watch rule: raise an alert when ``variable`` crosses ``threshold`` over an area."""

    __tablename__ = "rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    variable: Mapped[str] = mapped_column(String(100))
    op: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    hysteresis: Mapped[float] = mapped_column(Float, default=0.0)
    channels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """``{"webhooks": [{"url": ..., "secret": ...}], "emails": ["duty@example.org"]}``."""
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RuleState(Base):
    """Whether a rule is currently firing, and the last observation it saw (hysteresis memory)."""

    __tablename__ = "rule_states"
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"), primary_key=True)
    firing: Mapped[bool] = mapped_column(default=False)
    last_value: Mapped[float | None] = mapped_column(Float, default=None)
    last_datetime: Mapped[dt.datetime | None] = mapped_column(default=None)
    open_alert_id: Mapped[int | None] = mapped_column(Integer, default=None)


class Scene(Base):
    """A scene seen by the runner over an area (so that it is processed once)."""

    __tablename__ = "scenes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scene_id: Mapped[str] = mapped_column(String(300))
    href: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    datetime: Mapped[dt.datetime | None] = mapped_column()
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("source", "scene_id", name="uq_scenes_source_scene"),)


class Run(Base):
    """One analysis run: queued -> running -> succeeded | failed."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    """Idempotency key: a hash of (analysis, area, scenes, parameters); the same work is never run twice."""
    analysis: Mapped[str] = mapped_column(String(100))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"), default=None)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lineage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    owner: Mapped[str | None] = mapped_column(String(100), default=None)
    """``host:pid`` of the process executing the run (to recover runs of a dead process)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    __table_args__ = (Index("ix_runs_status", "status"),)


class SeriesValue(Base):
    """One value of an area's time series (e.g. flooded km² of a scene)."""

    __tablename__ = "series_values"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    variable: Mapped[str] = mapped_column(String(100))
    datetime: Mapped[dt.datetime] = mapped_column()
    value: Mapped[float] = mapped_column(Float)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"), default=None)
    item_id: Mapped[str | None] = mapped_column(String(300), default=None)
    __table_args__ = (UniqueConstraint("area_id", "variable", "datetime", name="uq_series_point"),)


class Alert(Base):
    """An alert raised by a rule; ``closed_at`` is set when the condition clears (with hysteresis)."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[dt.datetime] = mapped_column()
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Delivery(Base):
    """One notification of an alert to one target; retried until delivered or out of attempts."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    __table_args__ = (
        UniqueConstraint("alert_id", "channel", "target", name="uq_delivery_target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )
