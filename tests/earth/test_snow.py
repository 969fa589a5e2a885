"""Snow: the SCL series (snow on three winter dates), Let-It-Snow on the real Slovenian DEM, published constants."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from spacebridge.core.errors import GridMismatchError, InvalidInputError
from spacebridge.earth.snow import (
    LIS_DEFAULTS,
    fractional_snow_cover,
    glacier_area_change,
    glacier_mask,
    let_it_snow,
    modis_snow,
    snow_cover_series,
    snow_from_scl,
)


@pytest.fixture(scope="module")
def scl(slovenia_dir):
    base = slovenia_dir / "TestEOPatch_c70dbc5_scl"
    data = np.load(base / "SCL.npy")[..., 0]
    times = np.array(json.loads((base / "timestamps.json").read_text()), dtype="datetime64[ns]")
    return xr.DataArray(data, dims=("time", "y", "x"), coords={"time": times})


def test_snow_series_from_scl_finds_the_winter_snow_dates_only(scl):
    series = snow_cover_series(snow_from_scl(scl), pixel_area_m2=100.0)
    snowy = series.index[series["snow_km2"] > 0].strftime("%Y-%m-%d").tolist()
    assert snowy == ["2017-01-11", "2017-11-27", "2017-12-07"]
    summer = series[(series.index.month >= 5) & (series.index.month <= 9)]
    assert (summer["snow_km2"] == 0).all()
    assert series["unknown_fraction"].between(0, 1).all()
    # 1 km x 1 km patch at 10 m: known + unknown = the patch.
    first = series.iloc[0]
    assert first["known_km2"] / (1 - first["unknown_fraction"]) == pytest.approx(1.01, rel=1e-6)


def test_lis_parameters_are_the_published_defaults():
    # Gascoin et al. (2019) table of LIS parameters.
    assert (LIS_DEFAULTS.ndsi_pass1, LIS_DEFAULTS.red_pass1) == (0.4, 0.2)
    assert (LIS_DEFAULTS.ndsi_pass2, LIS_DEFAULTS.red_pass2) == (0.15, 0.04)
    assert (LIS_DEFAULTS.dz_m, LIS_DEFAULTS.fsnow_lim, LIS_DEFAULTS.fclear_lim) == (100.0, 0.1, 0.1)
    assert LIS_DEFAULTS.fsnow_total_lim == 0.001


@pytest.fixture(scope="module")
def dem(slovenia_dir):
    values = np.load(slovenia_dir / "TestEOPatch" / "data_timeless" / "DEM.npy")[..., 0].astype("float32")
    return xr.DataArray(values, dims=("y", "x"))


def test_lis_second_pass_adds_thin_snow_above_the_snowline_only(dem):
    """The real Slovenian DEM stretched to 1000-3000 m: bright snow above 2500 m, a thin-snow signal (pass-2
    NDSI and red) everywhere below. The paper's rule puts the snowline two 100 m bands under the lowest band
    with more than 10 % pass-1 snow: 2500 - 200 = 2300 m; thin snow counts above it only."""
    z = (dem.values - dem.values.min()) / np.ptp(dem.values) * 2000 + 1000
    z_da = xr.DataArray(z.astype("float32"), dims=dem.dims)
    bright = z >= 2500
    ndsi = np.where(bright, 0.7, 0.25).astype("float32")
    red = np.where(bright, 0.6, 0.1).astype("float32")
    result = let_it_snow(xr.DataArray(ndsi, dims=dem.dims), red=xr.DataArray(red, dims=dem.dims), dem_m=z_da)
    snow = result.snow.values
    assert result.chosen["snowline_m"] == pytest.approx(2300.0)
    assert (snow[bright] == 1).all()
    assert (snow[(z >= 2300) & ~bright] == 1).all()  # pass 2
    assert (snow[z < 2300] == 0).all()


def test_lis_needs_the_dem_on_the_scene_grid(dem):
    with pytest.raises(GridMismatchError, match="DEM"):
        let_it_snow(dem, red=dem, dem_m=dem[:50])


def test_lis_keeps_cloud_pixels_unknown_unless_bright_snow(dem):
    ndsi = xr.DataArray(np.full(dem.shape, 0.7, "float32"), dims=dem.dims)
    red = xr.DataArray(np.where(np.arange(dem.shape[1]) < 50, 0.6, 0.1).astype("float32") * np.ones(dem.shape),
                       dims=dem.dims)  # fmt: skip
    cloudy = xr.zeros_like(dem, dtype=bool)
    snow = let_it_snow(ndsi, red=red, dem_m=dem, valid=cloudy).snow.values
    assert (snow[:, :50] == 1).all()  # pass-1 snow under the cloud mask is snow
    assert (snow[:, 50:] == 255).all()


def test_modis_rule_published_thresholds():
    ndsi = xr.DataArray(np.array([0.45, 0.45, 0.45, 0.39], "float32"))
    nir = xr.DataArray(np.array([0.3, 0.05, 0.3, 0.3], "float32"))
    green = xr.DataArray(np.array([0.5, 0.5, 0.08, 0.5], "float32"))
    assert modis_snow(ndsi, nir=nir, green=green).snow.values.tolist() == [1, 0, 0, 0]


def test_fractional_snow_cover_salomonson_appel():
    # FSC = -0.01 + 1.45 NDSI (Salomonson & Appel 2004): NDSI 0.4 -> 0.57, 0.1 -> 0.135
    fsc = fractional_snow_cover(xr.DataArray(np.array([0.4, 0.1, -0.2, 0.8, np.nan], "float32")))
    np.testing.assert_allclose(fsc.values, [0.57, 0.135, 0.0, 1.0, np.nan], rtol=1e-5)


def test_glacier_ratio_minimum_area_and_change():
    red = np.full((40, 40), 0.1, "float32")
    swir = np.full((40, 40), 0.1, "float32")
    red[5:25, 5:25], swir[5:25, 5:25] = 0.6, 0.1  # ice: ratio 6
    red[35, 35], swir[35, 35] = 0.6, 0.1  # a 1-px speck under the minimum area
    before = glacier_mask(red=xr.DataArray(red), swir16=xr.DataArray(swir), min_area_px=4)
    assert int((before.values == 1).sum()) == 400
    red[5:25, 20:25] = 0.1  # retreat
    after = glacier_mask(red=xr.DataArray(red), swir16=xr.DataArray(swir), min_area_px=4)
    change = glacier_area_change(before, after, pixel_area_m2=900.0)
    assert change["area_before_km2"] == pytest.approx(0.36)
    assert change["change_km2"] == pytest.approx(-0.09)
    assert change["change_percent"] == pytest.approx(-25.0)


def test_series_with_one_date_is_refused(scl):
    with pytest.raises(InvalidInputError, match="two dates"):
        snow_cover_series(snow_from_scl(scl.isel(time=slice(0, 1))), pixel_area_m2=100.0)


def test_glacier_water_is_not_ice_and_cut_specks_are_unknown():
    # Water is dark in the NIR (< 0.11, the MODIS snow rule's water test, Hall et al. 1995) but its red/SWIR
    # ratio is high (0.05 / 0.01 = 5): not ice. Clean ice: red 0.55, swir16 0.03, nir 0.45.
    red = np.full((30, 30), 0.1, "float32")
    swir = np.full((30, 30), 0.2, "float32")
    nir = np.full((30, 30), 0.3, "float32")
    red[2:8, 2:8], swir[2:8, 2:8], nir[2:8, 2:8] = 0.05, 0.01, 0.02  # a pond
    red[10:20, 10:20], swir[10:20, 10:20], nir[10:20, 10:20] = 0.55, 0.03, 0.45  # ice, 100 px
    red[25:27, 0:3], swir[25:27, 0:3], nir[25:27, 0:3] = 0.55, 0.03, 0.45  # a 6-px patch at a cloud's edge
    valid = np.ones((30, 30), bool)
    valid[27:, :] = False  # cloud below it
    ice = glacier_mask(red=xr.DataArray(red), swir16=xr.DataArray(swir), nir=xr.DataArray(nir),
                       valid=xr.DataArray(valid), min_area_px=10).values  # fmt: skip
    assert (ice[2:8, 2:8] == 0).all()
    assert int((ice == 1).sum()) == 100
    # Under the minimum area but touching the cloud: maybe part of a larger glacier, so unknown, not 'no ice'.
    assert (ice[25:27, 0:3] == 255).all()
    assert int((ice == 255).sum()) == 3 * 30 + 6
