"""``spacebridge earth tiled``: plan the tiles of an area, run jobs on a real Dask cluster, resume, refuse bad input.

Results are compared with the same analysis computed in one process on the untiled scene (bundled Sen1Floods11
Spain 2019 chip and the eo-learn Slovenia series), bit for bit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from spacebridge.cli.earth_tiled import app
from spacebridge.cli.main import main
from spacebridge.core.errors import ConfigurationError, GridMismatchError, InvalidAOIError, InvalidInputError
from tests.scale.conftest import read_band, slovenia_cube, spain_s1, spain_s2, untiled_flood  # noqa: F401
from tests.scale.test_composite_job import check_cube

runner = CliRunner()
ENV = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def scheduler():
    """A real distributed LocalCluster on loopback (two in-process workers), reached through --dask ADDRESS."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster:  # fmt: skip
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def untiled_ndwi(spain_s2):  # noqa: F811
    """McFeeters (1996) NDWI of the whole chip in one piece, the way a single-process user computes it."""
    from spacebridge.earth import compute_index
    from spacebridge.earth.load import open_scene

    scene = open_scene(spain_s2, bands=["green", "nir"])
    return compute_index("NDWI", scene.data, valid=scene.valid).values


def _invoke(args: list[str]):
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_plan_counts_the_tiles_of_an_area_and_writes_them(tmp_path):
    out = tmp_path / "tiles.geojson"
    result = _invoke(["plan", "--bbox", "76,43,78,44.5", "--geojson", str(out)])
    doc = json.loads(out.read_text())
    n = len(doc["features"])
    assert f"{n} tiles of 10240 px at 10 m" in result.output
    assert {f["properties"]["grid"] for f in doc["features"]} == {"utm43n"}  # 76-78 E lies in zone 43
    assert f"task graph of a tile-scope job: {n} tasks" in result.output


def test_the_group_is_registered_under_earth(capsys):
    assert main(["earth", "tiled", "--help"]) == 0
    assert "index" in capsys.readouterr().out


def test_index_job_on_a_cluster_equals_untiled_and_resumes(tmp_path, spain_s2, scheduler, untiled_ndwi):  # noqa: F811
    args = ["index", "NDWI", "--scene", spain_s2, "--out", str(tmp_path), "--tile-px", "256", "--dask", scheduler]
    first = _invoke(args)
    assert "4 tile(s) computed, 0 already done, 4 tasks" in first.output
    assert "on cluster" in first.output
    folder = tmp_path / "index-ndwi"
    coll = json.loads((folder / "collection.json").read_text())
    assert sum(1 for link in coll["links"] if link["rel"] == "item") == 4
    (vrt,) = folder.glob("*_ndwi.vrt")
    assert np.array_equal(read_band(vrt), untiled_ndwi, equal_nan=True)

    again = _invoke(args)
    assert "0 tile(s) computed, 4 already done" in again.output

    lost = sorted(folder.glob("*/ndwi.tif"))[1]  # a tile whose COG was lost: only that tile is redone
    lost.unlink()
    third = _invoke(args)
    assert "1 tile(s) computed, 3 already done" in third.output
    assert np.array_equal(read_band(vrt), untiled_ndwi, equal_nan=True)


def test_index_job_over_an_area_uses_the_national_grid(tmp_path, spain_s2):  # noqa: F811
    with rasterio.open(spain_s2) as src:
        west, south, east, north = src.bounds
    bbox = f"{west},{south},{(west + east) / 2},{(south + north) / 2}"  # the chip's south-west quarter
    result = _invoke(["index", "NDWI", "--scene", spain_s2, "--out", str(tmp_path), "--bbox", bbox,
                      "--tile-px", "256"])  # fmt: skip
    items = sorted((tmp_path / "index-ndwi").glob("*.json"))
    tiles = [json.loads(p.read_text()) for p in items if p.name != "collection.json"]
    assert f"{len(tiles)} tile(s) computed" in result.output
    assert {t["properties"]["proj:code"] for t in tiles} == {"EPSG:32630"}  # the chip (2.9 W) lies in UTM zone 30

    far = runner.invoke(app, ["index", "NDWI", "--scene", spain_s2, "--out", str(tmp_path), "--bbox", "76,43,78,44"])
    assert isinstance(far.exception, InvalidAOIError)
    assert "does not overlap the scene" in str(far.exception)


def test_flood_job_equals_the_single_process_flood(tmp_path, spain_s2, spain_s1, scheduler, untiled_flood):  # noqa: F811
    _invoke(["flood", "--optical", spain_s2, "--sar", spain_s1, "--out", str(tmp_path), "--tile-px", "256",
             "--dask", scheduler])  # fmt: skip
    for layer in ("flood_extent", "flood_likelihood", "flood_class"):
        (vrt,) = (tmp_path / "flood").glob(f"*_{layer}.vrt")
        assert np.array_equal(read_band(vrt), untiled_flood[layer]), layer


def test_flood_job_refuses_scenes_on_two_grids_without_align(tmp_path, spain_s2, spain_s1):  # noqa: F811
    shifted = tmp_path / "s1_shifted.tif"
    with rasterio.open(spain_s1) as src:
        profile = src.profile
        profile["transform"] = src.transform * Affine.translation(1, 0)  # one pixel east
        with rasterio.open(shifted, "w", **profile) as dst:
            dst.write(src.read())
            dst.descriptions = src.descriptions
    result = runner.invoke(app, ["flood", "--optical", spain_s2, "--sar", str(shifted), "--out", str(tmp_path / "o")])
    assert isinstance(result.exception, GridMismatchError)
    assert "--align" in result.exception.hint
    assert not (tmp_path / "o" / "flood").exists()


@pytest.mark.slow
def test_composite_job_on_a_cluster_equals_untiled(tmp_path, slovenia_cube, scheduler):  # noqa: F811
    from spacebridge.earth.jobs import JobReport

    _invoke(["composite", "--cube", str(slovenia_cube), "--var", "ndvi", "--valid", "clear", "--out", str(tmp_path),
             "--tile-px", "64", "--dask", scheduler])  # fmt: skip
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    cubes = {f"{p.stem}/cube": p for p in folder.glob("*.zarr")}
    assert len(cubes) == 1
    check_cube(JobReport(folder / "collection.json", (), (), cubes=cubes), slovenia_cube)


def test_bad_areas_and_options_are_input_errors(tmp_path, spain_s2):  # noqa: F811
    both = runner.invoke(app, ["plan", "--bbox", "76,43,78,44", "--aoi", str(tmp_path / "a.geojson")])
    assert isinstance(both.exception, InvalidAOIError)
    flipped = runner.invoke(app, ["plan", "--bbox", "76,45,78,44"])
    assert isinstance(flipped.exception, InvalidAOIError)
    assert "south=45.0 is north of north=44.0" in str(flipped.exception)
    base = ["index", "NDWI", "--scene", spain_s2, "--out", str(tmp_path)]
    bad = runner.invoke(app, [*base, "--verify", "md5"])
    assert isinstance(bad.exception, InvalidInputError)
    memory = runner.invoke(app, [*base, "--workers", "1", "--memory-limit", "lots"])
    assert isinstance(memory.exception, InvalidInputError)
    assert "--memory-limit 'lots'" in str(memory.exception)
    twice = runner.invoke(app, [*base, "--workers", "2", "--dask", "tcp://127.0.0.1:8786"])
    assert isinstance(twice.exception, ConfigurationError)
    assert not any(Path(tmp_path).iterdir())


@pytest.mark.parametrize("command", ["index", "composite", "flood"])
def test_every_job_command_takes_the_execution_options(command):
    result = runner.invoke(app, [command, "--help"], env=ENV)
    for option in ("--dask", "--workers", "--memory-limit"):
        assert option in result.output
