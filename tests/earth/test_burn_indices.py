"""NBR2 and BAIS2: golden values from their definitions, the adaptive burned extent, and capability on real scenes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from odc.geo.geobox import GeoBox
from odc.geo.xr import wrap_xr

from spacebridge.core.errors import CapabilityError, InvalidInputError, ThresholdFallbackWarning
from spacebridge.earth.burn_indices import burn_difference, burned_extent_adaptive, get_burn_index
from spacebridge.earth.fire_inputs import open_burn_scene
from spacebridge.earth.indices import compute_index

# Golden values computed by hand from the published definitions (not from the catalogue):
# NBR2 = (SWIR1 - SWIR2) / (SWIR1 + SWIR2) (USGS);
# BAIS2 = (1 - sqrt(B6 B7 B8A / B4)) ((B12 - B8A) / sqrt(B12 + B8A) + 1) (Filipponi 2018, eq. 1).
# Vegetation-like and burned-like reflectances.
GOLDEN_NBR2 = [((0.30, 0.20), 0.2), ((0.25, 0.24), 0.0204082)]
GOLDEN_BAIS2 = [((0.20, 0.25, 0.30, 0.05, 0.10), 0.3092548), ((0.08, 0.10, 0.12, 0.07, 0.20), 1.0077518)]


@pytest.mark.parametrize(("bands", "expected"), GOLDEN_NBR2)
def test_nbr2_golden_values(bands, expected):
    swir16, swir22 = (np.array([v], "float32") for v in bands)
    assert compute_index("NBR2", {"swir16": swir16, "swir22": swir22})[0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(("bands", "expected"), GOLDEN_BAIS2)
def test_bais2_golden_values(bands, expected):
    names = ("rededge075", "rededge078", "nir08", "red", "swir22")
    data = {n: np.array([v], "float32") for n, v in zip(names, bands, strict=True)}
    assert compute_index("BAIS2", data)[0] == pytest.approx(expected, abs=1e-6)


def test_differences_are_positive_where_burned():
    pre, post = xr.DataArray([0.3, 0.3]), xr.DataArray([0.05, 0.31])
    np.testing.assert_allclose(burn_difference(get_burn_index("nbr2"), pre, post).values, [0.25, -0.01], atol=1e-6)
    np.testing.assert_allclose(burn_difference(get_burn_index("BAIS2"), post, pre).values, [0.25, -0.01], atol=1e-6)
    with pytest.raises(InvalidInputError, match="not a burn index"):
        get_burn_index("ndvi")


def _synthetic(burned_value: float, *, seed: int = 0):
    """A 256 x 256 dNBR2 field: unburned noise around 0, a 100 x 120 px burn around ``burned_value``."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0, 0.02, (256, 256)).astype("float32")
    values[60:160, 40:160] = rng.normal(burned_value, 0.03, (100, 120))
    values[0:10, :] = np.nan
    gbox = GeoBox.from_bbox((500_000, 4_000_000, 502_560, 4_002_560), "EPSG:32633", resolution=10)
    return wrap_xr(values, gbox)


def test_adaptive_threshold_separates_the_burn():
    result = burned_extent_adaptive(get_burn_index("NBR2"), _synthetic(0.25), pixel_area_m2=100.0)
    codes = result.extent.values
    assert not result.threshold.fallback
    assert 0.05 < result.threshold.value < 0.2
    assert (codes[0:10] == 255).all()
    assert (codes[70:150, 50:150] == 1).all()
    assert (codes[200:, 180:] == 0).all()
    assert result.chosen["threshold"]["burned_side"] == "above"
    assert result.chosen["min_mapping_unit_px"] == 100


def test_no_bimodal_histogram_falls_back_with_a_warning_and_a_given_threshold_wins():
    flat = _synthetic(0.0)
    with pytest.warns(ThresholdFallbackWarning, match="dNBR2"):
        result = burned_extent_adaptive(get_burn_index("NBR2"), flat, pixel_area_m2=100.0)
    assert result.threshold.fallback
    assert result.threshold.value == pytest.approx(0.1)
    assert (result.extent.values[10:] == 0).all()
    given = burned_extent_adaptive(get_burn_index("NBR2"), _synthetic(0.25), pixel_area_m2=100.0, threshold=0.2)
    assert given.threshold.value == 0.2
    assert given.threshold.reason == "given by the user"


def test_fire_chips_lack_the_bands_and_the_error_says_which(fire_dir):
    post = str(fire_dir / "post_fire" / "HURST_20250107.tif")
    with pytest.raises(CapabilityError, match=r"no swir16 \(B11") as nbr2:
        open_burn_scene(post, index="NBR2", role="post-fire", sensor="sentinel-2-l2a")
    assert "NBR (--index nbr)" in str(nbr2.value)
    with pytest.raises(CapabilityError, match=r"rededge075 \(B06.*rededge078 \(B07.*nir08 \(B8A") as bais2:
        open_burn_scene(post, index="BAIS2", role="post-fire", sensor="sentinel-2-l2a")
    assert bais2.value.context["missing"] == ["rededge075", "rededge078", "nir08"]


def test_a_sensor_without_swir_names_the_substitutes():
    from spacebridge.earth.sensors import check_index

    with pytest.raises(CapabilityError, match="NBR2"):
        check_index("kazeosat-2", "NBR2")


@pytest.mark.slow
def test_spain_l1c_has_every_band_and_gets_an_s2cloudless_mask(examples_dir):
    """The Sentinel-2 L1C scene has all 13 bands: NBR2 and BAIS2 compute on its full grid."""
    from spacebridge.earth.scene_masks import scene_cloud_mask

    src = str(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif")
    scene = open_burn_scene(src, index="BAIS2", role="post-fire")
    assert scene.sensor.id == "sentinel-2-l1c"
    assert {"rededge075", "rededge078", "nir08", "red", "swir22", "cirrus", "coastal"} <= set(scene.data.data_vars)
    bais2 = compute_index("BAIS2", scene.data, valid=scene.valid)
    assert bais2.shape == (512, 512)
    assert bais2.odc.geobox == scene.geobox
    values = bais2.values
    assert np.isfinite(values).mean() > 0.99
    assert -1.0 < float(np.nanmedian(values)) < 1.5  # the published range for land surfaces (Filipponi 2018)
    mask = scene_cloud_mask(scene.data, sensor_id=scene.sensor.id, pixel_size_m=10.0)
    assert mask is not None
    assert mask.method == "s2cloudless"
    assert mask.describe()["model_block_px"] == 6
    nbr2_scene = open_burn_scene(src, index="NBR2", role="post-fire")
    assert compute_index("NBR2", nbr2_scene.data).shape == (512, 512)
