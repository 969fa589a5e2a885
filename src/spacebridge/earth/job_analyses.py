"""Earth analyses as tiled jobs: thin adapters from the analysis functions to :class:`~.tiling.TileAnalysis`.

Each adapter is a frozen dataclass (it travels to the Dask workers) holding its sources and options; it loads
through :func:`spacebridge.earth.load.open_scene` onto the geobox it is given and calls the analysis' own
function. No science here:

- :class:`IndexJob` (tile scope): a spectral index (:func:`spacebridge.earth.indices.compute_index`), pixel-local,
  so each tile is loaded and computed alone.
- :class:`FloodJob` (area scope): :func:`spacebridge.earth.flood.map_flood`. Its thresholds are chosen on the
  histograms of the whole area (split-based search, Chini et al. 2017), so a tile computed alone would choose
  other thresholds. The job therefore runs ``map_flood`` once on the lazy mosaic (the threshold pass runs on the
  cluster and returns only histograms) and writes its result tile by tile; see ``docs/decisions/0502-tiled-jobs.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from spacebridge.core.errors import InvalidInputError
from spacebridge.core.provenance import Lineage
from spacebridge.earth.job_sources import CubeSource, SceneSource
from spacebridge.earth.tiling import Layer, Plan

if TYPE_CHECKING:
    import xarray as xr
    from odc.geo.geobox import GeoBox

__all__ = ["CompositeJob", "FloodJob", "IndexJob"]


def _nan_layer(geobox: GeoBox, chunks_px: int, dtype: str, fill: Any) -> xr.DataArray:
    import dask.array as dsa
    from odc.geo.xr import wrap_xr

    return wrap_xr(dsa.full(geobox.shape, fill, dtype=dtype, chunks=chunks_px), geobox)


@dataclass(frozen=True)
class IndexJob:
    """A spectral index of one scene, per tile (float32, NaN where invalid)."""

    index: str
    scene: SceneSource
    chunks_px: int = 2048
    params: Mapping[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"index-{self.index.lower()}"

    @property
    def layers(self) -> tuple[Layer, ...]:
        return (Layer(self.index.lower(), "float32", float("nan"), "average", f"{self.index} of {self.scene.id}"),)

    @property
    def scope(self) -> Literal["tile", "area"]:
        return "tile"

    @property
    def halo_px(self) -> int:
        return 0

    def fingerprint(self) -> Mapping[str, Any]:
        return {"index": self.index, "scene": dict(self.scene.identity), "params": dict(self.params),
                "sensor": self.scene.sensor, "bands": self.scene.bands}  # fmt: skip

    def lineage(self) -> Lineage:
        return Lineage(f"earth.index.{self.index}", (self.scene.input_ref("optical"),), {"index": self.index,
                       **self.params})  # fmt: skip

    def datetime_utc(self) -> str:
        return self.scene.datetime_utc or self.lineage().created_utc

    def plan(self, mosaic: GeoBox) -> Plan:
        return Plan()

    @classmethod
    def of(
        cls,
        index: str,
        src: str | os.PathLike[str],
        *,
        sensor: str | None = None,
        chunks_px: int = 2048,
        **params: float,
    ) -> IndexJob:
        """The job for ``index`` on the scene ``src``, loading only the bands the index needs."""
        from spacebridge.earth.indices import get_index, resolve_bands
        from spacebridge.earth.load import open_scene

        probe = open_scene(str(src), sensor=sensor, validate=False)
        bands = resolve_bands(get_index(index), [str(v) for v in probe.data.data_vars])
        scene = SceneSource.of(src, sensor=probe.sensor.id, bands=sorted(set(bands.values())) if bands else None)
        return cls(index, scene, chunks_px, dict(params))

    def compute(self, geobox: GeoBox, plan: Plan) -> Mapping[str, xr.DataArray]:
        from spacebridge.earth.indices import compute_index

        name = self.index.lower()
        if not self.scene.overlaps(geobox):
            return {name: _nan_layer(geobox, self.chunks_px, "float32", float("nan"))}
        scene = self.scene.open(geobox, chunks_px=self.chunks_px)
        params: Any = dict(self.params)
        return {name: _on(compute_index(self.index, scene.data, valid=scene.valid, **params), geobox)}


@dataclass(frozen=True)
class FloodJob:
    """Water and flood mapping (:func:`~spacebridge.earth.flood.map_flood`) over the job's area, written per tile."""

    optical: SceneSource | None = None
    sar: SceneSource | None = None
    params: Any = None
    """:class:`~spacebridge.earth.flood.FloodParams` (defaults when ``None``)."""
    chunks_px: int = 2048
    align: bool = False
    """Reproject the SAR scene onto the optical scene's grid (nearest) when their grids differ."""

    def __post_init__(self) -> None:
        if self.optical is None and self.sar is None:
            raise InvalidInputError("a flood job needs an optical or a SAR scene", hint="Give optical=, sar= or both")

    @property
    def name(self) -> str:
        return "flood"

    @property
    def layers(self) -> tuple[Layer, ...]:
        return (
            Layer("flood_extent", "uint8", 255, "nearest", "0 dry, 1 water or flood, 255 unknown"),
            Layer("flood_likelihood", "uint8", 255, "nearest", "water likelihood 0-100, 255 unknown"),
            Layer("flood_class", "uint8", 255, "nearest", "0 dry, 1 flood, 2 permanent, 3 undetermined, 255 unknown"),
        )

    @property
    def scope(self) -> Literal["tile", "area"]:
        return "area"

    @property
    def halo_px(self) -> int:
        return 0

    def _params(self) -> Any:
        from spacebridge.earth.flood import FloodParams

        return self.params if self.params is not None else FloodParams()

    def fingerprint(self) -> Mapping[str, Any]:
        return {
            "optical": dict(self.optical.identity) if self.optical else None,
            "sar": dict(self.sar.identity) if self.sar else None,
            "params": self._params().to_dict(),
            "align": self.align,
        }

    def lineage(self) -> Lineage:
        inputs = tuple(s.input_ref(role) for role, s in (("optical", self.optical), ("sar", self.sar)) if s)
        return Lineage("earth.flood", inputs, self._params().to_dict())

    def datetime_utc(self) -> str:
        first = self.optical or self.sar
        return (first.datetime_utc if first else None) or self.lineage().created_utc

    def _optical_input(self, source: SceneSource, mosaic: GeoBox) -> Any:
        """The water index the flood workflow uses: MNDWI when swir16 exists, else NDWI; SCL clouds masked."""
        from spacebridge.earth import compute_index, masks
        from spacebridge.earth.flood import OpticalInput

        probe = source.open(mosaic, chunks_px=self.chunks_px)
        names = set(probe.data.data_vars)
        index = "MNDWI" if "swir16" in names else "NDWI"
        wanted = ["green", "swir16" if index == "MNDWI" else "nir"] + [b for b in ("scl",) if b in names]
        scene = source.open(mosaic, chunks_px=self.chunks_px, bands=wanted)
        valid = scene.valid & masks.scl_mask(scene.data["scl"]).valid if "scl" in scene.data else scene.valid
        values = compute_index(index, scene.data, valid=valid)
        return OpticalInput(_on(values, mosaic), index.lower(), valid)

    def _sar_input(self, source: SceneSource, mosaic: GeoBox) -> Any:
        from spacebridge.earth.flood import SarInput

        scene = source.open(mosaic, chunks_px=self.chunks_px)
        data = scene.data
        vv, vh = data.get("vv"), data.get("vh")
        return SarInput(vv_db=vv, vh_db=vh, valid=scene.valid)

    def _check_grids(self) -> None:
        from spacebridge.core.errors import GridMismatchError
        from spacebridge.earth.load import open_scene

        if self.optical is None or self.sar is None or self.align:
            return
        a = open_scene(self.optical.src, sensor=self.optical.sensor, validate=False).geobox
        b = open_scene(self.sar.src, sensor=self.sar.sensor, validate=False).geobox
        if a != b:
            raise GridMismatchError(
                f"the SAR scene is on another grid than the optical scene ({b.crs} {b.shape} vs {a.crs} {a.shape})",
                hint="Pass align=True (--align) to reproject it onto the optical grid (nearest neighbour), or give "
                "scenes on one grid",
                role="sar",
                sar=self.sar.src,
                optical=self.optical.src,
            )

    def plan(self, mosaic: GeoBox) -> Plan:
        from spacebridge.earth.flood import map_flood

        self._check_grids()
        result = map_flood(
            optical=self._optical_input(self.optical, mosaic) if self.optical else None,
            sar=self._sar_input(self.sar, mosaic) if self.sar else None,
            params=self._params(),
        )
        values = {k: v for k, v in result.lineage_values().items() if k != "ensemble"}
        values["warnings"] = list(result.warnings)
        arrays = {"flood_extent": result.extent, "flood_likelihood": result.likelihood, "flood_class": result.classes}
        return Plan(values, {k: _on(v, mosaic) for k, v in arrays.items()})

    def compute(self, geobox: GeoBox, plan: Plan) -> Mapping[str, xr.DataArray]:
        raise InvalidInputError("the flood job is area-scope: its layers come from plan()", hint="Use run_tiled_job")


def _on(da: Any, gbox: GeoBox) -> Any:
    from odc.geo.xr import wrap_xr

    return wrap_xr(da.data, gbox)


@dataclass(frozen=True)
class CompositeJob:
    """Cloud-masked median composites per period (:func:`~spacebridge.earth.composite.median_composite`), per tile.

    The composite is pixel-local, so tiles are independent; the periods are fixed for the whole job by the plan
    (from the cube's dates), and the layers are time series written into the job's Zarr cube.
    """

    cube: CubeSource
    period: str = "1MS"
    chunks_px: int = 2048

    @property
    def name(self) -> str:
        return "composite"

    @property
    def layers(self) -> tuple[Layer, ...]:
        bands = tuple(
            Layer(v, "float32", float("nan"), "average", f"median {v} per period", time_series=True)
            for v in self.cube.variables
        )
        return (*bands, Layer("count", "uint16", None, "nearest", "valid observations per period", time_series=True))

    @property
    def scope(self) -> Literal["tile", "area"]:
        return "tile"

    @property
    def halo_px(self) -> int:
        return 0

    def fingerprint(self) -> Mapping[str, Any]:
        return {"cube": dict(self.cube.identity), "variables": list(self.cube.variables), "valid": self.cube.valid,
                "period": self.period, "method": "median"}  # fmt: skip

    def lineage(self) -> Lineage:
        return Lineage("earth.composite", (self.cube.input_ref("time-series"),), {"period": self.period,
                       "method": "median", "mask": self.cube.valid})  # fmt: skip

    def datetime_utc(self) -> str:
        import pandas as pd

        first = pd.Timestamp(self.cube.times().min())
        return first.tz_localize("UTC").isoformat().replace("+00:00", "Z")

    def plan(self, mosaic: GeoBox) -> Plan:
        from spacebridge.earth.composite import period_groups

        labels, _ = period_groups(self.cube.times(), self.period)
        return Plan({"period": self.period, "n_periods": len(labels)}, None,
                    tuple(t.isoformat() for t in labels))  # fmt: skip

    def compute(self, geobox: GeoBox, plan: Plan) -> Mapping[str, xr.DataArray]:
        from spacebridge.earth.composite import median_composite

        data, valid = self.cube.read(geobox, chunks_px=self.chunks_px)
        comp = median_composite(data, valid=valid, period=self.period)
        layers = {str(v): comp.data[v] for v in comp.data.data_vars}
        layers["count"] = comp.count
        return layers
