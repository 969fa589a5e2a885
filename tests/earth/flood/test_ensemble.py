import dask.array as da
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spacebridge.earth.flood.ensemble import UNKNOWN, apply_min_area, ensemble_vote, water_membership
from spacebridge.earth.flood.thresholds import ThresholdChoice


def _choice(value, water_mean, below):
    return ThresholdChoice("m", "v", "u", value, below, False, "", 1, 1, 128, 3.0, water_mean, 0.0, "")


def test_membership_is_one_half_at_the_threshold_for_both_water_sides():
    x = xr.DataArray(np.array([0.6, 0.35, 0.1, -0.2], np.float32))
    m = water_membership(x, _choice(0.1, 0.35, below=False)).values
    np.testing.assert_allclose(m, [1.0, 1.0, 0.5, 0.0])


memberships = arrays(np.float32, (3, 6, 6), elements=st.sampled_from([np.nan, 0.0, 0.3, 0.5, 0.51, 0.9, 1.0]))


@given(memberships)
def test_vote_is_a_strict_majority_of_valid_methods_and_never_dry_without_data(ms):
    das = {f"m{i}": xr.DataArray(m, dims=("y", "x")) for i, m in enumerate(ms)}
    water, lik, _, n_valid = ensemble_vote(das)
    valid = np.isfinite(ms).sum(axis=0)
    wet = (ms > 0.5).sum(axis=0)
    expected = np.where(valid == 0, UNKNOWN, (2 * wet > valid).astype(np.uint8))
    np.testing.assert_array_equal(water.values, expected)
    np.testing.assert_array_equal(n_valid.values, valid)
    total = np.where(np.isfinite(ms), ms, 0.0).sum(axis=0)
    mean = np.round(total / np.maximum(valid, 1) * 100)
    # float32 sums may round a .5 case the other way than float64: one percent of tolerance
    np.testing.assert_allclose(lik.values, np.where(valid == 0, UNKNOWN, mean), atol=1)
    assert ((lik.values == UNKNOWN) == (valid == 0)).all()


@settings(max_examples=25, deadline=None)
@given(arrays(np.uint8, (40, 50), elements=st.sampled_from([0, 1, 1, 255])), st.integers(2, 12), st.integers(7, 30))
def test_min_area_on_dask_equals_eager_and_removes_only_small_patches(mask, min_area, chunk):
    from scipy.ndimage import label

    eager = apply_min_area(xr.DataArray(mask, dims=("y", "x")), min_area_px=min_area).values
    lazy = apply_min_area(xr.DataArray(da.from_array(mask, chunks=chunk), dims=("y", "x")), min_area_px=min_area)
    np.testing.assert_array_equal(lazy.values, eager)
    labels, _ = label(mask == 1, structure=np.ones((3, 3)))
    sizes = np.bincount(labels.ravel())
    small = (sizes < min_area)[labels] & (labels > 0)
    np.testing.assert_array_equal(eager, np.where(small, 0, mask))


def test_min_area_of_one_keeps_everything():
    a = xr.DataArray(np.array([[1, 0], [0, 255]], np.uint8))
    assert apply_min_area(a, min_area_px=1) is a


def test_empty_ensemble_is_refused():
    with pytest.raises(ValueError, match="at least one method"):
        ensemble_vote({})
