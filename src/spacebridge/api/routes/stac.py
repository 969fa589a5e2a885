"""The STAC API (v1.0.0 core, collections, features, item search) over the products in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from spacebridge.api.deps import StoreDep, base_url
from spacebridge.api.stac_docs import CONFORMANCE, collection_out, item_out, landing
from spacebridge.api.stac_models import SearchBody, SearchParams
from spacebridge.core.errors import NotFoundError
from spacebridge.service.store_catalog import SearchPage

__all__ = ["router"]

router = APIRouter(prefix="/stac", tags=["stac"])
_GEOJSON = "application/geo+json"


def _page(page: SearchPage, base: str, self_href: str, next_link: dict[str, Any] | None) -> JSONResponse:
    links: list[dict[str, Any]] = [
        {"rel": "self", "href": self_href, "type": _GEOJSON},
        {"rel": "root", "href": f"{base}/stac", "type": "application/json"},
    ]
    if next_link is not None:
        links.append(next_link)
    body = {
        "type": "FeatureCollection",
        "features": [item_out(d, base) for d in page.items],
        "links": links,
        "numberMatched": page.matched,
        "numberReturned": len(page.items),
    }
    return JSONResponse(body, media_type=_GEOJSON)


def _get_next(request: Request, token: str | None) -> dict[str, Any] | None:
    if token is None:
        return None
    params = dict(request.query_params)
    params["token"] = token
    return {
        "rel": "next",
        "href": f"{base_url(request)}{request.url.path}?{urlencode(params)}",
        "type": _GEOJSON,
        "method": "GET",
    }


@router.get("", summary="STAC API landing page")
def landing_page(request: Request, store: StoreDep) -> dict[str, Any]:
    return landing(base_url(request), store.catalog.collections())


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


@router.get("/collections", summary="All collections")
def collections(request: Request, store: StoreDep) -> dict[str, Any]:
    base = base_url(request)
    return {
        "collections": [collection_out(c, base) for c in store.catalog.collections()],
        "links": [
            {"rel": "self", "href": f"{base}/stac/collections", "type": "application/json"},
            {"rel": "root", "href": f"{base}/stac", "type": "application/json"},
        ],
    }


@router.get("/collections/{collection_id}", summary="One collection")
def collection(request: Request, store: StoreDep, collection_id: str) -> dict[str, Any]:
    return collection_out(store.catalog.collection(collection_id), base_url(request))


@router.get("/collections/{collection_id}/items", summary="Items of a collection", response_class=JSONResponse)
def items(
    request: Request, store: StoreDep, collection_id: str, params: Annotated[SearchParams, Query()]
) -> JSONResponse:
    store.catalog.collection(collection_id)  # 404 for an unknown collection
    page = store.catalog.search(params.to_query(collections=(collection_id,)))
    return _page(page, base_url(request), str(request.url), _get_next(request, page.next_token))


@router.get("/collections/{collection_id}/items/{item_id}", summary="One item", response_class=JSONResponse)
def item(request: Request, store: StoreDep, collection_id: str, item_id: str) -> JSONResponse:
    doc = item_out(store.catalog.item(collection_id, item_id), base_url(request))
    return JSONResponse(doc, media_type=_GEOJSON)


@router.get(
    "/collections/{collection_id}/items/{item_id}/assets/{asset_key}",
    summary="Download an asset file",
    response_class=FileResponse,
)
def asset(store: StoreDep, collection_id: str, item_id: str, asset_key: str) -> FileResponse:
    doc = store.catalog.item(collection_id, item_id)
    asset = (doc.get("assets") or {}).get(asset_key)
    path = Path(asset["href"]) if asset and asset.get("href") else None
    if asset is None or path is None or not path.is_file():
        raise NotFoundError(
            f"asset {asset_key!r} of item {item_id!r} is not a file this server holds",
            hint="See the item's 'assets' for the available keys",
            asset=asset_key,
        )
    return FileResponse(path, media_type=asset.get("type"), filename=path.name)


@router.get("/search", summary="Search items (GET)", response_class=JSONResponse)
def search_get(request: Request, store: StoreDep, params: Annotated[SearchParams, Query()]) -> JSONResponse:
    page = store.catalog.search(params.to_query())
    return _page(page, base_url(request), str(request.url), _get_next(request, page.next_token))


@router.post("/search", summary="Search items (POST)", response_class=JSONResponse)
def search_post(request: Request, store: StoreDep, body: SearchBody) -> JSONResponse:
    page = store.catalog.search(body.to_query())
    base = base_url(request)
    nxt = None
    if page.next_token is not None:
        nxt = {
            "rel": "next",
            "href": f"{base}/stac/search",
            "type": _GEOJSON,
            "method": "POST",
            "body": {"token": page.next_token},
            "merge": True,
        }
    return _page(page, base, f"{base}/stac/search", nxt)
