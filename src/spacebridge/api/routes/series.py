"""Time series: stored values of an area, and the values of a product collection at a pixel (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from spacebridge.api.deps import IdPath, StoreDep
from spacebridge.service.readings import point_series

__all__ = ["router"]

router = APIRouter(prefix="/timeseries", tags=["timeseries"])


def _csv(rows: list[dict[str, Any]], columns: list[str], filename: str) -> Response:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    return Response(
        buf.getvalue(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/areas/{area_id}", summary="Stored time series of an area", response_model=None)
def area_series(
    store: StoreDep,
    area_id: IdPath,
    variable: Annotated[str | None, Query(max_length=100)] = None,
    format: Literal["json", "csv"] = "json",
) -> list[dict[str, Any]] | Response:
    rows = store.watch.series(area_id, variable)
    if format == "csv":
        return _csv(rows, ["variable", "datetime", "value", "run_id", "item_id"], f"area-{area_id}.csv")
    return rows


@router.get("/point", summary="Values of a product collection at a point, over time", response_model=None)
def point(
    store: StoreDep,
    collection: Annotated[str, Query(min_length=1, max_length=200)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    asset: Annotated[str, Query(max_length=100)] = "data",
    format: Literal["json", "csv"] = "json",
) -> list[dict[str, Any]] | Response:
    rows = point_series(store, collection, lon, lat, asset_key=asset)
    if format == "csv":
        return _csv(rows, ["datetime", "item_id", "value"], f"{collection}-{lon:.5f}-{lat:.5f}.csv")
    return rows
