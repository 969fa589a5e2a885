"""Small STAC documents for the store and API tests."""

from __future__ import annotations

from typing import Any


def collection(cid: str = "flood-extent") -> dict[str, Any]:
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "id": cid,
        "description": f"{cid} products",
        "license": "CC-BY-4.0",
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
        "links": [],
    }


def item(iid: str, bbox: tuple[float, float, float, float], when: str, cid: str = "flood-extent") -> dict[str, Any]:
    w, s, e, n = bbox
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {
        "type": "Feature",
        "stac_version": "1.1.0",
        "id": iid,
        "collection": cid,
        "bbox": [w, s, e, n],
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"datetime": when},
        "assets": {},
        "links": [],
    }
