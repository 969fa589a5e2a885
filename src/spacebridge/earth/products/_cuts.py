"""Join the pieces of the patches that the cuts between traced strips split (see :mod:`.tracing`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spacebridge.earth.products._strips import Grid, StripOut, finish, lookup_mask, to_grid_crs


@dataclass(frozen=True)
class Joined:
    """Which polygons of the strips (concatenated in strip order) are kept, and the merged ones that replace them.

    ``merged`` maps the index of a group's first piece to the merged polygon: its area (m²), WGS 84 geometry and
    GeoJSON Feature text (empty when no text was asked for). The other pieces of the group are not kept.
    """

    keep: np.ndarray
    merged: dict[int, tuple[float, Any, bytes]]


def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = int(parent[i])
    return i


def _owners(cols: np.ndarray, row: float, pieces: np.ndarray, geometry: np.ndarray, grid: Grid) -> np.ndarray:
    """Index of the piece containing each pixel centre ``(col, row)`` (-1 where none does)."""
    import shapely

    points = shapely.points(to_grid_crs(np.column_stack([cols, np.full_like(cols, row)]), grid))
    point_idx, piece_idx = shapely.STRtree(geometry[pieces]).query(points, predicate="within")
    owner = np.full(len(cols), -1, np.int64)
    owner[point_idx] = pieces[piece_idx]
    return owner


def _cut_pairs(
    data: np.ndarray,
    wanted: np.ndarray,
    cut: int,
    geometry: np.ndarray,
    above: np.ndarray,
    below: np.ndarray,
    grid: Grid,
) -> list[tuple[int, int]]:
    """Pairs (piece above, piece below) that share a pixel edge on the cut between rows ``cut - 1`` and ``cut``."""
    top, bottom = data[cut - 1], data[cut]
    mask = lookup_mask(data[cut - 1 : cut + 1], wanted)
    joined = mask[0] & mask[1] & (top == bottom)
    if not joined.any() or not len(above) or not len(below):
        return []
    # one pixel per run of joined edges of one class: the run lies in one piece on each side
    same_as_left = np.zeros_like(joined)
    same_as_left[1:] = joined[:-1] & (top[1:] == top[:-1])
    cols = np.flatnonzero(joined & ~same_as_left).astype(np.float64) + 0.5
    upper = _owners(cols, cut - 0.5, above, geometry, grid)
    lower = _owners(cols, cut + 0.5, below, geometry, grid)
    return [(int(a), int(b)) for a, b in zip(upper, lower, strict=True) if a >= 0 and b >= 0]


def join(
    outs: Sequence[StripOut],
    data: np.ndarray,
    wanted: np.ndarray,
    cuts: Sequence[int],
    grid: Grid,
    names: Mapping[int, str],
    features: bool,
) -> Joined:
    """Group the pieces that share an edge across a cut (union-find) and merge each group (GEOS union)."""
    import shapely

    sizes = [len(o.values) for o in outs]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(starts[-1])
    geometry = np.full(n, None, dtype=object)  # grid-CRS pieces along the cuts only
    for k, out in enumerate(outs):
        on_cut = starts[k] + np.flatnonzero(out.edges.any(axis=0))
        geometry[on_cut] = shapely.from_wkb(out.cut_wkb)
    pairs = [
        pair
        for k, cut in enumerate(cuts)
        for pair in _cut_pairs(
            data, wanted, cut, geometry, starts[k] + np.flatnonzero(outs[k].edges[1]),
            starts[k + 1] + np.flatnonzero(outs[k + 1].edges[0]), grid,
        )
    ]  # fmt: skip
    keep = np.ones(n, bool)
    if not pairs:
        return Joined(keep, {})
    parent = np.arange(n)
    for a, b in pairs:
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members = np.unique(np.asarray(pairs).ravel())
    roots = np.fromiter((_find(parent, int(i)) for i in members), np.int64, len(members))
    groups = np.unique(roots)
    union = np.asarray([shapely.union_all(geometry[members[roots == r]]) for r in groups], dtype=object)
    union = shapely.simplify(union, 0.0)  # drops the vertices left on a cut in the middle of a straight edge
    values = np.concatenate([o.values for o in outs])[groups]
    areas, wgs84, texts = finish(union, values, grid, names, features)
    keep[members] = False
    keep[groups] = True
    return Joined(
        keep,
        {
            int(r): (float(a), g, texts[i] if texts else b"")
            for i, (r, a, g) in enumerate(zip(groups, areas, wgs84, strict=True))
        },
    )
