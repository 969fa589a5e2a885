"""Inputs of tiled jobs: where a tile's pixels come from, described cheaply enough to travel to the workers.

- :class:`SceneSource`: one scene (GeoTIFF/COG, STAC Item), opened on a tile's geobox by
  :func:`spacebridge.earth.load.open_scene` (the loader does the reading, harmonising and validity mask);
- :class:`CubeSource`: a georeferenced ``(time, y, x)`` cube in Zarr (a previous job's cube, or a time series
  prepared elsewhere), opened lazily with ``xarray``; a tile reads its window, which must lie on the cube's pixel
  grid (mixing grids is an error, not a silent reprojection).

Each source carries an identity (path, size, modification time) that enters the tiles' content hash, so a changed
input makes the tiles it touches stale.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import GridMismatchError, MissingBandError
from spacebridge.core.provenance import InputRef

if TYPE_CHECKING:
    import xarray as xr
    from odc.geo.geobox import GeoBox

    from spacebridge.earth.load import Scene

__all__ = ["CubeSource", "SceneSource", "file_identity"]


def file_identity(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Path, size and modification time of a file or folder (its newest entry for a folder); the URL otherwise."""
    p = Path(path)
    if p.is_file():
        st = p.stat()
        return {"href": str(p.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if p.is_dir():
        stats = [e.stat() for e in p.rglob("*") if e.is_file()]
        return {"href": str(p.resolve()), "size": sum(s.st_size for s in stats),
                "mtime_ns": max((s.st_mtime_ns for s in stats), default=0)}  # fmt: skip
    return {"href": str(path)}


@dataclass(frozen=True)
class SceneSource:
    """One input scene of a job: what ``open_scene`` needs, its footprint and a cheap identity for the hash."""

    src: str
    """File path, STAC Item JSON path or URL."""
    sensor: str | None = None
    bands: tuple[str, ...] | None = None
    footprint_wgs84: Mapping[str, Any] = field(default_factory=dict)
    """GeoJSON geometry of the scene's extent (EPSG:4326), read from its metadata."""
    identity: Mapping[str, Any] = field(default_factory=dict)
    """Size and modification time of a local file (for the content hash), or the URL."""
    datetime_utc: str | None = None
    id: str = ""

    @classmethod
    def of(
        cls, src: str | os.PathLike[str], *, sensor: str | None = None, bands: Sequence[str] | None = None
    ) -> SceneSource:
        """Read the scene's metadata (no pixels) and describe it."""
        from spacebridge.earth.load import open_scene

        text = str(src)
        scene = open_scene(text, sensor=sensor, bands=list(bands) if bands else None, validate=False)
        identity = file_identity(text)
        footprint = scene.geobox.extent.to_crs("EPSG:4326").json
        return cls(text, scene.sensor.id, tuple(bands) if bands else None, footprint, identity, scene.datetime_utc,
                   str(scene.id))  # fmt: skip

    def overlaps(self, geobox: GeoBox) -> bool:
        from odc.geo.geom import Geometry

        return bool(Geometry(self.footprint_wgs84, "EPSG:4326").intersects(geobox.extent.to_crs("EPSG:4326")))

    def open(self, geobox: GeoBox, *, chunks_px: int, bands: Sequence[str] | None = None) -> Scene:
        from spacebridge.earth.load import open_scene

        wanted = list(bands) if bands is not None else (list(self.bands) if self.bands else None)
        return open_scene(self.src, sensor=self.sensor, bands=wanted, geobox=geobox, chunks_px=chunks_px,
                          validate=False)  # fmt: skip

    def input_ref(self, role: str) -> InputRef:
        return InputRef(role, self.src, self.id or None, self.datetime_utc)


@dataclass(frozen=True)
class CubeSource:
    """A georeferenced Zarr cube ``(time, y, x)``: its path, the variables to read and the clear-sky mask."""

    path: str
    variables: tuple[str, ...]
    valid: str | None = None
    """Boolean variable: True where an observation is clear (cloud mask); ``None`` uses NaN only."""
    identity: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, path: str | os.PathLike[str], variables: Sequence[str], *, valid: str | None = None) -> CubeSource:
        ds = cls(str(path), tuple(variables), valid)._open()
        missing = [v for v in (*variables, *([valid] if valid else [])) if v not in ds]
        if missing:
            raise MissingBandError(
                f"the cube {path} has no variable(s) {missing}; it has {sorted(map(str, ds.data_vars))}",
                hint="Name the cube's variables", missing=missing,
            )  # fmt: skip
        return cls(str(path), tuple(variables), valid, file_identity(path))

    def _open(self) -> xr.Dataset:
        import odc.geo.xr  # noqa: F401  (registers the .odc accessor)
        import xarray as xr

        return xr.open_zarr(self.path, consolidated=False)

    def times(self) -> Any:
        return self._open()["time"].values

    def geobox(self) -> GeoBox:
        return self._open().odc.geobox

    def read(self, geobox: GeoBox, *, chunks_px: int) -> tuple[xr.Dataset, xr.DataArray | None]:
        """The variables (and the mask) on ``geobox``: the cube's window, NaN (mask False) outside the cube."""
        from odc.geo.xr import wrap_xr

        ds = self._open()
        src = ds.odc.geobox
        if src.crs != geobox.crs or src.resolution != geobox.resolution:
            raise GridMismatchError(
                f"the tile grid ({geobox.crs}, {geobox.resolution}) is not the cube's ({src.crs}, {src.resolution})",
                hint="Tile the job on the cube's own grid (earth.grid.grid_on(cube geobox))",
            )
        col_f, row_f = ~src.affine * (geobox.affine.c, geobox.affine.f)
        row, col = round(row_f), round(col_f)
        if abs(row - row_f) > 1e-6 or abs(col - col_f) > 1e-6:
            raise GridMismatchError(
                f"the tile is not on the cube's pixel grid (offset {row_f:.3f}, {col_f:.3f} px)",
                hint="Tile the job on the cube's own grid (earth.grid.grid_on(cube geobox))",
            )
        ny, nx = geobox.shape
        pad = {"y": (max(0, -row), 0), "x": (max(0, -col), 0)}
        ydim, xdim = ds[self.variables[0]].dims[-2:]
        window = {ydim: slice(max(0, row), max(0, row + ny)), xdim: slice(max(0, col), max(0, col + nx))}

        def fit(da: xr.DataArray, fill: Any) -> xr.DataArray:
            part = da.isel(window).data
            before_y, before_x = pad["y"][0], pad["x"][0]
            after_y, after_x = ny - part.shape[-2] - before_y, nx - part.shape[-1] - before_x
            import dask.array as dsa

            data = dsa.pad(dsa.asarray(part), ((0, 0), (before_y, after_y), (before_x, after_x)), constant_values=fill)
            out = wrap_xr(data.rechunk((1, chunks_px, chunks_px)), geobox, time=ds["time"].values)
            return out.rename(da.name)

        data = ds[list(self.variables)]
        bands = {str(v): fit(data[v].astype("float32"), float("nan")) for v in self.variables}
        import xarray as xr

        valid = fit(ds[self.valid].astype(bool), False) if self.valid else None
        return xr.Dataset(bands), valid

    def input_ref(self, role: str) -> InputRef:
        return InputRef(role, self.path)
