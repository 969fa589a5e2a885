"""Inputs, options and result of the flood analysis (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import xarray as xr

from spacebridge.earth.flood.sar import DEFAULT_ENL, DEFAULT_WINDOW_PX
from spacebridge.earth.flood.thresholds import (
    DEFAULT_MIN_ASHMAN_D,
    DEFAULT_MIN_CLASS_FRACTION,
    DEFAULT_TILE_PX,
    ThresholdChoice,
)

__all__ = ["FloodParams", "FloodResult", "OpticalInput", "SarInput"]


@dataclass(frozen=True)
class OpticalInput:
    """A water index of one optical scene (from ``spacebridge.earth.indices.compute_index``)."""

    index: xr.DataArray
    """NDWI or MNDWI, float32, NaN where invalid."""
    index_name: str = "mndwi"
    """``"mndwi"`` (Xu 2006, needs swir16) or ``"ndwi"`` (McFeeters 1996)."""
    valid: xr.DataArray | None = None
    """Pixels that may be used (not nodata, not cloud); default: finite index values."""


@dataclass(frozen=True)
class SarInput:
    """Backscatter of one SAR scene, in dB."""

    vv_db: xr.DataArray | None = None
    vh_db: xr.DataArray | None = None
    valid: xr.DataArray | None = None
    """Pixels that may be used (inside the swath, not layover/shadow); default: finite values."""


@dataclass(frozen=True)
class FloodParams:
    """Options of :func:`~spacebridge.earth.flood.map_flood`, with their cited defaults."""

    min_area_px: int = 10
    """Minimum mapping unit: water patches smaller than this (8-connected) are set to dry (0.1 ha at 10 m)."""
    speckle_filter: bool = True
    speckle_window_px: int = DEFAULT_WINDOW_PX
    enl: float = DEFAULT_ENL
    """Equivalent number of looks of the SAR product (Lee filter)."""
    tile_px: int = DEFAULT_TILE_PX
    min_ashman_d: float = DEFAULT_MIN_ASHMAN_D
    min_class_fraction: float = DEFAULT_MIN_CLASS_FRACTION
    thresholds: Mapping[str, float] = field(default_factory=dict)
    """Thresholds fixed by the user, by method id (``"sar-vv"``, ``"optical-mndwi"``...); skip the search."""
    persist: bool | None = None
    """Keep the thresholded variables in memory (float16) between the histogram pass and the mapping pass, so
    that dask-backed scenes are read and filtered once. ``None``: when they fit in ``persist_max_bytes`` and no
    ``distributed`` client is active."""
    persist_max_bytes: int = 1_500_000_000

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_area_px": self.min_area_px,
            "speckle_filter": "lee" if self.speckle_filter else "none",
            "speckle_window_px": self.speckle_window_px,
            "enl": self.enl,
            "tile_px": self.tile_px,
            "min_ashman_d": self.min_ashman_d,
            "min_class_fraction": self.min_class_fraction,
            "thresholds": dict(self.thresholds),
            "persist": self.persist,
        }


def _in_process(collection: Any) -> bool:
    """Whether the active dask scheduler runs tasks in this process (threads or synchronous)."""
    import dask.local
    import dask.threaded
    from dask.base import get_scheduler

    return get_scheduler(collections=[collection]) in (dask.threaded.get, dask.local.get_sync)


@dataclass(frozen=True)
class FloodResult:
    """Maps and choices of one flood analysis. The maps are lazy when the inputs were dask-backed."""

    extent: xr.DataArray
    """uint8: 0 dry, 1 water or flood water, 255 unknown (no valid observation)."""
    likelihood: xr.DataArray
    """uint8: ensemble water likelihood 0-100, 255 unknown."""
    classes: xr.DataArray
    """uint8: 0 dry, 1 flood water, 2 permanent/reference water, 3 water of undetermined status, 255 unknown."""
    memberships: Mapping[str, xr.DataArray]
    """Water membership (0-1, NaN invalid) of each voting method, by method id."""
    thresholds: tuple[ThresholdChoice, ...]
    """Every threshold used (water methods, then change methods), chosen or fallen back."""
    methods: tuple[str, ...]
    """Methods that voted on water."""
    change_methods: tuple[str, ...]
    """Methods that voted on change (empty without a pre-event scene)."""
    params: FloodParams
    warnings: tuple[str, ...] = ()
    vote_shares: Mapping[str, float] | None = None
    """Share of each method's valid pixels voted water; set by :meth:`compute` (``None`` while lazy)."""
    vote_counts: Mapping[str, tuple[Any, Any]] | None = None
    """Pixels voting water and valid pixels of each method (lazy with the maps, or integers), when the mapping
    pass counted them; :meth:`compute` then takes the vote shares from them instead of the memberships."""

    @property
    def fallbacks(self) -> tuple[str, ...]:
        """Methods that used their static fallback threshold."""
        return tuple(t.method for t in self.thresholds if t.fallback)

    def compute(self) -> FloodResult:
        """The maps computed into memory (numpy) with the vote shares, in one pass over the inputs.

        The per-method memberships are dropped, which releases the inputs kept in memory by :func:`map_flood`.
        """
        import dask
        import dask.array as da
        import numpy as np

        from spacebridge.core.memory import touch_pages, trim_memory

        pairs = self.vote_counts
        if pairs is None:
            pairs = {name: ((m > 0.5).sum(), m.notnull().sum()) for name, m in self.memberships.items()}
        maps = (self.extent, self.likelihood, self.classes)
        if all(isinstance(m.data, da.Array) for m in maps) and _in_process(self.extent.data):
            # chunks are stored into preallocated arrays as they are computed: no second full-size copy to
            # concatenate them, so a map costs its size once (only where the tasks share this process's memory)
            targets = [np.empty(m.shape, m.dtype) for m in maps]
            touch_pages(targets)  # the pages in order first: faulting them in block by block costs ~7x more CPU
            stored = da.store([m.data for m in maps], targets, lock=False, compute=False)
            _, counts = dask.compute(stored, pairs)
            extent, likelihood, classes = (m.copy(data=t) for m, t in zip(maps, targets, strict=True))
        else:
            extent, likelihood, classes, counts = dask.compute(*maps, pairs)
        trim_memory()
        shares = {name: (float(w) / float(n) if float(n) else 0.0) for name, (w, n) in counts.items()}
        return replace(
            self,
            extent=extent,
            likelihood=likelihood,
            classes=classes,
            memberships={},
            vote_shares=shares,
            vote_counts=None,
        )

    def lineage_values(self) -> dict[str, Any]:
        """What the method chose, for :meth:`spacebridge.core.provenance.Lineage.with_values`."""
        vote_shares = self.vote_shares
        out: dict[str, Any] = {
            "thresholds": [t.to_dict() for t in self.thresholds],
            "fallbacks": list(self.fallbacks),
            "methods": list(self.methods),
            "change_methods": list(self.change_methods),
            "ensemble": "majority of valid methods (more than half), likelihood = mean membership x 100",
        }
        if vote_shares is not None:
            out["votes"] = {k: round(v, 4) for k, v in vote_shares.items()}
        return out
