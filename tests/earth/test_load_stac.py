"""Loading through STAC: a static Item JSON pointing at the bundled scene, an Item URL and a STAC API search,
both served by a real HTTP server on loopback (no external network)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import rasterio

from spacebridge.core.errors import MalformedInputError
from spacebridge.earth.load import open_scene, search_scenes

S2_NAMES = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]
S2_COMMON = ["coastal", "blue", "green", "red", "rededge071", "rededge075", "rededge078", "nir", "nir08", "nir09",
             "cirrus", "swir16", "swir22"]  # fmt: skip


def s2_item(path: Path, *, collection: str = "sentinel-2-l1c", scale: float | None = 1e-4, offset: float = 0.0,
            properties: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    with rasterio.open(path) as src:
        west, south, east, north = src.bounds
        transform, shape = list(src.transform)[:6], [src.height, src.width]
    raster = [{"data_type": "int16", "nodata": 0} for _ in S2_NAMES]
    if scale is not None:
        for rb in raster:
            rb.update(scale=scale, offset=offset)
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": [
            "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
            "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
            "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
        ],
        "id": "S2A_MSIL1C_20190918_Spain_7370579",
        "collection": collection,
        "bbox": [west, south, east, north],
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
        },
        "properties": {
            "datetime": "2019-09-18T10:56:21Z",
            "platform": "sentinel-2a",
            "proj:epsg": 4326,
            **(properties or {}),
        },
        "links": [],
        "assets": {
            "data": {
                "href": str(path.resolve()),
                "type": "image/tiff; application=geotiff",
                "roles": ["data"],
                "raster:bands": raster,
                "eo:bands": [{"name": n, "common_name": c} for n, c in zip(S2_NAMES, S2_COMMON, strict=True)],
                "proj:shape": shape,
                "proj:transform": transform,
            }
        },
    }


@pytest.fixture(scope="module")
def s2_path(examples_dir) -> Path:
    return examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif"


@pytest.fixture(scope="module")
def dn(s2_path) -> dict[str, np.ndarray]:
    with rasterio.open(s2_path) as src:
        return {"green": src.read(3), "nir": src.read(8)}


def test_static_item_with_raster_bands_scale_and_offset(tmp_path, s2_path, dn):
    item_path = tmp_path / "item.json"
    item_path.write_text(json.dumps(s2_item(s2_path, offset=-0.1)))
    scene = open_scene(item_path, bands=["green", "nir"])
    assert scene.sensor.id == "sentinel-2-l1c"  # from the collection id
    assert scene.id == "S2A_MSIL1C_20190918_Spain_7370579"
    assert scene.datetime_utc == "2019-09-18T10:56:21Z"
    assert scene.radiometry["nir"].source == "STAC raster:bands"
    expected = dn["nir"].astype(np.float32) * np.float32(1e-4) + np.float32(-0.1)
    np.testing.assert_allclose(scene.data.nir.values, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    ("properties", "offset"),
    [
        ({"s2:processing_baseline": "04.00"}, -0.1),  # Planetary Computer style: no raster scale, baseline given
        ({"s2:processing_baseline": "02.08"}, 0.0),
        ({"earthsearch:boa_offset_applied": True, "s2:processing_baseline": "05.09"}, 0.0),  # already removed
    ],
)
def test_sentinel2_baseline_rules_through_stac(tmp_path, s2_path, dn, properties, offset):
    item = s2_item(s2_path, collection="sentinel-2-l2a", scale=None, properties=properties)
    scene = open_scene(item, bands=["green"])
    assert scene.sensor.id == "sentinel-2-l2a"
    expected = dn["green"] * 1e-4 + offset
    np.testing.assert_allclose(scene.data.green.values, expected, rtol=1e-5, atol=1e-6)


def test_not_a_stac_item(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(MalformedInputError, match="STAC Item"):
        open_scene(bad)


class _StacApi(BaseHTTPRequestHandler):
    """A tiny STAC API (landing page, conformance, item search) over a list of items."""

    items: ClassVar[list[dict[str, Any]]] = []
    files: ClassVar[dict[str, Path]] = {}

    def log_message(self, *args: Any) -> None:  # keep pytest output quiet
        pass

    def _send(self, payload: dict[str, Any], content_type: str = "application/json") -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _base(self) -> str:
        return f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"

    def _search(self, params: dict[str, Any]) -> None:
        bbox = params.get("bbox")
        if isinstance(bbox, str):
            bbox = [float(v) for v in bbox.split(",")]
        collections = params.get("collections")
        if isinstance(collections, str):
            collections = collections.split(",")
        found = []
        for item in self.items:
            w, s, e, n = item["bbox"]
            if bbox and (bbox[0] > e or bbox[2] < w or bbox[1] > n or bbox[3] < s):
                continue
            if collections and item["collection"] not in collections:
                continue
            found.append(item)
        self._send({"type": "FeatureCollection", "features": found, "links": []}, "application/geo+json")

    def _file(self, head: bool) -> None:
        """Serve a raster with HTTP range requests, as object stores do (GDAL's /vsicurl/ needs them)."""
        data = self.files[urlparse(self.path).path.rsplit("/", 1)[-1]].read_bytes()
        start, end = 0, len(data) - 1
        ranged = self.headers.get("Range", "").startswith("bytes=")
        if ranged:
            first, _, last = self.headers["Range"][6:].partition("-")
            start, end = int(first or 0), min(int(last) if last else len(data) - 1, len(data) - 1)
        self.send_response(206 if ranged else 200)
        self.send_header("Content-Type", "image/tiff")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if ranged:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        if not head:
            self.wfile.write(data[start : end + 1])

    def do_HEAD(self) -> None:
        self._file(head=True)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        base = self._base()
        if url.path.startswith("/data/"):
            self._file(head=False)
            return
        if url.path in ("", "/"):
            self._send({
                "type": "Catalog", "id": "loopback", "stac_version": "1.0.0", "description": "test API",
                "conformsTo": ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search"],
                "links": [
                    {"rel": "self", "href": f"{base}/", "type": "application/json"},
                    {"rel": "root", "href": f"{base}/", "type": "application/json"},
                    {"rel": "search", "href": f"{base}/search", "type": "application/geo+json", "method": "GET"},
                    {"rel": "search", "href": f"{base}/search", "type": "application/geo+json", "method": "POST"},
                ],
            })  # fmt: skip
        elif url.path == "/conformance":
            self._send({"conformsTo": ["https://api.stacspec.org/v1.0.0/core"]})
        elif url.path == "/search":
            self._search({k: v[0] for k, v in parse_qs(url.query).items()})
        elif url.path == "/item.json":
            item = json.loads(json.dumps(self.items[0]))
            item["assets"]["data"]["href"] = f"{base}/data/{next(iter(self.files))}"  # a remote COG, like a real API
            self._send(item)
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._search(json.loads(self.rfile.read(length) or b"{}"))


@pytest.fixture
def stac_api(s2_path) -> Iterator[str]:
    handler = type("Handler", (_StacApi,), {"items": [s2_item(s2_path)], "files": {s2_path.name: s2_path}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_stac_item_url_with_remote_asset(stac_api, dn):
    scene = open_scene(f"{stac_api}/item.json", bands=["nir"])  # item and raster both read over HTTP
    np.testing.assert_allclose(scene.data.nir.values, dn["nir"] * 1e-4, rtol=1e-6)
    assert scene.href.endswith("/item.json")


def test_stac_api_search_then_open(stac_api, dn):
    items = search_scenes(
        stac_api, bbox=(-0.78, 38.08, -0.74, 38.12), datetime="2019-09-01/2019-09-30", collections=["sentinel-2-l1c"]
    )
    assert [i.id for i in items] == ["S2A_MSIL1C_20190918_Spain_7370579"]
    scene = open_scene(items[0], bands=["green", "nir"])
    np.testing.assert_allclose(scene.data.green.values, dn["green"] * 1e-4, rtol=1e-6)
    elsewhere = search_scenes(
        stac_api, bbox=(76.8, 43.1, 77.1, 43.4), datetime="2019-09-01/2019-09-30", collections=["sentinel-2-l1c"]
    )
    assert elsewhere == []


def test_per_band_assets_at_two_resolutions_load_on_the_finest_grid(tmp_path, s2_path, dn):
    """Earth Search style: one asset per band, 10 m and 20 m; the scene comes out on the 10 m grid."""
    with rasterio.open(s2_path) as src:
        profile, transform = src.profile, src.transform
        b11 = src.read(12)
    fine, coarse = tmp_path / "B03.tif", tmp_path / "B11.tif"
    single = {**profile, "count": 1}
    with rasterio.open(fine, "w", **single) as dst:
        dst.write(dn["green"], 1)
    half = b11[::2, ::2]
    coarse_transform = transform * rasterio.Affine.scale(2)
    with rasterio.open(coarse, "w", **{**single, "width": 256, "height": 256, "transform": coarse_transform}) as dst:
        dst.write(half, 1)
    item = s2_item(s2_path, collection="sentinel-2-l2a", properties={"s2:processing_baseline": "02.12"})
    base = item["assets"].pop("data")
    for key, path, tr, shape in (
        ("green", fine, transform, [512, 512]),
        ("swir16", coarse, coarse_transform, [256, 256]),
    ):
        item["assets"][key] = {
            **base,
            "href": str(path),
            "raster:bands": [{"data_type": "int16", "nodata": 0, "scale": 1e-4, "offset": 0.0}],
            "eo:bands": [{"name": key, "common_name": key}],
            "proj:transform": list(tr)[:6],
            "proj:shape": shape,
        }
    scene = open_scene(item)
    assert list(scene.data.data_vars) == ["green", "swir16"]
    assert scene.geobox.shape == (512, 512)
    np.testing.assert_allclose(scene.data.green.values, dn["green"] * 1e-4, rtol=1e-6)
    # each 20 m pixel covers 2 x 2 pixels of the 10 m grid (nearest neighbour)
    np.testing.assert_allclose(scene.data.swir16.values[::2, ::2], half * 1e-4, rtol=1e-6)
    np.testing.assert_allclose(scene.data.swir16.values[1::2, 1::2], half * 1e-4, rtol=1e-6)
