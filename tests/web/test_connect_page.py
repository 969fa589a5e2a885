"""The connectivity page in real headless Chromium: settlements by option, rollout order, oblast summary."""

from __future__ import annotations

import pytest

from spacebridge.api import create_app
from spacebridge.core.settings import Settings
from spacebridge.service.store import Store
from tests.api.conftest import live_server
from tests.api.connect_fixtures import write_demo_plan

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("connect-web")
    write_demo_plan(data)
    store = Store.from_settings(Settings(data_dir=data))
    with live_server(create_app(Settings(data_dir=data), store=store, ingest=False)) as url:
        yield url
    store.close()


def _dot_colours(page) -> set[str]:
    return set(page.eval_on_selector_all("#legend .dot", "els => els.map(e => getComputedStyle(e).backgroundColor)"))


def test_connect_page_shows_options_rollout_and_oblasts(browser, plan_server, artifacts):
    url = plan_server
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    problems, external = [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((url, "data:", "blob:")) else None)
    page.goto(url + "/connect")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert "Could not load" not in page.locator("#plan-info").inner_text()

    legend = page.locator("#legend .row").all_inner_texts()
    assert any(t.startswith("KazSat-3") for t in legend)
    assert any(t.startswith("Starlink-like") for t in legend)
    counted = sum(int(t.rsplit(":", 1)[1].replace(",", "")) for t in legend)
    assert counted == page.evaluate("state.markers.length") > 300  # every settlement drawn and counted once
    assert page.locator("#options tr.current td").first.inner_text() == "hybrid"
    assert page.locator("#rollout li").count() == 50
    oblasts = page.locator("#summary tr").count() - 1
    assert oblasts >= 10
    page.screenshot(path=str(artifacts / "connect-hybrid.png"))

    page.select_option("#option", "geo-only")
    page.wait_for_function("document.querySelector('#options tr.current td').textContent === 'geo-only'")
    page.wait_for_function("document.querySelector('#rollout li .meta').textContent.startsWith('kazsat')")
    page.select_option("#colour", "year")
    assert any(t.startswith("year 1:") for t in page.locator("#legend .row").all_inner_texts())
    assert len(_dot_colours(page)) >= 2
    page.screenshot(path=str(artifacts / "connect-geo-years.png"))

    page.locator("#rollout li").first.click()
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert "rollout: year 1, rank 1" in page.locator(".leaflet-popup-content").inner_text()
    page.screenshot(path=str(artifacts / "connect-popup.png"))
    assert problems == []
    assert external == []
