"""Polygons from class rasters: valid geometries, equal-area areas, GeoJSON (RFC 7946) and GeoParquet files.

``rasterio.features.shapes`` traces the pixel edges of each connected patch (8-connected). Geometries are made
valid with ``shapely.make_valid`` (keeping the polygonal parts), their areas computed in the raster's
Lambert equal-area CRS (:func:`~spacebridge.earth.products.stats.equal_area_crs_for`), and they are written in
WGS 84 longitude/latitude as RFC 7946 requires for GeoJSON. Files are written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.atomic import atomic_path, atomic_write_text
from spacebridge.earth.products.stats import equal_area_crs_for

__all__ = ["polygonize", "write_vectors"]


def _polygonal(geom: Any) -> Any:
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else None


def polygonize(raster: xr.DataArray, *, values: Mapping[int, str], connectivity: int = 8) -> Any:
    """Polygons of the pixels whose value is in ``values``, as a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    raster
        2-D georeferenced integer raster.
    values
        ``{value: class name}`` of the classes to trace (others are left out).
    connectivity
        4 or 8: pixel connectivity of a patch.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``value``, ``class``, ``area_m2`` (equal-area) and ``geometry`` (valid polygons, EPSG:4326).
    """
    import geopandas as gpd
    import odc.geo.xr  # noqa: F401
    from rasterio.features import shapes
    from shapely.geometry import shape

    gbox = raster.odc.geobox
    data = np.asarray(raster.values)
    if data.dtype not in (np.uint8, np.int16, np.uint16, np.int32, np.float32):
        data = data.astype(np.int32)
    mask = np.isin(data, list(values))
    records: list[tuple[int, Any]] = []
    for geom, value in shapes(data, mask=mask, transform=gbox.transform, connectivity=connectivity):
        poly = _polygonal(shape(geom))
        if poly is not None and not poly.is_empty:
            records.append((int(value), poly))
    gdf = gpd.GeoDataFrame(
        {"value": [v for v, _ in records], "class": [values[v] for v, _ in records]},
        geometry=[g for _, g in records],
        crs=gbox.crs.to_wkt(),
    )
    gdf["area_m2"] = gdf.geometry.to_crs(equal_area_crs_for(gbox)).area.round(2)
    out = gdf.to_crs("EPSG:4326")
    out["geometry"] = out.geometry.make_valid()
    return out[["value", "class", "area_m2", "geometry"]]


def write_vectors(
    gdf: Any,
    *,
    geojson: str | os.PathLike[str] | None = None,
    parquet: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write a GeoDataFrame as GeoJSON and/or GeoParquet, atomically; returns the paths written."""
    written: list[Path] = []
    if geojson is not None:
        written.append(atomic_write_text(geojson, gdf.to_json(drop_id=True, to_wgs84=True)))
    if parquet is not None:
        with atomic_path(parquet) as tmp:
            gdf.to_parquet(tmp, index=False)
        written.append(Path(parquet))
    return written
