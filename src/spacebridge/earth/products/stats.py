"""Area statistics of class rasters, with pixel areas computed in an equal-area CRS.

A pixel's true area is the area of its four corners' polygon projected into a Lambert azimuthal equal-area CRS
centred on the raster (:func:`spacebridge.core.geo.equal_area_crs`; equal-area everywhere, so exact up to the
straight-edge approximation of a 10 m cell). On geographic grids (EPSG:4326) pixel area depends on latitude only
and is computed for every row; on projected grids it varies slowly (UTM scale factor) and is computed at the
centre of every 64 x 64 pixel block. Counting a class never materialises a full-size area array: per-block counts
are multiplied by per-block areas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import InvalidAOIError
from spacebridge.core.geo import equal_area_crs

__all__ = ["area_by_value", "block_cell_areas_m2", "equal_area_crs_for", "footprint_wgs84"]

_BLOCK_PX = 64


def _geobox(da: xr.DataArray) -> Any:
    import odc.geo.xr  # noqa: F401

    return da.odc.geobox


def _to_wgs84(gbox: Any, xs: Any, ys: Any) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(gbox.crs.to_wkt(), "EPSG:4326", always_xy=True).transform(xs, ys)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def footprint_wgs84(gbox: Any, *, points_per_side: int = 16) -> Any:
    """The grid's outline in EPSG:4326 (shapely Polygon), edges densified so curved edges stay close."""
    from shapely.geometry import Polygon

    left, bottom, right, top = gbox.extent.boundingbox
    t = np.linspace(0.0, 1.0, points_per_side, endpoint=False)
    xs = np.concatenate(
        [left + (right - left) * t, np.full_like(t, right), right - (right - left) * t, np.full_like(t, left)]
    )
    ys = np.concatenate(
        [np.full_like(t, top), top - (top - bottom) * t, np.full_like(t, bottom), bottom + (top - bottom) * t]
    )
    lon, lat = _to_wgs84(gbox, xs, ys)
    return Polygon(zip(lon, lat, strict=True)).normalize()


def equal_area_crs_for(gbox: Any) -> str:
    """The LAEA CRS centred on a grid's centre (PROJ string)."""
    left, bottom, right, top = gbox.extent.boundingbox
    lon, lat = _to_wgs84(gbox, np.array([(left + right) / 2]), np.array([(bottom + top) / 2]))
    return equal_area_crs(float(lon[0]), float(lat[0]))


def block_cell_areas_m2(gbox: Any) -> tuple[np.ndarray, int, int]:
    """Cell area in m² at the centre cell of each block; returns ``(areas, block_rows, block_cols)``.

    Blocks are one row high and the full width on geographic grids, 64 x 64 pixels otherwise.
    """
    from pyproj import Transformer

    height, width = gbox.shape
    geographic = bool(gbox.crs.geographic)
    by, bx = (1, width) if geographic else (_BLOCK_PX, _BLOCK_PX)
    rows = np.minimum(np.arange(0, height, by) + by // 2, height - 1)
    cols = np.minimum(np.arange(0, width, bx) + bx // 2, width - 1)
    rr, cc = np.meshgrid(rows.astype(np.float64), cols.astype(np.float64), indexing="ij")
    corners_c = np.stack([cc, cc + 1, cc + 1, cc], axis=-1)
    corners_r = np.stack([rr, rr, rr + 1, rr + 1], axis=-1)
    t = gbox.transform
    xs = t.c + t.a * corners_c + t.b * corners_r
    ys = t.f + t.d * corners_c + t.e * corners_r
    to_laea = Transformer.from_crs(gbox.crs.to_wkt(), equal_area_crs_for(gbox), always_xy=True)
    ex, ey = to_laea.transform(xs, ys)
    ex, ey = np.asarray(ex), np.asarray(ey)
    area = 0.5 * np.abs(
        np.sum(ex * np.roll(ey, -1, axis=-1) - np.roll(ex, -1, axis=-1) * ey, axis=-1)
    )  # shoelace over the 4 corners
    return area, by, bx


def _block_counts(mask: xr.DataArray, by: int, bx: int) -> Any:
    ydim, xdim = mask.dims
    return mask.astype(np.uint32).coarsen({ydim: by, xdim: bx}, boundary="pad").sum().data


def _zone_masks(zones: Any, gbox: Any) -> list[tuple[Any, np.ndarray]]:
    from rasterio.features import geometry_mask

    gdf = zones.to_crs(gbox.crs.to_wkt())
    out = []
    for zid, geom in zip(gdf.index, gdf.geometry, strict=True):
        inside = ~geometry_mask([geom], out_shape=gbox.shape, transform=gbox.transform, all_touched=False)
        out.append((zid, inside))
    if not any(m.any() for _, m in out):
        raise InvalidAOIError(
            "no AOI polygon covers a pixel of the raster",
            hint="Check that the AOI overlaps the scene (and its CRS)",
            zones=len(out),
        )
    return out


def area_by_value(
    raster: xr.DataArray,
    *,
    values: Mapping[int, str],
    zones: Any | None = None,
) -> dict[str, Any]:
    """Area in km² of each value of a class raster, overall and per zone polygon.

    Parameters
    ----------
    raster
        2-D georeferenced integer raster (numpy- or dask-backed).
    values
        ``{value: name}`` of the classes to measure (e.g. ``{0: "dry", 1: "water", 255: "unknown"}``).
    zones
        Optional GeoDataFrame of polygons (any CRS); each polygon gets its own areas, keyed by its index.

    Returns
    -------
    dict
        ``{"area_km2": {name: km2}, "equal_area_crs": proj_string, "zones": [{"id": id, "area_km2": {...}}]}``.
    """
    import dask

    gbox = _geobox(raster)
    areas, by, bx = block_cell_areas_m2(gbox)
    masks = {name: raster == value for value, name in values.items()}
    zone_masks = _zone_masks(zones, gbox) if zones is not None else []
    graphs: dict[str, Any] = {name: _block_counts(m, by, bx) for name, m in masks.items()}
    for i, (_, inside) in enumerate(zone_masks):
        zone = xr.DataArray(inside, dims=raster.dims)
        for name, m in masks.items():
            graphs[f"{i}\x00{name}"] = _block_counts(m & zone, by, bx)
    (counts,) = dask.compute(graphs)

    def km2(c: Any) -> float:
        return round(float(np.sum(np.asarray(c, dtype=np.float64) * areas)) / 1e6, 6)

    out: dict[str, Any] = {
        "area_km2": {name: km2(counts[name]) for name in masks},
        "equal_area_crs": equal_area_crs_for(gbox),
    }
    if zone_masks:
        out["zones"] = [
            {"id": str(zid), "area_km2": {name: km2(counts[f"{i}\x00{name}"]) for name in masks}}
            for i, (zid, _) in enumerate(zone_masks)
        ]
    return out
