import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.filters import threshold_otsu

from spacebridge.earth.flood.methods import SAR_VH
from spacebridge.earth.flood.mixture import fit_many, fit_two_gaussians, otsu_rows

NBINS = 40
CENTERS = -30.0 + 0.5 * np.arange(NBINS)

# histograms with empty runs at either end and inside, counts up to tile sizes and beyond float32's exact range
histograms = st.integers(1, 12).flatmap(
    lambda k: arrays(
        np.int64, (k, NBINS), elements=st.one_of(st.just(0), st.integers(1, 50), st.integers(10_000, 30_000_000))
    )
)


@settings(max_examples=200, deadline=None)
@given(histograms)
def test_otsu_rows_equal_scikit_image_row_by_row(counts):
    counts = counts[np.count_nonzero(counts, axis=1) >= 2]
    got = otsu_rows(counts, CENTERS)
    want = [threshold_otsu(hist=(row, CENTERS)) for row in counts]
    assert got.tolist() == want


def _noisy_mixture(rng, k):
    """``k`` histograms of two Gaussians with random weights, means and spreads, and Poisson noise."""
    x = SAR_VH.centers
    rows = []
    for _ in range(k):
        w = rng.uniform(0.05, 0.95)
        m1, m2 = rng.uniform(-28, -18), rng.uniform(-16, -6)
        s1, s2 = rng.uniform(0.8, 3.0), rng.uniform(0.8, 3.0)
        pdf = w * np.exp(-0.5 * ((x - m1) / s1) ** 2) / s1 + (1 - w) * np.exp(-0.5 * ((x - m2) / s2) ** 2) / s2
        rows.append(rng.poisson(pdf / pdf.sum() * rng.integers(1_000, 20_000)))
    return np.array(rows)


def test_a_fit_does_not_depend_on_the_batch_or_the_threads():
    """Bit for bit: alone, in a batch of 300 (two batches) and spread over 1 or 4 threads."""
    counts = _noisy_mixture(np.random.default_rng(7), 300)
    alone = [fit_two_gaussians(row, SAR_VH.centers) for row in counts[:40]]
    for threads in (1, 4):
        together = fit_many(counts, SAR_VH.centers, threads=threads)
        assert together[:40] == alone
        assert together == fit_many(counts[::-1], SAR_VH.centers, threads=threads)[::-1]


def test_rows_that_cannot_be_fitted_give_none_in_place():
    counts = _noisy_mixture(np.random.default_rng(1), 3)
    counts[1] = 0  # empty
    spike = np.zeros_like(counts[0])
    spike[100] = 500  # one occupied bin
    fits = fit_many(np.vstack([counts, spike]), SAR_VH.centers)
    assert fits[1] is None
    assert fits[3] is None
    assert fits[0] is not None
    assert fits[2] is not None


def test_noisy_mixtures_are_recovered():
    """Poisson noise on 1 000-20 000 px tiles: each fitted mean within 0.5 dB of the generating one when separated."""
    rng = np.random.default_rng(11)
    x = SAR_VH.centers
    truth = [(0.4, -22.0, 1.5, -11.0, 2.0), (0.2, -25.0, 1.0, -14.0, 2.5), (0.7, -20.0, 2.0, -9.0, 1.2)]
    rows = []
    for w, m1, s1, m2, s2 in truth:
        pdf = w * np.exp(-0.5 * ((x - m1) / s1) ** 2) / s1 + (1 - w) * np.exp(-0.5 * ((x - m2) / s2) ** 2) / s2
        rows.append(rng.poisson(pdf / pdf.sum() * 15_000))
    for fit, (w, m1, s1, m2, s2) in zip(fit_many(np.array(rows), x), truth, strict=True):
        assert fit is not None
        assert fit.mean == pytest.approx((m1, m2), abs=0.5)
        assert fit.std == pytest.approx((s1, s2), abs=0.5)
        assert fit.weight[0] == pytest.approx(w, abs=0.05)


def test_otsu_rows_refuses_undefined_histograms_and_mismatched_centres():
    from spacebridge.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="fewer than two occupied bins") as err:
        otsu_rows([[0, 4, 0, 0], [1, 0, 0, 2], [0, 0, 0, 0]], np.arange(4.0))
    assert err.value.context["rows"] == [0, 2]
    with pytest.raises(InvalidInputError, match="do not match 3 bin centres"):
        otsu_rows([[1, 2, 3, 4]], np.arange(3.0))
