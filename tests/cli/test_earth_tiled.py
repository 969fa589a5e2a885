"""``spacebridge earth tiled``: plan the tiles of an area, run an index job, resume it, refuse bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from spacebridge.cli.earth_tiled import app
from spacebridge.core.errors import InvalidAOIError, InvalidInputError

runner = CliRunner()


def test_plan_counts_the_tiles_of_an_area_and_writes_them(tmp_path):
    out = tmp_path / "tiles.geojson"
    result = runner.invoke(app, ["plan", "--bbox", "76,43,78,44.5", "--geojson", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    n = len(doc["features"])
    assert f"{n} tiles of 10240 px at 10 m" in result.output
    assert {f["properties"]["grid"] for f in doc["features"]} == {"utm43n"}  # 76-78 E lies in zone 43
    assert f"task graph of a tile-scope job: {n} tasks" in result.output


def test_index_job_runs_then_resumes(tmp_path, examples_dir):
    scene = str(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif")
    args = ["index", "NDWI", "--scene", scene, "--out", str(tmp_path), "--tile-px", "256"]
    first = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "4 tile(s) computed, 0 already done, 4 tasks" in first.output
    assert (tmp_path / "index-ndwi" / "collection.json").exists()
    again = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert "0 tile(s) computed, 4 already done" in again.output


def test_bad_areas_and_options_are_input_errors(tmp_path, examples_dir):
    both = runner.invoke(app, ["plan", "--bbox", "76,43,78,44", "--aoi", str(tmp_path / "a.geojson")])
    assert isinstance(both.exception, InvalidAOIError)
    flipped = runner.invoke(app, ["plan", "--bbox", "76,45,78,44"])
    assert isinstance(flipped.exception, InvalidAOIError)
    assert "south=45.0 is north of north=44.0" in str(flipped.exception)
    scene = str(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif")
    bad = runner.invoke(app, ["index", "NDWI", "--scene", scene, "--out", str(tmp_path), "--verify", "md5"])
    assert isinstance(bad.exception, InvalidInputError)


@pytest.mark.parametrize("command", ["index", "composite", "flood"])
def test_every_job_command_takes_the_execution_options(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert "--dask" in result.output
    assert "--workers" in result.output
