"""Read product values back: a collection's values at a point over time, and zonal means over an area.

These read products already made (COGs in the catalogue) through rio-tiler; they compute no new science. The zonal
mean of a 0/1 class product is the fraction of valid pixels in the class; pixels that are nodata (unknown) are
excluded and the valid fraction is reported next to the mean, never folded into it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader

from spacebridge.core.geo import BBox
from spacebridge.service.stac_query import MAX_LIMIT, SearchQuery, parse_datetime
from spacebridge.service.tiles import pixel_value

if TYPE_CHECKING:
    from spacebridge.service.store import Store

__all__ = ["point_series", "zonal_mean"]


def point_series(
    store: Store, collection: str, lon: float, lat: float, *, asset_key: str = "data"
) -> list[dict[str, Any]]:
    """``[{datetime, item_id, value}]`` oldest first, for the collection's items covering the point."""
    store.catalog.collection(collection)  # 404 for an unknown collection
    eps = 1e-9
    box = BBox(max(-180.0, lon - eps), max(-90.0, lat - eps), min(180.0, lon + eps), min(90.0, lat + eps))
    page = store.catalog.search(SearchQuery(bbox=box, collections=(collection,), limit=MAX_LIMIT))
    rows = []
    for doc in page.items:
        asset = (doc.get("assets") or {}).get(asset_key)
        if asset is None:
            continue
        when = doc["properties"].get("datetime") or doc["properties"].get("start_datetime")
        rows.append(
            {
                "datetime": parse_datetime(when) if when else None,
                "item_id": doc["id"],
                "value": pixel_value(asset, lon, lat),
            }
        )
    rows.sort(key=lambda r: (r["datetime"] is None, r["datetime"]))
    return rows


def zonal_mean(href: str, geometry: dict[str, Any], *, max_size: int = 1024) -> tuple[float | None, float]:
    """Mean of band 1 over valid pixels inside ``geometry`` (lon/lat), and the fraction of pixels that are valid."""
    try:
        with Reader(href) as src:
            img = src.feature(geometry, indexes=1, max_size=max_size)
    except TileOutsideBounds:
        return None, 0.0
    data = np.ma.MaskedArray(img.array[0])
    inside = img.get_coverage_array(geometry) > 0
    valid = inside & ~np.ma.getmaskarray(data) & np.isfinite(np.ma.getdata(data))
    n_inside = int(inside.sum())
    if n_inside == 0:
        return None, 0.0
    frac = float(valid.sum()) / n_inside
    if not valid.any():
        return None, frac
    return float(np.ma.getdata(data)[valid].astype("float64").mean()), frac
