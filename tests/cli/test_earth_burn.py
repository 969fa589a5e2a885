"""``spacebridge earth burn`` on the HURST fire, and its bad inputs."""

from __future__ import annotations

import json

import pytest
import rasterio

from ._earth_app import run_earth


@pytest.fixture(scope="module")
def fire(examples_dir):
    return examples_dir / "fire-california"


@pytest.mark.slow
def test_burn_writes_the_products(fire, tmp_path, capsys):
    out = tmp_path / "burn"
    code = run_earth(["burn", "--pre", str(fire / "pre_fire" / "HURST_20250107.tif"),
                      "--post", str(fire / "post_fire" / "HURST_20250107.tif"),
                      "--sensor", "sentinel-2-l2a", "--out", str(out)])  # fmt: skip
    assert code == 0
    for name in ("burn_severity.tif", "burned_extent.tif", "dnbr.tif", "burned.geojson", "stats.json", "catalog.json"):
        assert (out / name).is_file(), name
    with rasterio.open(out / "burned_extent.tif") as src:
        assert src.dtypes[0] == "uint8"
        assert src.nodata == 255
    stats = json.loads((out / "stats.json").read_text())
    assert stats["burned_km2"] > 1.0
    assert "burned" in capsys.readouterr().out
    assert not list(out.glob(".staging-*"))


def test_missing_input_is_an_input_error(tmp_path, capsys):
    code = run_earth(["burn", "--pre", "nope.tif", "--post", "nope.tif", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "no such file" in capsys.readouterr().err


def test_scenes_that_do_not_overlap_leave_nothing(fire, tmp_path, capsys):
    out = tmp_path / "burn"
    code = run_earth(["burn", "--pre", str(fire / "pre_fire" / "DOVE_20241019.tif"),
                      "--post", str(fire / "post_fire" / "HURST_20250107.tif"),
                      "--sensor", "sentinel-2-l2a", "--out", str(out)])  # fmt: skip
    assert code == 2
    assert "do not overlap" in capsys.readouterr().err
    assert not out.exists() or not any(p for p in out.iterdir())


def test_help_explains_the_indices(capsys):
    assert run_earth(["burn", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("--index", "nbr2", "bais2", "steppe", "unknown", "burned_extent.tif", "--dask"):
        assert word in text, word


@pytest.mark.parametrize(("index", "band"), [("nbr2", "swir16"), ("bais2", "rededge075")])
def test_an_index_the_chips_cannot_compute_is_a_capability_error(fire, tmp_path, capsys, index, band):
    out = tmp_path / "burn"
    code = run_earth(["burn", "--pre", str(fire / "pre_fire" / "HURST_20250107.tif"),
                      "--post", str(fire / "post_fire" / "HURST_20250107.tif"),
                      "--sensor", "sentinel-2-l2a", "--index", index, "--out", str(out)])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert band in err
    assert "--index nbr" in err
    assert not out.exists() or not any(out.iterdir())


def test_offset_with_another_index_is_refused(fire, tmp_path, capsys):
    code = run_earth(["burn", "--pre", str(fire / "pre_fire" / "HURST_20250107.tif"),
                      "--post", str(fire / "post_fire" / "HURST_20250107.tif"), "--index", "nbr2",
                      "--offset", "0.1", "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 2
    assert "--offset" in capsys.readouterr().err
