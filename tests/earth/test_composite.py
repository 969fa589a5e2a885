"""Composites on the Slovenian NDVI series (68 dates with cloud masks) and against numpy's nanmedian."""

from __future__ import annotations

import json
import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spacebridge.core.errors import DegradedResultWarning, InvalidInputError
from spacebridge.earth.composite import max_ndvi_composite, median_composite, period_groups


@pytest.fixture(scope="module")
def ndvi_series(slovenia_dir):
    base = slovenia_dir / "TestEOPatch"
    ndvi = np.load(base / "data" / "NDVI.npy")[..., 0]
    clm = np.load(base / "mask" / "CLM.npy")[..., 0].astype(bool)
    is_valid = np.load(base / "mask" / "IS_VALID.npy")[..., 0]
    times = np.array(json.loads((base / "timestamps.json").read_text()), dtype="datetime64[ns]")
    coords = {"time": times}
    dims = ("time", "y", "x")
    return xr.DataArray(ndvi, dims=dims, coords=coords, name="ndvi"), xr.DataArray(is_valid & ~clm, dims=dims)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float32, (7, 3, 4), elements=st.one_of(st.just(np.nan), st.floats(-1, 1, width=32))))
def test_median_equals_numpy_nanmedian(values):
    times = pd.date_range("2024-01-01", periods=7, freq="9D")  # spans two months
    arr = xr.DataArray(values, dims=("time", "y", "x"), coords={"time": times}, name="b")
    comp = median_composite(arr).data["b"].values
    _, groups = period_groups(times, "1MS")
    for g in range(comp.shape[0]):
        sub = values[groups == g]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            expected = np.nanmedian(sub, axis=0)
        np.testing.assert_allclose(comp[g], expected, rtol=1e-6, equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float32, (22, 2, 3), elements=st.one_of(st.just(np.nan), st.floats(-1e4, 1e4, width=32))),
    arrays(np.bool_, (22, 2, 3)),
)
def test_median_with_a_mask_equals_nanmedian_for_every_period_length(values, valid):
    # Periods of 1, 2, 3, 16 dates: the single-date, two-date, sorting-network and full-sort paths.
    days = [3, 40, 41, 70, 71, 72] + [100 + d for d in range(16)]
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    # Two bands composited in one pass per block (the second with its own NaNs), one on another grid.
    bands = {"b": values, "c": values[:, ::-1, ::-1].copy()}
    dims = ("time", "y", "x")
    ds = xr.Dataset({k: (dims, v) for k, v in bands.items()}, coords={"time": times}).chunk({"time": 5, "y": 1, "x": 2})
    ds["d"] = ds["b"].chunk({"y": 2, "x": 1})
    bands["d"] = values
    comp = median_composite(ds, valid=xr.DataArray(valid, dims=dims), period="1MS").data
    _, groups = period_groups(times, "1MS")
    assert [int((groups == g).sum()) for g in range(comp.sizes["time"])] == [1, 2, 3, 16]
    for name, band in bands.items():
        masked = np.where(valid, band, np.float32(np.nan))
        for g in range(comp.sizes["time"]):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
                expected = np.nanmedian(masked[groups == g], axis=0)
            np.testing.assert_array_equal(comp[name].values[g], expected)


def test_monthly_median_on_the_slovenian_series_is_lazy_and_masked(ndvi_series):
    ndvi, valid = ndvi_series
    lazy = ndvi.chunk({"time": 10, "y": 50, "x": 50})
    comp = median_composite(lazy, valid=valid, period="1MS")
    assert isinstance(comp.data["ndvi"].data, da.Array)  # nothing computed yet
    result = comp.data["ndvi"].compute()
    count = comp.count.compute()
    # Cloudy observations never enter: where a month had no clear date the composite is NaN.
    assert bool((np.isnan(result) == (count == 0)).all())
    # Vegetation near Ljubljana: the August median NDVI is far above the January median.
    august = float(result.sel(time="2016-08").mean())
    january = float(result.sel(time="2016-01").mean())
    assert august > 0.6
    assert august > january + 0.2
    assert comp.describe()["period"] == "1MS"


def test_max_ndvi_takes_the_greenest_clear_date(ndvi_series):
    ndvi, valid = ndvi_series
    comp = max_ndvi_composite(ndvi.to_dataset(), ndvi=ndvi, valid=valid, period="QS-DEC")
    got = comp.data["ndvi"].values
    expected = median_composite(ndvi, valid=valid, period="QS-DEC").data["ndvi"].values
    # The maximum is at least the median wherever both exist.
    both = np.isfinite(got) & np.isfinite(expected)
    assert (got[both] >= expected[both] - 1e-6).all()
    masked = ndvi.where(valid)
    _, groups = period_groups(ndvi["time"].values, "QS-DEC")
    filled = np.where(np.isnan(masked.values), -np.inf, masked.values)
    direct = np.stack([filled[groups == g].max(axis=0) for g in range(got.shape[0])])
    direct[np.isinf(direct)] = np.nan
    np.testing.assert_allclose(got, direct, equal_nan=True)


def test_one_date_warns():
    arr = xr.DataArray(np.ones((1, 2, 2)), dims=("time", "y", "x"), coords={"time": [np.datetime64("2024-01-01")]})
    with pytest.warns(DegradedResultWarning, match="1 date"):
        median_composite(arr)


def test_bad_period_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="offset alias"):
        period_groups(pd.date_range("2024-01-01", periods=3), "monthly")
