"""Runs: start an analysis (202, executed in the background), poll its status; the list of analyses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from spacebridge.api.deps import IdPath, SettingsDep, StoreDep, WriterDep
from spacebridge.api.models import RunIn, check_geometry
from spacebridge.core.errors import InvalidInputError
from spacebridge.service.analyses import ANALYSES, scene_sources
from spacebridge.service.geometry import check_area_limit
from spacebridge.service.runner import submit

__all__ = ["router"]

router = APIRouter(tags=["runs"])


@router.get("/analyses", summary="Analyses a run can execute")
def analyses() -> list[dict[str, Any]]:
    return [
        {
            "name": a.name,
            "description": a.description,
            "needs_collection": a.needs_collection,
            "needs_scene": a.needs_scene,
            "variables": list(a.variables),
        }
        for a in ANALYSES.values()
    ]


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED, summary="Start an analysis over an area")
def start_run(request: Request, body: RunIn, store: StoreDep, settings: SettingsDep, _key: WriterDep) -> JSONResponse:
    if body.geometry is not None:
        check_area_limit(check_geometry(body.geometry), settings.max_aoi_km2)
    spec = ANALYSES.get(body.analysis)
    for field, src in scene_sources(spec, body.params) if spec is not None else ():
        if not (isinstance(src, str) and store.watch.scene_known(src)):
            raise InvalidInputError(
                f"{field} must be a scene a watch pass has listed",
                hint="The API does not open arbitrary server paths; add the scene's folder or catalog as a watch "
                "source",
                field=field,
            )
    run, created = submit(store, body.analysis, area_id=body.area_id, geometry=body.geometry, params=body.params)
    if run["status"] == "queued":
        request.app.state.run_queue.schedule(run["id"])
    code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
    return JSONResponse(_jsonable(run), status_code=code, headers={"Location": f"/runs/{run['id']}"})


@router.get("/runs", summary="Recent runs")
def list_runs(
    store: StoreDep,
    state: Annotated[Literal["queued", "running", "succeeded", "failed"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    return store.watch.runs(status=state, limit=limit)


@router.get("/runs/{run_id}", summary="A run's status, result and lineage")
def get_run(run_id: IdPath, store: StoreDep) -> dict[str, Any]:
    return store.watch.run(run_id)


def _jsonable(run: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    out: dict[str, Any] = jsonable_encoder(run)
    return out
