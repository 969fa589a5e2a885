"""The flood products written from a real analysis of the Spain chip: files, validity, statistics, STAC."""

import json
import warnings

import numpy as np
import pytest
import rasterio
import rioxarray
from rio_cogeo.cogeo import cog_validate

from spacebridge.core.atomic import staged_output_dir
from spacebridge.core.provenance import InputRef, Lineage
from spacebridge.earth.flood import SarInput, map_flood
from spacebridge.earth.flood.products import COLLECTION_ID, write_flood_products
from spacebridge.earth.products import validate_stac


@pytest.fixture(scope="module")
def products(examples_dir, tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # affine 3 via rioxarray
        s1 = rioxarray.open_rasterio(examples_dir / "flood-spain-2019" / "Spain_7370579_S1Hand.tif", chunks=256)
    result = map_flood(sar=SarInput(vv_db=s1.sel(band=1, drop=True), vh_db=s1.sel(band=2, drop=True)))
    out = tmp_path_factory.mktemp("flood")
    lineage = Lineage("earth.flood", inputs=(InputRef("sar", "Spain_7370579_S1Hand.tif"),))
    with staged_output_dir(out) as stage:
        written = write_flood_products(
            result, stage, lineage=lineage, item_id="flood-spain", datetime_utc="2019-09-17T18:00:00Z"
        )
    return out, written.statistics


def test_every_product_is_there_and_cogs_are_valid(products):
    out, _ = products
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == sorted([
        "flood_extent.tif", "flood_likelihood.tif", "flood_class.tif", "flood.geojson", "flood.parquet",
        "stats.json", "catalog.json", f"{COLLECTION_ID}/collection.json", f"{COLLECTION_ID}/flood-spain.json",
    ])  # fmt: skip
    for name in ("flood_extent.tif", "flood_likelihood.tif", "flood_class.tif"):
        valid, errors, _ = cog_validate(out / name)
        assert valid, (name, errors)
        with rasterio.open(out / name) as src:
            assert src.dtypes[0] == "uint8"
            assert src.nodata == 255


def test_statistics_match_the_rasters(products):
    out, stats = products
    with rasterio.open(out / "flood_extent.tif") as src:
        water_px = int((src.read(1) == 1).sum())
    # about 7.9 m x 10.0 m pixels at 38.1 N on this 0.0000898 deg grid
    assert stats["water_km2"] == pytest.approx(water_px * 78.7e-6, rel=0.01)
    assert stats["flooded_km2"] is None  # no pre-event scene and no reference: undetermined
    assert stats["water_undetermined_km2"] == stats["water_km2"]
    assert stats["unknown_km2"] == 0.0
    assert json.loads((out / "stats.json").read_text()) == stats
    assert [t["method"] for t in stats["thresholds"]] == ["sar-vv", "sar-vh"]
    assert set(stats["votes"]) == {"sar-vv", "sar-vh"}


def test_polygon_areas_add_up_to_the_water_area(products):
    import geopandas as gpd

    out, stats = products
    gdf = gpd.read_parquet(out / "flood.parquet")
    assert gdf.is_valid.all()
    assert gdf.area_m2.sum() / 1e6 == pytest.approx(stats["water_km2"], rel=1e-3)


def test_stac_item_validates_and_carries_the_lineage(products):
    out, _ = products
    item = json.loads((out / COLLECTION_ID / "flood-spain.json").read_text())
    validate_stac(item)
    lineage = item["properties"]["spacebridge:lineage"]
    assert lineage["inputs"][0]["href"] == "Spain_7370579_S1Hand.tif"
    assert [t["method"] for t in lineage["chosen"]["thresholds"]] == ["sar-vv", "sar-vh"]
    assert "votes" in lineage["chosen"]
    assert "spacebridge" in lineage["software"]
    for asset in item["assets"].values():
        assert (out / COLLECTION_ID / asset["href"]).resolve().exists()


def test_a_failure_leaves_the_output_folder_untouched(tmp_path):
    result = map_flood(sar=SarInput(vv_db=_vv()))
    with pytest.raises(Exception, match=r"no georeferencing|no grid"), staged_output_dir(tmp_path) as stage:
        write_flood_products(
            result, stage, lineage=Lineage("earth.flood"), item_id="x", datetime_utc="2020-01-01T00:00:00Z"
        )
    assert list(tmp_path.iterdir()) == []


def _vv():
    import xarray as xr

    rng = np.random.default_rng(0)
    vv = np.where(np.arange(64)[None, :] < 20, -21.0, -8.0) + rng.normal(0, 1, (64, 64))
    return xr.DataArray(vv.astype("float32"), dims=("y", "x"))
