"""The watch runner on the real Spain 2019 scenes with the earth pillar's flood workflow: S1 + S2 as one event."""

import shutil

import pytest
import rasterio

from spacebridge.core.settings import Settings
from spacebridge.service import SearchQuery
from spacebridge.service.geometry import validate_geometry
from spacebridge.service.store import Store
from spacebridge.service.watcher import watch_pass
from tests.conftest import EXAMPLES

ORIHUELA = {
    "type": "Polygon",
    "coordinates": [[[-0.775, 38.09], [-0.745, 38.09], [-0.745, 38.12], [-0.775, 38.12], [-0.775, 38.09]]],
}
# Acquisition days from Sen1Floods11_Metadata.geojson (Spain: s1_date 2019/09/17, s2_date 2019/09/18); the files
# carry no time, so the copies are stamped with them (Sentinel-1 descending pass in the morning, Sentinel-2 10:56).
DATES = {"Spain_7370579_S1Hand.tif": "2019-09-17T06:00:00Z", "Spain_7370579_S2Hand.tif": "2019-09-18T10:56:21Z"}


def dated_copies(folder, names=tuple(DATES)):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(EXAMPLES / "flood-spain-2019" / name, folder)
        with rasterio.open(folder / name, "r+") as dst:
            dst.update_tags(ACQUISITION_DATETIME=DATES[name])
    return str(folder)


@pytest.mark.slow
def test_an_s1_and_an_s2_scene_of_the_event_are_mapped_together_once(db_url, tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    store = Store(db_url)
    store.migrate()
    area = store.watch.add_area("Orihuela", validate_geometry(ORIHUELA), analyses={"flood": {"window_days": 3}})
    store.watch.add_rule(
        area["id"], name="water", variable="water_km2", op=">", threshold=1.0, hysteresis=0.0, channels={}
    )
    source = dated_copies(tmp_path / "scenes")
    report = watch_pass(store, settings, source=source)
    assert report.problems == ()
    assert (report.submitted, report.succeeded, report.failed) == (1, 1, 0)
    assert report.alerts_opened == 1
    (run,) = store.watch.runs()
    assert {role: s["id"] for role, s in run["params"]["scenes"].items()} == {
        "optical": "Spain_7370579_S2Hand",
        "sar": "Spain_7370579_S1Hand",
    }
    assert run["lineage"]["process"] == "earth.flood"
    assert {i["role"] for i in run["lineage"]["inputs"]} == {"optical", "sar"}
    assert run["lineage"]["parameters"]["align"] is True
    (item,) = store.catalog.search(SearchQuery(limit=50)).items
    assert item["id"] == "flood-Spain_7370579_S2Hand-area1"
    assert item["properties"]["datetime"].startswith("2019-09-18")
    assert set(run["lineage"]["chosen"]["methods"]) == {"optical-mndwi", "sar-vv", "sar-vh"}  # the ensemble of both
    assert all(a["href"].startswith("/") for a in item["assets"].values())
    (value,) = store.watch.series(area["id"], "water_km2")
    assert value["datetime"].isoformat().startswith("2019-09-18T10:56:21")
    assert 1.0 < value["value"] < 7.0  # the AOI is about 2.6 x 3.3 km, the Segura flood covers part of it
    again = watch_pass(store, settings, source=source)
    assert (again.submitted, again.succeeded) == (0, 0)
    store.close()
