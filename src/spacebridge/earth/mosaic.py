"""Assembling a tiled job's products: mosaic VRTs, Zarr cubes for time series, and the STAC collection.

- **VRT mosaic** per grid and 2-D layer (``<collection>/<grid>_<layer>.vrt``): every tile's COG placed at its
  whole-pixel offset on the grid. Hand-written XML, because the GDAL Python bindings (``gdal.BuildVRT``) are not
  installed here and rasterio only builds warped VRTs; the format is simple and the anchored grid makes every
  offset an exact integer, so no resampling or rounding is involved. GDAL, QGIS and rasterio read it.
- **Zarr cube** per grid for time-series layers (``<collection>/<grid>.zarr``): created with its coordinates and
  CRS before any tile runs (:func:`init_cube`); tiles write their windows in place. ``xarray.open_zarr`` opens it as
  a georeferenced ``(time, y, x)`` dataset.
- **STAC collection** (``<collection>/collection.json`` in the catalog at the job's root): one item per tile
  (:func:`spacebridge.earth.products.add_item_to_catalog`), the mosaics and cubes as collection assets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import numpy as np

from spacebridge.core.atomic import atomic_write_text
from spacebridge.earth.tiling import Layer, Plan, TileAnalysis

if TYPE_CHECKING:
    from odc.geo.geobox import GeoBox

    from spacebridge.earth.grid import Tile, TileGrid

__all__ = ["assemble_collection", "cube_chunk_px", "cube_path", "init_cube", "tile_window", "write_vrt"]

_GDAL_TYPES = {
    "uint8": "Byte", "int8": "Int8", "uint16": "UInt16", "int16": "Int16", "uint32": "UInt32", "int32": "Int32",
    "float32": "Float32", "float64": "Float64",
}  # fmt: skip
VRT_MEDIA_TYPE = "application/xml"


def cube_path(out_dir: str | Path, collection: str, grid: TileGrid) -> Path:
    return Path(out_dir) / collection / f"{grid.name}.zarr"


def cube_chunk_px(tile_px: int, target_px: int) -> int:
    """The largest divisor of ``tile_px`` not above ``target_px``: Zarr chunks that tile edges never cut.

    Examples
    --------
    >>> cube_chunk_px(10240, 2048), cube_chunk_px(10980, 2048), cube_chunk_px(256, 2048)
    (2048, 1830, 256)
    """
    for parts in range(1, tile_px + 1):
        if tile_px % parts == 0 and tile_px // parts <= target_px:
            return tile_px // parts
    return 1  # pragma: no cover - parts == tile_px always qualifies


def _origin_tile(tiles: Iterable[Tile]) -> tuple[int, int]:
    ts = list(tiles)
    return min(t.ix for t in ts), max(t.iy for t in ts)


def tile_window(tile: Tile, origin: tuple[int, int]) -> tuple[slice, slice]:
    """Rows and columns of ``tile`` in a mosaic whose top-left tile is ``origin = (ix0, iy_top)``."""
    ix0, iy_top = origin
    n = tile.grid.tile_px
    row, col = (iy_top - tile.iy) * n, (tile.ix - ix0) * n
    return slice(row, row + n), slice(col, col + n)


def _cube_key(analysis: TileAnalysis, plan: Plan, mosaic: GeoBox, chunk_px: int) -> str:
    from spacebridge.earth.tiling import geobox_key

    layers = [layer.to_dict() for layer in analysis.layers if layer.time_series]
    doc = {"grid": geobox_key(mosaic), "time": list(plan.time), "layers": layers, "chunk_px": chunk_px}
    return json.dumps(doc, sort_keys=True, default=str)


def init_cube(
    out_dir: str | Path, analysis: TileAnalysis, tiles: Sequence[Tile], plan: Plan, *, chunk_px: int
) -> Path | None:
    """Create the grid's Zarr cube (metadata and coordinates only) unless an identical one exists; return its path.

    An existing cube with another extent, time axis or layers is replaced (its tiles' checksums then no longer
    match and those tiles are recomputed).
    """
    import xarray as xr
    import zarr
    from odc.geo.xr import xr_zeros

    series = [layer for layer in analysis.layers if layer.time_series]
    if not series:
        return None
    grid = tiles[0].grid
    mosaic = grid.mosaic_geobox(tiles)
    edge = cube_chunk_px(grid.tile_px, chunk_px)
    key = _cube_key(analysis, plan, mosaic, edge)
    path = cube_path(out_dir, analysis.name, grid)
    if path.exists():
        try:
            if zarr.open_group(path, mode="r").attrs.get("spacebridge:cube") == key:
                return path
        except (OSError, ValueError, KeyError, FileNotFoundError):
            pass
    time = np.array(plan.time, dtype="datetime64[ns]")
    template = xr_zeros(mosaic, "uint8", chunks=(1, edge, edge), time=time)
    ds = xr.Dataset(
        {layer.name: xr.full_like(template, _fill(layer), dtype=layer.dtype).chunk({"time": 1}) for layer in series}
    )
    ds.attrs["spacebridge:cube"] = key
    ds.attrs["spacebridge:origin_tile"] = list(_origin_tile(tiles))
    encoding = {
        layer.name: {"chunks": (1, edge, edge), **({} if layer.nodata is None else {"_FillValue": layer.nodata})}
        for layer in series
    }
    ds.to_zarr(path, mode="w", compute=False, encoding=encoding, consolidated=False)
    return path


def _fill(layer: Layer) -> Any:
    """Value of pixels no tile wrote: the layer's nodata, else NaN for floats and 0 for integers (e.g. counts)."""
    if layer.nodata is not None:
        return layer.nodata
    return np.nan if np.dtype(layer.dtype).kind == "f" else 0


def cube_origin(cube: Path) -> tuple[int, int]:
    """The ``(ix, iy)`` of the cube's top-left tile, as stored by :func:`init_cube`."""
    import zarr

    origin: Any = zarr.open_group(cube, mode="r").attrs["spacebridge:origin_tile"]
    return int(origin[0]), int(origin[1])


def write_vrt(path: Path, tiles: Sequence[Tile], layer: Layer) -> Path:
    """A VRT mosaic of the layer's COGs of ``tiles`` (all on one grid); tiles without a file are left out."""
    grid = tiles[0].grid
    mosaic = grid.mosaic_geobox(tiles)
    origin = _origin_tile(tiles)
    nodata = ""
    if layer.nodata is not None:
        nodata = f"<NoDataValue>{'nan' if layer.nodata != layer.nodata else layer.nodata}</NoDataValue>"
    gdal_type = _GDAL_TYPES[layer.dtype]
    sources = []
    for tile in tiles:
        cog = path.parent / tile.id / f"{layer.name}.tif"
        if not cog.is_file():
            continue
        rows, cols = tile_window(tile, origin)
        n = grid.tile_px
        href = escape(os.path.relpath(cog, path.parent))
        sources.append(
            f'    <SimpleSource><SourceFilename relativeToVRT="1">{href}</SourceFilename><SourceBand>1</SourceBand>'
            f'<SrcRect xOff="0" yOff="0" xSize="{n}" ySize="{n}"/>'
            f'<DstRect xOff="{cols.start}" yOff="{rows.start}" xSize="{n}" ySize="{n}"/></SimpleSource>'
        )
    a = mosaic.affine
    if mosaic.crs is None:  # pragma: no cover - tile grids always have a CRS
        raise ValueError("mosaic without CRS")
    doc = "\n".join(
        [
            f'<VRTDataset rasterXSize="{mosaic.shape[1]}" rasterYSize="{mosaic.shape[0]}">',
            f'  <SRS dataAxisToSRSAxisMapping="{_axis_mapping(mosaic)}">{escape(str(mosaic.crs.to_wkt()))}</SRS>',
            f"  <GeoTransform>{a.c!r}, {a.a!r}, {a.b!r}, {a.f!r}, {a.d!r}, {a.e!r}</GeoTransform>",
            f'  <VRTRasterBand dataType="{gdal_type}" band="1">',
            f"    <Description>{escape(layer.description or layer.name)}</Description>",
            f"    {nodata}",
            *sources,
            "  </VRTRasterBand>",
            "</VRTDataset>",
            "",
        ]
    )
    atomic_write_text(path, doc)
    return path


def _axis_mapping(gbox: GeoBox) -> str:
    """GDAL's mapping of the CRS axes to x, y: geographic CRSs list latitude first."""
    return "2,1" if gbox.crs is not None and gbox.crs.geographic else "1,2"


def _grids(tiles: Iterable[Tile]) -> dict[str, list[Tile]]:
    out: dict[str, list[Tile]] = {}
    for t in tiles:
        out.setdefault(t.grid.name, []).append(t)
    return out


ITEM_LINKS = (
    {"rel": "root", "href": "../catalog.json", "type": "application/json"},
    {"rel": "parent", "href": "./collection.json", "type": "application/json"},
    {"rel": "collection", "href": "./collection.json", "type": "application/json"},
)
"""Links of a tile item, in the layout of :func:`spacebridge.earth.products.add_item_to_catalog`."""


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _collection_doc(
    collection: str, title: str, description: str, items: Sequence[Mapping[str, Any]], assets: Mapping[str, Any]
) -> dict[str, Any]:
    from spacebridge.earth.products import STAC_VERSION

    boxes = np.array([item["bbox"] for item in items], dtype=float)
    times = sorted(str(item["properties"]["datetime"]) for item in items)
    links = [{"rel": "item", "href": f"./{item['id']}.json", "type": "application/geo+json"} for item in items]
    links += [
        {"rel": "root", "href": "../catalog.json", "type": "application/json"},
        {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
    ]
    return {
        "type": "Collection", "stac_version": STAC_VERSION, "id": collection, "title": title,
        "description": description, "license": "other",
        "extent": {
            "spatial": {"bbox": [[*boxes[:, :2].min(axis=0).tolist(), *boxes[:, 2:].max(axis=0).tolist()]]},
            "temporal": {"interval": [[times[0], times[-1]]]},
        },
        "links": links, "assets": dict(assets),
    }  # fmt: skip


def _catalog_doc(root: Path, collection: str) -> dict[str, Any]:
    from spacebridge.earth.products import STAC_VERSION

    cat = _read_json(root / "catalog.json") or {
        "type": "Catalog", "stac_version": STAC_VERSION, "id": "spacebridge", "title": "spacebridge products",
        "description": "Products made by spacebridge, with their lineage.", "links": [],
    }  # fmt: skip
    child = {"rel": "child", "href": f"./{collection}/collection.json", "type": "application/json"}
    cat["links"] = [lk for lk in cat["links"] if lk.get("rel") == "child" and lk != child] + [
        child,
        {"rel": "root", "href": "./catalog.json", "type": "application/json"},
    ]
    return cat


def assemble_collection(
    out_dir: str | Path, analysis: TileAnalysis, done: Mapping[str, Tile], *, description: str
) -> tuple[Path, dict[str, Path], dict[str, Path]]:
    """Write the mosaics, the STAC collection of the finished tiles ``done`` (by id) and the catalog.

    The tile items were validated and written by the tiles themselves (in parallel); here the collection and the
    catalog are written once, in the layout of :func:`spacebridge.earth.products.add_item_to_catalog` (which
    rewrites the collection per item, quadratic in the number of tiles). Returns the collection path, the VRT
    mosaics by ``"<grid>/<layer>"`` and the cubes by grid name.
    """
    from spacebridge.earth.products import validate_stac
    from spacebridge.earth.tile_products import item_path

    root = Path(out_dir)
    coll_dir = root / analysis.name
    mosaics: dict[str, Path] = {}
    cubes: dict[str, Path] = {}
    for grid_name, tiles in _grids(done.values()).items():
        for layer in analysis.layers:
            if layer.time_series:
                cubes[grid_name] = cube_path(root, analysis.name, tiles[0].grid)
            else:
                vrt = coll_dir / f"{grid_name}_{layer.name}.vrt"
                mosaics[f"{grid_name}/{layer.name}"] = write_vrt(vrt, tiles, layer)
    items = [json.loads(item_path(root, analysis.name, t).read_text()) for t in sorted(done.values(), key=_id)]
    assets = {
        f"mosaic-{key.replace('/', '-')}": {"href": f"./{p.name}", "type": VRT_MEDIA_TYPE, "roles": ["data"],
                                            "title": f"mosaic of {key}"}
        for key, p in mosaics.items()
    }  # fmt: skip
    assets.update(
        {f"cube-{g}": {"href": f"./{p.name}", "type": "application/vnd+zarr", "roles": ["data"],
                       "title": f"time series cube, grid {g}"} for g, p in cubes.items()}
    )  # fmt: skip
    coll = _collection_doc(analysis.name, f"spacebridge {analysis.name} (tiled job)", description, items, assets)
    cat = _catalog_doc(root, analysis.name)
    validate_stac(coll)
    validate_stac(cat)
    coll_path = coll_dir / "collection.json"
    atomic_write_text(coll_path, json.dumps(coll, indent=2))
    atomic_write_text(root / "catalog.json", json.dumps(cat, indent=2))
    return coll_path, mosaics, cubes


def _id(tile: Tile) -> str:
    return tile.id
