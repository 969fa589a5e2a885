"""Fixtures for the earth analyses tests: the bundled real scenes as georeferenced arrays.

Until the loader lands, scenes are read with rasterio and wrapped with odc-geo (a test fixture, not a loader).
NBR is computed here from the bands (the index engine's golden tests cover the formula itself).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import xarray as xr
from odc.geo.geobox import GeoBox
from odc.geo.xr import wrap_xr

FIRES = ("CLEAR_20240626", "DOVE_20241019", "HURST_20250107", "LIDIA_20250108")


def read_bands(path: Path) -> xr.Dataset:
    """A GeoTIFF as a Dataset of float32 bands named by their descriptions, with its GeoBox."""
    with rasterio.open(path) as src:
        data = src.read().astype("float32")
        gbox = GeoBox.from_rio(src)
        names = [d or f"band{i + 1}" for i, d in enumerate(src.descriptions)]
        nodata = src.nodata
    if nodata is not None:
        data[data == nodata] = np.nan
    return xr.Dataset({n: wrap_xr(data[i], gbox) for i, n in enumerate(names)})


def nbr(ds: xr.Dataset) -> xr.DataArray:
    """NBR of the fire chips (B8 nir, B12 swir22), reflectance x 10^4 (the scale cancels)."""
    return ((ds["B8"] - ds["B12"]) / (ds["B8"] + ds["B12"])).astype("float32")


@pytest.fixture(scope="session")
def fire_dir(examples_dir: Path) -> Path:
    return examples_dir / "fire-california"


@pytest.fixture(scope="session")
def slovenia_dir(examples_dir: Path) -> Path:
    return examples_dir / "timeseries-slovenia"
