"""Areas, rules and alerts: read open, write with an API key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from spacebridge.api.deps import MAX_ID, IdPath, SettingsDep, StoreDep, WriterDep
from spacebridge.api.models import AreaIn, RuleIn
from spacebridge.service.analyses import check_rule_variable
from spacebridge.service.geometry import check_area_limit, validate_geometry

__all__ = ["router"]

router = APIRouter(tags=["watch"])


@router.get("/areas", summary="Watched areas")
def list_areas(store: StoreDep) -> list[dict[str, Any]]:
    return store.watch.areas()


@router.post("/areas", status_code=status.HTTP_201_CREATED, summary="Watch a new area")
def create_area(body: AreaIn, store: StoreDep, settings: SettingsDep, _key: WriterDep) -> dict[str, Any]:
    facts = validate_geometry(body.geometry)
    check_area_limit(facts, settings.max_aoi_km2)
    return store.watch.add_area(body.name, facts, admin_code=body.admin_code, analyses=body.analyses)


@router.get("/areas/{area_id}", summary="One area")
def get_area(area_id: IdPath, store: StoreDep) -> dict[str, Any]:
    return store.watch.area(area_id)


@router.delete("/areas/{area_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Stop watching an area")
def delete_area(area_id: IdPath, store: StoreDep, _key: WriterDep) -> Response:
    store.watch.delete_area(area_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/rules", summary="Watch rules")
def list_rules(store: StoreDep, area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> list[dict[str, Any]]:
    return store.watch.rules(area_id)


@router.post("/rules", status_code=status.HTTP_201_CREATED, summary="Add a rule to an area")
def create_rule(body: RuleIn, store: StoreDep, _key: WriterDep) -> dict[str, Any]:
    recorded = bool(store.watch.series(body.area_id, body.variable))
    check_rule_variable(store.watch.area(body.area_id), body.variable, recorded=recorded)
    channels = {"webhooks": [w.model_dump() for w in body.webhooks], "emails": body.emails}
    return store.watch.add_rule(
        body.area_id,
        name=body.name,
        variable=body.variable,
        op=body.op,
        threshold=body.threshold,
        hysteresis=body.hysteresis,
        channels=channels,
    )


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a rule")
def delete_rule(rule_id: IdPath, store: StoreDep, _key: WriterDep) -> Response:
    store.watch.delete_rule(rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/alerts", summary="Alerts, newest first, with their delivery state")
def list_alerts(
    store: StoreDep,
    area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    return store.alerts.alerts(area_id=area_id, open_only=open_only, limit=limit)
