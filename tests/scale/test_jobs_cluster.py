"""Tiled jobs on real Dask clusters: a LocalCluster of worker processes, a killed worker, a separate scheduler.

Every result is compared bit for bit with the same analysis run in one process on the untiled scene.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spacebridge.core.execution import execution
from spacebridge.core.settings import Settings
from spacebridge.earth.grid import grid_on
from spacebridge.earth.job_analyses import CompositeJob, FloodJob, IndexJob
from spacebridge.earth.job_sources import CubeSource, SceneSource
from spacebridge.earth.jobs import run_tiled_job
from spacebridge.earth.load import open_scene
from tests.scale.conftest import read_band
from tests.scale.test_composite_job import check_cube

pytestmark = pytest.mark.slow

LAYERS = ("flood_extent", "flood_likelihood", "flood_class")


def _tiles(src: str, tile_px: int):
    scene = open_scene(src, bands=["green"])
    return grid_on(scene.geobox, tile_px=tile_px).tiles(scene.geobox.extent)


def _check_flood(report, untiled) -> None:
    grid = next(iter(report.mosaics)).split("/")[0]
    for layer in LAYERS:
        assert np.array_equal(read_band(report.mosaics[f"{grid}/{layer}"]), untiled[layer]), layer


@pytest.fixture(scope="module")
def cluster():
    with execution(Settings(workers=2)) as ex:
        yield ex


def test_flood_job_on_a_local_cluster_equals_the_single_process_result(tmp_path, cluster, spain_s2, spain_s1,
                                                                        untiled_flood):  # fmt: skip
    tiles = _tiles(spain_s2, 256)
    job = FloodJob(optical=SceneSource.of(spain_s2), sar=SceneSource.of(spain_s1), chunks_px=256)
    report = run_tiled_job(job, tiles, tmp_path, execution=cluster)
    assert len(report.computed) == 4
    assert report.execution["kind"] == "local-cluster"
    _check_flood(report, untiled_flood)
    thresholds = report.plan[tiles[0].grid.name]["thresholds"]
    assert [t["method"] for t in thresholds] == ["optical-mndwi", "sar-vv", "sar-vh"]
    item = json.loads((tmp_path / "flood" / f"{tiles[0].id}.json").read_text())
    assert item["properties"]["spacebridge:lineage"]["chosen"]["thresholds"] == thresholds


def test_composite_job_on_a_local_cluster_equals_the_single_process_result(tmp_path, cluster, slovenia_cube):
    source = CubeSource.of(slovenia_cube, ["ndvi"], valid="clear")
    tiles = grid_on(source.geobox(), tile_px=64).tiles(source.geobox().extent)
    report = run_tiled_job(CompositeJob(source, period="1MS", chunks_px=64), tiles, tmp_path, execution=cluster)
    assert len(report.computed) == 4
    check_cube(report, slovenia_cube)


def test_a_worker_killed_mid_job_loses_no_finished_tile(tmp_path, cluster, spain_s2):
    tiles = _tiles(spain_s2, 128)
    job = IndexJob.of("NDWI", spain_s2, chunks_px=64)
    scene = open_scene(spain_s2, bands=["green", "nir"])
    from spacebridge.earth import compute_index

    untiled = compute_index("NDWI", scene.data, valid=scene.valid).values
    killed: list[int] = []
    client = cluster.client

    def kill_a_busy_worker(done: int, total: int, tile_id: str) -> None:
        """After the second finished tile, SIGKILL a worker process that is computing a tile."""
        busy = [addr for addr, keys in client.processing().items() if keys]
        if killed or done < 2 or not busy:
            return
        pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    report = run_tiled_job(job, tiles, tmp_path, execution=cluster, progress=kill_a_busy_worker)
    assert killed
    assert report.failed == {}
    assert len(report.computed) == len(tiles) == 16
    grid = tiles[0].grid.name
    assert np.array_equal(read_band(report.mosaics[f"{grid}/ndwi"]), untiled, equal_nan=True)
    # every tile, including those finished before the kill, is on disk and intact: a re-run computes nothing
    again = run_tiled_job(job, tiles, tmp_path)
    assert again.computed == ()
    assert len(again.skipped) == 16


@pytest.fixture
def scheduler_and_worker(tmp_path):
    """A ``dask scheduler`` process and a ``dask worker`` process on loopback, stopped after the test."""
    dask_cli = str(Path(sys.executable).parent / "dask")
    info = tmp_path / "scheduler.json"
    procs = [
        subprocess.Popen(
            [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--dashboard-address",
             "127.0.0.1:0", "--scheduler-file", str(info)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        procs.append(
            subprocess.Popen(
                [dask_cli, "worker", address, "--no-nanny", "--nthreads", "1", "--no-dashboard",
                 "--memory-limit", "2GiB"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_flood_job_through_a_separate_scheduler_process(tmp_path, scheduler_and_worker, spain_s2, spain_s1,
                                                        untiled_flood):  # fmt: skip
    tiles = _tiles(spain_s2, 256)
    job = FloodJob(optical=SceneSource.of(spain_s2), sar=SceneSource.of(spain_s1), chunks_px=256)
    with execution(Settings(dask_address=scheduler_and_worker)) as ex:
        ex.client.wait_for_workers(1, timeout=60)
        report = run_tiled_job(job, tiles, tmp_path, execution=ex)
    assert report.execution["kind"] == "cluster"
    assert report.execution["address"] == scheduler_and_worker
    _check_flood(report, untiled_flood)
