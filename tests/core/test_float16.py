import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spacebridge.core.float16 import to_float16

SPECIAL = np.array(
    [0.0, -0.0, np.inf, -np.inf, 65504.0, 65519.99, 65520.0, -65520.0, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-40,
     -1e-45, 1.0009765625, 1.00048828125, 1.00146484375, 2049.0, 2051.0],  # ties to even, subnormals, overflow
    np.float32,
)  # fmt: skip


def _same_bits(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == np.float16
    assert got.shape == want.shape
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_array_equal(got.view(np.uint16)[~nan], want.view(np.uint16)[~nan])


def test_special_values_round_like_numpy():
    a = np.concatenate([SPECIAL, -SPECIAL, [np.nan]]).astype(np.float32).reshape(1, -1)
    with np.errstate(over="ignore"):
        want = a.astype(np.float16)
    _same_bits(to_float16(a), want)


def test_millions_of_random_bit_patterns_round_like_numpy():
    bits = np.random.default_rng(0).integers(0, 2**32, 2_000_000, dtype=np.uint64).astype(np.uint32)
    a = bits.view(np.float32).reshape(1000, 2000)
    with np.errstate(over="ignore"):
        want = a.astype(np.float16)
    _same_bits(to_float16(a), want)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 40)), elements=st.floats(width=32)),
    st.data(),
)
def test_masked_values_become_nan(values, data):
    valid = data.draw(arrays(np.bool_, values.shape))
    with np.errstate(over="ignore"):
        want = np.where(valid, values, np.float32(np.nan)).astype(np.float16)
    _same_bits(to_float16(values, valid), want)


@pytest.mark.parametrize("dtype", [np.float64, np.int16, np.uint16])
def test_other_dtypes_and_shapes_go_through_numpy(dtype):
    a = np.arange(0, 24, dtype=np.float64).astype(dtype).reshape(2, 3, 4)
    valid = (a % 2) == 0
    want = np.where(valid, a, np.nan).astype(np.float16)
    _same_bits(to_float16(a, valid), want)
    _same_bits(
        to_float16(np.float64(1 / 3) * np.ones((2, 2))), (np.float64(1 / 3) * np.ones((2, 2))).astype(np.float16)
    )
