"""The map page's boundaries: served from the configured folder, and a clear message when they are missing."""

from fastapi.testclient import TestClient

from spacebridge.api import create_app
from spacebridge.core.settings import Settings
from tests.conftest import EXAMPLES


def test_boundaries_come_from_the_configured_folder(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        _check_bundled_boundaries(client)


def _check_bundled_boundaries(client):
    assert client.get("/boundaries").json() == {"levels": {"adm0": True, "adm1": True, "adm2": True}, "message": None}
    adm1 = client.get("/boundaries/adm1.geojson")
    assert adm1.headers["content-type"] == "application/geo+json"
    names = {f["properties"]["ADM1_EN"] for f in adm1.json()["features"]}
    assert {"Abay", "Almaty"} <= names
    assert client.get("/").status_code == 200


def test_a_missing_boundaries_folder_is_explained(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", boundaries_dir=tmp_path / "nowhere")
    with TestClient(create_app(settings)) as client:
        index = client.get("/boundaries").json()
        assert index["levels"] == {"adm0": False, "adm1": False, "adm2": False}
        assert "--boundaries" in index["message"]
        missing = client.get("/boundaries/adm0.geojson")
        assert missing.status_code == 404
        assert "SPACEBRIDGE_BOUNDARIES_DIR" in missing.json()["hint"]
    elsewhere = tmp_path / "kz"
    elsewhere.mkdir()
    (elsewhere / "kaz_adm0_geokz.geojson").write_bytes(
        (EXAMPLES / "kazakhstan" / "boundaries" / "kaz_adm0_geokz.geojson").read_bytes()
    )
    with TestClient(create_app(settings.replace(boundaries_dir=elsewhere))) as client:
        index = client.get("/boundaries").json()
        assert index["levels"] == {"adm0": True, "adm1": False, "adm2": False}
        assert "adm1, adm2" in index["message"]
        assert client.get("/boundaries/adm0.geojson").json()["type"] == "FeatureCollection"
