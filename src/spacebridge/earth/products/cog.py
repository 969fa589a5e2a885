"""Cloud-optimised GeoTIFF writer: ZSTD, internal tiles, overviews, nodata, written atomically.

The raster is first written as an uncompressed tiled GeoTIFF in a private temporary folder beside the destination
(from dask one row of chunks at a time, computed in parallel by whatever scheduler is active), then GDAL's COG
driver copies it into the final layout (tiles, overviews, ghost header) and
:func:`~spacebridge.core.atomic.atomic_path` renames it into place. A failure at any point leaves no partial file.
rio-cogeo's ``cog_validate`` accepts the result (checked in the tests).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.atomic import atomic_path
from spacebridge.core.errors import InvalidInputError

__all__ = ["COG_MEDIA_TYPE", "write_cog"]

COG_MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
_GDAL_CACHE_MB = 256
"""GDAL block cache while writing (GDAL's default, 5 % of the RAM, kept about 1 GB of blocks after three
full-tile COGs on a 24 GB machine; the writes stream tiles, so a small cache does not slow them)."""


def _write_band(dst: Any, data: Any, dtype: np.dtype[Any]) -> None:
    """Write a numpy array, or a dask array one row of chunks at a time (any scheduler, bounded memory)."""
    from rasterio.windows import Window

    if not hasattr(data, "dask"):
        dst.write(np.asarray(data, dtype=dtype), 1)
        return
    top = 0
    for rows in data.chunks[0]:
        block = np.asarray(data[top : top + rows].astype(dtype).compute())
        dst.write(block, 1, window=Window(0, top, block.shape[1], rows))
        top += rows


def _grid(da: xr.DataArray) -> tuple[Any, Any]:
    import odc.geo.xr  # noqa: F401  (registers the .odc accessor)

    gbox = da.odc.geobox
    if gbox is None or gbox.crs is None:
        raise InvalidInputError(
            f"array {da.name!r} has no georeferencing (CRS and transform)",
            hint="Pass arrays that carry their grid (loaded with spacebridge.earth.load, rioxarray or odc-stac)",
        )
    return gbox.crs.to_wkt(), gbox.transform


def write_cog(
    path: str | os.PathLike[str],
    da: xr.DataArray,
    *,
    nodata: float | None,
    blocksize_px: int = 512,
    resampling: str = "nearest",
    colormap: Mapping[int, tuple[int, int, int, int]] | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    level: int = 1,
    predictor: bool = False,
) -> Path:
    """Write a 2-D array as a Cloud-Optimised GeoTIFF (ZSTD, internal tiles, overviews) and return its path.

    Parameters
    ----------
    path
        Destination ``.tif``; replaced atomically.
    da
        2-D georeferenced array (``y``, ``x``), numpy- or dask-backed; its dtype is kept.
    nodata
        Value marking unknown pixels (e.g. 255 for uint8 class maps, NaN for float).
    blocksize_px
        Internal tile edge in pixels.
    resampling
        Overview resampling (``"nearest"`` for classes, ``"average"`` for continuous values).
    colormap
        Optional palette ``{value: (r, g, b, a)}`` for single-band uint8 rasters.
    description, tags
        Band description and dataset tags written into the file.
    level
        ZSTD compression level. Level 1 compresses about three times faster than level 6, and its files are
        0-15 % larger (measured on the flood maps of a full Sentinel-2 tile, decision 0112).
    predictor
        Store horizontal differences (TIFF predictor 2): smaller and faster for smooth continuous rasters (a
        likelihood map: 66 MB at level 1 against 78 MB at level 6 without it), not for class maps.
    """
    import rasterio
    import rasterio.shutil

    if da.ndim != 2:
        raise InvalidInputError(
            f"write_cog writes 2-D arrays; {da.name!r} has dimensions {da.dims}",
            hint="Select one band first",
            dims=list(da.dims),
        )
    crs, transform = _grid(da)
    height, width = da.shape
    dtype = np.dtype(da.dtype)
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with (
        rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB),
        tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp_dir,
    ):
        staging = Path(tmp_dir) / "staging.tif"
        profile = {
            "driver": "GTiff", "height": height, "width": width, "count": 1, "dtype": dtype.name, "crs": crs,
            "transform": transform, "nodata": nodata, "tiled": True, "blockxsize": blocksize_px,
            "blockysize": blocksize_px, "bigtiff": "IF_SAFER",
        }  # fmt: skip
        with rasterio.open(staging, "w", **profile) as dst:
            _write_band(dst, da.data, dtype)
            if description:
                dst.set_band_description(1, description)
            if tags:
                dst.update_tags(**tags)
            if colormap:
                dst.write_colormap(1, dict(colormap))
        with atomic_path(dest) as tmp:
            rasterio.shutil.copy(
                staging, tmp, driver="COG", COMPRESS="ZSTD", LEVEL=level, BLOCKSIZE=blocksize_px,
                OVERVIEWS="IGNORE_EXISTING", OVERVIEW_RESAMPLING=resampling.upper(), BIGTIFF="IF_SAFER",
                NUM_THREADS="ALL_CPUS", PREDICTOR="YES" if predictor else "NO",
            )  # fmt: skip
    return dest
