"""The watch runner on the real Spain 2019 scenes with the earth pillar's flood workflow."""

import shutil

import pytest

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


@pytest.mark.slow
def test_watch_pass_maps_floods_on_new_scenes_once(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    store = Store.from_settings(settings)
    area = store.watch.add_area("Orihuela", validate_geometry(ORIHUELA), analyses={"flood": {}})
    store.watch.add_rule(
        area["id"], name="water", variable="water_km2", op=">", threshold=0.01, hysteresis=0.0, channels={}
    )
    scenes = tmp_path / "scenes"  # a folder of new scenes: the Sentinel-1 one of the Spain 2019 flood
    scenes.mkdir()
    shutil.copy(EXAMPLES / "flood-spain-2019" / "Spain_7370579_S1Hand.tif", scenes)
    source = str(scenes)
    report = watch_pass(store, settings, source=source)
    assert report.problems == ()
    assert (report.submitted, report.succeeded, report.failed) == (1, 1, 0)
    assert report.alerts_opened == 1
    (run,) = store.watch.runs()
    assert run["params"]["scene"]["role"] == "sar"
    assert run["lineage"]["process"] == "earth.flood"
    items = store.catalog.search(SearchQuery(limit=50))
    assert items.matched == 1
    for doc in items.items:
        assert all(a["href"].startswith("/") for a in doc["assets"].values())
    values = store.watch.series(area["id"], "water_km2")
    assert len(values) >= 1
    assert all(0 < v["value"] < 7.0 for v in values)  # the AOI is about 2.6 x 3.3 km
    again = watch_pass(store, settings, source=source)
    assert (again.submitted, again.succeeded) == (0, 0)
    store.close()
