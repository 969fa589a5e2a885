"""Writing one tile's products, where the tile is computed (on a Dask worker or in the command's process).

Per tile, under ``OUT/<collection>/``:

- ``<tile-id>/<layer>.tif``: one COG per 2-D layer (:func:`spacebridge.earth.products.write_cog`, atomic);
- time-series layers: the tile's window of the job's Zarr cube ``<grid>.zarr`` (created beforehand by
  :func:`spacebridge.earth.mosaic.init_cube`; tiles cover whole Zarr chunks, so tiles written at the same time by
  different workers never touch the same chunk);
- ``<tile-id>.json``: the tile's STAC item, written **last** and atomically. It is the tile's commit record: it
  carries the content hash (:data:`~spacebridge.earth.tiling.HASH_PROPERTY`) and each file's checksum, so a
  re-run trusts a tile only when its item exists, its hash matches and its files are intact.

Several 2-D layers of a lazy tile are computed in one pass (shared inputs are read once) into a private Zarr
staging store beside the tile, then each is copied into its COG; memory stays at a few chunks whatever the tile
size. Inside a worker, dask runs the tile's chunks synchronously in the task's thread: parallelism comes from the
cluster running many tiles at once.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from spacebridge.core.atomic import atomic_write_text
from spacebridge.earth.tiling import HASH_PROPERTY, Layer, Plan, TileAnalysis, crop_halo, geobox_key

if TYPE_CHECKING:
    import xarray as xr

    from spacebridge.earth.grid import Tile

__all__ = ["cube_region_checksum", "item_path", "process_tile", "tile_is_done", "write_tile"]

ZARR_MEDIA_TYPE = "application/vnd+zarr"


def item_path(out_dir: str | Path, collection: str, tile: Tile) -> Path:
    return Path(out_dir) / collection / f"{tile.id}.json"


def process_tile(
    analysis: TileAnalysis, tile: Tile, plan: Plan, out_dir: str, digest: str, *, nested_scheduler: str = "sync"
) -> dict[str, Any]:
    """Compute tile ``tile`` of a tile-scope analysis and write its products; return its STAC item."""
    import dask

    with dask.config.set(scheduler=nested_scheduler):
        lazy = analysis.compute(tile.padded(analysis.halo_px), plan)
        layers = crop_halo(lazy, analysis.layers, analysis.halo_px)
        return write_tile(analysis, tile, plan, layers, out_dir, digest)


def write_area_tile(
    analysis: TileAnalysis,
    tile: Tile,
    plan: Plan,
    blocks: Mapping[str, np.ndarray],
    out_dir: str,
    digest: str,
) -> dict[str, Any]:
    """Write tile ``tile`` of an area-scope analysis from its computed blocks; return its STAC item."""
    from odc.geo.xr import wrap_xr

    layers = {name: wrap_xr(np.asarray(block), tile.geobox) for name, block in blocks.items()}
    return write_tile(analysis, tile, plan, layers, out_dir, digest)


def _stage_2d(layers: Mapping[str, xr.DataArray], stage: Path) -> dict[str, xr.DataArray]:
    """Compute several lazy 2-D layers in one pass into a Zarr store; return them re-opened lazily."""
    import xarray as xr
    from odc.geo.xr import wrap_xr

    gbox = next(iter(layers.values())).odc.geobox
    edge = max(max(layers[n].chunks[0]) for n in layers)  # type: ignore[index]
    ds = xr.Dataset({n: (("y", "x"), da.data.rechunk(edge)) for n, da in layers.items()})
    ds.to_zarr(stage, mode="w", compute=True, consolidated=False)
    staged = xr.open_zarr(stage, consolidated=False, chunks={"y": edge, "x": edge})
    return {n: wrap_xr(staged[n].data, gbox) for n in layers}


def _write_cogs(tile_dir: Path, layers: Mapping[str, xr.DataArray], specs: Mapping[str, Layer]) -> dict[str, Path]:
    from spacebridge.earth.products import write_cog

    stage: Path | None = None
    try:
        lazy = [n for n, da in layers.items() if da.chunks is not None]
        if len(lazy) > 1:
            stage = Path(tempfile.mkdtemp(dir=tile_dir.parent, prefix=f".{tile_dir.name}.staging-"))
            layers = {**layers, **_stage_2d({n: layers[n] for n in lazy}, stage / "layers.zarr")}
        paths = {}
        for name, da in layers.items():
            spec = specs[name]
            paths[name] = write_cog(
                tile_dir / f"{name}.tif",
                da.astype(spec.dtype),
                nodata=spec.nodata,
                resampling=spec.resampling,
                description=spec.description or name,
            )
        return paths
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def cube_region_checksum(cube: Path, layer: str, region: tuple[slice, slice]) -> str:
    """sha256 of one tile's window of a cube layer, read chunk by chunk (multihash hex, as ``file:checksum``)."""
    import zarr

    arr = zarr.open_array(cube / layer, mode="r")
    ys, xs = region
    step = int(arr.chunks[1])
    digest = hashlib.sha256()
    for t in range(arr.shape[0]):
        for y0 in range(ys.start, ys.stop, step):
            block = arr[t, y0 : min(y0 + step, ys.stop), xs]
            digest.update(np.ascontiguousarray(block).tobytes())
    return "1220" + digest.hexdigest()


def _write_cube(cube: Path, layers: Mapping[str, xr.DataArray], region: tuple[slice, slice]) -> dict[str, str]:
    """Write the time-series layers into their cube windows in one pass (shared inputs read once); checksums."""
    import dask.array as dsa
    import zarr

    sources, targets = [], []
    for name, da in layers.items():
        target = zarr.open_array(cube / name, mode="r+")
        data = da.data if da.chunks is not None else dsa.from_array(np.asarray(da.data))
        step = int(target.chunks[1])
        sources.append(data.astype(target.dtype).rechunk((1, step, step)))
        targets.append(target)
    ys, xs = region
    dsa.store(sources, targets, regions=[(slice(None), ys, xs)] * len(targets), lock=False)  # type: ignore[arg-type]
    return {name: cube_region_checksum(cube, name, region) for name in layers}


def write_tile(
    analysis: TileAnalysis,
    tile: Tile,
    plan: Plan,
    layers: Mapping[str, xr.DataArray],
    out_dir: str | Path,
    digest: str,
) -> dict[str, Any]:
    """Write the layers of one tile (COGs, cube windows), then its STAC item; return the item."""
    from spacebridge.earth.mosaic import ITEM_LINKS, cube_origin, cube_path, tile_window
    from spacebridge.earth.products import COG_MEDIA_TYPE, asset_for_file, build_item, validate_stac

    coll_dir = Path(out_dir) / analysis.name
    tile_dir = coll_dir / tile.id
    tile_dir.mkdir(parents=True, exist_ok=True)
    specs = {layer.name: layer for layer in analysis.layers}
    flat = {n: da for n, da in layers.items() if not specs[n].time_series}
    assets: dict[str, dict[str, Any]] = {}
    for name, path in _write_cogs(tile_dir, flat, specs).items():
        spec = specs[name]
        nodata = spec.nodata if spec.nodata is None or spec.nodata == spec.nodata else "nan"
        assets[name] = asset_for_file(
            path, item_dir=coll_dir, title=spec.description or name, media_type=COG_MEDIA_TYPE,
            nodata=nodata, data_type=spec.dtype,
        )  # fmt: skip
    series = [n for n in layers if specs[n].time_series]
    if series:
        cube = cube_path(out_dir, analysis.name, tile.grid)
        region = tile_window(tile, cube_origin(cube))
        checksums = _write_cube(cube, {n: layers[n] for n in series}, region)
        for name in series:
            assets[name] = {
                "href": f"./{cube.name}/{name}",
                "type": ZARR_MEDIA_TYPE,
                "title": specs[name].description or name,
                "roles": ["data"],
                "spacebridge:window": {"rows": [region[0].start, region[0].stop], "cols": [region[1].start,
                                                                                          region[1].stop]},
                "spacebridge:checksum": checksums[name],
            }  # fmt: skip
    lineage = analysis.lineage().with_values(**plan.values, tile=tile.id)
    props = {
        HASH_PROPERTY: digest,
        "spacebridge:tile": {"grid": tile.grid.name, "ix": tile.ix, "iy": tile.iy, **geobox_key(tile.geobox)},
        "title": f"{analysis.name} tile {tile.id}",
    }
    if plan.time:
        props["spacebridge:time"] = list(plan.time)
    item = build_item(
        tile.id, gbox=tile.geobox, datetime_utc=analysis.datetime_utc(), assets=assets, lineage=lineage,
        properties=props,
    )  # fmt: skip
    item = {**item, "collection": analysis.name, "links": [dict(link) for link in ITEM_LINKS]}
    validate_stac(item)
    atomic_write_text(item_path(out_dir, analysis.name, tile), json.dumps(item, indent=2))
    return item


def tile_is_done(out_dir: str | Path, collection: str, tile: Tile, digest: str, *, verify: str = "checksum") -> bool:
    """True when the tile's item exists with hash ``digest`` and every file it lists is intact.

    ``verify="checksum"`` re-hashes the files (and cube windows); ``"size"`` only compares COG sizes.
    """
    from spacebridge.earth.products.stac import _sha256_multihash as sha256_multihash

    path = item_path(out_dir, collection, tile)
    try:
        item = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    if item.get("properties", {}).get(HASH_PROPERTY) != digest:
        return False
    for asset in item.get("assets", {}).values():
        target = (path.parent / asset["href"]).resolve()
        if asset.get("type") == ZARR_MEDIA_TYPE:
            window = asset.get("spacebridge:window", {})
            region = (slice(*window.get("rows", (0, 0))), slice(*window.get("cols", (0, 0))))
            try:
                ok = cube_region_checksum(target.parent, target.name, region) == asset.get("spacebridge:checksum")
            except (OSError, KeyError, ValueError, FileNotFoundError):
                ok = False
        elif not target.is_file() or target.stat().st_size != asset.get("file:size"):
            ok = False
        else:
            ok = verify != "checksum" or sha256_multihash(target) == asset.get("file:checksum")
        if not ok:
            return False
    return True
