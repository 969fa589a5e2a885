"""The mapping pass of :func:`~spacebridge.earth.flood.map_flood` fused into one kernel per block.

Why hand-written: written with xarray, the memberships, the vote, the likelihood, the minimum mapping unit, the
classes and the vote shares are about forty full-array passes with float32 temporaries. Here they are two dask
tasks per block (two numpy calls on numpy inputs): the votes, on row strips small enough to stay in the CPU cache,
then the minimum mapping unit:

- the methods' variables are float16 (``pipeline._compact``), so each method's membership is a **table of its
  65536 possible values**, computed by :func:`~spacebridge.earth.flood.ensemble.water_membership` itself (the same
  float32 arithmetic), and looked up by bit pattern; a second table gives the method's vote (bit 0: valid,
  bit 4: water) so that one uint8 sum counts both the valid methods and the water votes;
- the vote, likelihood (``round((total / n_valid) * 100)`` in float32, half to even), change vote and classes
  follow :func:`~spacebridge.earth.flood.ensemble.ensemble_vote` and
  :func:`~spacebridge.earth.flood.change.classify_water` operation for operation;
- the minimum mapping unit is OpenCV's 8-connected components on the class block grown by ``min_area_px`` pixels,
  the overlap of :func:`~spacebridge.earth.flood.ensemble.apply_min_area` (same chunks, same depth); the extent is
  the class map with the water classes merged;
- the per-method vote shares are counted on each block's own pixels and returned beside its maps.

What it must equal: the xarray path (``water_membership`` -> ``ensemble_vote`` -> ``apply_min_area`` ->
``classify_water`` and the counts of ``FloodResult.compute``) bit for bit, on numpy, lazy and persisted inputs;
``tests/earth/flood/test_fused.py`` checks it on the real Spain scene and on random float16 inputs.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.earth.flood.change import CLASS_FLOOD, CLASS_PERMANENT, CLASS_WATER
from spacebridge.earth.flood.ensemble import UNKNOWN, water_membership
from spacebridge.earth.flood.thresholds import ThresholdChoice

__all__ = ["FusedMaps", "fused_maps"]

_STRIP_PX = 1 << 16
"""Pixels per row strip: the strip's temporaries (a few hundred kB) stay in the CPU cache."""
_VALID, _WATER = 1, 16
"""Bits of a method's vote code; the sum over at most 15 methods keeps n_valid in bits 0-3, n_water in 4-7."""


@functools.lru_cache(maxsize=32)
def _tables(choice: ThresholdChoice) -> tuple[np.ndarray, np.ndarray]:
    """Vote code (uint8) and membership with NaN as 0 (float32) of every float16 value, by bit pattern."""
    values = xr.DataArray(np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16))
    with np.errstate(invalid="ignore"):  # the signalling-NaN patterns
        m = water_membership(values, choice).values
    code = (m > 0.5).astype(np.uint8) * np.uint8(_WATER) + np.isfinite(m).astype(np.uint8) * np.uint8(_VALID)
    filled = np.where(np.isnan(m), m.dtype.type(0.0), m)  # m.fillna(0.0)
    code.flags.writeable = filled.flags.writeable = False  # shared by the cache
    return code, filled


@functools.lru_cache(maxsize=8)
def _class_table(undetermined: int, with_change: bool) -> np.ndarray:
    """Class before the minimum mapping unit and the reference mask, by the water methods' summed vote code (plus
    256 x the change methods' summed code): ensemble_vote's majority, then classify_water's statuses."""
    code = np.arange(1 << 16 if with_change else 1 << 8)
    n_valid, n_water = code & 15, (code >> 4) & 15
    vote = np.where(n_valid > 0, 2 * n_water > n_valid, UNKNOWN)
    status = np.full(code.shape, undetermined)
    if with_change:
        c_valid, c_changed = (code >> 8) & 15, code >> 12
        changed = np.where(c_valid > 0, 2 * c_changed > c_valid, UNKNOWN)
        status = np.select([changed == 1, changed == 0], [CLASS_FLOOD, CLASS_PERMANENT], undetermined)
    table = np.where(vote == 1, status, vote).astype(np.uint8)
    table.flags.writeable = False  # shared by the cache
    return table


_IS_WATER = np.isin(np.arange(256), (CLASS_FLOOD, CLASS_PERMANENT, CLASS_WATER)).astype(np.uint8)
"""By class: 1 for the water classes (ensemble water = 1), else 0."""
_EXTENT = np.where(_IS_WATER == 1, 1, np.arange(256)).astype(np.uint8)
"""By class: the extent (0 dry, 1 water, 255 unknown)."""
_IS_WATER.flags.writeable = _EXTENT.flags.writeable = False


@dataclass(frozen=True)
class _Votes:
    """One block (or a whole numpy array): likelihood, classes before the minimum mapping unit, and the per-method
    ``(water, valid)`` vote counts."""

    water: tuple[ThresholdChoice, ...]
    change: tuple[ThresholdChoice, ...]
    has_reference: bool
    undetermined: int

    def __call__(self, *blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_w, n_c = len(self.water), len(self.change)
        water_v, change_v = blocks[:n_w], blocks[n_w : n_w + n_c]
        water_tables = [_tables(c) for c in self.water]  # built once per process (small tasks on a cluster)
        change_codes = [_tables(c)[0] for c in self.change]
        reference = blocks[n_w + n_c] if self.has_reference else None
        h, w = water_v[0].shape
        class_lut = _class_table(self.undetermined, bool(change_v))
        likelihood, classes = np.empty((h, w), np.uint8), np.empty((h, w), np.uint8)
        counts = np.zeros((n_w, 2), np.int64)
        step = max(1, min(h, _STRIP_PX // max(w, 1)))
        code, c = np.empty((step, w), np.uint8), np.empty((step, w), np.uint8)
        total, m = np.empty((step, w), np.float32), np.empty((step, w), np.float32)
        ccode = np.empty((step, w), np.uint8) if change_v else None
        for top in range(0, h, step):
            rows = slice(top, min(h, top + step))
            n = rows.stop - top
            for i, ((codes, members), v) in enumerate(zip(water_tables, water_v, strict=True)):
                bits = _bits(v[rows])
                ci = np.take(codes, bits, out=c[:n] if i else code[:n], mode="clip")
                np.take(members, bits, out=m[:n] if i else total[:n], mode="clip")
                counts[i] += (np.count_nonzero(ci > _VALID), np.count_nonzero(ci))
                if i:
                    np.add(code[:n], ci, out=code[:n])
                    np.add(total[:n], m[:n], out=total[:n])
            # ensemble_vote: round((total / n_valid) * 100) in float32, half to even; 255 without a valid method
            n_valid = np.bitwise_and(code[:n], 15, out=c[:n])
            unknown = n_valid == 0
            divisor = np.bitwise_or(n_valid, unknown.view(np.uint8), out=n_valid)  # 1 where unknown (replaced)
            lik = np.divide(total[:n], divisor, out=total[:n])
            np.multiply(lik, 100.0, out=lik)
            np.rint(lik, out=lik)
            np.copyto(likelihood[rows], lik, casting="unsafe")
            np.copyto(likelihood[rows], UNKNOWN, where=unknown)
            index: np.ndarray = code[:n]
            if ccode is not None:
                for i, (codes, v) in enumerate(zip(change_codes, change_v, strict=True)):
                    ci = np.take(codes, _bits(v[rows]), out=c[:n] if i else ccode[:n], mode="clip")
                    if i:
                        np.add(ccode[:n], ci, out=ccode[:n])
                index = np.left_shift(ccode[:n], 8, dtype=np.uint16)
                np.bitwise_or(index, code[:n], out=index)
            out = classes[rows]
            out[...] = _lookup(class_lut, index)
            if reference is not None:  # classify_water: reference water is permanent water
                is_water = _lookup(_IS_WATER, out).view(bool)
                np.copyto(out, CLASS_PERMANENT, where=np.asarray(reference[rows], dtype=bool) & is_water)
        return likelihood, classes, counts


def _lookup(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]``; OpenCV's LUT (several times faster than numpy) for uint8 indices into 256 uint8 values."""
    if index.dtype == np.uint8 and table.shape == (256,) and table.dtype == np.uint8 and index.ndim == 2:
        import cv2

        out: np.ndarray = cv2.LUT(index, table)
        return out
    return np.take(table, index, mode="clip")


def _bits(values: np.ndarray) -> np.ndarray:
    """The float16 values' bit patterns (uint16), the index into the tables."""
    return np.ascontiguousarray(values).view(np.uint16)


@dataclass(frozen=True)
class _MinArea:
    """Extent and classes of a block's own pixels, with apply_min_area's minimum mapping unit when
    ``min_area_px`` > 1: the block is then grown by ``min_area_px`` pixels (none at the array's edges) and the
    water patches (8-connected) of fewer pixels are set to dry (0)."""

    min_area_px: int

    def __call__(self, classes: np.ndarray, block_info: dict[Any, Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
        h, w = classes.shape
        (top, bottom), (left, right) = (0, 0), (0, 0)
        if block_info is not None and self.min_area_px > 1:  # map_overlap with boundary="none"
            d = self.min_area_px
            (i, j), (ny, nx) = block_info[0]["chunk-location"], block_info[0]["num-chunks"]
            top, bottom = d if i > 0 else 0, d if i < ny - 1 else 0
            left, right = d if j > 0 else 0, d if j < nx - 1 else 0
        own = (slice(top, h - bottom), slice(left, w - right))
        extent = _lookup(_EXTENT, classes[own])
        removed = _small_patches(_lookup(_IS_WATER, classes), self.min_area_px)
        if removed is None:
            return extent, classes[own]
        gone = removed[own]
        own_classes = classes[own].copy()  # the block is dask's (shared with the neighbours' overlaps)
        extent[gone] = 0
        own_classes[gone] = 0
        return extent, own_classes


def _small_patches(is_water: np.ndarray, min_area_px: int) -> np.ndarray | None:
    """Pixels of 8-connected patches of ``is_water`` (uint8 0/1) smaller than ``min_area_px``; ``None`` if none."""
    if min_area_px <= 1:
        return None
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(is_water, connectivity=8, ltype=cv2.CV_32S)
    small = stats[:, cv2.CC_STAT_AREA] < min_area_px
    small[0] = False
    if n <= 1 or not small.any():
        return None
    out: np.ndarray = np.take(small, np.asarray(labels), mode="clip")
    return out


@dataclass(frozen=True)
class FusedMaps:
    """The maps (numpy or dask arrays of the inputs' shape) and the per-method ``(water, valid)`` pixel counts."""

    extent: Any
    likelihood: Any
    classes: Any
    vote_counts: dict[str, tuple[Any, Any]]


def fused_maps(
    water: Sequence[tuple[xr.DataArray, ThresholdChoice]],
    change: Sequence[tuple[xr.DataArray, ThresholdChoice]],
    *,
    reference_water: xr.DataArray | None,
    min_area_px: int,
) -> FusedMaps | None:
    """The maps of float16 variables (NaN = invalid) in one pass; ``None`` when the inputs do not allow it.

    The inputs must be 2-D float16 on one grid, all numpy or (the water methods) all dask; otherwise the caller
    uses the xarray path.
    """
    arrays = [v for v, _ in (*water, *change)]
    if not water or any(v.dtype != np.float16 or v.ndim != 2 or v.dims != arrays[0].dims for v in arrays):
        return None
    others = arrays if reference_water is None else [*arrays, reference_water]
    if any(o.shape != arrays[0].shape for o in others):
        return None
    try:
        xr.align(*others, join="exact")
    except ValueError:
        return None
    votes = _Votes(
        water=tuple(c for _, c in water),
        change=tuple(c for _, c in change),
        has_reference=reference_water is not None,
        undetermined=CLASS_FLOOD if reference_water is not None else CLASS_WATER,
    )
    min_area = _MinArea(min_area_px)
    names = [c.method for _, c in water]
    lazy = [hasattr(v.data, "dask") for v, _ in water]
    if not any(lazy):
        if any(hasattr(o.data, "dask") for o in others):
            return None
        likelihood, classes, counts = votes(*(np.asarray(o.data) for o in others))
        extent, classes = min_area(classes)
        return FusedMaps(
            extent, likelihood, classes, {n: (int(w), int(k)) for n, (w, k) in zip(names, counts, strict=True)}
        )
    if not all(lazy):
        return None
    return _lazy(votes, min_area, [v.data for v, _ in water], [o.data for o in others[len(water) :]], names)


def _lazy(votes: _Votes, min_area: _MinArea, water: list[Any], others: list[Any], names: list[str]) -> FusedMaps:
    """The same on dask arrays: one task per block for the votes, one for the minimum mapping unit (its blocks
    overlap by ``min_area_px``, as in apply_min_area); the tasks return tuples, taken apart by ``getitem`` tasks."""
    import dask.array as da

    chunks, water = da.core.unify_chunks(*(x for a in water for x in (a, "yx")))
    target = (chunks["y"], chunks["x"])
    others = [da.asarray(o).rechunk(target) for o in others]
    meta = np.empty((0, 0), np.uint8)
    packed = da.map_blocks(votes, *water, *others, dtype=np.uint8, meta=meta)
    likelihood, classes = (packed.map_blocks(operator.getitem, i, dtype=np.uint8, meta=meta) for i in range(2))
    ny, nx = packed.numblocks
    counts = packed.map_blocks(
        _block_counts,
        chunks=((1,) * ny, (1,) * nx, (len(names),), (2,)),
        new_axis=[2, 3],
        dtype=np.int64,
        meta=np.empty((0, 0, 0, 0), np.int64),
    ).sum(axis=(0, 1))
    if min_area.min_area_px > 1:
        # without trimming, map_overlap reports the blocks' own chunks: _MinArea returns its own pixels
        kw = {"depth": min_area.min_area_px, "boundary": "none", "trim": False}
        fixed = da.map_overlap(min_area, classes, dtype=np.uint8, meta=meta, **kw)
    else:
        fixed = da.map_blocks(min_area, classes, dtype=np.uint8, meta=meta)
    extent, classes = (fixed.map_blocks(operator.getitem, i, dtype=np.uint8, meta=meta) for i in range(2))
    return FusedMaps(extent, likelihood, classes, {n: (counts[i, 0], counts[i, 1]) for i, n in enumerate(names)})


def _block_counts(packed: tuple[np.ndarray, ...]) -> np.ndarray:
    out: np.ndarray = packed[2][None, None]
    return out
