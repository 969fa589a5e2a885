"""``spacebridge earth snow`` on the real Slovenian SCL series (36 dates, snow on 3 winter dates), and bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio

from ._earth_app import run_earth
from ._series import ORIHUELA, SPAIN_S2, outputs, polygon_file
from ._stac_api import s2_l1c_item, serve_stac

# The Slovenian patch (14.5515-14.5645 E, 45.8660-45.8750 N) cut in two along 14.558 E, and a square 20 km away.
WEST = [[14.5400, 45.8600], [14.5580, 45.8600], [14.5580, 45.8800], [14.5400, 45.8800], [14.5400, 45.8600]]
EAST = [[14.5580, 45.8600], [14.5800, 45.8600], [14.5800, 45.8800], [14.5580, 45.8800], [14.5580, 45.8600]]
OUTSIDE = [[14.80, 45.70], [14.81, 45.70], [14.81, 45.71], [14.80, 45.71], [14.80, 45.70]]


@pytest.mark.slow
def test_snow_is_found_on_the_winter_dates_and_not_in_summer(scl_series, tmp_path, capsys):
    out = tmp_path / "snow"
    assert run_earth(["snow", str(scl_series), "--date", "2017-01-11", "--out", str(out)]) == 0
    assert "snow (scl)" in capsys.readouterr().out
    assert {"snow_2017-01-11.tif", "snow_frequency.tif", "snow_series.csv", "snow_series.png", "stats.json",
            "catalog.json"} <= outputs(out)  # fmt: skip
    stats = json.loads((out / "stats.json").read_text())
    # Sen2Cor labelled snow (SCL 11) on three dates of the series, all in winter.
    assert stats["snow_dates"] == ["2017-01-11", "2017-11-27", "2017-12-07"]
    table = pd.read_csv(out / "snow_series.csv", parse_dates=["time"])
    summer = table[table["time"].dt.month.isin([6, 7, 8])]
    assert len(summer) > 0
    assert (summer["snow_km2"] == 0).all()
    with rasterio.open(out / "snow_2017-01-11.tif") as src:
        codes = src.read(1)
    assert (codes == 1).any()
    assert set(np.unique(codes)) <= {0, 1, 255}


@pytest.mark.slow
def test_no_snow_on_a_summer_landsat_scene_of_the_gulf_coast(landsat_series, tmp_path, capsys):
    out = tmp_path / "snow"
    assert run_earth(["snow", str(landsat_series), "--out", str(out)]) == 0
    assert "snow (snomap)" in capsys.readouterr().out
    stats = json.loads((out / "stats.json").read_text())
    # Alabama-Florida coast (30.7 N) on 4 August 2015: the MODIS rule (NDSI >= 0.4, NIR > 0.11, green > 0.10)
    # finds no snow.
    assert stats["snow_dates"] == []
    assert 0.0 < stats["unknown_fraction"] < 1.0  # BQA clouds are unknown, not snow-free
    item = json.loads(next((out / "spacebridge-snow").glob("snow-*.json")).read_text())
    assert item["properties"]["spacebridge:lineage"]["chosen"]["masks"] == ["bqa_precollection"]


@pytest.mark.slow
def test_a_series_per_aoi_polygon(scl_series, tmp_path):
    out = tmp_path / "snow"
    aoi = tmp_path / "halves.geojson"
    aoi.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for name, ring in (("west", WEST), ("east", EAST), ("far", OUTSIDE))
    ]}))  # fmt: skip
    assert run_earth(["snow", str(scl_series), "--aoi", str(aoi), "--date", "2017-01-11", "--out", str(out)]) == 0
    table = pd.read_csv(out / "snow_series.csv", parse_dates=["time"])
    assert list(table["zone"].unique()) == ["west", "east"]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["zones_without_pixels"] == ["far"]
    on_date = table[table["time"].dt.strftime("%Y-%m-%d") == "2017-01-11"].set_index("zone")
    assert (on_date["snow_km2"] > 0).all()  # both halves of the patch had snow that day
    # the halves do not overlap: their areas add up to the whole AOI's
    assert on_date["snow_km2"].sum() == pytest.approx(stats["snow_km2"], abs=1e-6)  # stats: 6 decimals


def test_one_date_is_an_input_error(scl_series, tmp_path, capsys):
    first = sorted(scl_series.iterdir())[0]
    assert run_earth(["snow", str(first), "--out", str(tmp_path / "o")]) == 2
    assert "at least 2 dates" in capsys.readouterr().err


def test_no_valid_pixel_in_the_aoi(scl_series, tmp_path, capsys):
    aoi = polygon_file(tmp_path / "far.geojson", OUTSIDE)
    assert run_earth(["snow", str(scl_series), "--aoi", aoi, "--out", str(tmp_path / "o")]) == 2
    assert "no valid pixel" in capsys.readouterr().err


def test_a_scene_without_swir16_cannot_map_snow(examples_dir, tmp_path, capsys):
    chip = examples_dir / "fire-california" / "post_fire" / "HURST_20250107.tif"
    code = run_earth(["snow", str(chip), "--sensor", "sentinel-2-l2a", "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "swir16 (B11" in err
    assert "NDSI" in err


def test_help_explains_the_methods(capsys):
    assert run_earth(["snow", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("--method", "scl", "snomap", "--dem", "unknown", "snow_series"):
        assert word in text, word


@pytest.mark.slow
def test_a_series_from_a_stac_api_search_equals_the_local_files(examples_dir, spain_series, tmp_path):
    """The three Spain dates served as items of a STAC API on loopback (two pages, linked by ``next``), plus a
    date outside the searched range: the run equals the run on the local files."""
    scene = examples_dir / SPAIN_S2
    dates = ["2019-09-18", "2019-09-28", "2019-10-08", "2020-01-15"]
    items = [s2_l1c_item(scene, f"{d}T10:56:21Z") for d in dates]
    aoi = polygon_file(tmp_path / "orihuela.geojson", ORIHUELA)
    common = ["--aoi", aoi, "--no-cloud-mask"]
    local = tmp_path / "local"
    assert run_earth(["snow", str(spain_series), "--sensor", "sentinel-2-l1c", *common, "--out", str(local)]) == 0
    remote = tmp_path / "remote"
    with serve_stac(items) as (url, searches):
        args = ["snow", url, "--collection", "sentinel-2-l1c", "--datetime", "2019-09-01/2019-10-31", *common]
        assert run_earth([*args, "--out", str(remote)]) == 0
    assert len(searches) == 2  # the second page was fetched through the first page's next link
    assert searches[0]["collections"] == ["sentinel-2-l1c"]
    assert searches[0]["bbox"] == pytest.approx([-0.770, 38.095, -0.748, 38.117])
    stats = {name: json.loads((folder / "stats.json").read_text()) for name, folder in (("l", local), ("r", remote))}
    assert stats["r"]["n_dates"] == 3
    assert stats["r"] == stats["l"]
    with rasterio.open(local / "snow_2019-10-08.tif") as a, rasterio.open(remote / "snow_2019-10-08.tif") as b:
        assert (a.read(1) == b.read(1)).all()
        assert a.transform == b.transform
    tables = [pd.read_csv(folder / "snow_series.csv") for folder in (local, remote)]
    for table in tables:
        table["time"] = pd.to_datetime(table["time"]).dt.strftime("%Y-%m-%d")
    pd.testing.assert_frame_equal(tables[0], tables[1])
    item = json.loads(next((remote / "spacebridge-snow").glob("snow-*.json")).read_text())
    assert [i["id"] for i in item["properties"]["spacebridge:lineage"]["inputs"]] == [f"S2_L1C_{d}" for d in dates[:3]]
