"""Areas, rules, scenes seen, runs and time-series values in the database (the SQL of the watch side).

Runs follow ``queued -> running -> succeeded | failed``. A run has an idempotency key; asking for the same work
twice returns the existing run. A run left ``running`` by a dead process is found by :meth:`WatchStore.stale_runs`
and recovered by the runner on its next start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from spacebridge.core.errors import ConflictError, NotFoundError
from spacebridge.service.geometry import AreaFacts
from spacebridge.service.models import Area, Rule, Run, Scene, SeriesValue, utcnow
from spacebridge.service.store_catalog import as_utc

if TYPE_CHECKING:
    from spacebridge.service.store import Store

__all__ = ["RUN_STATES", "WatchStore", "area_dict", "rule_dict", "run_dict"]

RUN_STATES = ("queued", "running", "succeeded", "failed")


def area_dict(a: Area) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "admin_code": a.admin_code,
        "geometry": a.geometry,
        "bbox": [a.west, a.south, a.east, a.north],
        "area_km2": a.area_km2,
        "analyses": a.analyses,
        "created_at": as_utc(a.created_at),
    }


def rule_dict(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id,
        "area_id": r.area_id,
        "name": r.name,
        "variable": r.variable,
        "op": r.op,
        "threshold": r.threshold,
        "hysteresis": r.hysteresis,
        "channels": {  # webhook secrets are write-only
            "webhooks": [{"url": w["url"]} for w in r.channels.get("webhooks", [])],
            "emails": list(r.channels.get("emails", [])),
        },
        "enabled": r.enabled,
        "created_at": as_utc(r.created_at),
    }


def run_dict(r: Run) -> dict[str, Any]:
    return {
        "id": r.id,
        "analysis": r.analysis,
        "area_id": r.area_id,
        "status": r.status,
        "params": r.params,
        "lineage": r.lineage,
        "result": r.result,
        "error": r.error,
        "created_at": as_utc(r.created_at),
        "started_at": as_utc(r.started_at),
        "finished_at": as_utc(r.finished_at),
    }


def _get(s: Session, model: type[Any], ident: int, what: str) -> Any:
    row = s.get(model, ident)
    if row is None:
        raise NotFoundError(f"{what} {ident} does not exist", hint=f"List them at /{what}s", **{f"{what}_id": ident})
    return row


class WatchStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # areas --------------------------------------------------------------------------------------------------
    def add_area(
        self, name: str, facts: AreaFacts, *, admin_code: str | None = None, analyses: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        def work(s: Session) -> dict[str, Any]:
            row = Area(
                name=name,
                admin_code=admin_code,
                geometry=facts.geometry,
                west=facts.west,
                south=facts.south,
                east=facts.east,
                north=facts.north,
                area_km2=facts.area_km2,
                analyses=dict(analyses or {}),
            )
            s.add(row)
            s.flush()
            return area_dict(row)

        return self._store.transact(work)

    def areas(self) -> list[dict[str, Any]]:
        return self._store.transact(lambda s: [area_dict(a) for a in s.scalars(select(Area).order_by(Area.id))])

    def area(self, area_id: int) -> dict[str, Any]:
        return self._store.transact(lambda s: area_dict(_get(s, Area, area_id, "area")))

    def delete_area(self, area_id: int) -> None:
        self._store.transact(lambda s: s.delete(_get(s, Area, area_id, "area")))

    # rules --------------------------------------------------------------------------------------------------
    def add_rule(
        self,
        area_id: int,
        *,
        name: str,
        variable: str,
        op: str,
        threshold: float,
        hysteresis: float,
        channels: Mapping[str, Any],
    ) -> dict[str, Any]:
        def work(s: Session) -> dict[str, Any]:
            _get(s, Area, area_id, "area")
            row = Rule(
                area_id=area_id,
                name=name,
                variable=variable,
                op=op,
                threshold=threshold,
                hysteresis=hysteresis,
                channels=dict(channels),
            )
            s.add(row)
            s.flush()
            return rule_dict(row)

        return self._store.transact(work)

    def rules(self, area_id: int | None = None) -> list[dict[str, Any]]:
        stmt = select(Rule).order_by(Rule.id)
        if area_id is not None:
            stmt = stmt.where(Rule.area_id == area_id)
        return self._store.transact(lambda s: [rule_dict(r) for r in s.scalars(stmt)])

    def delete_rule(self, rule_id: int) -> None:
        self._store.transact(lambda s: s.delete(_get(s, Rule, rule_id, "rule")))

    # scenes -------------------------------------------------------------------------------------------------
    def mark_scene(self, source: str, scene_id: str, href: str, when: dt.datetime | None) -> bool:
        """Record a scene as seen; ``False`` if it was already recorded."""

        def work(s: Session) -> bool:
            if s.scalar(select(Scene.id).where(Scene.source == source, Scene.scene_id == scene_id)) is not None:
                return False
            s.add(Scene(source=source, scene_id=scene_id, href=href, datetime=when))
            return True

        return self._store.transact(work)

    def scene_known(self, href: str) -> bool:
        """Whether a watch pass has listed a scene at ``href`` (API-started scene runs may only use those)."""
        return self._store.transact(lambda s: s.scalar(select(Scene.id).where(Scene.href == href).limit(1))) is not None

    def seen_scenes(self, source: str) -> set[str]:
        return self._store.transact(lambda s: set(s.scalars(select(Scene.scene_id).where(Scene.source == source))))

    # runs ---------------------------------------------------------------------------------------------------
    def create_run(
        self, key: str, analysis: str, *, area_id: int | None, params: Mapping[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """The run with idempotency ``key`` (created queued if new); second value ``True`` when created now."""

        def work(s: Session) -> tuple[dict[str, Any], bool]:
            row = s.scalar(select(Run).where(Run.key == key))
            if row is not None:
                return run_dict(row), False
            row = Run(key=key, analysis=analysis, area_id=area_id, params=dict(params), status="queued")
            s.add(row)
            s.flush()
            return run_dict(row), True

        return self._store.transact(work)

    def run(self, run_id: int) -> dict[str, Any]:
        return self._store.transact(lambda s: run_dict(_get(s, Run, run_id, "run")))

    def runs(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        stmt = select(Run).order_by(Run.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(Run.status == status)
        return self._store.transact(lambda s: [run_dict(r) for r in s.scalars(stmt)])

    def claim_run(self, run_id: int, owner: str) -> bool:
        """Move a queued run to running for ``owner``; ``False`` if another process has it or it is finished."""

        def work(s: Session) -> bool:
            _get(s, Run, run_id, "run")
            claimed = s.execute(  # one conditional UPDATE: of two processes claiming at once, exactly one wins
                update(Run)
                .where(Run.id == run_id, Run.status == "queued")
                .values(status="running", owner=owner, started_at=utcnow())
            )
            return bool(getattr(claimed, "rowcount", 0) == 1)

        return self._store.transact(work)

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        result: Mapping[str, Any] | None = None,
        lineage: Mapping[str, Any] | None = None,
        error: str | None = None,
        series: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Record the outcome and the run's time-series values in one transaction (never half-recorded)."""
        if status not in ("succeeded", "failed"):
            raise ConflictError(f"a run cannot finish as {status!r}", status=status)

        def work(s: Session) -> dict[str, Any]:
            row = _get(s, Run, run_id, "run")
            if row.status in ("succeeded", "failed"):
                raise ConflictError(f"run {run_id} already finished ({row.status})", run_id=run_id)
            row.status, row.finished_at, row.error = status, utcnow(), error
            row.result = dict(result or {})
            row.lineage = dict(lineage or {})
            for v in series:
                _upsert_value(s, run_id=run_id, **v)
            return run_dict(row)

        return self._store.transact(work)

    def stale_runs(self, owner_alive: Any) -> list[dict[str, Any]]:
        """Runs marked running whose owner is not alive (``owner_alive(owner) -> bool``)."""
        rows = self._store.transact(lambda s: list(s.scalars(select(Run).where(Run.status == "running"))))
        return [run_dict(r) for r in rows if not owner_alive(r.owner)]

    def requeue_run(self, run_id: int) -> None:
        def work(s: Session) -> None:
            row = _get(s, Run, run_id, "run")
            if row.status == "running":
                row.status, row.owner, row.started_at = "queued", None, None

        self._store.transact(work)

    # time series --------------------------------------------------------------------------------------------
    def add_values(self, values: Sequence[Mapping[str, Any]], *, run_id: int | None = None) -> None:
        def work(s: Session) -> None:
            for v in values:
                _upsert_value(s, run_id=run_id, **v)

        self._store.transact(work)

    def series(self, area_id: int, variable: str | None = None) -> list[dict[str, Any]]:
        stmt = (
            select(SeriesValue)
            .where(SeriesValue.area_id == area_id)
            .order_by(SeriesValue.variable, SeriesValue.datetime)
        )
        if variable:
            stmt = stmt.where(SeriesValue.variable == variable)

        def work(s: Session) -> list[dict[str, Any]]:
            _get(s, Area, area_id, "area")
            return [
                {
                    "variable": r.variable,
                    "datetime": as_utc(r.datetime),
                    "value": r.value,
                    "run_id": r.run_id,
                    "item_id": r.item_id,
                }
                for r in s.scalars(stmt)
            ]

        return self._store.transact(work)

    def clear_values(self, area_id: int) -> None:
        self._store.transact(lambda s: s.execute(delete(SeriesValue).where(SeriesValue.area_id == area_id)))


def _upsert_value(
    s: Session,
    *,
    run_id: int | None,
    area_id: int,
    variable: str,
    datetime: dt.datetime,
    value: float,
    item_id: str | None = None,
) -> None:
    when = datetime.astimezone(dt.UTC)
    row = s.scalar(
        select(SeriesValue).where(
            SeriesValue.area_id == area_id, SeriesValue.variable == variable, SeriesValue.datetime == when
        )
    )
    if row is None:
        s.add(
            SeriesValue(area_id=area_id, variable=variable, datetime=when, value=value, run_id=run_id, item_id=item_id)
        )
    else:
        row.value, row.run_id, row.item_id = value, run_id, item_id
