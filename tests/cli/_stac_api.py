"""A small STAC API on loopback for the time-series command tests: landing page, conformance and item search with
pages linked by ``next`` (POST, merged body with a page token, as Earth Search pages), over items whose assets
are the bundled files.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import rasterio

S2_NAMES = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]
S2_COMMON = ["coastal", "blue", "green", "red", "rededge071", "rededge075", "rededge078", "nir", "nir08", "nir09",
             "cirrus", "swir16", "swir22"]  # fmt: skip
PAGE_SIZE = 2


def s2_l1c_item(path: Path, when: str) -> dict[str, Any]:
    """A STAC Item of the 13-band Sentinel-2 L1C file ``path`` (DN x 10^4) acquired at ``when`` (ISO 8601, Z)."""
    with rasterio.open(path) as src:
        west, south, east, north = src.bounds
        transform, shape = list(src.transform)[:6], [src.height, src.width]
    return {
        "type": "Feature", "stac_version": "1.0.0",
        "stac_extensions": ["https://stac-extensions.github.io/raster/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/projection/v1.1.0/schema.json"],
        "id": f"S2_L1C_{when[:10]}", "collection": "sentinel-2-l1c", "bbox": [west, south, east, north],
        "geometry": {"type": "Polygon",
                     "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]},
        "properties": {"datetime": when, "platform": "sentinel-2a", "proj:epsg": 4326},
        "links": [],
        "assets": {"data": {
            "href": str(path.resolve()), "type": "image/tiff; application=geotiff", "roles": ["data"],
            "raster:bands": [{"data_type": "int16", "nodata": 0, "scale": 1e-4, "offset": 0.0} for _ in S2_NAMES],
            "eo:bands": [{"name": n, "common_name": c} for n, c in zip(S2_NAMES, S2_COMMON, strict=True)],
            "proj:shape": shape, "proj:transform": transform,
        }},
    }  # fmt: skip


def _matches(item: dict[str, Any], params: dict[str, Any]) -> bool:
    bbox = params.get("bbox")
    if isinstance(bbox, str):
        bbox = [float(v) for v in bbox.split(",")]
    w, s, e, n = item["bbox"]
    if bbox and (bbox[0] > e or bbox[2] < w or bbox[1] > n or bbox[3] < s):
        return False
    collections = params.get("collections")
    if isinstance(collections, str):
        collections = collections.split(",")
    if collections and item["collection"] not in collections:
        return False
    if params.get("datetime"):
        start, _, end = str(params["datetime"]).partition("/")
        when = pd.Timestamp(item["properties"]["datetime"])
        if start not in ("", "..") and when < pd.Timestamp(start):
            return False
        if end not in ("", "..") and when > pd.Timestamp(end):
            return False
    return True


class _Handler(BaseHTTPRequestHandler):
    items: ClassVar[list[dict[str, Any]]] = []
    searches: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:  # keep pytest output quiet
        pass

    def _send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _base(self) -> str:
        return f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"

    def do_GET(self) -> None:
        base = self._base()
        if self.path in ("", "/"):
            self._send({
                "type": "Catalog", "id": "loopback", "stac_version": "1.0.0", "description": "test STAC API",
                "conformsTo": ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search"],
                "links": [{"rel": "self", "href": f"{base}/", "type": "application/json"},
                          {"rel": "root", "href": f"{base}/", "type": "application/json"},
                          {"rel": "search", "href": f"{base}/search", "type": "application/geo+json",
                           "method": "POST"}],
            })  # fmt: skip
        elif self.path == "/conformance":
            self._send({"conformsTo": ["https://api.stacspec.org/v1.0.0/core"]})
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        if self.path != "/search":
            self.send_error(404)
            return
        params = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.searches.append(params)
        found = [item for item in self.items if _matches(item, params)]
        start = int(params.get("token", 0))
        links = []
        if start + PAGE_SIZE < len(found):
            links.append({"rel": "next", "href": f"{self._base()}/search", "type": "application/geo+json",
                          "method": "POST", "body": {"token": start + PAGE_SIZE}, "merge": True})  # fmt: skip
        self._send({"type": "FeatureCollection", "features": found[start : start + PAGE_SIZE], "links": links})


@contextmanager
def serve_stac(items: Sequence[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve ``items`` on 127.0.0.1; yields the API's URL and the list of search bodies it received."""
    handler = type("Handler", (_Handler,), {"items": list(items), "searches": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.searches
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
