"""Decorate stored STAC documents for serving: links for this server, local asset hrefs as download URLs."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote

__all__ = ["CONFORMANCE", "collection_out", "item_out", "landing"]

STAC_API = "https://api.stacspec.org/v1.0.0"
OGC = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf"
CONFORMANCE = [
    f"{STAC_API}/core",
    f"{STAC_API}/collections",
    f"{STAC_API}/ogcapi-features",
    f"{STAC_API}/item-search",
    f"{OGC}/core",
    f"{OGC}/oas30",
    f"{OGC}/geojson",
]
_JSON = "application/json"
_GEOJSON = "application/geo+json"


def _q(value: str) -> str:
    return quote(value, safe="")


def _is_remote(href: str) -> bool:
    return href.startswith(("http://", "https://", "s3://", "gs://"))


def item_out(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """The item as served: this server's links, local asset hrefs as download URLs (``doc`` is left unchanged).

    Only the parts that change are copied (links, assets): a deep copy took about 37 us an item, 0.7 ms of each
    20-item search page (decision 0412).
    """
    out = dict(doc)
    cid, iid = out["collection"], out["id"]
    item_url = f"{base}/stac/collections/{_q(cid)}/items/{_q(iid)}"
    out["links"] = [
        {"rel": "self", "href": item_url, "type": _GEOJSON},
        {"rel": "parent", "href": f"{base}/stac/collections/{_q(cid)}", "type": _JSON},
        {"rel": "collection", "href": f"{base}/stac/collections/{_q(cid)}", "type": _JSON},
        {"rel": "root", "href": f"{base}/stac", "type": _JSON},
    ]
    assets = out.get("assets")
    if assets:
        out["assets"] = {key: _served_asset(key, asset, item_url) for key, asset in assets.items()}
    return out


def _served_asset(key: str, asset: dict[str, Any], item_url: str) -> dict[str, Any]:
    href = asset.get("href", "")
    if not href or _is_remote(href):
        return asset
    return {**asset, "href": f"{item_url}/assets/{_q(key)}"}


def collection_out(doc: dict[str, Any], base: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    url = f"{base}/stac/collections/{_q(out['id'])}"
    out["links"] = [
        {"rel": "self", "href": url, "type": _JSON},
        {"rel": "parent", "href": f"{base}/stac", "type": _JSON},
        {"rel": "root", "href": f"{base}/stac", "type": _JSON},
        {"rel": "items", "href": f"{url}/items", "type": _GEOJSON},
    ]
    return out


def landing(base: str, collections: list[dict[str, Any]]) -> dict[str, Any]:
    links = [
        {"rel": "self", "href": f"{base}/stac", "type": _JSON},
        {"rel": "root", "href": f"{base}/stac", "type": _JSON},
        {"rel": "conformance", "href": f"{base}/stac/conformance", "type": _JSON},
        {"rel": "data", "href": f"{base}/stac/collections", "type": _JSON},
        {"rel": "search", "href": f"{base}/stac/search", "type": _GEOJSON, "method": "GET"},
        {"rel": "search", "href": f"{base}/stac/search", "type": _GEOJSON, "method": "POST"},
        {"rel": "service-desc", "href": f"{base}/openapi.json", "type": "application/vnd.oai.openapi+json;version=3.0"},
        {"rel": "service-doc", "href": f"{base}/docs", "type": "text/html"},
    ]
    links += [{"rel": "child", "href": f"{base}/stac/collections/{_q(c['id'])}", "type": _JSON} for c in collections]
    return {
        "type": "Catalog",
        "stac_version": "1.1.0",
        "id": "spacebridge",
        "title": "spacebridge products",
        "description": "Products made by spacebridge (flood extent and likelihood, ...), with their lineage.",
        "conformsTo": CONFORMANCE,
        "links": links,
    }
