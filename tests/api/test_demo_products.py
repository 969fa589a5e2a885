"""The products 'make demo' writes are served: the real flood workflow's output is searchable and tiles render."""

import io
import shutil

import morecantile
import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from spacebridge.api import create_app
from spacebridge.core.settings import Settings

ORIHUELA = "-0.775,38.09,-0.745,38.12"
TMS = morecantile.tms.get("WebMercatorQuad")


def test_flood_products_are_searchable_and_tile(flood_demo, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(flood_demo, data)
    with TestClient(create_app(Settings(data_dir=data))) as client:  # ingests the folder's catalogs at start-up
        found = client.get("/stac/search", params={"bbox": ORIHUELA, "collections": "spacebridge-flood"}).json()
        (item,) = found["features"]
        assert item["id"] == "flood-Spain_7370579_S2Hand"
        assert {"extent", "likelihood", "classes", "polygons"} <= set(item["assets"])
        assert item["properties"]["spacebridge:lineage"]["process"] == "earth.flood"
        assert client.get("/stac/search", params={"bbox": "60,45,61,46"}).json()["features"] == []
        west, south, east, north = item["bbox"]
        tile = TMS.tile((west + east) / 2, (south + north) / 2, 14)
        resp = client.get(f"/tiles/spacebridge-flood/{item['id']}/extent/{tile.z}/{tile.x}/{tile.y}.png")
        assert resp.headers["content-type"] == "image/png"
        rgba = np.asarray(Image.open(io.BytesIO(resp.content)).convert("RGBA"))
        colours = {tuple(int(v) for v in c) for c in rgba[rgba[..., 3] > 0][:, :3]}
        legend = client.get(f"/tiles/spacebridge-flood/{item['id']}/extent/legend").json()
        assert legend["kind"] == "classes"
        drawn = {tuple(c["rgba"][:3]) for c in legend["classes"]}
        assert len(colours & drawn) == 2  # dry and water pixels drawn in the legend's colours
        polygons = client.get(item["assets"]["polygons"]["href"])
        assert polygons.json()["type"] == "FeatureCollection"


def test_the_demo_report_is_linked_and_only_its_files_are_served(tmp_path):
    data = tmp_path / "data"
    (data / "flood").mkdir(parents=True)
    (data / "report.html").write_text('<img src="flood/quicklook.png">')
    (data / "flood" / "quicklook.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (data / ".stage").mkdir()
    (data / ".stage" / "x.png").write_bytes(b"\x89PNG")
    with TestClient(create_app(Settings(data_dir=data))) as client:
        page = client.get("/").text
        assert 'href="/report/"' in page
        assert 'href="/connect"' in page
        assert client.get("/report/").text.startswith("<img")
        assert client.get("/report/flood/quicklook.png").status_code == 200
        for path in ("spacebridge.sqlite", ".stage/x.png", "../data/report.html", "%2e%2e/%2e%2e/etc/passwd"):
            assert client.get(f"/report/{path}").status_code == 404, path
    with TestClient(create_app(Settings(data_dir=tmp_path / "empty"))) as client:
        assert "/report/" not in client.get("/").text
        assert client.get("/report/").status_code == 404
