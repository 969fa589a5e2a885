"""Water bodies over time: WOfS occurrence, equal-area series, trend against scipy/statistics, OPERA shorelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rasterio
import xarray as xr
from odc.geo.geobox import GeoBox
from odc.geo.xr import wrap_xr

from spacebridge.core.errors import DataError, InvalidInputError
from spacebridge.earth.areas import pixel_areas_m2
from spacebridge.earth.water import shorelines, water_area_series, water_occurrence, water_trend

DSWX = "OPERA_L3_DSWx-HLS_T12SVG_20230411T180222Z_20230414T030945Z_L8_30_v1.0_B01_WTR.tif"


@pytest.fixture(scope="module")
def dswx(examples_dir):
    """OPERA DSWx-HLS over Lake Powell, cropped to 600 x 600 px, as 0 dry / 1 water / 255 unknown."""
    with rasterio.open(examples_dir / "opera" / DSWX) as src:
        window = rasterio.windows.Window(2400, 3000, 600, 600)  # col, row: 20 % water
        classes = src.read(1, window=window)
        gbox = GeoBox.from_rio(src)[3000:3600, 2400:3000]
    # DSWx WTR: 0 not water, 1 open water, 2 partial surface water, 252 snow/ice, 253 cloud/shadow, 255 fill
    water = np.where(np.isin(classes, [1, 2]), 1, np.where(classes == 0, 0, 255)).astype("uint8")
    return wrap_xr(water, gbox), gbox


def _stack(plane: np.ndarray, n: int) -> xr.DataArray:
    times = pd.date_range("2020-01-01", periods=n, freq="90D")
    return xr.DataArray(np.stack([plane] * n), dims=("time", "y", "x"), coords={"time": times})


def test_occurrence_is_wet_over_clear_observations():
    codes = np.array([[[1, 0, 255]], [[1, 1, 255]], [[0, 255, 255]], [[1, 1, 255]]], dtype="uint8")
    occ = water_occurrence(xr.DataArray(codes, dims=("time", "y", "x")))
    np.testing.assert_allclose(occ["occurrence"].values, [[0.75, 2 / 3, np.nan]])
    assert occ["clear"].values.tolist() == [[4, 3, 0]]


def test_bad_codes_are_refused():
    with pytest.raises(InvalidInputError, match="0 dry, 1 water, 255 unknown"):
        water_occurrence(xr.DataArray(np.full((2, 1, 1), 7, "uint8"), dims=("time", "y", "x")))


def test_dswx_area_uses_equal_area_pixels_and_counts_unknown(dswx):
    water, gbox = dswx
    areas = pixel_areas_m2(gbox)
    series = water_area_series(_stack(water.values, 3), pixel_area_m2=areas)
    n_water = int((water.values == 1).sum())
    # UTM pixels are 900 m² nominal; the equal-area area differs by the UTM scale factor (< 0.1 %).
    assert series["water_km2"].iloc[0] == pytest.approx(n_water * 900 / 1e6, rel=1e-3)
    assert series["unknown_fraction"].iloc[0] == pytest.approx(float((water.values == 255).mean()), rel=1e-3)


def test_trend_recovers_a_known_shrinking_lake_with_its_interval():
    rng = np.random.default_rng(1)
    times = pd.date_range("2015-01-01", periods=40, freq="91D")
    years = np.asarray((times - times[0]).days / 365.25)
    area = 1000.0 - 12.0 * years + rng.normal(0, 3.0, len(times))
    series = pd.DataFrame({"water_km2": area, "usable": True}, index=times)
    series.loc[times[5], "usable"] = False  # a cloudy date is left out
    series.loc[times[5], "water_km2"] = 10.0
    trend = water_trend(series)
    assert trend.n_dates == 39
    lo, hi = trend.ols_ci95_km2_per_year
    assert lo < -12.0 < hi
    assert trend.ols_stderr_km2_per_year == pytest.approx(3.0 / np.sqrt(((years - years.mean()) ** 2).sum()), rel=0.35)
    assert trend.theil_sen_ci95_km2_per_year[0] < -12.0 < trend.theil_sen_ci95_km2_per_year[1]


def test_trend_needs_three_usable_dates():
    series = pd.DataFrame({"water_km2": [1.0, 2.0], "usable": [True, True]}, index=pd.date_range("2020", periods=2))
    with pytest.raises(DataError, match="at least 3 usable dates"):
        water_trend(series)


def test_shorelines_follow_the_water_edge(dswx):
    water, gbox = dswx
    lines = shorelines(water)
    assert lines
    total_km = sum(line.length for line in lines) / 1000
    assert total_km > 1.0
    # Every shoreline vertex lies between a water and a dry (or unknown) pixel: sample the map there.
    sample = lines[0].coords[len(lines[0].coords) // 2]
    col, row = ~gbox.affine * sample
    r, c = int(row), int(col)
    patch = water.values[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2]
    assert (patch == 1).any()
    assert (patch != 1).any()
