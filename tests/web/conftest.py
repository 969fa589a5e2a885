"""Browser fixtures: Debian's Chromium driven by Playwright, against the service on loopback."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spacebridge.api import create_app
from spacebridge.core.settings import Settings
from spacebridge.service.store import Store
from tests.api.conftest import flood_demo, live_server, product_catalog  # noqa: F401  (fixtures)

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        reason = "Chromium not found at /usr/bin/chromium; apt-get install chromium"
        if os.environ.get("SPACEBRIDGE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (SPACEBRIDGE_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def served(tmp_path: Path, product_catalog: Path) -> Iterator[tuple[str, str]]:  # noqa: F811
    """The service over the product catalog (ingested at start-up, as with demo-output); yields (url, key)."""
    data = tmp_path / "data"
    shutil.copytree(product_catalog, data)
    settings = Settings(data_dir=data)
    store = Store.from_settings(settings)
    key = store.create_key("browser test")
    with live_server(create_app(settings, store=store)) as url:
        yield url, key
    store.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
