"""Fast float32 → float16 conversion, bit for bit numpy's ``astype(np.float16)``.

numpy converts to float16 one value at a time in C (``npy_floatbits_to_halfbits``): 3.5 ms per million values on
the project's 2-core machine, 7 % of the flood mapping pass on a Sentinel-2 tile. OpenCV converts with the CPU's
F16C instructions, in 0.24 ms. Both round to the nearest even float16 and give ±inf beyond ±65504, so the results
are the same bits: tested on every class of float32 (normal, subnormal, ±0, ±inf, values that round to the largest
and smallest float16) and on millions of random bit patterns. The one difference is the payload of NaNs, which
stay NaN (nothing here or downstream reads a NaN's payload).

The scale factor of ``cv2.multiply`` is 1.0 and applied in float32: ``x * 1`` is exact, and ``-0.0`` keeps its
sign (``cv2.add(x, 0)`` would turn it into ``+0.0``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["to_float16"]


def to_float16(values: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """``values`` as float16, NaN where ``valid`` is False; equal to ``np.where(valid, values, nan).astype(float16)``.

    2-D float32 arrays go through OpenCV; other shapes and dtypes through numpy (a float64 array must not be
    rounded to float32 first: that would round twice).

    Examples
    --------
    >>> import numpy as np
    >>> to_float16(np.array([[0.1, -2.5, 7e4]], np.float32), np.array([[True, False, True]]))
    array([[0.1, nan, inf]], dtype=float16)
    """
    if valid is not None:
        values = np.where(valid, values, np.array(np.nan, values.dtype if values.dtype.kind == "f" else np.float64))
    if values.dtype == np.float32 and values.ndim == 2 and values.size:
        import cv2

        out: Any = cv2.multiply(np.ascontiguousarray(values), 1.0, dtype=cv2.CV_16F)  # type: ignore[call-overload]
        return np.asarray(out).view(np.float16).reshape(values.shape)
    return values.astype(np.float16)
