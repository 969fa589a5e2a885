"""National tiling: anchored pixel grids (odc-geo ``GridSpec``) cut into tiles, with fail-fast size checks.

A :class:`TileGrid` is a CRS, a pixel size, a tile edge in pixels and an **anchor** (``origin_xy``, the corner of
tile ``(0, 0)``). Every pixel edge of every tile lies at ``origin + k * resolution`` exactly, so that

- neighbouring tiles share their edges to the bit (no gap, no overlap, no half-pixel shift);
- a tile loaded alone, a tile loaded in chunks and the mosaic loaded whole put each pixel at the same place;
- data already on the anchored grid load without resampling. The default anchor ``(0, 0)`` in UTM matches the
  Sentinel-2 grid (pixel edges at multiples of 10 m); Landsat Collection 2 edges lie at 15 m modulo 30 m, so a
  30 m Landsat grid uses ``origin_xy=(15, 15)`` (:data:`LANDSAT_ORIGIN_XY`).

National jobs use one grid per UTM zone (:func:`utm_grid`, :func:`tiles_for_area`): an area spanning several zones
(Kazakhstan, 46.5° E to 87.3° E, spans the eight zones 38 to 45) is split along the zone meridians and each part
is tiled on its zone's grid. A single equal-area grid (:func:`equal_area_grid`) is the other option, for products
that must be one raster. See ``docs/decisions/0501-national-grid-and-execution.md`` for the choice of defaults.

Example
-------
>>> g = utm_grid(42)
>>> t = g.tile(3, 51)
>>> t.id, t.geobox.shape.yx, t.geobox.affine.c, t.geobox.affine.f
('utm42n_x0003_y0051', (10240, 10240), 307200.0, 5324800.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from spacebridge.core.errors import InvalidAOIError, InvalidInputError, ResourceLimitError

if TYPE_CHECKING:
    from odc.geo.geobox import GeoBox
    from odc.geo.geom import Geometry
    from odc.geo.gridspec import GridSpec

__all__ = [
    "DEFAULT_RESOLUTION_M",
    "DEFAULT_TILE_PX",
    "LANDSAT_ORIGIN_XY",
    "Tile",
    "TileGrid",
    "check_pixel_budget",
    "equal_area_grid",
    "grid_on",
    "tiles_for_area",
    "utm_grid",
    "utm_zones",
]

DEFAULT_RESOLUTION_M = 10.0
"""Pixel size of the national grid: Sentinel-2's finest bands."""
DEFAULT_TILE_PX = 10240
"""Tile edge in pixels (102.4 km at 10 m): 5 chunks of 2048 px, 80 flood-threshold base tiles of 128 px."""
LANDSAT_ORIGIN_XY = (15.0, 15.0)
"""Anchor of Landsat Collection 2 pixel edges in UTM (edges at 15 m modulo 30 m)."""


@dataclass(frozen=True)
class TileGrid:
    """An anchored grid of square tiles: CRS, pixel size, tile edge and the corner of tile ``(0, 0)``."""

    name: str
    """Short id used in tile ids and file names, e.g. ``"utm42n"``."""
    crs: str
    """CRS of the grid (``"EPSG:32642"`` or a PROJ/WKT string)."""
    resolution: float = DEFAULT_RESOLUTION_M
    """Pixel size in CRS units (metres for UTM and equal-area grids)."""
    tile_px: int = DEFAULT_TILE_PX
    origin_xy: tuple[float, float] = (0.0, 0.0)
    """Bottom-left corner of tile ``(0, 0)`` in CRS units: the anchor of every pixel edge."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.resolution) and self.resolution > 0):
            raise InvalidInputError(
                f"resolution={self.resolution!r} must be a positive pixel size in CRS units",
                hint="Give e.g. 10 for 10 m pixels",
                name="resolution",
                value=self.resolution,
            )
        if isinstance(self.tile_px, bool) or not isinstance(self.tile_px, int) or self.tile_px < 1:
            raise InvalidInputError(
                f"tile_px={self.tile_px!r} must be a positive whole number of pixels",
                hint=f"The default is {DEFAULT_TILE_PX} (a multiple of the 2048 px chunk)",
                name="tile_px",
                value=self.tile_px,
            )

    @cached_property
    def gridspec(self) -> GridSpec:
        """The odc-geo ``GridSpec`` (tile ``(ix, iy)``: ``ix`` eastwards, ``iy`` northwards)."""
        from odc.geo import xy_
        from odc.geo.gridspec import GridSpec

        return GridSpec(self.crs, (self.tile_px, self.tile_px), resolution=self.resolution, origin=xy_(*self.origin_xy))

    @property
    def tile_size(self) -> float:
        """Tile edge in CRS units."""
        return self.tile_px * self.resolution

    def tile(self, ix: int, iy: int) -> Tile:
        return Tile(self, int(ix), int(iy))

    def tiles(self, area: Geometry) -> list[Tile]:
        """The tiles that intersect ``area`` (any CRS), west to east within rows, north to south."""
        found = [self.tile(ix, iy) for (ix, iy), _ in self.gridspec.tiles_from_geopolygon(area)]
        return sorted(found, key=lambda t: (-t.iy, t.ix))

    def mosaic_geobox(self, tiles: Iterable[Tile]) -> GeoBox:
        """The geobox covering the bounding rectangle of ``tiles`` (all on this grid), on the same pixel grid."""
        ts = list(tiles)
        if not ts or any(t.grid != self for t in ts):
            raise InvalidInputError(
                "mosaic_geobox needs at least one tile, all on this grid",
                hint="Group tiles by grid first (Tile.grid)",
                grid=self.name,
            )
        ix0, ix1 = min(t.ix for t in ts), max(t.ix for t in ts)
        iy0, iy1 = min(t.iy for t in ts), max(t.iy for t in ts)
        from odc.geo.geobox import GeoBox

        top_left = self.tile(ix0, iy1).geobox
        ny, nx = (iy1 - iy0 + 1) * self.tile_px, (ix1 - ix0 + 1) * self.tile_px
        return GeoBox((ny, nx), top_left.affine, top_left.crs)


@dataclass(frozen=True)
class Tile:
    """One tile of a :class:`TileGrid`, with its pixel grid."""

    grid: TileGrid
    ix: int
    iy: int

    @property
    def id(self) -> str:
        """Unique id within a job (safe in file names and STAC ids), e.g. ``"utm42n_x0003_y0051"``."""
        return f"{self.grid.name}_x{self.ix:04d}_y{self.iy:04d}"

    @property
    def geobox(self) -> GeoBox:
        return self.grid.gridspec.tile_geobox((self.ix, self.iy))

    def padded(self, halo_px: int) -> GeoBox:
        """The tile's geobox grown by ``halo_px`` pixels on every side (same pixel grid)."""
        return self.geobox.pad(halo_px) if halo_px > 0 else self.geobox

    def offset_in(self, mosaic: GeoBox) -> tuple[int, int]:
        """``(row, col)`` of this tile's top-left pixel in ``mosaic`` (exact: both lie on the anchored grid)."""
        col_f, row_f = ~mosaic.affine * (self.geobox.affine.c, self.geobox.affine.f)
        row, col = round(row_f), round(col_f)
        if abs(row - row_f) > 1e-6 or abs(col - col_f) > 1e-6:
            raise InvalidInputError(
                f"tile {self.id} is not on the pixel grid of the mosaic (offset {row_f}, {col_f})",
                hint="Use a mosaic geobox from TileGrid.mosaic_geobox",
            )
        return row, col


def utm_zones(west_deg: float, east_deg: float) -> list[int]:
    """UTM zone numbers (1-60) covering longitudes ``west_deg``..``east_deg``.

    Examples
    --------
    >>> utm_zones(46.5, 87.3)
    [38, 39, 40, 41, 42, 43, 44, 45]
    """
    first = int((west_deg + 180.0) // 6.0) + 1
    last = int((min(east_deg, 179.999999) + 180.0) // 6.0) + 1
    return list(range(max(first, 1), min(last, 60) + 1))


def utm_grid(
    zone: int,
    *,
    south: bool = False,
    resolution_m: float = DEFAULT_RESOLUTION_M,
    tile_px: int = DEFAULT_TILE_PX,
    origin_xy: tuple[float, float] = (0.0, 0.0),
) -> TileGrid:
    """The anchored grid of one UTM zone on WGS 84 (EPSG:326zz north, 327zz south)."""
    if not 1 <= zone <= 60:
        raise InvalidInputError(f"UTM zone {zone} is not in 1..60", hint="Kazakhstan spans zones 38 to 45", value=zone)
    epsg = (32700 if south else 32600) + zone
    return TileGrid(f"utm{zone:02d}{'s' if south else 'n'}", f"EPSG:{epsg}", resolution_m, tile_px, origin_xy)


def equal_area_grid(
    *,
    lon_0: float = 67.0,
    lat_1: float = 43.0,
    lat_2: float = 52.0,
    resolution_m: float = DEFAULT_RESOLUTION_M,
    tile_px: int = DEFAULT_TILE_PX,
) -> TileGrid:
    """One Albers equal-area conic grid; the defaults cover Kazakhstan (standard parallels 43° N and 52° N)."""
    crs = f"+proj=aea +lat_0=0 +lon_0={lon_0:g} +lat_1={lat_1:g} +lat_2={lat_2:g} +x_0=0 +y_0=0 +datum=WGS84 +units=m"
    return TileGrid(f"aea{lon_0:g}", crs, resolution_m, tile_px)


def grid_on(geobox: GeoBox, *, tile_px: int = DEFAULT_TILE_PX, name: str = "scene") -> TileGrid:
    """A grid anchored on an existing pixel grid (a scene's), its tiles starting at the geobox's top-left corner.

    Tiles of a job over one scene in its own CRS: the scene loads without resampling and the tiles' mosaic starts
    exactly at the scene's corner. Tile rows go southwards from ``iy = -1``.
    """
    aff = geobox.affine
    if aff.b != 0 or aff.d != 0 or aff.a != -aff.e:
        raise InvalidInputError(
            f"grid_on needs a north-up grid with square pixels, not {tuple(aff)[:6]}",
            hint="Reproject the scene onto a north-up grid first",
        )
    crs = geobox.crs
    if crs is None:
        raise InvalidInputError("grid_on needs a geobox with a CRS", hint="Assign the scene's CRS first")
    return TileGrid(name, crs.to_wkt() if crs.epsg is None else f"EPSG:{crs.epsg}", aff.a, tile_px, (aff.c, aff.f))


def _zone_strip(zone: int, south: bool) -> Geometry:
    from odc.geo.geom import box

    west = -180.0 + 6.0 * (zone - 1)
    return box(west, -80.0 if south else 0.0, west + 6.0, 0.0 if south else 84.0, "EPSG:4326")


def tiles_for_area(
    area: Geometry,
    *,
    grids: Sequence[TileGrid] | None = None,
    resolution_m: float = DEFAULT_RESOLUTION_M,
    tile_px: int = DEFAULT_TILE_PX,
) -> list[Tile]:
    """The tiles covering ``area`` (an odc-geo ``Geometry``, any CRS).

    With ``grids=None`` the area is split along the UTM zone meridians (and the equator) and each part is tiled on
    its zone's grid; tiles are ordered by zone, then north to south, west to east. With ``grids=[g]`` the whole area
    is tiled on ``g`` (e.g. :func:`equal_area_grid`).
    """
    geom = area.to_crs("EPSG:4326") if area.crs is not None and not area.crs.geographic else area
    if geom.is_empty or geom.area == 0:
        raise InvalidAOIError("the area to tile is empty", hint="Give a polygon with a non-zero area")
    if grids is not None:
        return [t for g in grids for t in g.tiles(area)]
    west, _, east, _ = geom.boundingbox
    out: list[Tile] = []
    for zone in utm_zones(west, east):
        for hemisphere_south in (False, True):
            part = geom & _zone_strip(zone, hemisphere_south)
            if part.is_empty or part.area == 0:
                continue
            grid = utm_grid(zone, south=hemisphere_south, resolution_m=resolution_m, tile_px=tile_px)
            out.extend(grid.tiles(part.to_crs(grid.crs, resolution=0.05)))
    return out


def check_pixel_budget(tiles: Sequence[Tile], *, max_pixels: int, what: str = "the job") -> int:
    """Raise :class:`ResourceLimitError` when ``tiles`` hold more than ``max_pixels`` pixels per band.

    Called before any data is read, so an oversized request fails at once instead of after minutes.
    Returns the number of pixels per band.
    """
    total = sum(int(t.geobox.shape[0]) * int(t.geobox.shape[1]) for t in tiles)
    if total > max_pixels:
        raise ResourceLimitError(
            f"{what} covers {len(tiles)} tile(s), {total:,} pixels per band, more than max_pixels={max_pixels:,}",
            hint="Process a smaller area, use a coarser resolution, or raise the limit "
            "(SPACEBRIDGE_MAX_PIXELS) if the cluster can take it",
            pixels=total,
            max_pixels=max_pixels,
            tiles=len(tiles),
        )
    return total
