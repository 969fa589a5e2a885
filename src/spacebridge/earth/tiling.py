"""What a tiled job computes: output layers, the analysis protocol, the job plan and the content hash of a tile.

A tiled job runs one analysis over many tiles of a :class:`~spacebridge.earth.grid.TileGrid`
(:func:`spacebridge.earth.jobs.run_tiled_job` does the running). An analysis says

- which **layers** it produces (:class:`Layer`: name, dtype, nodata; ``time_series`` layers have a leading time
  dimension and go to Zarr);
- a **plan** (:meth:`TileAnalysis.plan`), computed once for the whole job before any tile: values every tile needs
  (thresholds chosen on the whole area, the list of composite periods...), recorded in every tile's lineage and
  content hash. An analysis whose result is not tile-local (``scope == "area"``) returns in the plan the lazy
  layers over the whole area, and the job writes them tile by tile;
- for ``scope == "tile"``, the **tile computation** (:meth:`TileAnalysis.compute`): lazy layers on a tile's
  geobox grown by ``halo_px`` pixels, so that neighbourhood operations (filters, minimum mapping units) see across
  tile edges and a tile equals the same window of an untiled run, bit for bit.

The **content hash** of a tile (:func:`tile_hash`) covers everything its products depend on: the analysis name,
its fingerprint (parameters, input files with their sizes and modification times), the plan's values, the tile's
pixel grid, the layers and the spacebridge version. A re-run skips a tile whose STAC item carries the same hash and
whose files are intact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from spacebridge.core.errors import InvalidInputError, MissingBandError

if TYPE_CHECKING:
    import xarray as xr
    from odc.geo.geobox import GeoBox

    from spacebridge.core.provenance import Lineage
    from spacebridge.earth.grid import Tile

__all__ = ["Layer", "Plan", "TileAnalysis", "crop_halo", "geobox_key", "tile_hash"]

HASH_PROPERTY = "spacebridge:tile_hash"
"""STAC item property holding the tile's content hash."""


@dataclass(frozen=True)
class Layer:
    """One output layer of a tiled analysis."""

    name: str
    """File stem and STAC asset key, e.g. ``"flood_extent"``."""
    dtype: str
    nodata: float | int | None
    """Value of unknown pixels (255 for uint8 classes, NaN for floats)."""
    resampling: str = "nearest"
    """Overview resampling: ``"nearest"`` for classes, ``"average"`` for continuous values."""
    description: str = ""
    time_series: bool = False
    """``(time, y, x)`` layer: written into the job's Zarr cube instead of one COG per tile."""

    def to_dict(self) -> dict[str, Any]:
        nodata = None if self.nodata is None else (str(self.nodata) if self.nodata != self.nodata else self.nodata)
        return {"name": self.name, "dtype": self.dtype, "nodata": nodata, "time_series": self.time_series}


@dataclass(frozen=True)
class Plan:
    """What the whole job shares: values for every tile, and for area-scope analyses the lazy layers."""

    values: Mapping[str, Any] = field(default_factory=dict)
    """JSON-friendly values chosen for the whole job (thresholds...); part of every tile's hash and lineage."""
    arrays: Mapping[str, xr.DataArray] | None = None
    """Area-scope analyses: each layer, lazy, over the job's mosaic geobox."""
    time: tuple[str, ...] = ()
    """Time labels (ISO 8601) of the time-series layers."""


@runtime_checkable
class TileAnalysis(Protocol):
    """An analysis that a tiled job can run (see the module docstring)."""

    @property
    def name(self) -> str:
        """Collection id of the products, e.g. ``"flood"``."""
        ...

    @property
    def layers(self) -> tuple[Layer, ...]: ...

    @property
    def scope(self) -> Literal["tile", "area"]: ...

    @property
    def halo_px(self) -> int:
        """Pixels of context needed around a tile (``scope == "tile"``)."""
        ...

    def fingerprint(self) -> Mapping[str, Any]:
        """JSON-friendly identity of the inputs and parameters (part of the content hash)."""
        ...

    def lineage(self) -> Lineage:
        """Process name, inputs and parameters; the job adds the plan's values."""
        ...

    def datetime_utc(self) -> str:
        """Nominal time of the products, ISO 8601 with ``Z``."""
        ...

    def plan(self, mosaic: GeoBox) -> Plan:
        """Run once for the job, over the bounding geobox of its tiles (one grid)."""
        ...

    def compute(self, geobox: GeoBox, plan: Plan) -> Mapping[str, xr.DataArray]:
        """Lazy layers on ``geobox`` (a tile grown by ``halo_px``), chunked for streaming."""
        ...


def geobox_key(gbox: GeoBox) -> dict[str, Any]:
    """A JSON-friendly identity of a pixel grid: CRS, affine transform and shape."""
    return {"crs": str(gbox.crs), "affine": list(gbox.affine)[:6], "shape": [int(n) for n in gbox.shape]}


def tile_hash(analysis: TileAnalysis, plan: Plan, tile: Tile) -> str:
    """sha256 of everything the tile's products depend on (see the module docstring)."""
    from spacebridge import __version__

    doc = {
        "analysis": analysis.name,
        "fingerprint": analysis.fingerprint(),
        "plan": plan.values,
        "time": list(plan.time),
        "grid": geobox_key(tile.geobox),
        "layers": [layer.to_dict() for layer in analysis.layers],
        "spacebridge": __version__,
    }
    text = json.dumps(doc, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def crop_halo(layers: Mapping[str, xr.DataArray], expected: Sequence[Layer], halo_px: int) -> dict[str, xr.DataArray]:
    """Cut ``halo_px`` pixels off every side of each layer and check the layers are the ones declared."""
    missing = [layer.name for layer in expected if layer.name not in layers]
    if missing:
        raise MissingBandError(
            f"the analysis did not produce the layer(s) {missing}",
            hint="This is a bug in the analysis adapter: compute() must return every declared layer",
            missing=missing,
        )
    out: dict[str, xr.DataArray] = {}
    for layer in expected:
        da = layers[layer.name]
        ydim, xdim = da.dims[-2:]
        if halo_px:
            da = da.isel({ydim: slice(halo_px, -halo_px), xdim: slice(halo_px, -halo_px)})
        if layer.time_series != (da.ndim == 3):
            raise InvalidInputError(
                f"layer {layer.name!r} has dimensions {da.dims}; declared time_series={layer.time_series}",
                hint="Time-series layers are (time, y, x), the others (y, x)",
            )
        out[layer.name] = da
    return out
