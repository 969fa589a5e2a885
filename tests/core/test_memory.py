import numpy as np
import pytest

from spacebridge.core.errors import InvalidInputError
from spacebridge.core.memory import touch_pages, trim_memory


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_touch_pages_writes_zeros_through_every_byte(threads):
    arrays = [
        np.full(n, 7, dtype) for n, dtype in ((1, np.uint8), (4097, np.uint8), (123_457, np.float32), (0, np.int16))
    ]
    touch_pages(arrays, threads=threads)
    for a in arrays:
        assert not a.any()


def test_touch_pages_refuses_views_that_are_not_contiguous():
    with pytest.raises(InvalidInputError, match="C-contiguous"):
        touch_pages([np.zeros((4, 4))[:, ::2]])


def test_trim_memory_is_safe_to_call():
    trim_memory()


def test_tune_allocator_sets_glibc_thresholds_and_yields_to_the_environment(monkeypatch):
    import ctypes.util

    from spacebridge.core.memory import tune_allocator

    # dask's nanny exports MALLOC_TRIM_THRESHOLD_ into this process's environment when a test starts a cluster
    for key in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"):
        monkeypatch.delenv(key, raising=False)
    glibc = ctypes.util.find_library("c") is not None and hasattr(ctypes.CDLL(ctypes.util.find_library("c")), "mallopt")
    assert tune_allocator() is glibc
    assert tune_allocator() is glibc  # idempotent
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert tune_allocator() is False  # the user's own setting wins
    big = np.ones(8 * 2**20, np.uint8)  # allocations still work either way
    assert int(big.sum()) == 8 * 2**20
