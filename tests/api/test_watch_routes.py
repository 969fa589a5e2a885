import time

import pytest

SQUARE = {"type": "Polygon", "coordinates": [[[-1, 38], [-0.8, 38], [-0.8, 38.2], [-1, 38.2], [-1, 38]]]}
# inside the Spain 2019 Sentinel-1 scene (Orihuela, Vega Baja del Segura)
ORIHUELA = {
    "type": "Polygon",
    "coordinates": [[[-0.775, 38.09], [-0.745, 38.09], [-0.745, 38.12], [-0.775, 38.12], [-0.775, 38.09]]],
}


def _auth(key):
    return {"Authorization": f"Bearer {key}"}


def test_reads_are_open_and_writes_need_a_key(client, key):
    assert client.get("/areas").json() == []
    resp = client.post("/areas", json={"name": "Vega Baja", "geometry": SQUARE})
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == "Bearer"
    assert client.post("/areas", json={"name": "x", "geometry": SQUARE}, headers=_auth("sb_bad_key")).status_code == 401
    resp = client.post(
        "/areas", json={"name": "Vega Baja", "geometry": SQUARE, "admin_code": "ES-A"}, headers=_auth(key)
    )
    assert resp.status_code == 201, resp.text
    area = resp.json()
    assert area["area_km2"] == pytest.approx(17.55 * 22.2, rel=0.02)
    assert client.get(f"/areas/{area['id']}").json()["name"] == "Vega Baja"
    assert client.delete(f"/areas/{area['id']}", headers=_auth(key)).status_code == 204
    assert client.get(f"/areas/{area['id']}").status_code == 404


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},  # bow-tie
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]},  # too few positions
        {"type": "Point", "coordinates": [0, 0]},
        {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 1], [0, 0]]]},  # out of range
        {"type": "Polygon", "coordinates": "nope"},
        {"coordinates": []},
    ],
)
def test_malformed_geojson_is_a_422_naming_geometry(client, key, geometry):
    resp = client.post("/areas", json={"name": "bad", "geometry": geometry}, headers=_auth(key))
    assert resp.status_code == 422, resp.text
    assert resp.json()["detail"][0]["loc"] == ["body", "geometry"]


def test_area_too_large_is_413(client, key):
    world = {"type": "Polygon", "coordinates": [[[-170, -80], [170, -80], [170, 80], [-170, 80], [-170, -80]]]}
    resp = client.post("/areas", json={"name": "world", "geometry": world}, headers=_auth(key))
    assert resp.status_code == 413
    assert resp.json()["context"]["limit_km2"] == 3_000_000.0


def test_rules_validate_and_hide_webhook_secrets(client, key):
    area = client.post("/areas", json={"name": "a", "geometry": SQUARE}, headers=_auth(key)).json()
    rule = {
        "area_id": area["id"],
        "name": "flood",
        "variable": "flooded_km2",
        "op": ">",
        "threshold": 50,
        "hysteresis": 5,
        "webhooks": [{"url": "http://127.0.0.1:9/hook", "secret": "0123456789"}],
        "emails": ["duty@example.org"],
    }
    resp = client.post("/rules", json=rule, headers=_auth(key))
    assert resp.status_code == 201, resp.text
    assert "secret" not in str(resp.json())
    bad = client.post("/rules", json={**rule, "op": "=>"}, headers=_auth(key))
    assert bad.json()["detail"][0]["loc"] == ["body", "op"]
    bad = client.post("/rules", json={**rule, "emails": ["not-an-address"]}, headers=_auth(key))
    assert bad.json()["detail"][0]["loc"] == ["body", "emails"]
    bad = client.post("/rules", json={**rule, "area_id": 999}, headers=_auth(key))
    assert bad.status_code == 404
    assert len(client.get("/rules", params={"area_id": area["id"]}).json()) == 1
    assert client.get("/alerts").json() == []


def test_run_lifecycle_over_real_products(client, key, store, product_catalog):
    from spacebridge.service.ingest import ingest_folder

    ingest_folder(store, product_catalog)
    area = client.post("/areas", json={"name": "Vega Baja", "geometry": ORIHUELA}, headers=_auth(key)).json()
    body = {"analysis": "zonal-stats", "area_id": area["id"], "params": {"collection": "test-water"}}
    resp = client.post("/runs", json=body, headers=_auth(key))
    assert resp.status_code == 202, resp.text
    run_id = resp.json()["id"]
    deadline = time.monotonic() + 60
    while (run := client.get(f"/runs/{run_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert run["status"] == "succeeded", run
    assert run["lineage"]["process"] == "service.zonal-stats"
    again = client.post("/runs", json=body, headers=_auth(key))
    assert again.status_code == 200  # idempotent: the same work is not run twice
    assert again.json()["id"] == run_id
    series = client.get(f"/timeseries/areas/{area['id']}", params={"variable": "test-water.mean"}).json()
    assert [v["datetime"][:10] for v in series] == ["2019-09-17", "2019-09-29"]
    assert 0 < series[0]["value"] < 1
    assert series[1]["value"] < series[0]["value"]  # +3 dB: fewer pixels under the water threshold
    csv = client.get(f"/timeseries/areas/{area['id']}", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "variable,datetime,value,run_id,item_id"


def test_run_errors_are_clear(client, key, store):
    resp = client.post("/runs", json={"analysis": "nope", "geometry": SQUARE}, headers=_auth(key))
    assert resp.status_code == 404
    assert "zonal-stats" in resp.json()["hint"]
    resp = client.post("/runs", json={"analysis": "zonal-stats", "geometry": SQUARE, "area_id": 1}, headers=_auth(key))
    assert resp.status_code == 422
    resp = client.post("/runs", json={"analysis": "zonal-stats", "geometry": SQUARE, "params": {}}, headers=_auth(key))
    assert resp.status_code == 422
    assert resp.json()["context"]["field"] == "params.collection"


def test_api_scene_runs_only_on_scenes_a_watch_pass_listed(client, key):
    body = {"analysis": "flood", "geometry": ORIHUELA, "params": {"scene": {"src": "/etc/passwd", "role": "sar"}}}
    resp = client.post("/runs", json=body, headers=_auth(key))
    assert resp.status_code == 422
    assert resp.json()["context"]["field"] == "params.scene.src"
    body = {"analysis": "burn", "geometry": ORIHUELA, "params": {"pre": {"src": "/a.tif"}, "post": {"src": "/b.tif"}}}
    assert client.post("/runs", json=body, headers=_auth(key)).json()["context"]["field"] == "params.pre.src"
    body = {"analysis": "flood", "geometry": ORIHUELA, "params": {"scenes": {"sar": {"src": "/etc/passwd"}}}}
    assert client.post("/runs", json=body, headers=_auth(key)).json()["context"]["field"] == "params.scenes.sar.src"
    names = {a["name"]: a for a in client.get("/analyses").json()}
    assert "flooded_km2" in names["flood"]["variables"]
    assert names["ndvi-anomaly"]["needs_collection"]


def test_a_rule_on_a_variable_the_area_never_records_is_a_422_listing_the_known_ones(client, key):
    watched = {"index": {"index": "NDVI"}, "zonal-stats": {"collection": "test-vv"}, "flood": {}}
    area = client.post("/areas", json={"name": "w", "geometry": SQUARE, "analyses": watched}, headers=_auth(key))
    assert area.status_code == 201, area.text
    rule = {"area_id": area.json()["id"], "name": "r", "variable": "ndvi_mean", "op": "<", "threshold": 0.2}
    for variable in ("ndvi_mean", "ndvi_valid_fraction", "test-vv.mean", "flooded_km2"):
        assert client.post("/rules", json={**rule, "variable": variable}, headers=_auth(key)).status_code == 201
    typo = client.post("/rules", json={**rule, "variable": "ndvi_maen"}, headers=_auth(key))
    assert typo.status_code == 422
    assert typo.json()["context"]["field"] == "variable"
    assert "ndvi_mean" in typo.json()["hint"]
