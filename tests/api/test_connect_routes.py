"""Connectivity routes: attenuation of posted links, a synchronous plan, the written plans and their layers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from spacebridge.api import create_app
from spacebridge.connect.itur import total_attenuation
from spacebridge.core.settings import Settings
from spacebridge.service.store import Store
from tests.api.connect_fixtures import write_demo_plan

LINK = {"lat": 43.24, "lon": 76.95, "hs_km": 0.8, "freq_ghz": 11.45, "elevation_deg": 35.0, "diameter_m": 1.2,
        "efficiency": 0.65, "tau_deg": 0.0, "p_percent": 0.5}  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("connect-data")
    write_demo_plan(data)
    return data


@pytest.fixture(scope="module")
def served(data_dir):
    store = Store(f"sqlite:///{data_dir / 'db.sqlite'}")
    store.migrate()
    app = create_app(Settings(data_dir=data_dir, max_request_bytes=5_000_000), store=store, ingest=False)
    with TestClient(app) as client:
        yield client, store.create_key("connect tests")
    store.close()


def _villages(n: int) -> list[dict]:
    rng = np.random.default_rng(4)
    return [{"id": f"v{i}", "name": f"village {i}", "lat": float(rng.uniform(42, 54)),
             "lon": float(rng.uniform(50, 85)), "population": float(rng.integers(50, 3000)), "adm1": "KZ10",
             "facilities": {"schools": i % 2}} for i in range(n)]  # fmt: skip


def test_attenuation_of_posted_links_is_the_library_result(served):
    client, _ = served
    second = {**LINK, "lat": 51.17, "lon": 71.45, "hs_km": None, "freq_ghz": 19.7, "p_percent": 0.1}
    resp = client.post("/connect/attenuation", json={"links": [LINK, second]})  # no key: it stores nothing
    assert resp.status_code == 200, resp.text
    body = resp.json()
    ref = total_attenuation([43.24, 51.17], [76.95, 71.45], [11.45, 19.7], 35.0, [0.5, 0.1], diameter_m=1.2,
                            efficiency=0.65, tau_deg=0.0, hs_km=[0.8, np.nan])  # fmt: skip
    got = np.array([[row[f"a_{c}"] for c in ("gas_db", "cloud_db", "rain_db", "scint_db", "total_db")]
                    for row in body["links"]])  # fmt: skip
    want = np.stack([ref.gas_db, ref.cloud_db, ref.rain_db, ref.scint_db, ref.total_db], axis=-1)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert body["links"][1]["hs_km"] == pytest.approx(float(ref.hs_km[1]))  # taken from P.1511
    assert "P.618-14" in body["versions"]["total"]


@pytest.mark.parametrize(
    ("change", "where"),
    [({"freq_ghz": 80.0}, "links[1]: freq_ghz=80 GHz"), ({"elevation_deg": -3.0}, "links[1]: elevation_deg=-3")],
)
def test_model_range_errors_name_the_link(served, change, where):
    client, _ = served
    resp = client.post("/connect/attenuation", json={"links": [LINK, {**LINK, **change}]})
    assert resp.status_code == 422
    assert where in resp.json()["description"]
    assert resp.json()["context"]["link"] == 1


def test_malformed_links_are_refused_by_field(served):
    client, _ = served
    resp = client.post("/connect/attenuation", json={"links": [{**LINK, "lat": 95.0}]})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "links", 0, "lat"]
    raw = json.dumps({"links": [LINK]}).replace("0.5", "NaN")
    resp = client.post("/connect/attenuation", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "links", 0, "p_percent"]
    assert client.post("/connect/attenuation", json={"links": []}).status_code == 422
    assert client.post("/connect/attenuation", json={"links": [LINK] * 10_001}).status_code == 422


def test_plan_needs_a_key_and_answers_every_option(served):
    client, key = served
    body = {"settlements": _villages(40)}
    assert client.post("/connect/plan", json=body).status_code == 401
    resp = client.post("/connect/plan", json=body, headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert [o["option"] for o in out["options"]] == ["geo-only", "leo-only", "hybrid"]
    assert len(out["settlements"]) == 40
    assert {r["hybrid_system"] for r in out["settlements"]} <= {"kazsat-3", "kazsat-2", "leo", "none"}
    assert {r["adm1"] for r in out["summary_adm1"]} == {"KZ10"}
    assert out["warnings"] == []


def test_plan_input_errors_are_422_naming_the_problem(served):
    client, key = served
    auth = {"Authorization": f"Bearer {key}"}
    twice = _villages(3)
    twice[2]["id"] = "v0"
    resp = client.post("/connect/plan", json={"settlements": twice}, headers=auth)
    assert resp.status_code == 422
    assert "rows [1, 3]" in resp.json()["description"]
    assert "must be unique" in resp.json()["description"]
    bad = {"settlements": _villages(3), "scenario": {"design_availability_percent": "high"}}
    resp = client.post("/connect/plan", json=bad, headers=auth)
    assert resp.status_code == 422
    assert "scenario" in resp.json()["description"]
    resp = client.post(
        "/connect/plan", json={"settlements": _villages(3), "scenario": {"no_such_key": 1}}, headers=auth
    )
    assert resp.status_code == 422


def test_estimated_population_is_reported_not_failed(served):
    client, key = served
    villages = _villages(3)
    villages[1] = {**villages[1], "population": None, "place": "hamlet"}
    resp = client.post("/connect/plan", json={"settlements": villages, "include_settlements": False},
                       headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert any("estimated" in w for w in resp.json()["warnings"])
    assert "settlements" not in resp.json()


def test_written_plans_their_tables_and_layers(served):
    client, _ = served
    plans = client.get("/connect/plans").json()
    assert [p["id"] for p in plans] == ["connect"]
    assert plans[0]["layers"] == ["settlements", "adm1"]
    detail = client.get("/connect/plans/connect").json()
    assert [s["id"] for s in detail["systems"]] == ["kazsat-3", "kazsat-2", "leo", "none"]
    assert all(s["colour"].startswith("#") for s in detail["systems"])
    assert [r["option"] for r in detail["options_table"]] == ["geo-only", "leo-only", "hybrid"]
    summary = client.get("/connect/plans/connect/summary/adm1", params={"option": "hybrid"}).json()
    assert summary
    assert all(r["option"] == "hybrid" and r["name"] for r in summary)
    assert sum(r["settlements"] for r in summary) == plans[0]["settlements"]
    ranked = client.get("/connect/plans/connect/rollout/hybrid", params={"limit": 5}).json()
    assert [r["hybrid_rollout_rank"] for r in ranked] == [1, 2, 3, 4, 5]
    layer = client.get("/connect/plans/connect/layers/settlements.geojson")
    assert layer.headers["content-type"].startswith("application/geo+json")
    features = layer.json()["features"]
    assert len(features) == plans[0]["settlements"]
    assert {"hybrid_system", "geo_only_rollout_year", "leo_only_rollout_rank"} <= set(features[0]["properties"])
    assert client.get("/connect/plans/connect/layers/adm1.geojson").json()["type"] == "FeatureCollection"


def test_unknown_plans_are_404_with_the_available_ones(served):
    client, _ = served
    resp = client.get("/connect/plans/nope")
    assert resp.status_code == 404
    assert "connect" in resp.json()["hint"]
    assert client.get("/connect/plans/..%2Fetc").status_code in (404, 422)
    assert client.get("/connect/plans/connect/rollout/everything").status_code == 422


def test_page_is_served(served):
    client, _ = served
    resp = client.get("/connect")
    assert resp.status_code == 200
    assert "/static/connect.js" in resp.text
    assert client.get("/static/connect.js").status_code == 200
