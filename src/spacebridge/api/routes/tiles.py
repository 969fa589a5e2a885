"""XYZ PNG tiles and legends of any product asset (a COG of a STAC item in the store)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from spacebridge.api.deps import StoreDep
from spacebridge.core.errors import NotFoundError
from spacebridge.service.tile_cache import TileCache
from spacebridge.service.tiles import file_version, legend_for, parse_rescale, render_tile

__all__ = ["router"]

router = APIRouter(prefix="/tiles", tags=["tiles"])


def _asset(store: StoreDep, collection_id: str, item_id: str, asset_key: str) -> dict[str, Any]:
    doc = store.catalog.item_cached(collection_id, item_id)
    asset = (doc.get("assets") or {}).get(asset_key)
    if asset is None:
        raise NotFoundError(
            f"item {item_id!r} has no asset {asset_key!r}",
            hint=f"Its assets are: {', '.join(doc.get('assets') or {}) or 'none'}",
            asset=asset_key,
        )
    return dict(asset)


@router.get("/{collection_id}/{item_id}/{asset_key}/legend", summary="Legend of a product asset")
def legend(store: StoreDep, collection_id: str, item_id: str, asset_key: str) -> dict[str, Any]:
    return legend_for(_asset(store, collection_id, item_id, asset_key)).to_dict()


@router.get(
    "/{collection_id}/{item_id}/{asset_key}/{z}/{x}/{y}.png",
    summary="XYZ tile (PNG, web mercator)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def tile(
    request: Request,
    store: StoreDep,
    collection_id: str,
    item_id: str,
    asset_key: str,
    z: Annotated[int, Path(ge=0, le=24)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    colormap: Annotated[str | None, Query(max_length=40, description="rio-tiler colour map name")] = None,
    rescale: Annotated[str | None, Query(max_length=80, description="min,max of the stretch")] = None,
) -> Response:
    # Async on purpose: a tile already rendered is answered from memory on the event loop, without waiting for a
    # worker thread; only database look-ups and renders go to the thread pool.
    if store.catalog.recent(collection_id, item_id) is None:
        await run_in_threadpool(store.catalog.item_cached, collection_id, item_id)
    asset = _asset(store, collection_id, item_id, asset_key)
    scale = parse_rescale(rescale)
    key = (asset["href"], file_version(asset), z, x, y, colormap, scale)
    cache: TileCache = request.app.state.tile_cache
    png = cache.peek(key)
    if png is None:
        png = await run_in_threadpool(
            cache.get_or_render, key, lambda: render_tile(asset, z, x, y, colormap_name=colormap, rescale=scale)
        )
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=3600"})
