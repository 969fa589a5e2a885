"""Per-pixel median over a few date planes, exactly ``numpy.nanmedian``'s values, for the composites.

Why hand-written: numpy's ``nanmedian`` over a short time axis goes through masked arrays, and xarray's
``resample().median()`` (no bottleneck or flox here; flox would still concatenate) first rechunks all dates of a
block into one array (decision 0152). Here a period's dates arrive as separate planes of one spatial block; every
band of the block is done in one call, so each date's planes are read once and freed together (decision 0154).

Invalid values (NaN or ``valid=False``) become +inf; the k planes are sorted pixel-wise by an odd-even
transposition network of whole-plane ``minimum``/``maximum`` (k <= 12; a contiguous last-axis sort beyond), and the
median is read at the valid count's middle: the middle value for odd counts, the float32 mean of the two middle
values for even counts, as ``nanmedian`` computes it. Two dates (two acquisitions a month) get their own path on
one-byte masks. Every step writes into preallocated planes (``out=``, ``copyto``): the work is memory-bound, and
a temporary per operation costs as much as the operation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NETWORK_MAX = 12
"""Above this many dates per period, sort along a contiguous last axis instead of the network."""


def _sort_network(planes: np.ndarray) -> None:
    """Sort the k planes of ``planes`` (k, ...) pixel-wise in place (odd-even transposition network)."""
    k = planes.shape[0]
    scratch = np.empty_like(planes[0])
    for rnd in range(k):
        for i in range(rnd % 2, k - 1, 2):
            np.minimum(planes[i], planes[i + 1], out=scratch)
            np.maximum(planes[i], planes[i + 1], out=planes[i + 1])
            planes[i] = scratch


def _median2_into(out: np.ndarray, a: np.ndarray, b: np.ndarray, ok_a: np.ndarray, ok_b: np.ndarray) -> None:
    """Two dates: the float32 mean where both are valid, the valid one where one is, NaN where none is."""
    np.add(a, b, out=out)
    out *= np.float32(0.5)
    only = np.greater(ok_a, ok_b)
    np.copyto(out, a, where=only)
    np.greater(ok_b, ok_a, out=only)
    np.copyto(out, b, where=only)
    np.logical_or(ok_a, ok_b, out=only)
    np.logical_not(only, out=only)
    np.copyto(out, np.float32(np.nan), where=only)


def _median_into(out: np.ndarray, data: Sequence[np.ndarray], valid: Sequence[np.ndarray] | None) -> None:
    """Median of the k planes ``data`` (NaN or ``valid=False`` excluded) into ``out`` (float32, plane shape)."""
    k = len(data)
    oks = [np.equal(p, p) for p in data]  # not NaN
    if valid is not None:
        for ok, v in zip(oks, valid, strict=True):
            ok &= v
    if k == 2:
        _median2_into(out, data[0], data[1], oks[0], oks[1])
        return
    planes = np.empty((k, *out.shape), dtype="float32")
    n = np.zeros(out.shape, dtype="uint8" if k < 255 else "uint16")
    for i in range(k):
        n += oks[i]
        planes[i].fill(np.inf)
        np.copyto(planes[i], data[i], where=oks[i])
    if k == 1:
        out[...] = planes[0]
    else:
        if k <= NETWORK_MAX:
            _sort_network(planes)
            ordered, axis = planes, 0
        else:
            ordered, axis = np.sort(np.ascontiguousarray(np.moveaxis(planes, 0, -1)), axis=-1), -1
        half = n // 2
        hi = np.take_along_axis(ordered, np.expand_dims(half, axis), axis=axis).reshape(out.shape)
        lo_idx = np.minimum(half - 1, half)  # lower middle of an even count (n == 0 wraps to 0, masked below)
        out[...] = np.take_along_axis(ordered, np.expand_dims(lo_idx, axis), axis=axis).reshape(out.shape)
        out += hi
        out *= np.float32(0.5)
        np.copyto(out, hi, where=(n & 1).astype(bool))  # odd counts: the middle value
    np.copyto(out, np.float32(np.nan), where=n == 0)


def median_bands_kernel(*blocks: np.ndarray, k: int, n_bands: int, has_valid: bool) -> np.ndarray:
    """Median of k date planes for each of ``n_bands`` bands of one block.

    ``blocks`` are the k date planes (each ``(1, *plane)``) of band 0, then of band 1, ..., then [k valid
    planes]; returns float32 ``(n_bands, 1, *plane)``.
    """
    shape = blocks[0].shape[1:]
    out = np.empty((n_bands, 1, *shape), dtype="float32")
    valid = [np.asarray(v, dtype=bool).reshape(shape) for v in blocks[n_bands * k :]] if has_valid else None
    for j in range(n_bands):
        data = [np.asarray(p, dtype="float32").reshape(shape) for p in blocks[j * k : (j + 1) * k]]
        _median_into(out[j, 0], data, valid)
    return out
