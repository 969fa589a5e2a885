"""The index engine keeps its input's grid: the result's ``spatial_ref`` carries the CRS, so ``odc.geobox`` works."""

from __future__ import annotations

import numpy as np
import xarray as xr
from odc.geo.geobox import GeoBox
from odc.geo.xr import wrap_xr

from spacebridge.earth.indices import compute_index
from spacebridge.earth.load import open_scene


def test_index_of_a_loaded_scene_keeps_the_scene_grid(examples_dir):
    scene = open_scene(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif", bands=["green", "nir"])
    ndwi = compute_index("NDWI", scene.data, valid=scene.valid)
    assert ndwi.odc.geobox == scene.geobox
    assert ndwi.odc.geobox.crs.epsg == 4326
    assert ndwi.attrs["long_name"]  # the index's own attributes replace the bands'
    assert "center_wavelength_um" not in ndwi.attrs


def test_index_of_georeferenced_arrays_keeps_their_crs():
    gbox = GeoBox.from_bbox((500_000, 4_000_000, 500_040, 4_000_040), "EPSG:32633", resolution=10)
    nir = wrap_xr(np.full(gbox.shape, 0.5, "float32"), gbox)
    red = wrap_xr(np.full(gbox.shape, 0.1, "float32"), gbox)
    ndvi = compute_index("NDVI", xr.Dataset({"nir": nir, "red": red}))
    assert ndvi.odc.geobox == gbox
    np.testing.assert_allclose(ndvi.values, 2 / 3, rtol=1e-6)
