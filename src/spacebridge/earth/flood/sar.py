"""SAR speckle filtering before thresholding: the Lee filter on backscatter in dB.

Speckle is multiplicative in power, so the filter runs on linear power and returns dB. The estimate is Lee's
local linear minimum-mean-square-error filter (Lee 1980) in its coefficient-of-variation form (Lopes et al. 1990):

    x̂ = z̄ + W·(z - z̄),   W = clip(1 - Cu² / Cz², 0, 1),   Cu² = 1 / ENL,   Cz² = var(z) / z̄²

with local mean and variance over a square window (OpenCV's ``boxFilter``, about ten times faster than
``scipy.ndimage.uniform_filter`` with the same result). Invalid pixels (NaN or outside ``valid``) do not contribute
to the local statistics (normalised convolution) and stay invalid; the image edge is mirrored. On dask arrays the
blocks overlap by half a window so the result does not depend on the chunking.

The default equivalent number of looks is 4.4, ESA's figure for Sentinel-1 IW GRD high-resolution products
(Sentinel-1 User Handbook, GMES-S1OP-EOPG-TN-13-0001, table of product characteristics).

References
----------
Lee, J.-S. (1980). Digital image enhancement and noise filtering by use of local statistics. IEEE PAMI 2(2), 165-168.
Lopes, A., Touzi, R., Nezry, E. (1990). Adaptive speckle filters and scene heterogeneity. IEEE TGRS 28(6), 992-1000.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import InvalidInputError

__all__ = ["DEFAULT_ENL", "DEFAULT_WINDOW_PX", "lee_filter_db"]

DEFAULT_ENL = 4.4
"""Equivalent number of looks of Sentinel-1 IW GRDH (ESA Sentinel-1 User Handbook)."""
DEFAULT_WINDOW_PX = 7
"""Window edge in pixels (70 m at 10 m pixels); Lee (1980) used 5x5 and 7x7 windows."""


def _box_mean(a: np.ndarray, window_px: int) -> np.ndarray:
    """Local mean over a centred square window, the image edge mirrored (``scipy.ndimage`` ``mode="reflect"``)."""
    import cv2

    return cv2.boxFilter(a, -1, (window_px, window_px), normalize=True, borderType=cv2.BORDER_REFLECT)


def _lee_block(db: np.ndarray, valid: np.ndarray, window_px: int, cu2: float) -> np.ndarray:
    """The filter on one block; each step writes into an array it no longer needs (fewer passes and allocations)."""
    ok = valid & np.isfinite(db)
    every = bool(ok.all())
    x = db.astype(np.float32, copy=True) if every else np.where(ok, db, np.float32(0.0)).astype(np.float32, copy=False)
    np.divide(x, np.float32(10.0), out=x)
    power = np.power(np.float32(10.0), x, out=x)
    if every:  # the common case: plain local means
        mean = _box_mean(power, window_px)
        mean_sq = _box_mean(power * power, window_px)
    else:  # normalised convolution: invalid pixels carry no weight
        power[~ok] = 0.0
        weight = _box_mean(ok.astype(np.float32), window_px)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.divide(_box_mean(power, window_px), weight)
            mean_sq = np.divide(_box_mean(power * power, window_px), weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean2 = mean * mean
        var = np.maximum(np.subtract(mean_sq, mean2, out=mean_sq), np.float32(0.0), out=mean_sq)
        w = np.divide(np.multiply(np.float32(cu2), mean2, out=mean2), var, out=mean2)  # Cu²/Cz²
        np.subtract(np.float32(1.0), w, out=w)
        np.clip(w, 0.0, 1.0, out=w)
        w[np.isnan(w)] = 0.0  # flat window (0/0): keep the mean
        out = np.add(mean, np.multiply(w, np.subtract(power, mean, out=power), out=power), out=power)
        out_db = np.multiply(np.float32(10.0), np.log10(out), dtype=np.float32)
    bad = ~(out > 0) if every else ~(ok & (out > 0))
    out_db[bad] = np.nan
    return out_db


def lee_filter_db(
    sigma0_db: xr.DataArray,
    *,
    valid: xr.DataArray | None = None,
    window_px: int = DEFAULT_WINDOW_PX,
    enl: float = DEFAULT_ENL,
) -> xr.DataArray:
    """Lee-filter a backscatter image given in dB; returns dB, NaN where invalid.

    Parameters
    ----------
    sigma0_db
        Backscatter coefficient in dB, 2-D (``y``, ``x``), numpy- or dask-backed.
    valid
        Boolean mask of valid pixels (default: finite values).
    window_px
        Odd window edge in pixels.
    enl
        Equivalent number of looks of the product (speckle variance is ``1 / enl`` in power).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> flat = xr.DataArray(np.full((9, 9), -12.0, np.float32), dims=("y", "x"))
    >>> round(float(lee_filter_db(flat)[4, 4]), 4)
    -12.0
    """
    if window_px < 3 or window_px % 2 == 0:
        raise InvalidInputError(
            f"window_px={window_px} is not an odd number of at least 3",
            hint="Give an odd window edge such as 5 or 7",
            name="window_px",
            value=window_px,
        )
    if not enl > 0:
        raise InvalidInputError(
            f"enl={enl} must be positive", hint="Give the equivalent number of looks (4.4 for S1 IW GRDH)", value=enl
        )
    mask = np.isfinite(sigma0_db) if valid is None else valid & np.isfinite(sigma0_db)
    data: Any = sigma0_db.data
    cu2 = 1.0 / enl
    if hasattr(data, "map_overlap"):
        import dask.array as da

        depth = window_px // 2
        out = da.map_overlap(
            functools.partial(_lee_block, window_px=window_px, cu2=cu2),
            data,
            da.asarray(mask.data).rechunk(data.chunks),
            depth=depth,
            boundary="none",
            dtype=np.float32,
            meta=np.array((), np.float32),
        )
    else:
        out = _lee_block(np.asarray(data), np.asarray(mask.data, dtype=bool), window_px, cu2)
    return sigma0_db.copy(data=out).rename(sigma0_db.name)
