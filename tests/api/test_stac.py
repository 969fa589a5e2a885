import pytest
from pystac_client import Client

from tests.api.conftest import live_server
from tests.service.stac_fixtures import item


def _ids(resp):
    assert resp.status_code == 200, resp.text
    return sorted(f["id"] for f in resp.json()["features"])


def test_landing_page_and_conformance(client, filled):
    body = client.get("/stac").json()
    assert body["type"] == "Catalog"
    assert "https://api.stacspec.org/v1.0.0/item-search" in body["conformsTo"]
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "root", "conformance", "data", "search", "service-desc", "child"} <= rels
    assert client.get("/stac/conformance").json()["conformsTo"] == body["conformsTo"]


def test_collections_and_items(client, filled):
    colls = client.get("/stac/collections").json()["collections"]
    assert [c["id"] for c in colls] == ["flood-extent", "other"]
    assert colls[0]["extent"]["spatial"]["bbox"][0][1] == pytest.approx(-18.5)
    assert _ids(client.get("/stac/collections/flood-extent/items")) == ["fiji", "spain"]
    one = client.get("/stac/collections/flood-extent/items/spain")
    assert one.headers["content-type"] == "application/geo+json"
    assert one.json()["links"][0]["href"].endswith("/stac/collections/flood-extent/items/spain")
    assert client.get("/stac/collections/nope").status_code == 404
    assert client.get("/stac/collections/nope/items").status_code == 404
    missing = client.get("/stac/collections/flood-extent/items/nope")
    assert missing.status_code == 404
    assert missing.json()["context"]["item"] == "nope"


def test_search_get_and_post(client, filled):
    assert _ids(client.get("/stac/search", params={"bbox": "-2,37,0,39"})) == ["spain"]
    assert _ids(client.get("/stac/search", params={"bbox": "179,-20,-178,-10"})) == ["fiji"]
    assert _ids(client.get("/stac/search", params={"collections": "other"})) == ["aral"]
    assert _ids(client.get("/stac/search", params={"datetime": "2019-01-01T00:00:00Z/2020-06-01T00:00:00Z"})) == [
        "fiji",
        "spain",
    ]
    assert _ids(client.post("/stac/search", json={"bbox": [179, -20, -178, -10]})) == ["fiji"]
    assert _ids(client.post("/stac/search", json={"datetime": "../2019-12-31T00:00:00Z"})) == ["spain"]
    assert _ids(client.post("/stac/search", json={"ids": ["aral", "spain"], "collections": ["other"]})) == ["aral"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "0,10,1,5"}, "bbox"),  # inverted latitudes
        ({"bbox": "0,0,200,1"}, "bbox"),  # out of range
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"datetime": "2020-01-02T00:00:00Z/2020-01-01T00:00:00Z"}, "datetime"),
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
    ],
)
def test_bad_search_parameters_are_422_naming_the_field(client, filled, params, field):
    resp = client.get("/stac/search", params=params)
    assert resp.status_code == 422, resp.text
    assert resp.json()["detail"][0]["loc"][-1] == field


def test_bad_token_and_bad_bodies(client, filled):
    resp = client.get("/stac/search", params={"token": "xyz"})
    assert resp.status_code == 422
    assert resp.json()["context"]["field"] == "token"
    resp = client.post("/stac/search", json={"bbox": [10, 50, 11, 40]})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "bbox"]
    resp = client.post("/stac/search", content=b'{"bbox": [1,2,', headers={"content-type": "application/json"})
    assert resp.status_code == 422
    resp = client.post("/stac/search", json={"intersects": {"type": "Point"}})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "intersects"]


def test_huge_body_is_413_before_parsing(client, filled):
    resp = client.post(
        "/stac/search", content=b"[" + b"1," * 200_000 + b"1]", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 413
    assert resp.json()["context"]["limit_bytes"] == 200_000


def test_paging_follows_next_links(client, store):
    from tests.service.stac_fixtures import collection

    store.catalog.upsert_collection(collection())
    for i in range(12):
        store.catalog.upsert_item(item(f"i{i:02d}", (0, 0, 1, 1), f"2020-01-{1 + i:02d}T00:00:00Z"))
    seen, url = [], "/stac/search?limit=5"
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        nxt = [link for link in body["links"] if link["rel"] == "next"]
        url = nxt[0]["href"] if nxt else None
    assert len(seen) == 12 == len(set(seen))
    first = client.post("/stac/search", json={"limit": 5}).json()
    nxt = next(link for link in first["links"] if link["rel"] == "next")
    second = client.post("/stac/search", json={"limit": 5, **nxt["body"]}).json()
    assert {f["id"] for f in first["features"]}.isdisjoint(f["id"] for f in second["features"])


@pytest.mark.slow
def test_pystac_client_opens_and_searches(app, filled):
    with live_server(app) as url:
        cat = Client.open(f"{url}/stac")
        assert {c.id for c in cat.get_collections()} == {"flood-extent", "other"}
        found = cat.search(bbox=[-2, 37, 0, 39], datetime="2019-09/2019-10", max_items=10)
        assert [i.id for i in found.items()] == ["spain"]
        every = cat.search(limit=1, max_items=10, method="POST")
        assert sorted(i.id for i in every.items()) == ["aral", "fiji", "spain"]
        every_get = cat.search(limit=1, max_items=10, method="GET", collections=["flood-extent"])
        assert sorted(i.id for i in every_get.items()) == ["fiji", "spain"]
