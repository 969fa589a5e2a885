"""The sky page in real headless Chromium: loads clean, lists targets with reasons, charts the selected target's
altitude, lists the sample's satellite passes, and is linked with the map page."""

import pytest

from spacebridge.api import create_app
from spacebridge.core.settings import Settings
from tests.api.conftest import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def sky_url(tmp_path):
    with live_server(create_app(Settings(data_dir=tmp_path / "data"), ingest=False)) as url:
        yield url


def test_sky_page_loads_and_charts_the_selected_target(browser, sky_url, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, external = [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((sky_url, "data:", "blob:")) else None)
    page.goto(sky_url + "/sky")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.select_option("#site", "assy-turgen")
    page.fill("#night", "2026-11-20")
    page.dispatch_event("#night", "change")
    page.wait_for_selector("body[data-shown='assy-turgen/2026-11-20']", timeout=60_000)
    assert "observable between" in page.locator("#status").inner_text()
    assert "2026-11-20" in page.locator("#twilights").inner_text()
    assert page.locator("#targets tr[data-id]").count() == 14
    assert page.locator("#targets tr[data-id='LMC'] td").nth(4).inner_text() == "altitude below 0 deg"
    page.click("#targets tr[data-id='M42']")
    page.wait_for_selector("#chart .uplot canvas")
    assert page.locator("#chart-title").inner_text().startswith("Altitude of M42 at assy-turgen")
    assert "selected" in (page.locator("#targets tr[data-id='M42']").get_attribute("class") or "")
    assert "passes above 10° of 190 satellites" in page.locator("#passes-info").inner_text()
    assert page.locator("#timeline rect.block").count() > 5  # the sample request file, scheduled
    assert "requests scheduled between" in page.locator("#schedule-info").inner_text()
    assert page.locator("#passes tbody tr").count() > 5
    page.screenshot(path=str(artifacts / "sky-page.png"), full_page=True)
    page.click("nav a[href='/']")
    page.wait_for_selector("nav a[href='/sky']")
    assert problems == []
    assert external == []
