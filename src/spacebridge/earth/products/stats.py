"""Area statistics of class rasters, with pixel areas computed in an equal-area CRS.

Pixel areas come from :func:`spacebridge.earth.areas.pixel_areas_m2` (each pixel's corners projected into a
Lambert azimuthal equal-area CRS), evaluated block by block so that a full-size area array is never held in
memory: for each block (a dask chunk, 2048 px by default) the areas of its pixels are multiplied by the class
masks and summed. Geographic grids (EPSG:4326) are therefore measured correctly, latitude by latitude. On
north-up EPSG:4326 grids every pixel of a row has the same exact area (:func:`~spacebridge.earth.areas.
lonlat_row_areas_m2`), so each value's pixels are counted per row and the counts weighted by the row areas: no
area array at all (0.2 s of CPU instead of 1.3 s on a full Sentinel-2 tile).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import InvalidAOIError
from spacebridge.core.geo import equal_area_crs

__all__ = ["area_by_value", "equal_area_crs_for", "footprint_wgs84", "read_zones"]

_BLOCK_PX = 2048


def read_zones(aoi: str | None) -> Any:
    """The AOI file's polygons as a GeoDataFrame for ``zones=`` (``None`` without an AOI or with no feature).

    Rows without geometry are dropped; the others keep their row number as index (the zone id of the statistics).
    """
    if aoi is None:
        return None
    import geopandas as gpd

    try:
        gdf = gpd.read_file(aoi)
    except Exception as exc:  # pyogrio raises its own error types for unreadable files
        raise InvalidAOIError(
            f"cannot read the AOI file {aoi}: {exc}", hint="Give a GeoJSON polygon file", aoi=aoi
        ) from exc
    return gdf[gdf.geometry.notna()] if len(gdf) else None


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


def _block_sums(
    block: np.ndarray,
    *,
    gbox: Any,
    values: Sequence[int],
    zones: Sequence[Any],
    block_info: dict[Any, Any] | None = None,
) -> np.ndarray:
    """Area in m² of each value in one block, overall (row 0) and inside each zone (rows 1..n)."""
    from rasterio.features import geometry_mask

    from spacebridge.earth.areas import lonlat_row_areas_m2, pixel_areas_m2

    (y0, y1), (x0, x1) = block_info[0]["array-location"] if block_info else ((0, block.shape[0]), (0, block.shape[1]))
    sub = gbox[y0:y1, x0:x1]
    out = np.zeros((1 + len(zones), len(values)), dtype=np.float64)
    insides = [None] + [
        ~geometry_mask([g], out_shape=sub.shape, transform=sub.transform, all_touched=False) for g in zones
    ]
    rows_m2 = lonlat_row_areas_m2(sub)
    if rows_m2 is not None:  # lon/lat: one exact area per row, so count the pixels of each value per row
        for i, inside in enumerate(insides):
            for j, value in enumerate(values):
                hit = block == value
                per_row = np.count_nonzero(hit if inside is None else hit & inside, axis=1)
                out[i, j] = float(per_row @ rows_m2)
        return out[None, None]
    areas = pixel_areas_m2(sub)
    small = block.dtype.kind in "bu" and block.dtype.itemsize <= 2  # bool, uint8, uint16: one bincount
    for i, inside in enumerate(insides):
        if small:
            codes = block if inside is None else block[inside]
            weights = areas if inside is None else areas[inside]
            sums = np.bincount(codes.ravel(), weights=weights.ravel(), minlength=1 << (8 * block.dtype.itemsize))
            out[i] = [sums[v] if 0 <= v < sums.size else 0.0 for v in values]
            continue
        for j, value in enumerate(values):
            out[i, j] = areas[(block == value) if inside is None else inside & (block == value)].sum()
    return out[None, None]


def _zone_geometries(zones: Any, gbox: Any) -> list[Any]:
    from shapely.geometry import box

    gdf = zones.to_crs(gbox.crs.to_wkt())
    extent = box(*gbox.boundingbox)
    geoms = list(gdf.geometry)
    if not any(g is not None and g.intersects(extent) for g in geoms):
        raise InvalidAOIError(
            "no AOI polygon overlaps the raster",
            hint="Check that the AOI covers the scene (and that its CRS is right)",
            zones=len(geoms),
            raster_bounds=list(gbox.boundingbox),
        )
    return geoms


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
    import dask.array as da

    from spacebridge.earth.areas import geobox_of

    gbox = geobox_of(raster)
    geoms = _zone_geometries(zones, gbox) if zones is not None else []
    data = raster.data
    if not isinstance(data, da.Array):
        data = da.from_array(np.asarray(data), chunks=_BLOCK_PX)
    keys = list(values)
    sums = data.map_blocks(
        _block_sums,
        gbox=gbox,
        values=keys,
        zones=geoms,
        dtype=np.float64,
        chunks=((1,) * data.numblocks[0], (1,) * data.numblocks[1], (1 + len(geoms),), (len(keys),)),
        new_axis=[2, 3],
        meta=np.array((), np.float64),
    )
    total = np.asarray(sums.sum(axis=(0, 1)).compute()) / 1e6
    out: dict[str, Any] = {
        "area_km2": {values[k]: round(float(total[0, j]), 6) for j, k in enumerate(keys)},
        "equal_area_crs": equal_area_crs_for(gbox),
    }
    if zones is not None and geoms:
        out["zones"] = [
            {"id": str(zid), "area_km2": {values[k]: round(float(total[1 + i, j]), 6) for j, k in enumerate(keys)}}
            for i, zid in enumerate(zones.index)
        ]
    return out
