"""``spacebridge earth drought`` on the real Slovenian NDVI series (68 dates, 2015-2017), and its bad inputs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import rasterio

from ._earth_app import run_earth
from ._series import SPAIN_S2, outputs, polygon_file

# A quarter of the 1 x 1 km patch near Ljubljana, and a square 20 km away from it.
INSIDE = [[14.5515, 45.8660], [14.5580, 45.8660], [14.5580, 45.8705], [14.5515, 45.8705], [14.5515, 45.8660]]
OUTSIDE = [[14.80, 45.70], [14.81, 45.70], [14.81, 45.71], [14.80, 45.71], [14.80, 45.70]]


@pytest.mark.slow
def test_drought_maps_the_latest_period_and_tabulates_the_series(ndvi_series, tmp_path, capsys):
    out = tmp_path / "drought"
    aoi = polygon_file(tmp_path / "aoi.geojson", INSIDE, "west")
    assert run_earth(["drought", str(ndvi_series), "--aoi", aoi, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "3 years" in err  # the climatology is flagged: 2015-2017 is short of the 10 years of NDVI normals
    assert {"vci_2017-12.tif", "ndvi_anomaly_2017-12.tif", "drought_class_2017-12.tif", "drought_series.csv",
            "drought_series.parquet", "drought_series.png", "stats.json", "catalog.json"} <= outputs(out)  # fmt: skip
    stats = json.loads((out / "stats.json").read_text())
    assert stats["climatology_years"] == [2015, 2016, 2017]
    assert stats["classes_from"] == "VCI"
    with rasterio.open(out / "vci_2017-12.tif") as src:
        vci = src.read(1)
    finite = vci[np.isfinite(vci)]
    assert finite.size > 0
    assert finite.min() >= 0.0
    assert finite.max() <= 100.0
    with rasterio.open(out / "drought_class_2017-12.tif") as src:
        assert set(np.unique(src.read(1))) <= {0, 1, 2, 3, 4, 255}
    table = pd.read_csv(out / "drought_series.csv")
    assert set(table["zone"]) == {"west"}
    assert len(table) == stats["n_periods"]
    item = json.loads(next((out / "spacebridge-drought").glob("drought-*.json")).read_text())
    lineage = item["properties"]["spacebridge:lineage"]
    assert lineage["chosen"]["input"] == "ndvi"
    assert len(lineage["inputs"]) == 68


@pytest.mark.slow
def test_scenes_give_ndvi_and_only_our_warnings_reach_the_lineage(examples_dir, tmp_path):
    """The Spain L1C scene as September 2018 and 2019 dates: NDVI from red and nir, s2cloudless clouds."""
    folder = tmp_path / "scenes"
    folder.mkdir()
    for date in ("20180918", "20190918"):
        (folder / f"S2_{date}.tif").symlink_to(examples_dir / SPAIN_S2)
    out = tmp_path / "drought"
    assert run_earth(["drought", str(folder), "--out", str(out)]) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["climatology_years"] == [2018, 2019]
    assert len(stats["warnings"]) == 1
    assert "2 years" in stats["warnings"][0]
    item = json.loads(next((out / "spacebridge-drought").glob("drought-*.json")).read_text())
    chosen = item["properties"]["spacebridge:lineage"]["chosen"]
    assert chosen["input"] == "NDVI"
    assert chosen["masks"] == ["s2cloudless"]
    with rasterio.open(out / "ndvi_anomaly_2019-09.tif") as src:
        z = src.read(1)
    # Two identical years: the climatology has no spread, so z-score and VCI are undefined (unknown), never a
    # spurious drought class.
    assert np.isnan(z).all()
    assert sum(stats["drought_km2"].values()) == 0.0
    assert stats["unknown_km2"] > 20.0  # the 20.6 km2 chip


def test_one_date_is_an_input_error(ndvi_series, tmp_path, capsys):
    first = sorted(ndvi_series.iterdir())[0]
    assert run_earth(["drought", str(first), "--out", str(tmp_path / "o")]) == 2
    assert "at least 2 dates" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_a_climatology_of_one_year_is_refused(ndvi_series, tmp_path, capsys):
    one_year = tmp_path / "2016"
    one_year.mkdir()
    for path in ndvi_series.glob("ndvi_2016*.tif"):
        shutil.copy(path, one_year / path.name)
    assert run_earth(["drought", str(one_year), "--out", str(tmp_path / "o")]) == 2
    assert "at least 2 years" in capsys.readouterr().err


def test_no_valid_pixel_in_the_aoi(ndvi_series, tmp_path, capsys):
    aoi = polygon_file(tmp_path / "far.geojson", OUTSIDE)
    assert run_earth(["drought", str(ndvi_series), "--aoi", aoi, "--out", str(tmp_path / "o")]) == 2
    assert "no valid pixel" in capsys.readouterr().err


def test_a_sensor_without_red_and_nir_is_a_capability_error(examples_dir, tmp_path, capsys):
    sar = examples_dir / SPAIN_S2.replace("S2Hand", "S1Hand")
    assert run_earth(["drought", str(sar), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "NDVI" in err
    assert "red" in err
    assert "nir" in err
