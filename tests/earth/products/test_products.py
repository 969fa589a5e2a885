import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from odc.geo.geobox import GeoBox
from odc.geo.xr import xr_zeros
from pyproj import Geod
from rio_cogeo.cogeo import cog_validate
from shapely.geometry import box

import spacebridge.earth.products as products
from spacebridge.core.errors import InvalidAOIError, InvalidInputError, MalformedInputError
from spacebridge.core.provenance import InputRef, Lineage
from spacebridge.earth.products import (
    COG_MEDIA_TYPE,
    add_item_to_catalog,
    area_by_value,
    asset_for_file,
    build_item,
    polygonize,
    validate_stac,
    write_cog,
    write_vectors,
)

GEOD = Geod(ellps="WGS84")


def test_public_api_is_locked():
    assert set(products.__all__) == {
        "COG_MEDIA_TYPE", "PolygonJob", "STAC_VERSION", "add_item_to_catalog", "area_by_value", "asset_for_file",
        "build_item", "equal_area_crs_for", "footprint_wgs84", "polygonize", "start_polygonize", "validate_stac",
        "write_cog", "write_vectors",
    }  # fmt: skip


def _raster(gbox, values):
    da = xr_zeros(gbox, dtype="uint8")
    return da.copy(data=np.asarray(values, dtype="uint8"))


@pytest.fixture
def classes():
    """A 600 x 700 class raster on a UTM grid: a 100 x 200 px lake (1), an unknown strip (255)."""
    gbox = GeoBox.from_bbox((600_000, 4_200_000, 607_000, 4_206_000), "EPSG:32630", resolution=10)
    values = np.zeros(gbox.shape, np.uint8)
    values[100:200, 100:300] = 1
    values[:, -50:] = 255
    return _raster(gbox, values)


@pytest.mark.parametrize("chunked", [False, True])
def test_cog_is_valid_tiled_zstd_with_overviews_and_nodata(tmp_path, classes, chunked):
    da = classes.chunk(256) if chunked else classes
    path = write_cog(tmp_path / "x.tif", da, nodata=255, colormap={1: (0, 0, 255, 255)}, description="classes")
    valid, errors, warnings = cog_validate(path)
    assert valid, errors
    assert not warnings
    with rasterio.open(path) as src:
        assert src.profile["compress"].lower() == "zstd"
        assert src.profile["tiled"]
        assert src.profile["blockxsize"] == 512
        assert src.nodata == 255
        assert src.overviews(1)
        assert src.crs.to_epsg() == 32630
        np.testing.assert_array_equal(src.read(1), classes.values)
        assert src.descriptions == ("classes",)
    assert [p.name for p in tmp_path.iterdir()] == ["x.tif"]  # no staging files left


def test_cog_failure_leaves_nothing(tmp_path, classes):
    with pytest.raises(InvalidInputError, match="no georeferencing"):
        write_cog(tmp_path / "y.tif", xr.DataArray(classes.values, dims=("y", "x")), nodata=255)
    with pytest.raises(InvalidInputError, match="2-D"):
        write_cog(tmp_path / "y.tif", classes.expand_dims(band=[1]), nodata=255)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=15, deadline=None)
@given(st.floats(-70, 70), st.floats(-170, 170))
def test_total_area_of_a_geographic_raster_matches_the_geodesic_area(lat, lon):
    gbox = GeoBox.from_bbox((lon, lat, lon + 0.02, lat + 0.02), "EPSG:4326", shape=(40, 40))
    stats = area_by_value(_raster(gbox, np.ones(gbox.shape)), values={1: "all"})
    expected, _ = GEOD.geometry_area_perimeter(box(*gbox.extent.boundingbox))
    assert stats["area_km2"]["all"] == pytest.approx(abs(expected) / 1e6, rel=1e-4)


def test_areas_per_class_and_per_zone(classes):
    # UTM zone 30N at ~38 N: the true area of a 10 m pixel differs from 100 m2 by the scale factor squared
    stats = area_by_value(classes, values={0: "dry", 1: "water", 255: "unknown"})
    assert stats["area_km2"]["water"] == pytest.approx(100 * 200 * 100 / 1e6, rel=2e-3)
    assert sum(stats["area_km2"].values()) == pytest.approx(42.0, rel=2e-3)
    zones = gpd.GeoDataFrame(
        {"name": ["west", "east"]},
        geometry=[box(600_000, 4_200_000, 603_500, 4_206_000), box(603_500, 4_200_000, 607_000, 4_206_000)],
        crs="EPSG:32630",
    ).to_crs(4326)
    zoned = area_by_value(classes, values={1: "water"}, zones=zones)
    assert zoned["zones"][0]["area_km2"]["water"] == pytest.approx(stats["area_km2"]["water"], rel=1e-6)
    assert zoned["zones"][1]["area_km2"]["water"] == 0.0


@pytest.mark.parametrize("chunk", [None, 64, 250])
def test_lonlat_areas_per_row_equal_the_sum_of_pixel_areas(chunk):
    """The per-row count path of EPSG:4326 grids against pixel areas times masks, overall and in two zones."""
    from rasterio.features import geometry_mask

    from spacebridge.earth.areas import pixel_areas_m2

    gbox = GeoBox.from_bbox((-1.0, 39.9, -0.7, 40.2), "EPSG:4326", shape=(300, 280))
    values = np.random.default_rng(4).choice(np.array([0, 1, 2, 255], np.uint8), gbox.shape, p=[0.5, 0.3, 0.1, 0.1])
    raster = _raster(gbox, values)
    raster = raster if chunk is None else raster.chunk(chunk)
    zones = gpd.GeoDataFrame(geometry=[box(-1.0, 39.9, -0.85, 40.2), box(-0.8, 40.0, -0.7, 40.1)], crs="EPSG:4326")
    stats = area_by_value(raster, values={0: "dry", 1: "water", 2: "flood", 255: "unknown"}, zones=zones)
    areas = pixel_areas_m2(gbox)
    for name, v in (("dry", 0), ("water", 1), ("flood", 2), ("unknown", 255)):
        assert stats["area_km2"][name] == pytest.approx(areas[values == v].sum() / 1e6, rel=1e-12, abs=1e-6)
    for zone, geom in zip(stats["zones"], zones.geometry, strict=True):  # pixel centres inside, as rasterio marks them
        inside = ~geometry_mask([geom], out_shape=gbox.shape, transform=gbox.transform)
        assert zone["area_km2"]["water"] == pytest.approx(areas[inside & (values == 1)].sum() / 1e6, abs=1e-6)


def test_areas_do_not_depend_on_chunking(classes):
    eager = area_by_value(classes, values={0: "dry", 1: "water", 255: "unknown"})
    lazy = area_by_value(classes.chunk(128), values={0: "dry", 1: "water", 255: "unknown"})
    assert lazy["area_km2"] == pytest.approx(eager["area_km2"], rel=1e-9)


def test_aoi_outside_the_raster_is_an_aoi_error(classes):
    far = gpd.GeoDataFrame(geometry=[box(10, 10, 11, 11)], crs="EPSG:4326")
    with pytest.raises(InvalidAOIError, match="no AOI polygon overlaps the raster"):
        area_by_value(classes, values={1: "water"}, zones=far)


def test_polygons_are_valid_with_equal_area_areas(tmp_path, classes):
    values = classes.values.copy()
    values[400:402, 400:402] = 1  # a second, tiny patch
    values[300:310, 100:110] = 2
    gdf = polygonize(classes.copy(data=values), values={1: "water", 2: "flood"})
    assert gdf.crs.to_epsg() == 4326
    assert gdf.is_valid.all()
    assert sorted(gdf["class"]) == ["flood", "water", "water"]
    lake = gdf.loc[gdf.area_m2.idxmax()]
    assert lake.area_m2 == pytest.approx(2_000_000, rel=2e-3)  # 100 x 200 px of ~100 m2
    paths = write_vectors(gdf, geojson=tmp_path / "w.geojson", parquet=tmp_path / "w.parquet")
    assert [p.name for p in paths] == ["w.geojson", "w.parquet"]
    doc = json.loads((tmp_path / "w.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == 3
    import shapely

    for feature in doc["features"]:  # RFC 7946 section 3.1.6: exterior rings counter-clockwise
        assert shapely.is_ccw(shapely.geometry.shape(feature["geometry"]).exterior)
    assert len(gpd.read_file(tmp_path / "w.geojson")) == 3
    back = gpd.read_parquet(tmp_path / "w.parquet")
    assert back.crs.to_epsg() == 4326
    assert len(back) == 3


def _item(tmp_path, classes, item_id="run-1"):
    path = write_cog(tmp_path / "extent.tif", classes, nodata=255)
    coll_dir = tmp_path / "stac" / "flood"
    asset = asset_for_file(
        path, item_dir=coll_dir, title="Extent", media_type=COG_MEDIA_TYPE, nodata=255, data_type="uint8"
    )
    lineage = Lineage("earth.flood", inputs=(InputRef("sar", "s1.tif", id="S1A_X"),)).with_values(threshold_db=-15.2)
    return build_item(
        item_id, gbox=classes.odc.geobox, datetime_utc="2019-09-17T18:00:00Z", assets={"extent": asset}, lineage=lineage
    )


def test_stac_item_validates_offline_and_keeps_its_lineage(tmp_path, classes):
    item = _item(tmp_path, classes)
    validate_stac(item)
    assert item["stac_version"] == "1.1.0"
    assert item["properties"]["proj:code"] == "EPSG:32630"
    assert item["properties"]["spacebridge:lineage"]["chosen"] == {"threshold_db": -15.2}
    asset = item["assets"]["extent"]
    assert asset["href"] == "../../extent.tif"
    assert asset["file:checksum"].startswith("1220")
    assert len(asset["file:checksum"]) == 68


def test_catalog_collects_items_and_every_document_validates(tmp_path, classes):
    root = tmp_path / "stac"
    add_item_to_catalog(
        root,
        _item(tmp_path, classes, "run-1"),
        collection_id="flood",
        collection_title="Floods",
        collection_description="d",
    )
    add_item_to_catalog(
        root,
        _item(tmp_path, classes, "run-2"),
        collection_id="flood",
        collection_title="Floods",
        collection_description="d",
    )
    add_item_to_catalog(
        root,
        _item(tmp_path, classes, "fire-1"),
        collection_id="fire",
        collection_title="Fires",
        collection_description="d",
    )
    catalog = json.loads((root / "catalog.json").read_text())
    children = sorted(lk["href"] for lk in catalog["links"] if lk["rel"] == "child")
    assert children == ["./fire/collection.json", "./flood/collection.json"]
    coll = json.loads((root / "flood" / "collection.json").read_text())
    assert sorted(lk["href"] for lk in coll["links"] if lk["rel"] == "item") == ["./run-1.json", "./run-2.json"]
    for doc in [catalog, coll, json.loads((root / "flood" / "run-2.json").read_text())]:
        validate_stac(doc)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("properties", "datetime"), "yesterday", "datetime"),
        (("assets", "extent", "file:size"), -1, "file:size"),
        (("properties", "proj:shape"), [1, 2, 3], "proj:shape"),
    ],
)
def test_invalid_items_are_caught_by_the_schemas(tmp_path, classes, path, value, message):
    item = _item(tmp_path, classes)
    target = item
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(MalformedInputError, match=message):
        validate_stac(item)


def test_unknown_extension_cannot_be_validated_offline(tmp_path, classes):
    item = _item(tmp_path, classes)
    item["stac_extensions"].append("https://stac-extensions.github.io/sat/v1.0.0/schema.json")
    with pytest.raises(MalformedInputError, match="no offline schema"):
        validate_stac(item)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.2, 0.8))
def test_random_masks_give_valid_polygons_whose_areas_add_up(seed, share):
    """Checkerboard-like random masks are the worst case for pixel-edge tracing (touching corners, holes)."""
    rng = np.random.default_rng(seed)
    gbox = GeoBox.from_bbox((600_000, 4_200_000, 600_400, 4_200_300), "EPSG:32630", resolution=10)
    values = (rng.random(gbox.shape) < share).astype(np.uint8)
    gdf = polygonize(_raster(gbox, values), values={1: "water"})
    assert gdf.is_valid.all()
    stats = area_by_value(_raster(gbox, values), values={1: "water"})
    assert gdf.area_m2.sum() / 1e6 == pytest.approx(stats["area_km2"]["water"], abs=2e-6)  # km2 rounded to 1 m2
    assert gdf.to_crs("EPSG:32630").area.sum() == pytest.approx(values.sum() * 100.0, rel=2e-3)


def test_classes_the_raster_type_cannot_hold_are_simply_absent(classes):
    """A uint8 class raster asked for value 300 or -1: no pixel can have them, so no polygon and no error."""
    both = polygonize(classes, values={1: "water", 300: "never", -1: "never either"})
    only = polygonize(classes, values={1: "water"})
    assert len(both) == len(only) > 0
    assert set(both["class"]) == {"water"}
