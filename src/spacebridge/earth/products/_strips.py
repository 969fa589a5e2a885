"""One horizontal strip of a class raster traced into finished polygons (what a tracing worker runs).

A strip is traced in pixel coordinates (``rasterio.features.shapes``, GDAL's polygonizer, 4-connectivity) and its
polygons are then finished: moved to the grid's CRS, repaired, measured in the equal-area CRS, projected to WGS 84
and, when asked, written as GeoJSON Feature texts. See :mod:`spacebridge.earth.products.tracing`.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from spacebridge.core.geo import WGS84_A_M, authalic_q
from spacebridge.core.memory import trim_memory
from spacebridge.earth.products._geojson import feature_texts

_BATCH_VERTICES = 1 << 17
_FINISH_BATCH = 8192
_SEGMENT_PX = 32
"""Longest edge segment, in pixels, before the vertices of a geographic grid are projected to the equal-area CRS."""
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class Grid:
    """What a strip needs to know about the grid (picklable)."""

    affine: tuple[float, float, float, float, float, float]
    """``a, b, c, d, e, f`` of the grid's affine transform."""
    crs_wkt: str
    equal_area_crs: str
    geographic: bool
    is_wgs84: bool
    pixel_size: float


@dataclass(frozen=True)
class Strip:
    """Rows ``row0`` to ``row0 + len(data)`` of the raster, traced as a unit."""

    data: np.ndarray
    row0: int
    wanted: np.ndarray
    grid: Grid
    names: Mapping[int, str]
    features_path: str | None = None
    """Where to write the polygons' GeoJSON Feature texts (each preceded by ``",\\n"``); ``None``: not wanted."""
    data_path: str | None = None
    """A ``.npy`` file holding ``data`` (then ``data`` is empty): how a worker process receives its strip."""


@dataclass(frozen=True)
class StripOut:
    """A traced strip, in compact form (it crosses a pipe): values, areas, WKB, feature text sizes, cut pieces."""

    values: np.ndarray
    areas_m2: np.ndarray
    wkb: list[bytes]
    """Each polygon in WGS 84."""
    bounds: np.ndarray
    """``(n, 4)`` WGS 84 bounds of each polygon."""
    types: np.ndarray
    """shapely geometry type id of each polygon (Polygon, or MultiPolygon when a repair split it)."""
    feature_sizes: np.ndarray
    """Bytes of each polygon's text in the features file (zeros when none is written)."""
    edges: np.ndarray
    """``(2, n)``: whether each polygon touches the strip's top row and its bottom row."""
    cut_wkb: list[bytes]
    """The polygons that touch the top or bottom row, in the grid's CRS (joined across the cuts)."""


def lookup_mask(data: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    if data.dtype.kind == "u" and data.dtype.itemsize <= 2:  # a lookup table: one pass, no sorting
        table = np.zeros(1 << (8 * data.dtype.itemsize), bool)
        table[wanted] = True
        return table[data]
    return np.isin(data, wanted)


def _xy(batch: list[tuple[float, float]]) -> np.ndarray:
    """``(n, 2)`` float64 array of (x, y) tuples (``fromiter`` over the flattened pairs: 3x faster than asarray)."""
    return np.fromiter(itertools.chain.from_iterable(batch), np.float64, 2 * len(batch)).reshape(-1, 2)


def _shapes_px(data: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-coordinate polygons of the 4-connected patches where ``mask``: their values and shapely Polygons.

    The rings are gathered into flat coordinate arrays, batch by batch, and the polygons built at once with
    ``shapely.from_ragged_array`` (an order of magnitude faster than one ``shapely.geometry.shape`` per polygon).
    """
    import shapely
    from rasterio.features import shapes

    values: list[float] = []
    chunks: list[np.ndarray] = []
    ring_sizes: list[int] = []
    rings_per_polygon: list[int] = []
    batch: list[tuple[float, float]] = []
    for geom, value in shapes(data, mask=mask, connectivity=4):
        values.append(value)
        rings = geom["coordinates"]
        rings_per_polygon.append(len(rings))
        for ring in rings:
            ring_sizes.append(len(ring))
            batch.extend(ring)
        if len(batch) >= _BATCH_VERTICES:
            chunks.append(_xy(batch))
            batch = []
    if not values:
        return np.zeros(0, np.int64), np.zeros(0, dtype=object)
    chunks.append(_xy(batch))
    coords = np.concatenate(chunks)
    ring_offsets = np.concatenate([[0], np.cumsum(ring_sizes)])
    polygon_offsets = np.concatenate([[0], np.cumsum(rings_per_polygon)])
    geometry = shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, (ring_offsets, polygon_offsets))
    return np.asarray(values, dtype=np.int64), np.asarray(geometry, dtype=object)


def to_grid_crs(px: np.ndarray, grid: Grid) -> np.ndarray:
    """Pixel (col, row) coordinates to the grid's CRS, GDAL's formula, evaluated in the same order everywhere."""
    a, b, c, d, e, f = grid.affine
    x = c + px[:, 0] * a + px[:, 1] * b
    y = f + px[:, 0] * d + px[:, 1] * e
    return np.column_stack([x, y])


def _reproject(geometry: np.ndarray, src: str, dst: str) -> np.ndarray:
    """New geometries with every vertex projected (``shapely.set_coordinates`` would change them in place)."""
    import shapely
    from pyproj import Transformer

    transformer = Transformer.from_crs(src, dst, always_xy=True)
    return np.asarray(
        shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))),
        dtype=object,
    )


def _lonlat_areas_m2(geometry: np.ndarray) -> np.ndarray:
    """Exact WGS 84 areas of Polygons whose edges follow meridians and parallels (a north-up lon/lat grid's pixel
    edges): by Green's theorem a ring's area is ``-a²/2 ∮ q(φ) dλ`` (Snyder 1987, ch. 3), where only the edges
    along parallels contribute (``dλ = 0`` on a meridian) and each contributes exactly ``q(φ) Δλ``."""
    import shapely

    _, coords, (ring_offsets, polygon_offsets) = shapely.to_ragged_array(geometry)
    lon, lat = coords[:, 0], coords[:, 1]
    terms = np.zeros(len(lon))
    terms[:-1] = np.radians(lon[1:] - lon[:-1]) * authalic_q(lat[:-1])
    terms[ring_offsets[1:-1] - 1] = 0.0  # no edge from one ring's last vertex to the next ring's first
    rings = np.abs(np.add.reduceat(terms, ring_offsets[:-1])) * (WGS84_A_M**2 / 2.0)
    shell = np.zeros(len(rings), bool)
    shell[polygon_offsets[:-1]] = True
    return np.add.reduceat(np.where(shell, rings, -rings), polygon_offsets[:-1])


def areas_m2(geometry: np.ndarray, grid: Grid) -> np.ndarray:
    """Areas in m²: exact on the WGS 84 ellipsoid for the Polygons of a north-up lon/lat grid; otherwise in the
    grid's equal-area CRS (edges of other geographic grids densified first)."""
    import shapely

    if not len(geometry):
        return np.zeros(0, np.float64)
    out = np.zeros(len(geometry), np.float64)
    todo = np.ones(len(geometry), bool)
    if grid.is_wgs84 and grid.affine[1] == 0.0 and grid.affine[3] == 0.0:
        todo = shapely.get_type_id(geometry) != shapely.GeometryType.POLYGON  # repaired ones can be multi-part
        if (~todo).any():
            out[~todo] = _lonlat_areas_m2(geometry[~todo])
    if todo.any():
        dense = geometry[todo]
        if grid.geographic:
            dense = shapely.segmentize(dense, max_segment_length=_SEGMENT_PX * grid.pixel_size)
        out[todo] = shapely.area(_reproject(dense, grid.crs_wkt, grid.equal_area_crs))
    return out


def valid(geometry: np.ndarray) -> np.ndarray:
    """Repair the rare invalid polygon (e.g. a hole touching its shell along an edge) with ``make_valid``."""
    import shapely

    invalid = ~shapely.is_valid(geometry) if len(geometry) else np.zeros(0, bool)
    if invalid.any():
        geometry[invalid] = shapely.make_valid(geometry[invalid])
    return geometry


def finish(
    geometry: np.ndarray, values: np.ndarray, grid: Grid, names: Mapping[int, str], features: bool
) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """Polygons in the grid's CRS to: their areas (m²), WGS 84 polygons and (if ``features``) GeoJSON texts.

    A text is ``",\\n"`` and one RFC 7946 Feature: shells counter-clockwise, properties ``value``, ``class`` and
    ``area_m2`` (rounded to 0.01 m², as in the GeoDataFrame).
    """

    geometry = valid(geometry)
    areas = areas_m2(geometry, grid)
    wgs84 = geometry if grid.is_wgs84 else _reproject(geometry, grid.crs_wkt, WGS84)
    texts: list[bytes] = []
    if features and len(wgs84):
        rounded = np.round(areas, 2)  # 0.01 m², as in the GeoDataFrame
        props = (
            {"value": int(v), "class": names[int(v)], "area_m2": float(a)} for v, a in zip(values, rounded, strict=True)
        )
        texts = [(",\n" + t).encode() for t in feature_texts(wgs84, props)]
    return areas, wgs84, texts


def trace_strip(strip: Strip) -> StripOut:
    """Trace and finish one strip (in a worker process or in this one).

    The polygons are finished ``_FINISH_BATCH`` at a time, their texts written out and their geometries kept as
    WKB, so that the objects of a batch are freed before the next (about 100 MB less per worker on half a tile).
    """
    import shapely

    data = strip.data if strip.data_path is None else np.load(strip.data_path)
    values, px = _shapes_px(data, lookup_mask(data, strip.wanted))
    rows = len(data)
    del data
    trim_memory()  # GDAL's polygon layer and the coordinate lists are freed: return their pages
    bounds = shapely.bounds(px) if len(px) else np.zeros((0, 4))
    edges = np.vstack([bounds[:, 1] == 0, bounds[:, 3] == rows])
    offset = np.array([0.0, float(strip.row0)])  # exact: whole numbers
    geometry = np.asarray(shapely.transform(px, lambda xy: to_grid_crs(xy + offset, strip.grid)), dtype=object)
    del px
    cut_wkb = list(shapely.to_wkb(geometry[edges.any(axis=0)]))
    areas = np.zeros(len(values), np.float64)
    sizes = np.zeros(len(values), np.int64)
    bounds = np.zeros((len(values), 4), np.float64)
    types = np.zeros(len(values), np.int8)
    wkb: list[bytes] = []
    with contextlib.ExitStack() as stack:
        fh = stack.enter_context(open(strip.features_path, "wb")) if strip.features_path is not None else None
        for start in range(0, len(values), _FINISH_BATCH):
            part = slice(start, start + _FINISH_BATCH)
            areas[part], wgs84, texts = finish(geometry[part], values[part], strip.grid, strip.names, fh is not None)
            wkb.extend(shapely.to_wkb(wgs84))
            bounds[part], types[part] = shapely.bounds(wgs84), shapely.get_type_id(wgs84)
            if fh is not None:
                fh.writelines(texts)
                sizes[part] = [len(t) for t in texts]
            geometry[part] = None
    return StripOut(values, areas, wkb, bounds, types, sizes, edges, cut_wkb)


def grid_of(gbox: Any) -> Grid:
    from spacebridge.earth.products.stats import equal_area_crs_for

    t = gbox.affine
    return Grid(
        affine=(t.a, t.b, t.c, t.d, t.e, t.f),
        crs_wkt=gbox.crs.to_wkt(),
        equal_area_crs=equal_area_crs_for(gbox),
        geographic=bool(gbox.crs.geographic),
        is_wgs84=gbox.crs.epsg == 4326,
        pixel_size=min(abs(t.a), abs(t.e)),
    )
