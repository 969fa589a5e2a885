import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spacebridge.core.settings import Settings
from spacebridge.service.geometry import validate_geometry
from spacebridge.service.ingest import ingest_folder
from spacebridge.service.runner import execute, owner_alive, recover, submit
from spacebridge.service.store import Store
from tests.service.products import make_catalog

ORIHUELA = {
    "type": "Polygon",
    "coordinates": [[[-0.775, 38.09], [-0.745, 38.09], [-0.745, 38.12], [-0.775, 38.12], [-0.775, 38.09]]],
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    root = tmp_path_factory.mktemp("runner-products")
    make_catalog(root / "p")
    return root


@pytest.fixture
def store(db_url, catalog):
    s = Store(db_url)
    s.migrate()
    ingest_folder(s, catalog)
    yield s
    s.close()


def _area(store):
    return store.watch.add_area("Orihuela", validate_geometry(ORIHUELA))["id"]


def test_a_run_left_by_a_dead_process_is_finished_at_the_next_start(store, tmp_path):
    area_id = _area(store)
    run, created = submit(store, "zonal-stats", area_id=area_id, params={"collection": "test-vv"})
    assert created
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = f"{os.uname().nodename}:{dead.pid}"
    assert not owner_alive(owner)
    assert store.watch.claim_run(run["id"], owner)  # the dead process had claimed it
    assert recover(store) == [run["id"]]
    done = execute(store, Settings(data_dir=tmp_path), run["id"])
    assert done["status"] == "succeeded"
    assert len(store.watch.series(area_id, "test-vv.mean")) == 2
    assert recover(store) == []
    assert submit(store, "zonal-stats", area_id=area_id, params={"collection": "test-vv"})[1] is False


def test_a_failing_analysis_is_cleanly_marked_failed(store, tmp_path):
    area_id = _area(store)
    far = store.watch.add_area(
        "Aral",
        validate_geometry({"type": "Polygon", "coordinates": [[[59, 45], [60, 45], [60, 46], [59, 46], [59, 45]]]}),
    )["id"]
    run, _ = submit(store, "zonal-stats", area_id=far, params={"collection": "test-vv"})
    done = execute(store, Settings(data_dir=tmp_path), run["id"])
    assert done["status"] == "failed"
    assert "covers the area" in done["error"]
    assert store.watch.series(far) == []
    assert store.watch.series(area_id) == []
    assert execute(store, Settings(data_dir=tmp_path), run["id"])["status"] == "failed"  # not re-run


def test_of_many_concurrent_claims_exactly_one_wins(store):
    """Several server workers resume the same queued runs at start-up: each run is executed once."""
    from concurrent.futures import ThreadPoolExecutor

    run, _ = submit(store, "zonal-stats", area_id=_area(store), params={"collection": "test-vv"})
    with ThreadPoolExecutor(6) as pool:
        claims = list(pool.map(lambda i: store.watch.claim_run(run["id"], f"worker:{i}"), range(6)))
    assert claims.count(True) == 1
    assert store.watch.run(run["id"])["status"] == "running"


@pytest.mark.slow
def test_runs_execute_on_a_dask_scheduler(tmp_path, catalog):
    """The analysis runs in a real Dask worker process (the database back-end plays no part: SQLite only)."""
    from distributed import LocalCluster

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    ingest_folder(store, catalog)
    area_id = _area(store)
    run, _ = submit(store, "zonal-stats", area_id=area_id, params={"collection": "test-water"})
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # never the fixed port 8787
    ) as cluster:
        done = execute(store, Settings(data_dir=tmp_path, dask_address=cluster.scheduler_address), run["id"])
    assert done["status"] == "succeeded", done
    assert {v["variable"] for v in store.watch.series(area_id)} == {"test-water.mean", "test-water.valid_fraction"}


@pytest.mark.slow
def test_watch_killed_midway_leaves_no_half_record(tmp_path, catalog):
    """SIGKILL 'watch run' while its run is inside the analysis (held at a barrier, so the kill never comes after the
    pass has finished); nothing of the run is recorded; the next pass finishes it once."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(catalog, data)
    store = Store.from_settings(Settings(data_dir=data))
    ingest_folder(store, data)
    area_id = store.watch.add_area(
        "Orihuela", validate_geometry(ORIHUELA), analyses={"zonal-stats": {"collection": "test-vv"}}
    )["id"]
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    args = ["watch", "run", "--data", str(data)]
    held = subprocess.Popen(
        [sys.executable, "-m", "tests.service.held_watch", str(barrier), *args],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (barrier / "started").exists():
        assert held.poll() is None, "watch run ended before its analysis started"
        assert time.monotonic() < deadline, "the analysis never started"
        time.sleep(0.02)
    (run,) = store.watch.runs()
    assert run["status"] == "running"
    held.send_signal(signal.SIGKILL)
    held.wait()
    (run,) = store.watch.runs()
    assert (run["status"], run["result"], run["finished_at"]) == ("running", {}, None)
    assert store.watch.series(area_id) == []
    subprocess.run([sys.executable, "-m", "spacebridge.cli.main", *args], check=True, capture_output=True, timeout=120)
    (run,) = store.watch.runs()
    assert run["status"] == "succeeded"
    assert len(store.watch.series(area_id, "test-vv.mean")) == 2  # each product once
    store.close()
