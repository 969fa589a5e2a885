"""Masks on the bundled real scenes: Landsat 8 pre-collection BQA, Sen2Cor SCL, s2cloudless on L1C."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from spacebridge.core.errors import InvalidInputError, MissingBandError
from spacebridge.earth.masks import (
    SCL_CLASSES,
    bqa_precollection_mask,
    buffer_mask,
    combine_masks,
    qa_pixel_mask,
    s2cloudless_mask,
    scl_mask,
    scl_snow,
)

from .conftest import read_bands

S2_NAMES = {
    "B1": "coastal", "B2": "blue", "B3": "green", "B4": "red", "B5": "rededge071", "B6": "rededge075",
    "B7": "rededge078", "B8": "nir", "B8A": "nir08", "B9": "nir09", "B10": "cirrus", "B11": "swir16",
    "B12": "swir22",
}  # fmt: skip


def test_scl_classes_are_the_sen2cor_table():
    assert len(SCL_CLASSES) == 12
    assert SCL_CLASSES[3] == "cloud_shadows"
    assert SCL_CLASSES[9] == "cloud_high_probability"
    assert SCL_CLASSES[11] == "snow"


def test_bqa_documented_bit_layout():
    # USGS pre-collection BQA worked example: bits 0-2 off, water 01, snow 01, cirrus 10, cloud 11 -> cloudy
    value = (0b11 << 14) | (0b10 << 12) | (0b01 << 10) | (0b01 << 4)
    qa = xr.DataArray(np.array([value, value & ~(0b11 << 14) | (0b01 << 14), 1, 2, 4], dtype="uint16"))
    valid = bqa_precollection_mask(qa, cirrus_confidence=None).valid.values.tolist()
    assert valid == [False, True, False, False, False]  # cloudy, clear, fill, dropped frame, terrain occlusion
    assert bqa_precollection_mask(qa, cirrus_confidence="maybe").valid.values.tolist()[1] is False


def test_bqa_on_the_landsat_crop_masks_bright_clouds(examples_dir):
    l8 = examples_dir / "sensor-crops" / "landsat8"
    import rasterio

    with rasterio.open(l8 / "l8_BQA.tif") as src:
        bqa = xr.DataArray(src.read(1))
    with rasterio.open(l8 / "l8_B2.tif") as src:
        blue = src.read(1).astype("float32")
    mask = bqa_precollection_mask(bqa, cirrus_confidence=None, snow_confidence=None)
    valid = mask.valid.values
    cloud_fraction = 1 - valid.mean()
    # The scene's MTL says CLOUD_COVER = 11.08 % over the whole scene; the crop must be cloudy but not mostly.
    assert 0.01 < cloud_fraction < 0.3
    # Physical consistency: high-confidence clouds are much brighter in the blue band than the rest.
    assert np.median(blue[~valid]) > 1.3 * np.median(blue[valid])
    # Adding cirrus masks more, never less.
    assert (~bqa_precollection_mask(bqa).valid.values).sum() > (~valid).sum()
    record = mask.describe()
    assert record["method"] == "bqa_precollection"
    json.dumps(record)


def test_qa_pixel_c2_documented_values():
    # USGS LSDS-1619 example values for Landsat 8-9 C2: 21824 clear, 22280 high-confidence cloud,
    # 23888 cloud shadow, 30048 snow, 21952 water, 1 fill.
    qa = xr.DataArray(np.array([21824, 22280, 23888, 30048, 21952, 1], dtype="uint16"))
    assert qa_pixel_mask(qa).valid.values.tolist() == [True, False, False, False, True, False]
    assert qa_pixel_mask(qa, mask_water=True, mask_snow=False).valid.values.tolist() == [
        True, False, False, True, False, False
    ]  # fmt: skip


def test_qa_band_must_be_integer():
    with pytest.raises(InvalidInputError, match="dtype"):
        qa_pixel_mask(xr.DataArray(np.array([1.0])))


@pytest.fixture(scope="module")
def scl(slovenia_dir):
    data = np.load(slovenia_dir / "TestEOPatch_c70dbc5_scl" / "SCL.npy")[..., 0]
    times = json.loads((slovenia_dir / "TestEOPatch_c70dbc5_scl" / "timestamps.json").read_text())
    return xr.DataArray(data, dims=("time", "y", "x"), coords={"time": np.array(times, dtype="datetime64[ns]")})


def test_scl_mask_drops_clouds_and_keeps_snow_on_request(scl):
    default = scl_mask(scl).valid
    snowy = scl_mask(scl, keep_snow=True).valid
    v, s, codes = default.values, snowy.values, scl.values
    assert not v[codes == 9].any()
    assert not v[codes == 11].any()
    assert s[codes == 11].all()
    assert v[codes == 4].all()
    assert scl_mask(scl).describe()["invalid_classes"] == [0, 1, 3, 8, 9, 10, 11]


def test_scl_snow_found_in_winter_not_in_summer(scl):
    snow = scl_snow(scl)
    frac = snow.mean(dim=("y", "x"))  # among known pixels
    months = scl["time"].dt.month
    winter = frac.where(months.isin([11, 12, 1, 2, 3]), drop=True)
    summer = frac.where(months.isin([5, 6, 7, 8, 9]), drop=True)
    # The series has snow (class 11) on three winter dates: 2017-01-11, 2017-11-27 and 2017-12-07.
    snow_dates = winter["time"].where(winter.fillna(0) > 0.1, drop=True).dt.strftime("%Y-%m-%d").values.tolist()
    assert snow_dates == ["2017-01-11", "2017-11-27", "2017-12-07"]
    assert float(summer.fillna(0).max()) == 0.0


def test_unknown_scl_codes_are_rejected(scl):
    with pytest.raises(InvalidInputError, match="unknown class codes"):
        scl_mask(scl, invalid_classes=[3, 42])


@pytest.fixture(scope="module")
def spain_l1c(examples_dir):
    ds = read_bands(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif")
    return (ds.rename(S2_NAMES) / 10_000.0).astype("float32")


@pytest.mark.slow
def test_s2cloudless_keeps_the_clear_scene_clear_and_finds_an_opaque_cloud(spain_l1c):
    """The Spain L1C scene is cloud-free; a patch with an opaque cloud's spectrum must be found."""
    cloudy = spain_l1c.copy(deep=True)
    # Spectrum of an opaque water cloud in L1C TOA reflectance (bright and flat in the VNIR, cirrus band lit).
    spectrum = {"coastal": 0.55, "blue": 0.52, "red": 0.5, "rededge071": 0.5, "nir": 0.5, "nir08": 0.49,
                "nir09": 0.2, "cirrus": 0.04, "swir16": 0.35, "swir22": 0.25}  # fmt: skip
    for band, value in spectrum.items():
        cloudy[band][380:480, 380:480] = value
    mask, prob = s2cloudless_mask(cloudy, pixel_size_m=10.0)
    assert float(prob[400:460, 400:460].mean()) > 0.6
    assert not mask.valid[400:460, 400:460].any()
    # Away from the patch (more than the smoothing and dilation radii) the real scene stays clear.
    assert float(mask.valid[:330, :].mean()) > 0.99
    assert float(prob[:330, :].quantile(0.99)) < 0.4
    assert mask.describe()["average_over_px"] == 22  # the s2cloudless recommendation at 10 m
    assert mask.describe()["dilation_px"] == 11


def test_s2cloudless_needs_the_l1c_bands(spain_l1c):
    with pytest.raises(MissingBandError, match="cirrus"):
        s2cloudless_mask(spain_l1c.drop_vars("cirrus"), pixel_size_m=10.0)


def test_buffer_grows_the_invalid_area_and_is_recorded():
    valid = np.ones((2, 21, 21), bool)
    valid[:, 10, 10] = False
    mask = scl_mask(xr.DataArray(np.where(valid, 4, 9), dims=("time", "y", "x")))
    grown = buffer_mask(mask, buffer_m=30, pixel_size_m=10)
    invalid = ~grown.valid.values
    assert invalid[:, 7:14, 10].all()
    assert not invalid[:, 10, 6].any()
    assert grown.describe()["buffer_m"] == 30
    both = combine_masks(mask, grown)
    assert both.method == "scl+scl"
    assert len(both.describe()["parts"]) == 2
