"""Fixtures for the scale-out tests: the bundled Spain 2019 flood scenes and their single-process results."""

from __future__ import annotations

import json
from pathlib import Path

import dask
import numpy as np
import pytest
import rasterio


@pytest.fixture(scope="session")
def spain_s2(examples_dir: Path) -> str:
    """Sentinel-2 L1C, 512 x 512 px, EPSG:4326, about 10 m (Sen1Floods11, Bonafilia et al. 2020)."""
    return str(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif")


@pytest.fixture(scope="session")
def spain_s1(examples_dir: Path) -> str:
    """Sentinel-1 GRD VV/VH in dB on the same grid as the Sentinel-2 chip."""
    return str(examples_dir / "flood-spain-2019" / "Spain_7370579_S1Hand.tif")


@pytest.fixture(scope="session")
def untiled_flood(spain_s2: str, spain_s1: str) -> dict[str, np.ndarray]:
    """map_flood on the whole chip in one process, inputs prepared as the flood workflow does (MNDWI, VV, VH)."""
    from spacebridge.earth import compute_index
    from spacebridge.earth.flood import OpticalInput, SarInput, map_flood
    from spacebridge.earth.load import open_scene

    optical = open_scene(spain_s2, bands=["green", "swir16"])
    sar = open_scene(spain_s1)
    mndwi = compute_index("MNDWI", optical.data, valid=optical.valid)  # Xu (2006)
    with dask.config.set(scheduler="sync"):
        result = map_flood(
            optical=OpticalInput(mndwi, "mndwi", optical.valid),
            sar=SarInput(vv_db=sar.data["vv"], vh_db=sar.data["vh"], valid=sar.valid),
        )
        return {
            "flood_extent": result.extent.values,
            "flood_likelihood": result.likelihood.values,
            "flood_class": result.classes.values,
        }


def read_band(path: Path | str) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


@pytest.fixture(scope="session")
def slovenia_cube(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Path:
    """The eo-learn Slovenia series (68 Sentinel-2 dates 2015-2017, NDVI and cloud mask) as a georeferenced Zarr.

    Grid: EPSG:32633, 10 m pixels from the top-left corner of ``bbox.geojson`` (eo-learn's nominal resolution;
    the bbox spans 999.5 x 1009.7 m for 100 x 101 px). Clear = IS_DATA and not CLM.
    """
    import xarray as xr
    from affine import Affine
    from odc.geo.geobox import GeoBox
    from odc.geo.xr import xr_zeros

    base = examples_dir / "timeseries-slovenia" / "TestEOPatch"
    ndvi = np.load(base / "data" / "NDVI.npy")[..., 0]
    cloud = np.load(base / "mask" / "CLM.npy")[..., 0].astype(bool)
    data = np.load(base / "mask" / "IS_DATA.npy")[..., 0].astype(bool)
    times = np.array(json.loads((base / "timestamps.json").read_text()), dtype="datetime64[ns]")
    ring = json.loads((base / "bbox.geojson").read_text())["coordinates"][0]
    left, top = min(x for x, _ in ring), max(y for _, y in ring)
    gbox = GeoBox(ndvi.shape[1:], Affine(10.0, 0.0, left, 0.0, -10.0, top), "EPSG:32633")
    template = xr_zeros(gbox, "float32", time=times)
    ds = xr.Dataset(
        {"ndvi": template.copy(data=ndvi), "clear": template.copy(data=data & ~cloud).astype(bool)},
    )
    path = tmp_path_factory.mktemp("cube") / "slovenia.zarr"
    ds.chunk({"time": 1}).to_zarr(path, consolidated=False)
    return path
