"""Time-series analyses in the watch pass, on real series: NDVI anomaly and snow cover, with rules end to end."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from spacebridge.core.errors import SpacebridgeWarning
from spacebridge.core.settings import Settings
from spacebridge.service import SearchQuery
from spacebridge.service.geometry import validate_geometry
from spacebridge.service.ingest import ingest_folder
from spacebridge.service.store import Store
from spacebridge.service.watcher import watch_pass
from tests.service.series_fixtures import BASE, make_series_catalog, patch_polygon


@pytest.fixture(scope="module")
def series_catalog(tmp_path_factory):
    root = tmp_path_factory.mktemp("series")
    make_series_catalog(root / "slovenia")
    return root


@pytest.fixture
def store(db_url, series_catalog):
    s = Store(db_url)
    s.migrate()
    ingest_folder(s, series_catalog)
    yield s
    s.close()


def _rule(store, area_id, variable, op, threshold, hysteresis=0.0):
    return store.watch.add_rule(
        area_id, name=f"{variable} {op} {threshold}", variable=variable, op=op, threshold=threshold,
        hysteresis=hysteresis, channels={},
    )  # fmt: skip


def _library_anomaly_means():
    """The area-mean z-scores straight from earth.drought (the patch's own arrays, no service in between)."""
    from spacebridge.earth.drought import vegetation_condition

    tp = BASE / "TestEOPatch"
    ndvi = np.load(tp / "data" / "NDVI.npy")[..., 0]
    valid = np.load(tp / "mask" / "IS_VALID.npy")[..., 0] & ~np.load(tp / "mask" / "CLM.npy")[..., 0].astype(bool)
    times = np.array(json.loads((tp / "timestamps.json").read_text()), dtype="datetime64[ns]")
    dims = ("time", "y", "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpacebridgeWarning)
        result = vegetation_condition(
            xr.DataArray(ndvi, dims=dims, coords={"time": times}), valid=xr.DataArray(valid, dims=dims), min_years=2
        )
    z = result.anomaly.values[:, 5:-5, 5:-5]  # the area is the patch 50 m (5 pixels) inside its edges
    return {
        str(t)[:10]: float(np.nanmean(plane))
        for t, plane in zip(result.anomaly["time"].values, z, strict=True)
        if np.isfinite(plane).any()
    }


def test_ndvi_anomaly_and_snow_cover_rules_fire_on_the_right_dates(store, tmp_path):
    area = store.watch.add_area(
        "Ljubljana patch",
        validate_geometry(patch_polygon()),
        analyses={
            "ndvi-anomaly": {"collection": "slovenia-ndvi"},  # default: 10 years for a normal
            "snow-cover": {"collection": "slovenia-scl", "kind": "scl"},
        },
    )
    ndvi_rule = _rule(store, area["id"], "ndvi_anomaly_mean", "<", -1.0)
    snow_rule = _rule(store, area["id"], "snow_fraction", ">", 0.2, hysteresis=0.1)
    report = watch_pass(store, Settings(data_dir=tmp_path))
    assert report.problems == ()
    assert (report.submitted, report.succeeded, report.failed) == (2, 2, 0)

    z = {v["datetime"].strftime("%Y-%m-%d"): v["value"] for v in store.watch.series(area["id"], "ndvi_anomaly_mean")}
    expected = _library_anomaly_means()
    assert z.keys() == expected.keys()
    assert z == pytest.approx(expected, abs=0.02)  # the area's pixels, on the products' own grid
    snow = {v["datetime"].strftime("%Y-%m-%d"): v["value"] for v in store.watch.series(area["id"], "snow_fraction")}
    assert all(snow[d] == 0.0 for d in snow if d[5:7] in ("05", "06", "07", "08", "09"))  # no snow in summer
    assert snow["2017-12-07"] > 0.3  # the snow dates of the SCL series (class 11)
    assert "2017-12-17" not in snow  # fully clouded: unknown, never "no snow"

    alerts = store.alerts.alerts()
    by_rule = {r["id"]: [a for a in alerts if a["rule_id"] == r["id"]] for r in (ndvi_rule, snow_rule)}
    assert [a["observed_at"].strftime("%Y-%m") for a in by_rule[ndvi_rule["id"]]] == ["2017-12"]
    (snow_alert,) = by_rule[snow_rule["id"]]
    assert snow_alert["observed_at"].strftime("%Y-%m-%d") == "2017-11-27"
    assert snow_alert["closed_at"] is not None  # clear again on 2017-12-22

    (ndvi_run,) = [r for r in store.watch.runs() if r["analysis"] == "ndvi-anomaly"]
    assert ndvi_run["lineage"]["process"] == "service.ndvi-anomaly"
    assert len(ndvi_run["lineage"]["inputs"]) == 68
    assert any("years" in w for w in ndvi_run["lineage"]["warnings"])  # 3 years of climatology: indicative only
    again = watch_pass(store, Settings(data_dir=tmp_path))
    assert (again.submitted, again.alerts_opened) == (0, 0)


# The HURST fire (Sylmar, Los Angeles) started on 2025-01-07 (the files' name). The bundled pre- and post-fire
# Sentinel-2 L2A scenes carry no acquisition time: the catalog below stamps them a few days either side of the fire
# (only their order matters to the pairing). Their values show the BOA offset already removed (blue 1st percentile
# 10 DN, not >= 1000), which the items say with earthsearch:boa_offset_applied, as Earth Search items do.
HURST = {"pre_fire": "2025-01-02T18:40:00Z", "post_fire": "2025-01-17T18:40:00Z"}
PROJ = "https://stac-extensions.github.io/projection/v2.0.0/schema.json"
HURST_AREA = {
    "type": "Polygon",
    "coordinates": [[[-118.50, 34.315], [-118.465, 34.315], [-118.465, 34.35], [-118.50, 34.35], [-118.50, 34.315]]],
}


def hurst_catalog(root):
    """A static STAC catalog (a scene source) of the two HURST scenes, with their band names from the files."""
    import datetime as dt

    import pystac
    import rasterio

    from tests.conftest import EXAMPLES

    cat = pystac.Catalog("hurst-scenes", "HURST 2025 pre/post-fire Sentinel-2 L2A scenes")
    for folder, when in HURST.items():
        path = EXAMPLES / "fire-california" / folder / "HURST_20250107.tif"
        with rasterio.open(path) as src:
            b, names, transform, shape = src.bounds, src.descriptions, list(src.transform)[:6], list(src.shape)
        ring = [[b.left, b.bottom], [b.right, b.bottom], [b.right, b.top], [b.left, b.top], [b.left, b.bottom]]
        common = {"B2": "blue", "B3": "green", "B4": "red", "B8": "nir", "B12": "swir22"}
        props = {"platform": "sentinel-2", "s2:product_type": "S2MSI2A", "earthsearch:boa_offset_applied": True,
                 "proj:code": "EPSG:4326", "proj:shape": shape, "proj:transform": transform}  # fmt: skip
        when_utc = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
        geom = {"type": "Polygon", "coordinates": [ring]}
        item = pystac.Item(f"HURST-{folder}", geom, list(b), when_utc, props, stac_extensions=[PROJ])
        item.add_asset(
            "data",
            pystac.Asset(
                str(path), media_type=pystac.MediaType.GEOTIFF, roles=["data"],
                extra_fields={"eo:bands": [{"name": n, "common_name": common[n]} for n in names],
                              "raster:bands": [{"data_type": "float64"} for _ in names]},
            ),
        )  # fmt: skip
        cat.add_item(item)
    cat.normalize_hrefs(str(root))
    cat.save(pystac.CatalogType.ABSOLUTE_PUBLISHED)
    return str(root / "catalog.json")


@pytest.mark.slow
def test_burned_area_flood_change_and_water_area_from_a_pre_post_pair(db_url, tmp_path):
    scenes = hurst_catalog(tmp_path / "scenes")
    settings = Settings(data_dir=tmp_path / "data")
    store = Store(db_url)
    store.migrate()
    area = store.watch.add_area(
        "Sylmar",
        validate_geometry(HURST_AREA),
        analyses={"burn": {}, "flood": {"pre_event_days": 30}, "water-area": {}},
    )
    burned = _rule(store, area["id"], "burned_km2", ">", 1.0)
    flooded = _rule(store, area["id"], "flooded_km2", ">", 0.5)
    report = watch_pass(store, settings, source=scenes)
    assert report.problems == ()
    runs = {r["analysis"]: r for r in reversed(store.watch.runs())}  # the last run of each analysis
    assert (report.submitted, report.succeeded) == (4, 4)  # burn (pre, post); flood on pre, on post vs pre; water
    assert (runs["burn"]["params"]["pre"]["datetime_utc"], runs["burn"]["params"]["post"]["datetime_utc"]) == (
        "2025-01-02T18:40:00Z",
        "2025-01-17T18:40:00Z",
    )
    (burn,) = store.watch.series(area["id"], "burned_km2")
    assert 2.0 < burn["value"] < 4.5  # the CAL FIRE perimeter of HURST covers about 3.2 km² of this crop
    (change,) = store.watch.series(area["id"], "flooded_km2")  # only the post scene has a pre-event scene
    assert 0 <= change["value"] < 0.5  # a burn scar is no flood: reservoirs are permanent water, not flooded
    assert runs["flood"]["params"]["scenes"]["pre-optical"]["datetime_utc"] == HURST["pre_fire"]
    assert any("static" in w for w in runs["flood"]["result"]["warnings"])  # threshold fallbacks kept with the run
    water = store.watch.series(area["id"], "water_area_km2")
    assert [v["datetime"].strftime("%Y-%m-%d") for v in water] == ["2025-01-02", "2025-01-17"]  # the flood extents
    alerts = store.alerts.alerts()
    assert [a["rule_id"] for a in alerts] == [burned["id"]]
    assert flooded["id"] not in {a["rule_id"] for a in alerts}
    again = watch_pass(store, settings, source=scenes)
    assert (again.submitted, again.alerts_opened) == (0, 0)
    store.close()


def _reference_ndvi_mean(path, geometry):
    """NDVI = (B8 - B4) / (B8 + B4) straight from the file's bands over the pixels whose centre is in the area."""
    import rasterio
    from rasterio.features import geometry_mask

    with rasterio.open(path) as src:
        red, nir = (src.read(src.descriptions.index(b) + 1) for b in ("B4", "B8"))
        inside = geometry_mask([geometry], out_shape=src.shape, transform=src.transform, invert=True)
    ndvi = (nir - red) / (nir + red)
    return float(ndvi[inside & np.isfinite(ndvi)].mean())


def test_index_series_on_new_scenes_with_an_alert_on_the_burn(db_url, tmp_path):
    from tests.conftest import EXAMPLES

    scenes = hurst_catalog(tmp_path / "scenes")
    settings = Settings(data_dir=tmp_path / "data")
    store = Store(db_url)
    store.migrate()
    area = store.watch.add_area("Sylmar", validate_geometry(HURST_AREA), analyses={"index": {"index": "ndvi"}})
    expected = {
        day: _reference_ndvi_mean(EXAMPLES / "fire-california" / folder / "HURST_20250107.tif", HURST_AREA)
        for folder, day in (("pre_fire", "2025-01-02"), ("post_fire", "2025-01-17"))
    }
    assert expected["2025-01-17"] < expected["2025-01-02"]  # the burn scar covers about a quarter of the area
    # The rule's threshold sits between the two reference means: it must fire on the post-fire scene only.
    rule = _rule(store, area["id"], "ndvi_mean", "<", sum(expected.values()) / 2, hysteresis=0.0)
    report = watch_pass(store, settings, source=scenes)
    assert report.problems == ()
    assert (report.submitted, report.succeeded) == (2, 2)
    ndvi = {v["datetime"].strftime("%Y-%m-%d"): v["value"] for v in store.watch.series(area["id"], "ndvi_mean")}
    assert ndvi == pytest.approx(expected, abs=0.005)
    fractions = [v["value"] for v in store.watch.series(area["id"], "ndvi_valid_fraction")]
    assert fractions == [pytest.approx(1.0, abs=0.01)] * 2  # no nodata and no cloud band in these chips
    (alert,) = store.alerts.alerts()
    assert (alert["rule_id"], alert["observed_at"].strftime("%Y-%m-%d")) == (rule["id"], "2025-01-17")
    run = store.watch.runs()[0]
    assert run["lineage"]["process"] == "service.index.NDVI"
    assert run["lineage"]["chosen"]["mask"]["method"] == "none"
    items = {i["id"]: i for i in store.catalog.search(SearchQuery(collections=("spacebridge-index",))).items}
    assert set(items) == {f"ndvi-HURST-{f}-area{area['id']}" for f in HURST}
    assert all(Path(i["assets"]["index"]["href"]).is_file() for i in items.values())
    again = watch_pass(store, settings, source=scenes)
    assert (again.submitted, again.alerts_opened) == (0, 0)
    store.close()


def test_index_runs_only_on_scenes_that_can_compute_it(tmp_path):
    """A folder with the Spain 2019 Sentinel-1 and Sentinel-2 scenes: NDVI on the optical one only, no failed run."""
    from tests.service.test_flood_run import ORIHUELA, dated_copies

    settings = Settings(data_dir=tmp_path / "data")
    store = Store.from_settings(settings)
    area = store.watch.add_area("Orihuela", validate_geometry(ORIHUELA), analyses={"index": {"index": "NDVI"}})
    report = watch_pass(store, settings, source=dated_copies(tmp_path / "scenes"))
    assert (report.submitted, report.succeeded, report.failed, report.problems) == (1, 1, 0, ())
    (run,) = store.watch.runs()
    assert run["params"]["scene"]["id"] == "Spain_7370579_S2Hand"
    assert run["lineage"]["chosen"]["mask"]["method"] == "s2cloudless"  # an L1C scene: the scene's own cloud mask
    (value,) = store.watch.series(area["id"], "ndvi_mean")
    assert -1.0 <= value["value"] <= 1.0
    bad = store.watch.add_area("Bad", validate_geometry(ORIHUELA), analyses={"index": {"index": "NDVY"}})
    report = watch_pass(store, settings, source=str(tmp_path / "scenes"))
    assert report.submitted == 0
    assert any(f"area {bad['id']} index" in p and "NDVI" in p for p in report.problems)  # names the close match
    store.close()


@pytest.mark.slow
def test_a_scene_run_killed_while_writing_its_products_is_finished_once_by_the_next_pass(tmp_path):
    """SIGKILL ``watch run`` after the index COG is written to the staging folder, before it is published: no
    product, item or series value is left behind, and the next pass makes each exactly once."""
    import signal
    import subprocess
    import sys
    import time

    scenes = hurst_catalog(tmp_path / "scenes")
    data = tmp_path / "data"
    store = Store.from_settings(Settings(data_dir=data))
    area = store.watch.add_area("Sylmar", validate_geometry(HURST_AREA), analyses={"index": {"index": "NDVI"}})
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    args = ["watch", "run", "--data", str(data), "--source", scenes]
    held = subprocess.Popen(
        [sys.executable, "-m", "tests.service.held_watch", str(barrier), "--at", "index-product", *args],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (barrier / "started").exists():
        assert held.poll() is None, "watch run ended before the product was staged"
        assert time.monotonic() < deadline, "the product was never staged"
        time.sleep(0.02)
    held.send_signal(signal.SIGKILL)
    held.wait()
    running = [r for r in store.watch.runs() if r["status"] == "running"]
    assert len(running) == 1
    run_dir = data / "runs" / str(running[0]["id"])
    assert not list(run_dir.glob("products/*.tif"))  # staged, never published
    assert list(run_dir.glob("products/.staging-*/*.tif"))  # the kill came after the COG was written
    assert store.catalog.search(SearchQuery(collections=("spacebridge-index",))).matched == 0
    assert store.watch.series(area["id"]) == []
    done = subprocess.run([sys.executable, "-m", "spacebridge.cli.main", *args], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert sorted(r["status"] for r in store.watch.runs()) == ["succeeded", "succeeded"]
    assert len(store.watch.series(area["id"], "ndvi_mean")) == 2  # each scene once
    assert store.catalog.search(SearchQuery(collections=("spacebridge-index",))).matched == 2
    assert len(list(run_dir.glob("products/*.tif"))) == 1
    assert not list(run_dir.glob("products/.staging-*"))  # the killed attempt's staging folder is gone
    store.close()


@pytest.mark.slow
def test_scene_analyses_run_on_a_dask_scheduler(tmp_path):
    """burn, flood and index run on a real Dask scheduler (in-process workers) and record what they record locally.

    The scene analyses go to the workers with their scenes and AOI; the values are checked against the same
    references as the local runs above, and the flood's threshold fallback warnings come back with its run.
    """
    from distributed import LocalCluster

    from tests.conftest import EXAMPLES

    scenes = hurst_catalog(tmp_path / "scenes")
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    analyses = {"burn": {}, "flood": {"pre_event_days": 30}, "index": {"index": "ndvi"}}
    area = store.watch.add_area("Sylmar", validate_geometry(HURST_AREA), analyses=analyses)
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",  # the runner connects by address, as to a remote scheduler (inproc:// needs no host)
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # never the fixed port 8787
    ) as cluster:
        settings = Settings(data_dir=tmp_path / "data", dask_address=cluster.scheduler_address)
        report = watch_pass(store, settings, source=scenes)
        ran_there = cluster.scheduler.task_prefixes["run_analysis"].all_durations["compute"]
    assert ran_there > 0  # the analyses computed on the scheduler's worker, not in this thread
    assert report.problems == ()
    assert (report.submitted, report.succeeded, report.failed) == (5, 5, 0)  # burn; flood on pre, post; NDVI x 2
    (burn,) = store.watch.series(area["id"], "burned_km2")
    assert 2.0 < burn["value"] < 4.5  # the CAL FIRE perimeter of HURST covers about 3.2 km² of this crop
    (change,) = store.watch.series(area["id"], "flooded_km2")
    assert 0 <= change["value"] < 0.5
    ndvi = {v["datetime"].strftime("%Y-%m-%d"): v["value"] for v in store.watch.series(area["id"], "ndvi_mean")}
    expected = {
        day: _reference_ndvi_mean(EXAMPLES / "fire-california" / folder / "HURST_20250107.tif", HURST_AREA)
        for folder, day in (("pre_fire", "2025-01-02"), ("post_fire", "2025-01-17"))
    }
    assert ndvi == pytest.approx(expected, abs=0.005)
    flood = next(r for r in store.watch.runs() if r["analysis"] == "flood")
    assert any("static" in w for w in flood["result"]["warnings"])  # warnings raised in the worker, kept
    store.close()
