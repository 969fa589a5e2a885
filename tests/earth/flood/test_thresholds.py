import math
import warnings

import dask.array as da
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.filters import threshold_otsu

from spacebridge.core.errors import ThresholdFallbackWarning
from spacebridge.earth.flood.methods import OPTICAL_MNDWI, SAR_VV
from spacebridge.earth.flood.thresholds import (
    ashman_d,
    choose_threshold,
    choose_thresholds,
    fit_two_gaussians,
    tile_histograms,
)

finite = st.floats(-50, 50, allow_nan=False)
positive = st.floats(0.01, 20, allow_nan=False)


@given(finite, positive, finite, positive, st.floats(0.1, 10))
def test_ashman_d_is_symmetric_and_scale_free(m1, s1, m2, s2, k):
    d = ashman_d(m1, s1, m2, s2)
    assert d == pytest.approx(ashman_d(m2, s2, m1, s1))
    assert d == pytest.approx(ashman_d(k * m1, k * s1, k * m2, k * s2), rel=1e-9, abs=1e-9)


def test_ashman_d_definition():
    # Ashman et al. (1994), eq. 2: D = sqrt(2) |mu1 - mu2| / sqrt(s1^2 + s2^2)
    assert ashman_d(-20.0, 2.0, -8.0, 2.0) == pytest.approx(math.sqrt(2) * 12 / math.sqrt(8))


def _mixture_hist(w, mu, sd, spec, n=1_000_000):
    """Expected counts of a Gaussian mixture in the method's bins (exact integrals of the pdf)."""
    from scipy.stats import norm

    edges = spec.hist_min + np.arange(spec.nbins + 1) * spec.bin_width
    counts = sum(wi * np.diff(norm.cdf(edges, m, s)) for wi, m, s in zip(w, mu, sd, strict=True))
    return np.round(counts * n).astype(np.int64)


@pytest.mark.parametrize(
    ("w", "mu", "sd"), [((0.3, 0.7), (-21.0, -9.0), (2.0, 3.0)), ((0.5, 0.5), (-18, -6), (1.5, 1.5))]
)
def test_mixture_fit_recovers_the_generating_parameters(w, mu, sd):
    counts = _mixture_hist(w, mu, sd, SAR_VV)
    fit = fit_two_gaussians(counts, SAR_VV.centers)
    assert fit is not None
    assert fit.weight == pytest.approx(w, abs=0.01)
    assert fit.mean == pytest.approx(mu, abs=0.05)
    assert fit.std == pytest.approx(sd, abs=0.05)


def test_unimodal_histogram_falls_back_with_a_warning():
    counts = _mixture_hist((1.0,), (-10.0,), (3.0,), SAR_VV)
    hist = counts[None, None, :]
    with pytest.warns(ThresholdFallbackWarning, match=r"sar-vv: no tile .* bimodal.*static VV threshold -15 dB \("):
        choice = choose_threshold(hist, SAR_VV)
    assert choice.fallback
    assert choice.value == SAR_VV.fallback
    assert choice.tiles_selected == 0


def test_dimensionless_fallback_message_has_no_unit():
    """MNDWI is unitless ("1"): the message reads "threshold 0.1 (...)", SAR keeps its dB."""
    counts = _mixture_hist((1.0,), (-0.4,), (0.1,), OPTICAL_MNDWI)
    with pytest.warns(ThresholdFallbackWarning) as caught:
        choose_threshold(counts[None, None, :], OPTICAL_MNDWI)
    message = str(caught[0].message)
    assert f"threshold {OPTICAL_MNDWI.fallback:g} (" in message
    assert OPTICAL_MNDWI.unit == "1"
    assert SAR_VV.unit == "dB"


def test_bimodal_scene_gets_otsu_threshold_of_its_pixels():
    rng = np.random.default_rng(1)
    img = np.where(rng.random((512, 512)) < 0.3, rng.normal(-21, 2, (512, 512)), rng.normal(-9, 3, (512, 512)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThresholdFallbackWarning)
        (choice,) = choose_thresholds([(img, np.ones_like(img, bool), SAR_VV)])
    assert not choice.fallback
    # Otsu on the raw pixels (skimage, 256 bins) is the authority; ours uses 0.1 dB bins
    assert choice.value == pytest.approx(threshold_otsu(img), abs=0.3)
    assert choice.ashman_d > 2


def test_split_based_search_finds_a_small_lake():
    """5% water in one corner: the whole scene is too unbalanced, a quadrant is selected (HSBA)."""
    rng = np.random.default_rng(2)
    img = rng.normal(-0.3, 0.08, (512, 512))
    img[:114, :114] = rng.normal(0.5, 0.08, (114, 114))
    (choice,) = choose_thresholds([(img, np.ones_like(img, bool), OPTICAL_MNDWI)], tile_px=128)
    assert not choice.fallback
    assert 0 < choice.tiles_selected < choice.tiles_tested
    assert -0.1 < choice.value < 0.3


def test_implausible_otsu_threshold_falls_back():
    """Two land classes (bimodal, but no water): the split lies outside the plausible VV range."""
    rng = np.random.default_rng(3)
    img = np.where(rng.random((256, 256)) < 0.5, rng.normal(-8, 1, (256, 256)), rng.normal(0, 1, (256, 256)))
    with pytest.warns(ThresholdFallbackWarning):
        (choice,) = choose_thresholds([(img, np.ones_like(img, bool), SAR_VV)])
    assert choice.fallback


def test_user_threshold_is_used_without_search():
    img = np.zeros((64, 64))
    (choice,) = choose_thresholds([(img, np.ones_like(img, bool), SAR_VV)], fixed={"sar-vv": -17.5})
    assert choice.value == -17.5
    assert not choice.fallback
    assert choice.reason == "given by the user"


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.sampled_from([16, 32, 64]), st.integers(8, 100))
def test_tile_histograms_do_not_depend_on_chunking(h, w, tile, chunk):
    rng = np.random.default_rng(h * 1000 + w)
    img = rng.normal(-12, 6, (h, w)).astype(np.float32)
    img[rng.random((h, w)) < 0.1] = np.nan
    valid = rng.random((h, w)) < 0.9
    eager = tile_histograms(img, valid, tile_px=tile, spec=SAR_VV)
    lazy = tile_histograms(
        da.from_array(img, chunks=chunk), da.from_array(valid, chunks=chunk), tile_px=tile, spec=SAR_VV
    )
    np.testing.assert_array_equal(eager, lazy.compute())
    assert eager.sum() == np.count_nonzero(valid & np.isfinite(img))


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.sampled_from([16, 32, 64]), st.integers(8, 100))
def test_float16_histograms_without_a_mask_count_the_finite_values(h, w, tile, chunk):
    """The table path of float16 values (NaN where invalid) equals the float32 path with an explicit mask."""
    rng = np.random.default_rng(h * 7 + w)
    img = rng.normal(-12, 9, (h, w)).astype(np.float16)  # some beyond the bins on both sides
    img[rng.random((h, w)) < 0.1] = np.nan
    img[rng.random((h, w)) < 0.01] = np.inf
    want = tile_histograms(img.astype(np.float32), np.isfinite(img), tile_px=tile, spec=SAR_VV)
    np.testing.assert_array_equal(tile_histograms(img, None, tile_px=tile, spec=SAR_VV), want)
    lazy = tile_histograms(da.from_array(img, chunks=chunk), None, tile_px=tile, spec=SAR_VV)
    np.testing.assert_array_equal(lazy.compute(), want)
