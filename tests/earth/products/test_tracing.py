"""Tracing in strips must give the polygons of one whole trace: the same patches, joined across every cut."""

import json
import logging
import sys

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from odc.geo.geobox import GeoBox
from pyproj import Geod

from spacebridge.earth.products import polygonize, start_polygonize, tracing, write_vectors
from spacebridge.earth.products.tracing import start_trace

UTM = GeoBox.from_bbox((600_000, 4_200_000, 606_000, 4_206_000), "EPSG:32630", resolution=10)


def _grid(shape, crs="EPSG:32630"):
    if crs == "EPSG:4326":
        return GeoBox.from_bbox((-1.0, 40.0, -1.0 + shape[1] * 1e-4, 40.0 + shape[0] * 1e-4), crs, shape=shape)
    return GeoBox.from_bbox((600_000, 4_200_000, 600_000 + 10 * shape[1], 4_200_000 + 10 * shape[0]), crs, shape=shape)


def _trace(data, wanted, gbox, **kw):
    job = start_trace(data, np.asarray(wanted, data.dtype), gbox, **kw)
    try:
        return job.result()
    finally:
        job.close()


def _sorted(traced):
    g = traced.geometry
    b = shapely.bounds(g)
    order = np.lexsort((b[:, 1], b[:, 0], np.round(traced.areas_m2, 3), traced.values))
    return traced.values[order], g[order], traced.areas_m2[order]


def _assert_same(whole, cut, gbox=None):
    if gbox is not None:  # in WGS 84, inside the grid
        footprint = shapely.buffer(gbox.footprint("EPSG:4326", npoints=400).geom, 1e-9)
        assert shapely.covers(footprint, cut.geometry).all()
    v1, g1, a1 = _sorted(whole)
    v2, g2, a2 = _sorted(cut)
    assert len(v1) == len(v2)
    np.testing.assert_array_equal(v1, v2)
    assert shapely.equals(g1, g2).all()
    assert shapely.is_valid(g2).all()
    # a joined polygon keeps vertices on the cut, which moves the densification points of geographic grids: far
    # below the 3e-6 the area method itself is off by (earth/products/tracing.py)
    np.testing.assert_allclose(a2, a1, rtol=1e-7)


@pytest.fixture(scope="module")
def spain_classes(examples_dir):
    """Real classes of the Spain 2019 Sentinel-2 chip: 1 water (MNDWI > 0), 2 vegetation (NDVI > 0.4), 0 other."""
    with rasterio.open(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif") as src:
        green, red, nir, swir = (src.read(b).astype(np.float64) for b in (3, 4, 8, 12))
        gbox = GeoBox(src.shape, src.transform, src.crs)
    with np.errstate(invalid="ignore", divide="ignore"):
        mndwi, ndvi = (green - swir) / (green + swir), (nir - red) / (nir + red)
    classes = np.where(mndwi > 0, 1, np.where(ndvi > 0.4, 2, 0)).astype(np.uint8)
    return classes, gbox


@pytest.mark.parametrize("strips", [2, 7, 31])
def test_real_scene_in_strips_equals_one_trace(spain_classes, strips):
    classes, gbox = spain_classes
    whole = _trace(classes, [1, 2], gbox, workers=1)
    cut = _trace(classes, [1, 2], gbox, workers=1, strips=strips)
    assert len(whole.values) > 500  # a real, fragmented scene: many patches cross the cuts
    _assert_same(whole, cut, gbox)


def test_worker_processes_give_the_same_polygons(spain_classes):
    classes, gbox = spain_classes
    whole = _trace(classes, [1, 2], gbox, workers=1)
    _assert_same(whole, _trace(classes, [1, 2], gbox, workers=3))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(2, 40), st.integers(1, 40)),
    strips=st.integers(2, 12),
    share=st.floats(0.2, 0.8),
    geographic=st.booleans(),
)
def test_random_rasters_in_strips_equal_one_trace(seed, shape, strips, share, geographic):
    """Random masks are the worst case: corners touching across cuts, holes cut in two, one-row strips."""
    rng = np.random.default_rng(seed)
    data = np.where(rng.random(shape) < share, rng.integers(1, 3, shape), 0).astype(np.uint8)
    gbox = _grid(shape, "EPSG:4326" if geographic else "EPSG:32630")
    _assert_same(_trace(data, [1, 2], gbox, workers=1), _trace(data, [1, 2], gbox, workers=1, strips=strips), gbox)


def test_corner_contact_across_a_cut_is_not_a_join_but_an_edge_is():
    data = np.zeros((4, 6), np.uint8)
    data[:2, 0:2] = 1  # touches the block below only at a corner (4-connectivity: two patches)
    data[2:, 2:4] = 1
    data[:2, 4] = 2  # a U across the cut: both arms join through the bottom row
    data[:2, 5] = 2
    data[2:, 4:6] = 2
    whole = _trace(data, [1, 2], _grid(data.shape), workers=1)
    cut = _trace(data, [1, 2], _grid(data.shape), workers=1, strips=2)
    assert sorted(whole.values.tolist()) == [1, 1, 2]
    _assert_same(whole, cut)


def test_a_patch_across_every_strip_and_a_hole_across_a_cut():
    data = np.ones((12, 5), np.uint8)
    data[3:9, 2] = 0  # a hole spanning three strips
    whole = _trace(data, [1], _grid(data.shape), workers=1)
    cut = _trace(data, [1], _grid(data.shape), workers=1, strips=4)
    assert len(cut.values) == 1
    assert len(shapely.get_interior_ring(cut.geometry[0], 0).coords) > 0
    _assert_same(whole, cut)
    # 54 pixels of 10 m x 10 m in UTM, whose scale factor 600 km east is 1.00028: authority, the geodesic area
    geodesic_m2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(cut.geometry[0])[0])
    assert cut.areas_m2[0] == pytest.approx(geodesic_m2, rel=1e-6)
    assert cut.areas_m2[0] == pytest.approx(54 * 100.0 / 0.99972**2, rel=1e-4)


def test_small_rasters_are_traced_here_and_daemonic_processes_never_start_workers(monkeypatch):
    assert tracing._default_workers(tracing.PARALLEL_MIN_PX - 1) == 1
    assert tracing._default_workers(tracing.PARALLEL_MIN_PX) >= 1

    class Daemon:
        daemon = True

    monkeypatch.setattr(tracing.multiprocessing, "current_process", lambda: Daemon())
    assert tracing._default_workers(10 * tracing.PARALLEL_MIN_PX) == 1


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/false"])
def test_a_worker_that_cannot_start_or_fails_is_replaced_by_tracing_here(
    spain_classes, monkeypatch, caplog, executable
):
    classes, gbox = spain_classes
    whole = _trace(classes, [1], gbox, workers=1)
    monkeypatch.setattr(sys, "executable", executable)
    with caplog.at_level(logging.WARNING, logger="spacebridge.earth.products.tracing"):
        cut = _trace(classes, [1], gbox, workers=2)
    assert "tracing" in caplog.text
    assert "in this process" in caplog.text
    _assert_same(whole, cut)


def test_close_stops_the_workers(spain_classes):
    classes, gbox = spain_classes
    job = start_trace(classes, np.asarray([1], np.uint8), gbox, workers=2)
    procs = [w._proc for w in job._workers if w is not None]
    assert len(procs) == 2
    job.close()
    assert all(p.poll() is not None for p in procs)


@pytest.mark.parametrize("strips", [1, 5])
def test_geojson_made_by_the_workers_is_the_file_write_vectors_makes(spain_classes, tmp_path, strips):
    from odc.geo.xr import wrap_xr

    classes, gbox = spain_classes
    raster = wrap_xr(classes, gbox)
    names = {1: "water", 2: "vegetation"}
    write_vectors(polygonize(raster, values=names), geojson=tmp_path / "a.geojson", parquet=tmp_path / "a.parquet")
    job = start_polygonize(raster, values=names, workers=1, geojson=True)
    job._job = tracing.start_trace(classes, np.asarray([1, 2], np.uint8), gbox, names=names, workers=1,
                                   strips=strips, features=True)  # fmt: skip
    try:
        job.write(geojson=tmp_path / "b.geojson", parquet=tmp_path / "b.parquet")
    finally:
        job.close()
    if strips == 1:
        assert (tmp_path / "a.geojson").read_bytes() == (tmp_path / "b.geojson").read_bytes()
    a, b = gpd.read_file(tmp_path / "a.geojson"), gpd.read_file(tmp_path / "b.geojson")
    assert len(a) == len(b) > 500
    assert a.area_m2.sum() == pytest.approx(b.area_m2.sum(), rel=1e-9)
    assert a.union_all().symmetric_difference(b.union_all()).area < 1e-12
    assert list(b.columns) == ["value", "class", "area_m2", "geometry"]
    # the GeoParquet written from the workers' WKB reads back as the one geopandas writes
    pa, pb = gpd.read_parquet(tmp_path / "a.parquet"), gpd.read_parquet(tmp_path / "b.parquet")
    assert list(pb.columns) == list(pa.columns)
    assert (pb.dtypes == pa.dtypes).all()
    assert pb.crs == pa.crs == "EPSG:4326"
    key = ["value", "area_m2"]
    pa, pb = pa.sort_values(key).reset_index(drop=True), pb.sort_values(key).reset_index(drop=True)
    np.testing.assert_allclose(pb.area_m2, pa.area_m2, rtol=1e-7)
    assert shapely.equals(pa.geometry.values, pb.geometry.values).mean() > 0.99  # equal areas may sort apart
    if strips == 1:
        assert pa.geometry.equals(pb.geometry)
    meta_a = json.loads(pq.read_schema(tmp_path / "a.parquet").metadata[b"geo"])
    meta_b = json.loads(pq.read_schema(tmp_path / "b.parquet").metadata[b"geo"])
    col_a, col_b = meta_a["columns"]["geometry"], meta_b["columns"]["geometry"]
    assert col_b["encoding"] == col_a["encoding"] == "WKB"
    assert set(col_b["geometry_types"]) == set(col_a["geometry_types"])
    np.testing.assert_allclose(col_b["bbox"], col_a["bbox"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("lat", [-60.0, 0.0, 40.0, 70.0])
def test_lonlat_polygon_areas_are_exact_on_the_ellipsoid(lat):
    """Authority: pyproj's geodesic area of the same cells with their parallels densified (geodesics -> parallels)."""
    from spacebridge.earth.products._strips import _lonlat_areas_m2

    def geodesic_m2(west, south, east, north):
        lons = np.linspace(west, east, 4001)
        ring = np.concatenate([np.column_stack([lons, np.full_like(lons, south)]),
                               np.column_stack([lons[::-1], np.full_like(lons, north)])])  # fmt: skip
        return abs(Geod(ellps="WGS84").polygon_area_perimeter(ring[:, 0], ring[:, 1])[0])

    cell = shapely.box(10.0, lat, 11.0, lat + 1.0)
    holed = shapely.Polygon(cell.exterior, [shapely.box(10.25, lat + 0.25, 10.5, lat + 0.75).exterior])
    areas = _lonlat_areas_m2(np.array([cell, holed, shapely.box(10.0, lat, 10.5, lat + 0.5)]))
    assert areas[0] == pytest.approx(geodesic_m2(10.0, lat, 11.0, lat + 1.0), rel=1e-9)
    assert areas[1] == pytest.approx(areas[0] - geodesic_m2(10.25, lat + 0.25, 10.5, lat + 0.75), rel=1e-9)
    assert areas[2] == pytest.approx(geodesic_m2(10.0, lat, 10.5, lat + 0.5), rel=1e-9)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_raster_without_any_wanted_pixel_writes_empty_layers(tmp_path, workers):
    from odc.geo.xr import wrap_xr

    gbox = _grid((40, 30))
    job = start_polygonize(wrap_xr(np.zeros((40, 30), np.uint8), gbox), values={1: "water"}, workers=workers,
                           geojson=True)  # fmt: skip
    try:
        job.write(geojson=tmp_path / "e.geojson", parquet=tmp_path / "e.parquet")
        assert len(job.result()) == 0
    finally:
        job.close()
    assert json.loads((tmp_path / "e.geojson").read_text()) == {"type": "FeatureCollection", "features": []}
    empty = gpd.read_parquet(tmp_path / "e.parquet")
    assert len(empty) == 0
    assert list(empty.columns) == ["value", "class", "area_m2", "geometry"]
    assert empty.crs == "EPSG:4326"


def test_the_temporary_folder_goes_with_the_job(spain_classes):
    import gc

    classes, gbox = spain_classes
    job = start_trace(classes, np.asarray([1], np.uint8), gbox, workers=2, features=True)
    folder = job._tmp
    job.result()
    assert folder.is_dir()
    job.close()
    assert not folder.exists()
    job = start_trace(classes, np.asarray([1], np.uint8), gbox, workers=1, features=True)
    folder = job._tmp
    del job
    gc.collect()
    assert not folder.exists()


def test_geojson_of_a_trace_started_without_features_is_a_clear_error(spain_classes):
    import io

    from spacebridge.core.errors import InvalidInputError

    classes, gbox = spain_classes
    job = start_trace(classes, np.asarray([1], np.uint8), gbox, workers=1, features=False)
    try:
        with pytest.raises(InvalidInputError, match="without the GeoJSON texts") as err:
            job.write_geojson(io.BytesIO())
        assert "features=True" in err.value.hint
    finally:
        job.close()
