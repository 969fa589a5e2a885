"""A national job's task graph stays small by design: one task per tile, asserted under the 100k limit."""

from __future__ import annotations

import json
import time

import pytest
from odc.geo.geom import Geometry

from spacebridge.core.errors import ResourceLimitError
from spacebridge.core.settings import Settings
from spacebridge.earth.grid import tiles_for_area
from spacebridge.earth.job_analyses import CompositeJob, IndexJob
from spacebridge.earth.job_sources import CubeSource
from spacebridge.earth.jobs import MAX_GRAPH_TASKS, build_graph, run_tiled_job
from spacebridge.earth.tiling import Plan, tile_hash


@pytest.fixture(scope="module")
def kazakhstan_tiles(examples_dir):
    doc = json.loads((examples_dir / "kazakhstan/boundaries/kaz_adm0_geokz.geojson").read_text())
    return tiles_for_area(Geometry(doc["features"][0]["geometry"], "EPSG:4326"))


@pytest.mark.parametrize("kind", ["index", "composite"])
def test_national_graph_is_one_task_per_tile(tmp_path, kazakhstan_tiles, spain_s2, slovenia_cube, kind):
    job = (
        IndexJob.of("NDVI", spain_s2)
        if kind == "index"
        else CompositeJob(CubeSource.of(slovenia_cube, ["ndvi"], valid="clear"))
    )
    plan = Plan({"period": "1MS"}, None, tuple(f"2024-{m:02d}-01T00:00:00" for m in range(1, 13)))
    plans = {t.grid.name: plan for t in kazakhstan_tiles}
    digests = {t.id: tile_hash(job, plan, t) for t in kazakhstan_tiles}
    start = time.perf_counter()
    tasks, n_tasks = build_graph(job, kazakhstan_tiles, plans, digests, str(tmp_path), nested_scheduler="sync")
    assert len(tasks) == len(kazakhstan_tiles) == 414
    assert n_tasks == 414  # 4.3e10 pixels per band, 2048 px chunks inside the tasks: 10,350 chunks per band
    assert n_tasks <= MAX_GRAPH_TASKS
    assert time.perf_counter() - start < 30  # built on the client without touching the data


def test_a_national_job_at_10_m_is_refused_under_the_default_pixel_budget(tmp_path, kazakhstan_tiles, spain_s2):
    job = IndexJob.of("NDVI", spain_s2)
    with pytest.raises(ResourceLimitError, match=r"covers 414 tile\(s\), 43,411,046,400 pixels per band"):
        run_tiled_job(job, kazakhstan_tiles, tmp_path / "out", settings=Settings())
    assert not (tmp_path / "out").exists()
