import sqlite3

from fastapi.testclient import TestClient

from spacebridge.api import create_app
from spacebridge.core.settings import Settings
from spacebridge.service.store import Store

SQUARE = {"type": "Polygon", "coordinates": [[[-1, 38], [-0.8, 38], [-0.8, 38.2], [-1, 38.2], [-1, 38]]]}


def test_unreachable_database_is_503_with_retry_after(tmp_path):
    store = Store("postgresql://nobody@127.0.0.1:9/none", retries=1, retry_wait_s=0.01)
    app = create_app(Settings(data_dir=tmp_path), store=store, ingest=False)
    with TestClient(app) as client:
        resp = client.get("/health")
        assert resp.status_code == 503
        assert resp.headers["retry-after"] == "5"
        assert resp.json()["code"] == "ServiceUnavailableError"
        assert client.get("/stac/search").status_code == 503


def test_locked_database_write_is_503_and_loses_nothing(tmp_path):
    path = tmp_path / "db.sqlite"
    store = Store(f"sqlite:///{path}", retries=1, retry_wait_s=0.01, busy_timeout_s=0.1)
    store.migrate()
    key = store.create_key("t")
    app = create_app(Settings(data_dir=tmp_path), store=store, ingest=False)
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        client.post("/areas", json={"name": "first", "geometry": SQUARE}, headers=auth)
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        resp = client.post("/areas", json={"name": "second", "geometry": SQUARE}, headers=auth)
        assert resp.status_code == 503
        locker.execute("ROLLBACK")
        locker.close()
        assert [a["name"] for a in client.get("/areas").json()] == ["first"]  # the earlier record is intact
        resp = client.post("/areas", json={"name": "second", "geometry": SQUARE}, headers=auth)  # the client retries
        assert resp.status_code == 201
        assert [a["name"] for a in client.get("/areas").json()] == ["first", "second"]
