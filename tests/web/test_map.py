"""The web map in real headless Chromium: loads clean, shows a layer, charts a pixel, runs an analysis."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((url, "data:", "blob:")) else None)
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    return page, problems, external


def test_map_loads_shows_a_layer_and_charts_a_pixel(browser, served, artifacts):
    url, _key = served
    page, problems, external = _open(browser, url)
    page.wait_for_selector(".product-layer img.leaflet-tile-loaded", timeout=30_000)
    assert page.locator("#legend .row").count() >= 1
    assert page.locator("path.leaflet-interactive").count() > 10  # oblast and district outlines drawn
    page.screenshot(path=str(artifacts / "map-layer.png"))
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chart .uplot canvas", timeout=20_000)
    assert "2 of 2 dates valid" in page.locator("#chart-info").inner_text()
    page.screenshot(path=str(artifacts / "map-chart.png"))
    page.click("#swipe-box summary")
    page.select_option("#before", index=1)
    page.select_option("#after", index=2)
    assert page.locator("#swipe").is_visible()
    page.screenshot(path=str(artifacts / "map-swipe.png"))
    assert problems == []
    assert external == []  # nothing loaded from outside this server


def test_analysis_started_from_the_page_completes(browser, served, artifacts):
    url, key = served
    page, problems, _ = _open(browser, url)
    page.wait_for_selector(".product-layer img.leaflet-tile-loaded", timeout=30_000)
    page.fill("#apikey", key)
    page.wait_for_selector("#analysis option[value='zonal-stats']", state="attached")
    offered = page.locator("#analysis option").evaluate_all("(opts) => opts.map((o) => o.value)")
    assert "zonal-stats" in offered
    assert not {"flood", "burn", "index"} & set(offered)  # those run on scenes a watch pass lists
    page.click(".leaflet-draw-draw-rectangle")
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 80, cy - 60)
    page.mouse.down()
    page.mouse.move(cx + 80, cy + 60, steps=8)
    page.mouse.up()
    page.wait_for_selector("#start:not([disabled])")
    page.click("#start")
    page.wait_for_function("document.getElementById('run-status').textContent.includes('succeeded')", timeout=60_000)
    status = page.locator("#run-status").inner_text()
    assert "mean" in status
    page.screenshot(path=str(artifacts / "map-analysis.png"))
    assert problems == []


def test_demo_flood_product_appears_on_the_map_without_boundaries(browser, flood_demo, tmp_path, artifacts):
    """The real flood workflow's output folder served as 'make serve' does; boundaries missing are explained."""
    import shutil

    from spacebridge.api import create_app
    from spacebridge.core.settings import Settings
    from tests.api.conftest import live_server

    data = tmp_path / "data"
    shutil.copytree(flood_demo, data)
    with live_server(create_app(Settings(data_dir=data, boundaries_dir=tmp_path / "none"))) as url:
        page, problems, external = _open(browser, url)
        page.wait_for_selector(".product-layer img.leaflet-tile-loaded", timeout=30_000)
        assert "flood-Spain_7370579_S2Hand" in page.locator("#product option:checked").inner_text()
        assert "--boundaries" in page.locator("#boundaries-note").inner_text()
        assert page.locator("#legend .row").count() >= 2
        page.check("#vector")
        page.wait_for_selector("path.product-vector", timeout=20_000)
        page.screenshot(path=str(artifacts / "map-demo-flood.png"))
        page.close()
    assert problems == []
    assert external == []
