import numpy as np
import pytest

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
    with pytest.raises(ValueError, match="C-contiguous"):
        touch_pages([np.zeros((4, 4))[:, ::2]])


def test_trim_memory_is_safe_to_call():
    trim_memory()
