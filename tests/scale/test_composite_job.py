"""The composite job: monthly median composites per tile into a Zarr cube, equal to the untiled composite."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from spacebridge.core.errors import GridMismatchError
from spacebridge.earth.composite import median_composite
from spacebridge.earth.grid import grid_on, utm_grid
from spacebridge.earth.job_analyses import CompositeJob
from spacebridge.earth.job_sources import CubeSource
from spacebridge.earth.jobs import run_tiled_job


def untiled_composite(cube_path) -> xr.Dataset:
    """median_composite on the whole cube in one piece, as a single-process user calls it."""
    ds = xr.open_zarr(cube_path, consolidated=False)
    comp = median_composite(ds[["ndvi"]], valid=ds["clear"], period="1MS")
    return xr.Dataset({"ndvi": comp.data["ndvi"], "count": comp.count}).compute()


def check_cube(report, cube_path) -> None:
    """The job's cube equals the untiled composite on the source's window, and is empty outside."""
    expected = untiled_composite(cube_path)
    (cube,) = report.cubes.values()
    got = xr.open_zarr(cube, consolidated=False)
    ny, nx = expected.sizes["y"], expected.sizes["x"]
    assert list(got["time"].values) == list(expected["time"].values)
    for name in ("ndvi", "count"):
        values = got[name].values
        assert np.array_equal(values[:, :ny, :nx], expected[name].values, equal_nan=True), name
        assert np.isnan(values[:, ny:, :]).all() if name == "ndvi" else (values[:, ny:, :] == 0).all()
    assert got.odc.geobox.crs == "EPSG:32633"


@pytest.fixture(scope="module")
def cube_tiles(slovenia_cube):
    source = CubeSource.of(slovenia_cube, ["ndvi"], valid="clear")
    return source, grid_on(source.geobox(), tile_px=64).tiles(source.geobox().extent)


@pytest.mark.slow
def test_tiled_composite_equals_untiled_resumes_and_checks_cube_windows(tmp_path, slovenia_cube, cube_tiles):
    import zarr

    source, tiles = cube_tiles
    job = CompositeJob(source, period="1MS", chunks_px=64)
    report = run_tiled_job(job, tiles, tmp_path)
    assert len(tiles) == 4  # 101 x 100 px in 64 px tiles
    assert report.plan[tiles[0].grid.name]["n_periods"] == 27  # months with at least one date, 2015-07 to 2017-12
    check_cube(report, slovenia_cube)
    item = json.loads((tmp_path / "composite" / f"{tiles[0].id}.json").read_text())
    assert item["assets"]["ndvi"]["type"] == "application/vnd+zarr"
    assert len(item["properties"]["spacebridge:time"]) == 27
    # overwriting part of one tile's window in the cube makes that tile, and only it, be recomputed
    (cube,) = report.cubes.values()
    zarr.open_array(cube / "ndvi", mode="r+")[0, 70:72, 10:12] = 0.5
    again = run_tiled_job(job, tiles, tmp_path)
    assert len(again.computed) == 1
    assert len(again.skipped) == 3
    check_cube(again, slovenia_cube)


def test_tiles_off_the_cube_grid_are_refused(tmp_path, cube_tiles):
    source, _ = cube_tiles
    other = utm_grid(33, tile_px=64).tiles(source.geobox().extent)
    with pytest.raises(GridMismatchError, match="not on the cube's pixel grid"):
        run_tiled_job(CompositeJob(source), other[:1], tmp_path)
