import io

import morecantile
import numpy as np
import pytest
from PIL import Image

from spacebridge.service.ingest import ingest_folder

LON, LAT = -0.76, 38.105  # inside the Spain 2019 scene
TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture
def products(store, product_catalog):
    ingest_folder(store, product_catalog)
    return store


def _png(resp):
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(resp.content)).convert("RGBA"))


def test_class_product_tile_is_coloured_by_class(client, products):
    t = TMS.tile(LON, LAT, 14)
    rgba = _png(client.get(f"/tiles/test-water/water-2019-09-17/data/{t.z}/{t.x}/{t.y}.png"))
    opaque = rgba[..., 3] > 0
    assert opaque.mean() > 0.2
    water = (rgba[..., 2] == 220) & (rgba[..., 0] == 20)
    assert water.any()
    assert (~water & opaque).any()
    legend = client.get("/tiles/test-water/water-2019-09-17/data/legend").json()
    assert legend["kind"] == "classes"
    assert [c["value"] for c in legend["classes"]] == [0, 1]


def test_continuous_product_tile_and_options(client, products):
    t = TMS.tile(LON, LAT, 13)
    rgba = _png(client.get(f"/tiles/test-vv/vv-2019-09-17/data/{t.z}/{t.x}/{t.y}.png"))
    assert len({tuple(p) for p in rgba[rgba[..., 3] > 0][:, :3]}) > 20  # a colour ramp, not one colour
    legend = client.get("/tiles/test-vv/vv-2019-09-17/data/legend").json()
    assert legend["kind"] == "continuous"
    lo, hi = legend["rescale"]
    assert -35 < lo < hi < 10  # Sentinel-1 VV backscatter, dB
    _png(
        client.get(
            f"/tiles/test-vv/vv-2019-09-17/data/{t.z}/{t.x}/{t.y}.png", params={"colormap": "blues", "rescale": "-25,0"}
        )
    )
    assert (
        client.get(f"/tiles/test-vv/vv-2019-09-17/data/{t.z}/{t.x}/{t.y}.png", params={"colormap": "nope"}).status_code
        == 422
    )
    assert (
        client.get(f"/tiles/test-vv/vv-2019-09-17/data/{t.z}/{t.x}/{t.y}.png", params={"rescale": "5,1"}).json()[
            "context"
        ]["field"]
        == "rescale"
    )


def test_tiles_outside_and_unknown(client, products):
    rgba = _png(client.get("/tiles/test-vv/vv-2019-09-17/data/10/100/100.png"))
    assert rgba[..., 3].max() == 0  # transparent: outside the product
    assert client.get("/tiles/test-vv/nope/data/1/0/0.png").status_code == 404
    assert client.get("/tiles/nope/nope/data/1/0/0.png").status_code == 404
    assert client.get("/tiles/test-vv/vv-2019-09-17/nope/1/0/0.png").status_code == 404
    assert client.get("/tiles/test-vv/vv-2019-09-17/data/1/5/0.png").status_code == 422


def test_point_series_json_and_csv(client, products):
    rows = client.get("/timeseries/point", params={"collection": "test-vv", "lon": LON, "lat": LAT}).json()
    assert [r["datetime"][:10] for r in rows] == ["2019-09-17", "2019-09-29"]
    assert rows[1]["value"] == pytest.approx(rows[0]["value"] + 3.0, abs=1e-4)
    csv = client.get("/timeseries/point", params={"collection": "test-vv", "lon": LON, "lat": LAT, "format": "csv"})
    assert csv.text.splitlines()[0] == "datetime,item_id,value"
    far = client.get("/timeseries/point", params={"collection": "test-vv", "lon": 60, "lat": 45}).json()
    assert far == []
    assert client.get("/timeseries/point", params={"collection": "nope", "lon": 0, "lat": 0}).status_code == 404
    assert client.get("/timeseries/point", params={"collection": "test-vv", "lon": 200, "lat": 0}).status_code == 422


def test_asset_download(client, products):
    item = client.get("/stac/collections/test-vv/items/vv-2019-09-17").json()
    href = item["assets"]["data"]["href"]
    assert href.startswith("http://testserver/stac/collections/test-vv/items/vv-2019-09-17/assets/data")
    resp = client.get(href)
    assert resp.status_code == 200
    assert resp.content[:4] in (b"II*\x00", b"MM\x00*")
    assert client.get("/stac/collections/test-vv/items/vv-2019-09-17/assets/nope").status_code == 404
