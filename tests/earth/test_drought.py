"""Drought indices: Kogan's formulas and classes, and the Slovenian NDVI series (2015-2017)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from spacebridge.core.errors import DataError, DegradedResultWarning, InvalidInputError
from spacebridge.earth.drought import (
    DROUGHT_CLASSES,
    check_kelvin,
    climatology,
    drought_classes,
    vci,
    vegetation_condition,
    vhi,
)


@pytest.fixture(scope="module")
def series(slovenia_dir):
    base = slovenia_dir / "TestEOPatch"
    ndvi = np.load(base / "data" / "NDVI.npy")[..., 0]
    clm = np.load(base / "mask" / "CLM.npy")[..., 0].astype(bool)
    is_valid = np.load(base / "mask" / "IS_VALID.npy")[..., 0]
    times = np.array(json.loads((base / "timestamps.json").read_text()), dtype="datetime64[ns]")
    dims = ("time", "y", "x")
    return (
        xr.DataArray(ndvi, dims=dims, coords={"time": times}, name="ndvi"),
        xr.DataArray(is_valid & ~clm, dims=dims, coords={"time": times}),
    )


def test_kogan_classes_are_pinned():
    # Kogan (2002): VHI < 10 extreme, < 20 severe, < 30 moderate, < 40 mild, otherwise no drought.
    assert [(c[0], c[1], c[2]) for c in DROUGHT_CLASSES][1:] == [
        (3, "severe", 10.0), (2, "moderate", 20.0), (1, "mild", 30.0), (0, "no_drought", 40.0)
    ]  # fmt: skip
    values = xr.DataArray(np.array([5.0, 10.0, 19.9, 25.0, 39.9, 40.0, 100.0, np.nan]))
    assert drought_classes(values).values.tolist() == [4, 3, 3, 2, 1, 0, 0, 255]


def test_vci_and_vhi_follow_kogan():
    times = pd.to_datetime(["2020-07-01", "2021-07-01", "2022-07-01"])
    ndvi = xr.DataArray(np.array([0.4, 0.8, 0.5]).reshape(3, 1, 1), dims=("time", "y", "x"), coords={"time": times})
    clim = climatology(ndvi, min_years=3)
    got = vci(ndvi, clim).values.ravel()
    # VCI = 100 (NDVI - NDVImin) / (NDVImax - NDVImin)
    np.testing.assert_allclose(got, [0.0, 100.0, 25.0], rtol=1e-6)
    assert float(clim.std.values.ravel()[0]) == pytest.approx(np.std([0.4, 0.8, 0.5], ddof=1))
    np.testing.assert_allclose(vhi(xr.DataArray([20.0]), xr.DataArray([60.0])).values, [40.0])


def test_one_year_is_not_a_climatology(series):
    ndvi, valid = series
    one_year = ndvi.sel(time="2016")
    with pytest.raises(DataError, match="at least 2 years"):
        vegetation_condition(one_year, valid=valid.sel(time="2016"))


def test_one_date_is_refused(series):
    ndvi, _ = series
    with pytest.raises(InvalidInputError, match="two dates"):
        vegetation_condition(ndvi.isel(time=slice(0, 1)))


def test_slovenian_series_gives_bounded_indices_and_warns_about_three_years(series):
    ndvi, valid = series
    with pytest.warns(DegradedResultWarning, match="3 years"):
        result = vegetation_condition(ndvi, valid=valid)
    assert result.chosen["climatology_years"] == [2015, 2016, 2017]
    v = result.vci.values
    assert np.nanmin(v) >= 0
    assert np.nanmax(v) <= 100
    assert set(np.unique(result.classes.values)) <= {0, 1, 2, 3, 4, 255}
    # Summer 2017 was a documented drought in Slovenia (ARSO): August 2017 greenness is below August 2016.
    z = result.anomaly
    aug17 = z.sel(time="2017-08-01").values
    assert np.nanmean(aug17) < 0
    assert np.nanmean(z.sel(time="2016-08-01").values) > 0


@pytest.mark.parametrize(
    ("values", "words"),
    [([15.2, 31.0], ("Celsius", "kelvin")), ([41000.0, 45000.0], ("scaled", "scale and offset"))],
)
def test_temperatures_must_be_kelvin(values, words):
    with pytest.raises(InvalidInputError) as caught:
        check_kelvin(xr.DataArray(np.array([*values, np.nan], "float32")), name="bt_k")
    for word in words:
        assert word in str(caught.value) + caught.value.hint
    check_kelvin(xr.DataArray(np.array([250.0, 330.0, np.nan], "float32")))  # plausible surface temperatures
