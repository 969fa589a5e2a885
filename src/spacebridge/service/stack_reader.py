"""Read a collection's products over an area as one time stack on one grid (for the time-series analyses).

The grid is the first product's CRS and pixel size over the area's bounding box, snapped to that product's pixel
grid; every product is read onto it through a GDAL warped VRT (nearest neighbour, so class codes stay codes).
Nodata becomes NaN. Per-pixel areas come from :func:`spacebridge.earth.areas.pixel_areas_m2` (equal-area), and
``inside`` marks the pixels whose centre lies in the area's polygon. Reading only; no science here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spacebridge.core.errors import NoValidDataError

__all__ = ["Stack", "read_stack"]


@dataclass(frozen=True)
class Stack:
    data: np.ndarray
    """``(time, y, x)`` float64, NaN where a product has no data (or does not cover the pixel)."""
    times: tuple[str, ...]
    """ISO 8601 UTC time of each layer (the item's ``datetime`` or ``start_datetime``), oldest first."""
    item_ids: tuple[str, ...]
    hrefs: tuple[str, ...]
    inside: np.ndarray
    """``(y, x)`` bool: pixel centre inside the area."""
    pixel_area_m2: np.ndarray
    """``(y, x)`` equal-area pixel areas."""
    gbox: Any
    """The odc-geo ``GeoBox`` of the grid."""


def _grid(href: str, geometry: dict[str, Any], max_px: int) -> Any:
    import rasterio
    from odc.geo.geobox import GeoBox
    from odc.geo.geom import Geometry
    from rasterio.transform import from_origin

    with rasterio.open(href) as src:
        crs, t = src.crs, src.transform
    box = Geometry(geometry, crs="EPSG:4326").to_crs(crs.to_wkt()).boundingbox
    res_x, res_y = abs(t.a), abs(t.e)
    left = t.c + math.floor((box.left - t.c) / res_x) * res_x
    top = t.f - math.floor((t.f - box.top) / res_y) * res_y
    width = max(1, math.ceil((box.right - left) / res_x))
    height = max(1, math.ceil((top - box.bottom) / res_y))
    scale = max(1.0, math.sqrt(width * height / max_px))
    width, height = max(1, math.ceil(width / scale)), max(1, math.ceil(height / scale))
    return GeoBox((height, width), from_origin(left, top, res_x * scale, res_y * scale), crs.to_wkt())


def _read(href: str, gbox: Any) -> np.ndarray:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    with (
        rasterio.open(href) as src,
        WarpedVRT(
            src,
            crs=gbox.crs.to_wkt(),
            transform=gbox.affine,
            width=gbox.shape[1],
            height=gbox.shape[0],
            resampling=Resampling.nearest,
        ) as vrt,
    ):
        band = vrt.read(1, masked=True)
    return np.ma.filled(band.astype("float64"), np.nan)


def read_stack(
    items: Sequence[dict[str, Any]], asset_key: str, geometry: dict[str, Any], *, max_px: int = 4_000_000
) -> Stack:
    """The ``asset_key`` rasters of ``items`` over ``geometry`` (lon/lat GeoJSON), oldest first."""
    from odc.geo.geom import Geometry
    from rasterio.features import geometry_mask

    from spacebridge.earth.areas import pixel_areas_m2

    dated = []
    for doc in items:
        asset = (doc.get("assets") or {}).get(asset_key)
        when = doc.get("properties", {}).get("datetime") or doc.get("properties", {}).get("start_datetime")
        if asset is not None and when:
            dated.append((str(when), doc["id"], asset["href"]))
    if not dated:
        raise NoValidDataError(
            f"no product with a time and an asset {asset_key!r} covers the area",
            hint="Pick a collection whose products overlap the area (see /stac/collections) and the right asset",
            asset=asset_key,
        )
    dated.sort()
    gbox = _grid(dated[0][2], geometry, max_px)
    shape = Geometry(geometry, crs="EPSG:4326").to_crs(gbox.crs)
    inside = geometry_mask([shape.json], out_shape=gbox.shape, transform=gbox.affine, invert=True)
    data = np.stack([_read(href, gbox) for _w, _i, href in dated])
    return Stack(
        data=data,
        times=tuple(w for w, _i, _h in dated),
        item_ids=tuple(i for _w, i, _h in dated),
        hrefs=tuple(h for _w, _i, h in dated),
        inside=inside,
        pixel_area_m2=pixel_areas_m2(gbox),
        gbox=gbox,
    )
