"""``spacebridge earth drought`` on the real Slovenian NDVI series (68 dates, 2015-2017), and its bad inputs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import rasterio

from ._earth_app import run_earth
from ._series import ORIHUELA, SPAIN_S2, outputs, polygon_file
from ._stac_api import s2_l1c_item, serve_stac

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


# A temperature for every NDVI date, uniform over the patch: 285 K + month number + a year offset (2016 the
# hottest, 2015 the coolest), on a coarser geographic grid (0.002 deg, about 160 x 220 m) around the patch.
_YEAR_OFFSET_K = {2015: 0.0, 2016: 4.0, 2017: 2.0}


def _temperature_k(when: pd.Timestamp) -> float:
    return 285.0 + when.month + _YEAR_OFFSET_K[when.year]


def _write_temperatures(ndvi_series, folder, *, to_value=_temperature_k, year_shift: int = 0):
    folder.mkdir()
    transform = rasterio.transform.from_origin(14.540, 45.880, 0.002, 0.002)
    for path in sorted(ndvi_series.glob("*.tif")):
        with rasterio.open(path) as src:
            when = pd.Timestamp(src.tags()["ACQUISITION_DATETIME"]).tz_localize(None)
        when = when.replace(year=when.year + year_shift) if year_shift else when
        value = to_value(when.replace(year=when.year - year_shift))
        profile = {"driver": "GTiff", "width": 15, "height": 12, "count": 1, "dtype": "float32",
                   "crs": "EPSG:4326", "transform": transform, "nodata": float("nan")}  # fmt: skip
        with rasterio.open(folder / f"bt_{when:%Y%m%dT%H%M%S}.tif", "w", **profile) as dst:
            dst.write(np.full((1, 12, 15), value, "float32"))
            dst.update_tags(ACQUISITION_DATETIME=f"{when:%Y-%m-%dT%H:%M:%S}Z")
    return folder


def _kogan_class(vhi: np.ndarray) -> np.ndarray:
    """Kogan (2002): < 10 extreme (4), 10-20 severe (3), 20-30 moderate (2), 30-40 mild (1), >= 40 none (0)."""
    return np.select([vhi < 10, vhi < 20, vhi < 30, vhi < 40], [4, 3, 2, 1], 0)


@pytest.mark.slow
def test_a_temperature_series_gives_tci_vhi_and_classes_from_vhi(ndvi_series, tmp_path, capsys):
    temperatures = _write_temperatures(ndvi_series, tmp_path / "bt")
    out = tmp_path / "drought"
    args = ["drought", str(ndvi_series), "--temperature", str(temperatures), "--date", "2017-08", "--out", str(out)]
    assert run_earth(args) == 0
    assert "(VHI)" in capsys.readouterr().out
    assert {"tci_2017-08.tif", "vhi_2017-08.tif", "vci_2017-08.tif", "drought_class_2017-08.tif"} <= outputs(out)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["classes_from"] == "VHI"
    assert stats["temperature_dates"] == 68
    # Kogan's TCI = 100 (BTmax - BT) / (BTmax - BTmin) over the Augusts 2015-2017 (293, 297, 295 K): 2017 -> 50.
    with rasterio.open(out / "tci_2017-08.tif") as src:
        tci = src.read(1)
    assert np.isfinite(tci).all()
    np.testing.assert_allclose(tci, 50.0, atol=1e-4)
    with rasterio.open(out / "vci_2017-08.tif") as src:
        vci = src.read(1)
    with rasterio.open(out / "vhi_2017-08.tif") as src:
        vhi = src.read(1)
    with rasterio.open(out / "drought_class_2017-08.tif") as src:
        classes = src.read(1)
    seen = np.isfinite(vci)
    assert seen.sum() > 1000
    np.testing.assert_allclose(vhi[seen], 0.5 * vci[seen] + 0.5 * 50.0, atol=1e-3)  # VHI = 0.5 VCI + 0.5 TCI
    assert np.isnan(vhi[~seen]).all()
    assert (classes[seen] == _kogan_class(0.5 * vci[seen] + 25.0)).all()
    assert (classes[~seen] == 255).all()
    table = pd.read_csv(out / "drought_series.csv", parse_dates=["time"]).set_index("time")
    tci_mean = table["tci_mean"]
    # The hottest year has TCI 0, the coolest 100 (December: 2015 298 K, 2016 302 K).
    assert tci_mean["2015-08-01"] == pytest.approx(100.0)
    assert tci_mean["2016-08-01"] == pytest.approx(0.0)
    assert tci_mean["2015-12-01"] == pytest.approx(100.0)
    assert tci_mean["2016-12-01"] == pytest.approx(0.0)
    item = json.loads(next((out / "spacebridge-drought").glob("drought-*.json")).read_text())
    lineage = item["properties"]["spacebridge:lineage"]
    assert sum(i["role"].startswith("temperature-") for i in lineage["inputs"]) == 68
    assert lineage["chosen"]["temperature"]["resampling"] == "bilinear"
    assert {"tci", "vhi"} <= set(item["assets"])


@pytest.fixture
def two_summers(ndvi_series, tmp_path):
    """The NDVI dates of August 2015 and August 2016 only (enough for the input checks)."""
    folder = tmp_path / "ndvi"
    folder.mkdir()
    for path in [*ndvi_series.glob("ndvi_201508*.tif"), *ndvi_series.glob("ndvi_201608*.tif")]:
        (folder / path.name).symlink_to(path)
    return folder


def test_temperatures_in_celsius_are_refused(two_summers, tmp_path, capsys):
    celsius = _write_temperatures(two_summers, tmp_path / "bt", to_value=lambda t: _temperature_k(t) - 273.15)
    out = tmp_path / "o"
    assert run_earth(["drought", str(two_summers), "--temperature", str(celsius), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Celsius" in err
    assert "kelvin" in err
    assert not out.exists() or not any(out.iterdir())


def test_temperature_dates_that_do_not_match_the_ndvi_dates(two_summers, tmp_path, capsys):
    later = _write_temperatures(two_summers, tmp_path / "bt", year_shift=3)  # August 2018 and 2019
    out = tmp_path / "o"
    assert run_earth(["drought", str(two_summers), "--temperature", str(later), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "do not match the NDVI dates" in err
    assert "2018-08" in err


@pytest.mark.slow
def test_a_series_from_a_stac_api_search_equals_the_local_files(examples_dir, tmp_path):
    """September 2018 (the Spain L1C scene) and September 2019 (the same with its red band 10 % brighter, so
    that VCI differs between the years) as items of a STAC API on loopback, and as local files."""
    folder = tmp_path / "scenes"
    folder.mkdir()
    (folder / "S2_20180918.tif").symlink_to(examples_dir / SPAIN_S2)
    with rasterio.open(examples_dir / SPAIN_S2) as src:
        profile, data, descriptions = src.profile, src.read(), src.descriptions
    data[3] = np.where(data[3] > 0, np.minimum(data[3].astype("int32") * 11 // 10, 10_000), 0).astype(data.dtype)
    with rasterio.open(folder / "S2_20190918.tif", "w", **{**profile, "compress": "deflate"}) as dst:
        dst.write(data)
        dst.descriptions = descriptions
    aoi = polygon_file(tmp_path / "orihuela.geojson", ORIHUELA)
    common = ["--aoi", aoi, "--no-cloud-mask", "--min-years", "2"]
    local = tmp_path / "local"
    assert run_earth(["drought", str(folder), "--sensor", "sentinel-2-l1c", *common, "--out", str(local)]) == 0
    items = [s2_l1c_item(folder / f"S2_{d}0918.tif", f"{d}-09-18T10:56:21Z") for d in ("2018", "2019")]
    remote = tmp_path / "remote"
    with serve_stac(items) as (url, searches):
        args = ["drought", url, "--collection", "sentinel-2-l1c", "--datetime", "2018-01-01/2019-12-31", *common]
        assert run_earth([*args, "--out", str(remote)]) == 0
    assert len(searches) == 1
    stats = [json.loads((f / "stats.json").read_text()) for f in (local, remote)]
    assert stats[0] == stats[1]
    assert sum(stats[0]["drought_km2"].values()) > 1.0  # VCI is defined: the years differ
    for name in ("vci_2019-09.tif", "drought_class_2019-09.tif"):
        with rasterio.open(local / name) as a, rasterio.open(remote / name) as b:
            np.testing.assert_array_equal(a.read(1), b.read(1))
    tables = [pd.read_csv(f / "drought_series.csv") for f in (local, remote)]
    pd.testing.assert_frame_equal(tables[0], tables[1])
