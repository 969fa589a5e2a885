"""``spacebridge earth water``: OPERA DSWx water classes and reflectance scenes classified by the flood classifier."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio

from ._earth_app import run_earth
from ._series import LANDSAT8, SPAIN_S2, outputs, polygon_file

DSWX = "opera/OPERA_L3_DSWx-HLS_T12SVG_20230411T180222Z_20230414T030945Z_L8_30_v1.0_B01_WTR.tif"
# A square far from Lake Powell's tile.
OUTSIDE = [[-100.0, 40.0], [-99.9, 40.0], [-99.9, 40.1], [-100.0, 40.1], [-100.0, 40.0]]


@pytest.fixture(scope="module")
def dswx_pair(examples_dir, tmp_path_factory):
    """A 512 x 512 px window of the DSWx tile over Lake Powell (a quarter of it water), copied unchanged with its
    tags, under two names (its SENSING_TIME tag dates both 2023-04-11)."""
    from rasterio.windows import Window

    folder = tmp_path_factory.mktemp("dswx")
    window = Window(2304, 3072, 512, 512)
    with rasterio.open(examples_dir / DSWX) as src:
        profile = {**src.profile, "width": 512, "height": 512, "transform": src.window_transform(window)}
        data, tags, description = src.read(1, window=window), src.tags(), src.descriptions[0]
    for prefix in ("a", "b"):
        with rasterio.open(folder / f"{prefix}_dswx_wtr.tif", "w", **profile) as dst:
            dst.write(data, 1)
            dst.update_tags(**tags)
            dst.set_band_description(1, description)
    return folder


@pytest.mark.slow
def test_dswx_water_classes_give_the_published_water_area(dswx_pair, tmp_path):
    out = tmp_path / "water"
    assert run_earth(["water", str(dswx_pair), "--out", str(out)]) == 0
    assert {"water_occurrence.tif", "water_2023-04-11.tif", "shorelines.geojson", "water_series.csv",
            "water_series.png", "stats.json", "catalog.json"} <= outputs(out)  # fmt: skip
    with rasterio.open(next(dswx_pair.iterdir())) as src:
        wtr = src.read(1)
        pixel_m2 = abs(src.transform.a * src.transform.e)
    # OPERA's own classes: 1 open water and 2 partial surface water are water (30 m UTM pixels).
    expected_km2 = np.isin(wtr, [1, 2]).sum() * pixel_m2 / 1e6
    table = pd.read_csv(out / "water_series.csv")
    # equal-area areas differ from UTM's nominal 900 m2 by the UTM scale factor (< 0.1 % here)
    assert table["water_km2"].iloc[0] == pytest.approx(expected_km2, rel=2e-3)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["input"] == "dswx"
    assert "3 usable dates" in stats["trend"]["note"]
    with rasterio.open(out / "water_2023-04-11.tif") as src:
        codes = src.read(1)
    assert ((codes == 255) == ~np.isin(wtr, [0, 1, 2])).all()


@pytest.mark.slow
def test_reflectance_scenes_are_classified_by_the_flood_classifier(spain_series, tmp_path):
    out = tmp_path / "water"
    assert run_earth(["water", str(spain_series), "--out", str(out)]) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["input"] == "MNDWI"
    assert 2.0 < stats["water_km2_last"] < 10.0  # the Segura flood: river and flooded fields in a 20.6 km2 chip
    assert stats["trend"]["theil_sen_km2_per_year"] == 0.0  # three copies of one scene: no change
    item = json.loads(next((out / "spacebridge-water").glob("water-*.json")).read_text())
    chosen = item["properties"]["spacebridge:lineage"]["chosen"]
    assert chosen["classifier"] == "earth.flood.map_flood"
    assert chosen["masks"] == ["s2cloudless"]
    assert len(chosen["thresholds"]) == 3
    with rasterio.open(out / "water_occurrence.tif") as src:
        occurrence = src.read(1)
    assert set(np.unique(occurrence[np.isfinite(occurrence)])) <= {0.0, 1.0}


@pytest.mark.slow
def test_landsat_scene_folders_with_their_bqa_cloud_mask(examples_dir, landsat_series, tmp_path):
    out = tmp_path / "water"
    assert run_earth(["water", str(landsat_series), "--out", str(out)]) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["input"] == "MNDWI"  # Landsat 8 B3 and B6
    assert stats["n_dates"] == 2
    item = json.loads(next((out / "spacebridge-water").glob("water-*.json")).read_text())
    lineage = item["properties"]["spacebridge:lineage"]
    assert lineage["chosen"]["masks"] == ["bqa_precollection"]
    assert [i["datetime_utc"][:10] for i in lineage["inputs"]] == ["2015-08-04", "2015-08-04"]  # from the MTL
    with rasterio.open(examples_dir / LANDSAT8 / "l8_BQA.tif") as src:
        bqa = src.read(1)
    with rasterio.open(out / "water_2015-08-04.tif") as src:
        codes = src.read(1)
    # USGS pre-collection BQA: bits 14-15 cloud confidence, 3 = high; those pixels are never called dry or water.
    cloudy = (bqa >> 14) & 3 == 3
    assert cloudy.any()
    assert (codes[cloudy] == 255).all()


@pytest.mark.slow
def test_a_water_series_per_aoi_polygon(dswx_pair, tmp_path):
    from rasterio.features import geometry_mask
    from rasterio.warp import transform_geom

    halves = {
        "north": [[-111.40, 37.05], [-111.10, 37.05], [-111.10, 37.20], [-111.40, 37.20], [-111.40, 37.05]],
        "south": [[-111.40, 36.90], [-111.10, 36.90], [-111.10, 37.05], [-111.40, 37.05], [-111.40, 36.90]],
    }
    aoi = tmp_path / "halves.geojson"
    aoi.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for name, ring in halves.items()
    ]}))  # fmt: skip
    out = tmp_path / "water"
    assert run_earth(["water", str(dswx_pair), "--aoi", str(aoi), "--out", str(out)]) == 0
    table = pd.read_csv(out / "water_series.csv").groupby("zone")["water_km2"].first()
    with rasterio.open(next(dswx_pair.iterdir())) as src:
        wtr, crs, transform = src.read(1), src.crs, src.transform
    pixel_km2 = abs(transform.a * transform.e) / 1e6
    for name, ring in halves.items():
        geom = transform_geom("EPSG:4326", crs, {"type": "Polygon", "coordinates": [ring]})
        inside = ~geometry_mask([geom], out_shape=wtr.shape, transform=transform)
        # OPERA's water classes (1 open, 2 partial) in the polygon, by pixel centre; equal-area vs UTM < 0.2 %
        assert table[name] == pytest.approx(np.isin(wtr[inside], [1, 2]).sum() * pixel_km2, rel=2e-3), name
    stats = json.loads((out / "stats.json").read_text())
    assert set(stats["trend_by_zone"]) == {"north", "south"}


def test_one_date_is_an_input_error(examples_dir, tmp_path, capsys):
    assert run_earth(["water", str(examples_dir / DSWX), "--out", str(tmp_path / "o")]) == 2
    assert "at least 2 dates" in capsys.readouterr().err


def test_no_valid_pixel_in_the_aoi(dswx_pair, tmp_path, capsys):
    aoi = polygon_file(tmp_path / "far.geojson", OUTSIDE)
    assert run_earth(["water", str(dswx_pair), "--aoi", aoi, "--out", str(tmp_path / "o")]) == 2
    assert "no valid pixel" in capsys.readouterr().err


def test_a_sar_scene_is_not_an_optical_water_input(examples_dir, tmp_path, capsys):
    sar = examples_dir / SPAIN_S2.replace("S2Hand", "S1Hand")
    assert run_earth(["water", str(sar), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "green" in err
    assert "MNDWI" in err
