"""Adapter for the bundled Slovenian eo-learn series (demo and tests only): ``.npy`` arrays to dated GeoTIFFs.

The eo-learn test patch (``examples/data/timeseries-slovenia``) stores arrays ``(time, y, x, 1)`` with the dates in
``timestamps.json`` and the grid in ``TestEOPatch/bbox.geojson`` (EPSG:32633, 1 x 1 km, 101 x 100 px). The time-series
commands read folders of dated rasters (:mod:`spacebridge.earth.load_series`); this adapter writes them:

- :func:`write_ndvi_series`: one ``ndvi_YYYYMMDDTHHMMSS.tif`` per date (float32, band description ``NDVI``, NaN
  where eo-learn's ``IS_VALID`` is false or its cloud mask ``CLM`` is set), 68 dates 2015-2017;
- :func:`write_scl_series`: one ``scl_YYYYMMDDTHHMMSS.tif`` per date (uint8 Sen2Cor classes, description ``SCL``,
  nodata 0), 36 dates 2016-2017 of the ``TestEOPatch_c70dbc5_scl`` copy of the same patch (same grid).

The acquisition time is written as the ``ACQUISITION_DATETIME`` tag, which the loader reads. Nothing here is part
of the library: the ``.npy`` layout is eo-learn's, not a format spacebridge supports.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["write_ndvi_series", "write_scl_series"]


def _grid(base: Path) -> tuple[str, object]:
    """CRS and transform: 10 m square pixels (the patch's resolution) on the 10 m UTM grid, from the bbox's upper-left
    corner snapped to it (the bbox spans 999.5 x 1009.7 m for 100 x 101 px, pixels 0.05 % off square and 1-6 m off
    the 10 m grid, which a loader would resample)."""
    import math

    from rasterio.transform import from_origin

    geo = json.loads((base / "TestEOPatch" / "bbox.geojson").read_text())
    xs = [p[0] for p in geo["coordinates"][0]]
    ys = [p[1] for p in geo["coordinates"][0]]
    crs = geo["crs"]["properties"]["name"].rsplit(":", 1)[-1]
    return f"EPSG:{crs}", from_origin(math.floor(min(xs) / 10) * 10, math.ceil(max(ys) / 10) * 10, 10.0, 10.0)


def _write(out: Path, stem: str, arrays: np.ndarray, times: list[str], grid: tuple[str, object], *,
           description: str, nodata: float) -> Path:  # fmt: skip
    import rasterio

    out.mkdir(parents=True, exist_ok=True)
    crs, transform = grid
    for when, plane in zip(times, arrays, strict=True):
        name = f"{stem}_{when.replace('-', '').replace(':', '')}.tif"
        profile = {"driver": "GTiff", "width": plane.shape[1], "height": plane.shape[0], "count": 1,
                   "dtype": plane.dtype.name, "crs": crs, "transform": transform, "nodata": nodata,
                   "compress": "deflate"}  # fmt: skip
        with rasterio.open(out / name, "w", **profile) as dst:
            dst.write(plane[np.newaxis])
            dst.set_band_description(1, description)
            dst.update_tags(ACQUISITION_DATETIME=when + "Z")
    return out


def write_ndvi_series(data_dir: Path, out: Path) -> Path:
    """Write the 68-date NDVI series (clouds and invalid pixels as NaN) into ``out``; returns ``out``."""
    base = data_dir / "timeseries-slovenia"
    patch = base / "TestEOPatch"
    ndvi = np.load(patch / "data" / "NDVI.npy")[..., 0].astype("float32")
    valid = np.load(patch / "mask" / "IS_VALID.npy")[..., 0] & ~np.load(patch / "mask" / "CLM.npy")[..., 0].astype(bool)
    ndvi = np.where(valid, ndvi, np.float32(np.nan))
    times = json.loads((patch / "timestamps.json").read_text())
    return _write(out, "ndvi", ndvi, times, _grid(base), description="NDVI", nodata=float("nan"))


def write_scl_series(data_dir: Path, out: Path) -> Path:
    """Write the 36-date Sen2Cor SCL series into ``out``; returns ``out``."""
    base = data_dir / "timeseries-slovenia"
    folder = base / "TestEOPatch_c70dbc5_scl"
    scl = np.nan_to_num(np.load(folder / "SCL.npy")[..., 0], nan=0.0).astype("uint8")
    times = json.loads((folder / "timestamps.json").read_text())
    return _write(out, "scl", scl, times, _grid(base), description="SCL", nodata=0)
