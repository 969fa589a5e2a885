"""``spacebridge earth composite`` on a reflectance series of the real Spain L1C scene, and bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from ._earth_app import run_earth
from ._series import LANDSAT8, SPAIN_S2, outputs, polygon_file

OUTSIDE = [[10.0, 50.0], [10.1, 50.0], [10.1, 50.1], [10.0, 50.1], [10.0, 50.0]]


@pytest.mark.slow
def test_monthly_median_composites(examples_dir, spain_series, tmp_path):
    out = tmp_path / "comp"
    assert run_earth(["composite", str(spain_series), "--bands", "red,nir", "--out", str(out)]) == 0
    files = outputs(out)
    assert {"composite_2019-09-01_red.tif", "composite_2019-10-01_nir.tif", "count_2019-09-01.tif",
            "composite_periods.csv", "composite_periods.png", "stats.json", "catalog.json"} <= files  # fmt: skip
    assert len(list((out / "spacebridge-composite").glob("composite-*.json"))) == 2
    with rasterio.open(examples_dir / SPAIN_S2) as src:
        red_dn = src.read(4).astype("float64")
    with rasterio.open(out / "composite_2019-09-01_red.tif") as src:
        red = src.read(1)
    with rasterio.open(out / "count_2019-09-01.tif") as src:
        count = src.read(1)
    clear = count > 0
    assert clear.mean() > 0.9
    # The median of identical observations is the observation: L1C DN x 10^-4 (processing baseline < 04.00).
    np.testing.assert_allclose(red[clear], red_dn[clear] * 1e-4, rtol=1e-5)
    assert set(np.unique(count)) <= {0, 2}
    stats = json.loads((out / "stats.json").read_text())
    assert stats["periods"] == ["2019-09-01", "2019-10-01"]


@pytest.mark.slow
def test_one_date_gives_that_date_with_a_warning(spain_series, tmp_path, capsys):
    out = tmp_path / "one"
    first = sorted(spain_series.iterdir())[0]
    assert run_earth(["composite", str(first), "--bands", "red", "--no-cloud-mask", "--out", str(out)]) == 0
    assert "warning: the time series has 1 date(s)" in capsys.readouterr().err
    assert any(name.startswith("composite_") for name in outputs(out))


@pytest.mark.slow
def test_landsat_composite_leaves_out_exactly_the_bqa_flagged_pixels(examples_dir, landsat_series, tmp_path):
    out = tmp_path / "comp"
    assert run_earth(["composite", str(landsat_series), "--out", str(out)]) == 0
    with rasterio.open(examples_dir / LANDSAT8 / "l8_BQA.tif") as src:
        bqa = src.read(1)
    with rasterio.open(out / "count_2015-08-01.tif") as src:
        count = src.read(1)
    with rasterio.open(out / "composite_2015-08-01_swir16.tif") as src:
        swir16 = src.read(1)
    # USGS Landsat 8 pre-collection BQA: fill (bit 0) and high confidence (3) of cloud (bits 14-15), cirrus
    # (12-13) or snow/ice (10-11).
    flagged = (bqa & 1 == 1) | ((bqa >> 14) & 3 == 3) | ((bqa >> 12) & 3 == 3) | ((bqa >> 10) & 3 == 3)
    assert flagged.any()
    assert ((count == 0) == flagged).all()
    assert (count[~flagged] == 2).all()
    assert (np.isnan(swir16) == flagged).all()
    item = json.loads(next((out / "spacebridge-composite").glob("composite-*.json")).read_text())
    assert item["properties"]["spacebridge:lineage"]["chosen"]["masks"] == ["bqa_precollection"]


def test_no_valid_pixel_in_the_aoi(examples_dir, tmp_path, capsys):
    aoi = polygon_file(tmp_path / "far.geojson", OUTSIDE)
    code = run_earth(["composite", str(examples_dir / SPAIN_S2), "--aoi", aoi, "--out", str(tmp_path / "o")])
    assert code == 2
    assert "does not overlap" in capsys.readouterr().err


def test_max_ndvi_needs_red_and_nir(examples_dir, tmp_path, capsys):
    sar = examples_dir / SPAIN_S2.replace("S2Hand", "S1Hand")
    assert run_earth(["composite", str(sar), "--method", "max-ndvi", "--out", str(tmp_path / "o")]) == 2
    assert "red and nir" in capsys.readouterr().err
