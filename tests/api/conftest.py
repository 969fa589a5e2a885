"""API fixtures: an app on SQLite and on PostgreSQL, a TestClient, a writer key, and a live server on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spacebridge.api import create_app
from spacebridge.core.settings import Settings
from spacebridge.service.store import Store
from tests.service.stac_fixtures import collection, item


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_request_bytes=200_000)


@pytest.fixture
def app(store: Store, settings: Settings) -> FastAPI:
    return create_app(settings, store=store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def key(store: Store) -> str:
    return store.create_key("tests")


@pytest.fixture
def filled(store: Store) -> Store:
    """Three items: Spain 2019, Fiji 2020 (across the date line), the Aral Sea 2024."""
    store.catalog.upsert_collection(collection())
    store.catalog.upsert_collection(collection("other"))
    store.catalog.upsert_item(item("spain", (-1.0, 38.0, -0.8, 38.2), "2019-09-18T10:56:21Z"))
    store.catalog.upsert_item(item("fiji", (178.0, -18.5, -179.0, -16.0), "2020-01-01T00:00:00Z"))
    store.catalog.upsert_item(item("aral", (58.0, 43.0, 62.0, 47.0), "2024-04-01T06:00:00Z", cid="other"))
    return store


@pytest.fixture(scope="session")
def product_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a STAC catalog of product COGs made from the real Spain 2019 Sentinel-1 scene."""
    from tests.service.products import make_catalog

    root = tmp_path_factory.mktemp("product-catalog")
    make_catalog(root / "products")
    return root


@pytest.fixture(scope="session")
def flood_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding what 'make demo' writes for the flood: the real workflow on the Spain 2019 scenes."""
    from spacebridge.core.atomic import staged_output_dir
    from spacebridge.earth.flood.workflow import FloodRequest, run_flood
    from tests.conftest import EXAMPLES

    root = tmp_path_factory.mktemp("flood-demo")
    scenes = EXAMPLES / "flood-spain-2019"
    s2, s1 = scenes / "Spain_7370579_S2Hand.tif", scenes / "Spain_7370579_S1Hand.tif"
    request = FloodRequest(optical=str(s2), sar=str(s1))
    with staged_output_dir(root / "flood") as stage:
        run_flood(request, stage)
    return root
