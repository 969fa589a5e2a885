import dask.array as da
import numpy as np
import pytest
import xarray as xr

from spacebridge.core.errors import InvalidInputError
from spacebridge.earth.flood.sar import lee_filter_db


def _speckled(shape, looks, seed=0):
    """Homogeneous field of 0.05 (-13 dB) with L-look gamma speckle (mean 1, variance 1/L)."""
    rng = np.random.default_rng(seed)
    speckle = rng.gamma(looks, 1.0 / looks, shape)
    return xr.DataArray((10 * np.log10(0.05 * speckle)).astype(np.float32), dims=("y", "x"))


def test_flat_field_is_unchanged():
    flat = xr.DataArray(np.full((32, 32), -12.0, np.float32), dims=("y", "x"))
    np.testing.assert_allclose(lee_filter_db(flat).values, -12.0, atol=1e-5)


def test_speckle_is_reduced_on_a_homogeneous_field():
    """Lee (1980): on a homogeneous area the filter tends to the local mean; 7x7 on 4.4-look speckle cuts CV."""
    img = _speckled((256, 256), looks=4.4)
    out = lee_filter_db(img, enl=4.4, window_px=7)
    lin_in, lin_out = 10 ** (img.values / 10), 10 ** (out.values[8:-8, 8:-8] / 10)
    cv_in, cv_out = lin_in.std() / lin_in.mean(), lin_out.std() / lin_out.mean()
    assert cv_in == pytest.approx(1 / np.sqrt(4.4), rel=0.05)
    assert cv_out < cv_in / 3
    assert lin_out.mean() == pytest.approx(0.05, rel=0.03)  # the filter preserves the mean power


def test_strong_edge_is_kept():
    """Where local variation exceeds speckle (an edge), W -> 1 and the pixel keeps its value."""
    img = np.full((40, 40), -22.0, np.float32)
    img[:, 20:] = -6.0
    out = lee_filter_db(xr.DataArray(img, dims=("y", "x"))).values
    assert out[20, 5] == pytest.approx(-22.0, abs=0.01)
    assert out[20, 35] == pytest.approx(-6.0, abs=0.01)
    assert out[20, 19] < -15
    assert out[20, 20] > -10


def test_invalid_pixels_stay_invalid_and_do_not_leak():
    img = _speckled((64, 64), looks=4.4).values
    img[10:20, 10:20] = np.nan
    valid = np.ones_like(img, bool)
    valid[40:, 40:] = False
    out = lee_filter_db(xr.DataArray(img, dims=("y", "x")), valid=xr.DataArray(valid, dims=("y", "x"))).values
    assert np.isnan(out[10:20, 10:20]).all()
    assert np.isnan(out[40:, 40:]).all()
    assert np.isfinite(out[:10]).all()


def test_dask_result_equals_numpy_result():
    img = _speckled((300, 260), looks=4.4, seed=4)
    eager = lee_filter_db(img).values
    lazy = lee_filter_db(img.copy(data=da.from_array(img.values, chunks=(64, 100))))
    np.testing.assert_allclose(lazy.values, eager, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("window", [1, 4, 6])
def test_bad_window_is_refused(window):
    with pytest.raises(InvalidInputError, match="window_px"):
        lee_filter_db(_speckled((8, 8), 4.4), window_px=window)
