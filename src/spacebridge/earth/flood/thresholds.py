"""Scene-adaptive thresholds chosen where the histogram is bimodal, with a documented static fallback.

The method is the hierarchical split-based approach (HSBA) of Chini et al. (2017), which generalises the
split-based tile selection of Martinis et al. (2009): the valid part of the image is tested as a whole; when its
histogram is not clearly bimodal it is split into four quadrants, each tested in turn, down to a minimum tile size.
A tile is *bimodal* when a two-component Gaussian mixture fitted to its histogram has

- Ashman's D > 2 (Ashman et al. 1994: D > 2 is needed for a clean separation of two Gaussians),
- a minority component holding at least ``min_class_fraction`` of the pixels (cf. the class-balance test of
  Chini et al. 2017: a tile where water is a sliver yields no usable water distribution),
- a water-side component whose mean lies on the water side of the static fallback threshold, so that a tile split
  between two kinds of land (bare soil and crops, say) is not taken for a water/land tile.

The pixels of the selected tiles are pooled and Otsu's (1979) threshold of the pooled histogram is the scene's
threshold (``skimage.filters.threshold_otsu``). When no tile qualifies, or the threshold falls outside the
physically plausible range of the variable, the documented static value of the method is used and a
:class:`~spacebridge.core.errors.ThresholdFallbackWarning` says so.

Everything works on fixed-bin histograms computed per base tile in one pass over the data (dask-friendly: the
scene is read once to choose the thresholds, once more to apply them). The two-Gaussian fits are in
:mod:`.mixture`.

References
----------
Ashman, K. M., Bird, C. M., Zepf, S. E. (1994). Detecting bimodality in astronomical datasets. AJ 108, 2348-2361.
Chini, M., Hostache, R., Giustarini, L., Matgen, P. (2017). A hierarchical split-based approach for parametric
thresholding of SAR images: flood inundation as a test case. IEEE TGRS 55(12), 6975-6988.
Martinis, S., Twele, A., Voigt, S. (2009). Towards operational near real-time flood detection using a split-based
automatic thresholding procedure on high resolution TerraSAR-X data. NHESS 9, 303-314.
Otsu, N. (1979). A threshold selection method from gray-level histograms. IEEE SMC 9(1), 62-66.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import ThresholdFallbackWarning
from spacebridge.earth.flood.methods import MethodSpec
from spacebridge.earth.flood.mixture import Gaussian2, ashman_d, fit_many, fit_two_gaussians

__all__ = [
    "DEFAULT_MIN_ASHMAN_D",
    "DEFAULT_MIN_CLASS_FRACTION",
    "DEFAULT_TILE_PX",
    "ThresholdChoice",
    "ashman_d",
    "choose_threshold",
    "choose_thresholds",
    "fit_two_gaussians",
    "tile_histograms",
]

log = logging.getLogger(__name__)

DEFAULT_TILE_PX = 128
"""Smallest tile edge of the split-based search, in pixels (1.28 km at 10 m)."""
DEFAULT_MIN_ASHMAN_D = 2.0
"""Ashman et al. (1994): two Gaussians are cleanly separated when D > 2."""
DEFAULT_MIN_CLASS_FRACTION = 0.1
"""Smallest share of the minority mixture component in a selected tile."""
_MIN_TILE_PIXELS = 1000
"""A tile with fewer valid pixels is not tested (a histogram of fewer samples is too noisy for a mixture fit)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ThresholdChoice:
    """The threshold a method used, how it was chosen and the class statistics behind it."""

    method: str
    variable: str
    unit: str
    value: float
    water_below: bool
    """True when water lies below the threshold (SAR backscatter), False when above (water indices)."""
    fallback: bool
    reason: str
    tiles_tested: int
    tiles_selected: int
    tile_px: int
    ashman_d: float | None
    """Ashman's D of the mixture fitted to the pooled histogram of the selected tiles."""
    water_mean: float
    """Mean of the variable on the water side of the threshold (membership ramp end)."""
    land_mean: float
    fallback_source: str
    valid_px: int = 0
    """Number of valid pixels the histograms were computed on."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "variable": self.variable,
            "unit": self.unit,
            "value": round(self.value, 4),
            "water_side": "below" if self.water_below else "above",
            "fallback": self.fallback,
            "reason": self.reason,
            "tiles_tested": self.tiles_tested,
            "tiles_selected": self.tiles_selected,
            "tile_px": self.tile_px,
            "ashman_d": None if self.ashman_d is None else round(self.ashman_d, 3),
            "water_mean": round(self.water_mean, 4),
            "land_mean": round(self.land_mean, 4),
            "fallback_source": self.fallback_source,
            "valid_px": self.valid_px,
        }


def _otsu(counts: npt.NDArray[np.int64], centers: FloatArray) -> float:
    from skimage.filters import threshold_otsu

    return float(threshold_otsu(hist=(counts, centers)))


def _bin_index(values: np.ndarray, spec: MethodSpec) -> np.ndarray:
    """Histogram bin of each value (float32 arithmetic, clipped to the bins); ``nbins`` where not finite."""
    values = values.astype(np.float32, copy=False)
    finite = np.isfinite(values)
    idx = np.floor((values - spec.hist_min) / spec.bin_width)
    np.clip(idx, 0, spec.nbins - 1, out=idx, where=finite)
    return np.where(finite, idx, spec.nbins).astype(np.int32)


@functools.lru_cache(maxsize=16)
def _float16_bins(spec: MethodSpec) -> np.ndarray:
    """:func:`_bin_index` of every float16 value, indexed by its bit pattern (a 256 kB table)."""
    with np.errstate(invalid="ignore"):  # the table's signalling-NaN patterns
        return _bin_index(np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16), spec)


def _block_tile_hist(values: np.ndarray, valid: np.ndarray | None, tile_px: int, spec: MethodSpec) -> np.ndarray:
    """Histograms of one block, per tile of ``tile_px`` (the last row/column of tiles may be smaller).

    float16 blocks (what :func:`~spacebridge.earth.flood.pipeline.map_flood` thresholds) look their bins up in a
    table of all 65536 float16 values, computed with the same float32 arithmetic as for other inputs. Without a
    ``valid`` mask the finite values count, and each tile gets one more bin that collects the others (dropped):
    no masking pass, and ``np.bincount`` gets the int64 keys it works on (no conversion).
    """
    h, w = values.shape
    ty, tx = -(-h // tile_px), -(-w // tile_px)
    nbins = spec.nbins
    if values.dtype == np.float16:
        idx = np.take(_float16_bins(spec), np.ascontiguousarray(values).view(np.uint16))
    else:
        idx = _bin_index(values, spec)
    if valid is None:  # non-finite values are in bin ``nbins`` already: give every tile nbins + 1 bins
        per_tile = nbins + 1
        key: np.ndarray = idx.astype(np.int64)
        np.add(key, ((np.arange(h) // tile_px) * (tx * per_tile))[:, None], out=key)
        np.add(key, ((np.arange(w) // tile_px) * per_tile)[None, :], out=key)
        counts = np.bincount(key.ravel(), minlength=ty * tx * per_tile)
        return counts.reshape(ty, tx, per_tile)[:, :, :nbins]
    ok = valid & (idx < nbins)
    dump = ty * tx * nbins  # one extra bin collects the invalid pixels
    itype = np.int32 if dump < np.iinfo(np.int32).max else np.int64
    key = idx.astype(itype, copy=False)
    np.add(key, ((np.arange(h) // tile_px) * (tx * nbins)).astype(itype)[:, None], out=key)
    np.add(key, ((np.arange(w) // tile_px) * nbins).astype(itype)[None, :], out=key)
    key[~ok] = dump
    counts = np.bincount(key.ravel(), minlength=dump + 1)[:dump]
    return counts.reshape(ty, tx, nbins)


def tile_histograms(values: Any, valid: Any, *, tile_px: int, spec: MethodSpec) -> Any:
    """Per-tile histograms of ``values`` where ``valid``: an array ``(tiles_y, tiles_x, nbins)`` of int64 counts.

    ``valid=None`` counts the finite values (the cheaper path for float16 values with NaN where invalid).

    ``values`` and ``valid`` are numpy or dask arrays (or DataArrays wrapping them) of the same shape. With dask the
    result is a lazy dask array (chunks are realigned to multiples of ``tile_px`` first); compute several at once
    with ``dask.compute`` so that the inputs are read once.
    """
    v = getattr(values, "data", values)
    m = getattr(valid, "data", valid)
    if not hasattr(v, "map_blocks"):
        v = np.asarray(v)
        v = v if v.dtype == np.float16 else v.astype(np.float32)
        return _block_tile_hist(v, None if m is None else np.asarray(m, dtype=bool), tile_px, spec)
    import dask.array as da

    def aligned(chunks: tuple[int, ...]) -> tuple[int, ...]:
        size = sum(chunks)
        step = max(tile_px, (max(chunks) // tile_px) * tile_px)
        return tuple(min(step, size - start) for start in range(0, size, step))

    target = (aligned(v.chunks[0]), aligned(v.chunks[1]))
    v = v.rechunk(target)
    masks = () if m is None else (da.asarray(m).rechunk(target),)
    out_chunks = (
        tuple(-(-c // tile_px) for c in target[0]),
        tuple(-(-c // tile_px) for c in target[1]),
        (spec.nbins,),
    )
    return da.map_blocks(
        functools.partial(_hist_block, tile_px=tile_px, spec=spec),
        v,
        *masks,
        dtype=np.int64,
        chunks=out_chunks,
        new_axis=2,
        meta=np.array((), np.int64),
    )


def _hist_block(values: np.ndarray, valid: np.ndarray | None = None, *, tile_px: int, spec: MethodSpec) -> np.ndarray:
    return _block_tile_hist(values, valid, tile_px, spec)


@dataclass(frozen=True)
class _Node:
    y0: int
    y1: int
    x0: int
    x1: int


def _unit_suffix(unit: str) -> str:
    """`` dB`` for a unit, nothing for a dimensionless ``"1"`` (UCUM), so messages never read "0.1 1"."""
    return "" if unit in ("", "1") else f" {unit}"


def _is_bimodal(fit: Gaussian2 | None, spec: MethodSpec, min_d: float, min_frac: float) -> bool:
    if fit is None or fit.ashman_d <= min_d or min(fit.weight) < min_frac:
        return False
    water_mean = fit.mean[0] if spec.water_below else fit.mean[1]
    return water_mean < spec.fallback if spec.water_below else water_mean > spec.fallback


def _hsba(
    hist: np.ndarray, centers: FloatArray, spec: MethodSpec, min_d: float, min_frac: float
) -> tuple[list[_Node], int]:
    """Hierarchical split-based search; returns the selected nodes and the number of tiles tested.

    The tree is walked level by level and the tiles of a level are fitted together (:func:`fit_many`); a tile's
    outcome does not depend on the others', so this selects the same tiles as a depth-first walk.
    """
    selected: list[_Node] = []
    tested = 0
    level = [_Node(0, hist.shape[0], 0, hist.shape[1])]
    while level:
        counts = np.stack([hist[n.y0 : n.y1, n.x0 : n.x1].sum(axis=(0, 1)) for n in level])
        testable = counts.sum(axis=1) >= _MIN_TILE_PIXELS
        tested += int(testable.sum())
        fits = fit_many(counts[testable], centers)
        bimodal = np.zeros(len(level), bool)
        bimodal[testable] = [_is_bimodal(f, spec, min_d, min_frac) for f in fits]
        children: list[_Node] = []
        for node, chosen in zip(level, bimodal, strict=True):
            if chosen:
                selected.append(node)
                continue
            if node.y1 - node.y0 == 1 and node.x1 - node.x0 == 1:
                continue
            ym, xm = (node.y0 + node.y1 + 1) // 2, (node.x0 + node.x1 + 1) // 2
            for y0, y1 in ((node.y0, ym), (ym, node.y1)):
                for x0, x1 in ((node.x0, xm), (xm, node.x1)):
                    if y1 > y0 and x1 > x0:
                        children.append(_Node(y0, y1, x0, x1))
        level = children
    return selected, tested


def _class_means(counts: np.ndarray, centers: FloatArray, threshold: float, spec: MethodSpec) -> tuple[float, float]:
    below = centers < threshold
    spread = spec.default_spread

    def mean(mask: np.ndarray, default: float) -> float:
        n = counts[mask]
        return float(np.average(centers[mask], weights=n)) if n.sum() > 0 else default

    low = mean(below, threshold - spread)
    high = mean(~below, threshold + spread)
    return (low, high) if spec.water_below else (high, low)


def choose_threshold(
    hist: np.ndarray,
    spec: MethodSpec,
    *,
    tile_px: int = DEFAULT_TILE_PX,
    min_ashman_d: float = DEFAULT_MIN_ASHMAN_D,
    min_class_fraction: float = DEFAULT_MIN_CLASS_FRACTION,
    fixed: float | None = None,
) -> ThresholdChoice:
    """Choose the threshold of one method from its per-tile histograms (see the module docstring).

    Emits :class:`~spacebridge.core.errors.ThresholdFallbackWarning` when the static value is used. A histogram
    without any valid pixel gives the fallback value with ``valid_px == 0`` and no warning: the caller decides
    what an absent input means.

    Parameters
    ----------
    hist
        ``(tiles_y, tiles_x, nbins)`` counts from :func:`tile_histograms`.
    spec
        The method: histogram bins, water side, fallback value and plausible range.
    tile_px
        Edge of the base tiles in pixels (recorded in the result).
    min_ashman_d, min_class_fraction
        Bimodality tests of a tile (Ashman et al. 1994; Chini et al. 2017).
    fixed
        A threshold given by the user: no search, no warning.
    """
    hist = np.asarray(hist)
    search = _search(hist, spec, min_ashman_d, min_class_fraction, fixed)
    return _decide(hist, spec, search, tile_px=tile_px, min_ashman_d=min_ashman_d, fixed=fixed)


def _search(
    hist: np.ndarray, spec: MethodSpec, min_ashman_d: float, min_class_fraction: float, fixed: float | None
) -> tuple[list[_Node], int] | None:
    """The split-based search (:func:`_hsba`), or ``None`` when there is nothing to search."""
    if fixed is not None or int(hist.sum()) == 0:
        return None
    return _hsba(hist, spec.centers, spec, min_ashman_d, min_class_fraction)


def _decide(
    hist: np.ndarray,
    spec: MethodSpec,
    search: tuple[list[_Node], int] | None,
    *,
    tile_px: int,
    min_ashman_d: float,
    fixed: float | None,
) -> ThresholdChoice:
    """The threshold from the search's tiles (or the fallback, with its warning)."""
    centers = spec.centers
    total = hist.sum(axis=(0, 1))
    valid_px = int(total.sum())
    if search is None:
        value = spec.fallback if fixed is None else float(fixed)
        water_mean, land_mean = _class_means(total, centers, value, spec)
        reason = "given by the user" if fixed is not None else "no valid pixel"
        return ThresholdChoice(
            spec.name, spec.variable, spec.unit, value, spec.water_below, fixed is None, reason,
            0, 0, tile_px, None, water_mean, land_mean, spec.fallback_source, valid_px,
        )  # fmt: skip
    nodes, tested = search
    if nodes:
        pooled = np.sum([hist[n.y0 : n.y1, n.x0 : n.x1].sum(axis=(0, 1)) for n in nodes], axis=0)
        value = _otsu(pooled, centers)
        fit = fit_two_gaussians(pooled, centers)
        lo, hi = spec.plausible
        if lo <= value <= hi:
            water_mean, land_mean = _class_means(pooled, centers, value, spec)
            return ThresholdChoice(
                spec.name, spec.variable, spec.unit, value, spec.water_below, False,
                f"Otsu on {len(nodes)} bimodal tile(s) of {tested} tested",
                tested, len(nodes), tile_px, None if fit is None else fit.ashman_d,
                water_mean, land_mean, spec.fallback_source, valid_px,
            )  # fmt: skip
        reason = (
            f"Otsu threshold {value:.3f}{_unit_suffix(spec.unit)} on {len(nodes)} bimodal tile(s) is outside the "
            f"plausible range [{lo:g}, {hi:g}]"
        )
    else:
        reason = f"no tile of {tested} tested has a bimodal histogram (Ashman's D > {min_ashman_d:g}, balanced classes)"
    warnings.warn(
        f"{spec.name}: {reason}; using the static {spec.variable} threshold "
        f"{spec.fallback:g}{_unit_suffix(spec.unit)} ({spec.fallback_source}). "
        "Check the result, or give a threshold explicitly.",
        ThresholdFallbackWarning,
        stacklevel=2,
    )
    water_mean, land_mean = _class_means(total, centers, spec.fallback, spec)
    return ThresholdChoice(
        spec.name, spec.variable, spec.unit, spec.fallback, spec.water_below, True, reason,
        tested, 0, tile_px, None, water_mean, land_mean, spec.fallback_source, valid_px,
    )  # fmt: skip


def choose_thresholds(
    inputs: Sequence[tuple[Any, Any, MethodSpec]],
    *,
    tile_px: int = DEFAULT_TILE_PX,
    min_ashman_d: float = DEFAULT_MIN_ASHMAN_D,
    min_class_fraction: float = DEFAULT_MIN_CLASS_FRACTION,
    fixed: Mapping[str, float] | None = None,
    histograms: Sequence[np.ndarray] | None = None,
) -> list[ThresholdChoice]:
    """Thresholds for several ``(values, valid, spec)`` inputs, their histograms computed in one pass.

    ``fixed`` maps method ids to thresholds given by the user; ``histograms`` are the inputs' per-tile histograms
    (:func:`tile_histograms`) when the caller has computed them already.
    """
    import dask

    fixed = fixed or {}
    if histograms is None:
        graphs = [tile_histograms(v, m, tile_px=tile_px, spec=s) for v, m, s in inputs]
        histograms = dask.compute(*graphs)
    hists = [np.asarray(h) for h in histograms]
    specs = [s for _, _, s in inputs]
    # the searches run in threads (the EM's numpy operations on (tiles, 2, bins) arrays release the GIL), the
    # decisions and their warnings here, in order
    with ThreadPoolExecutor(max_workers=max(1, min(len(inputs), os.cpu_count() or 1))) as pool:
        searches = list(
            pool.map(lambda h, s: _search(h, s, min_ashman_d, min_class_fraction, fixed.get(s.name)), hists, specs)
        )
    return [
        _decide(h, s, found, tile_px=tile_px, min_ashman_d=min_ashman_d, fixed=fixed.get(s.name))
        for h, s, found in zip(hists, specs, searches, strict=True)
    ]
