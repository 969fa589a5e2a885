"""End-to-end planning with the propagation test double (fakes.py): links, options, products."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from spacebridge.connect.links import evaluate_system
from spacebridge.connect.modcod import dvbs2x_table
from spacebridge.connect.plan import make_plan
from spacebridge.connect.products import write_plan
from spacebridge.connect.scenario import default_scenario, scenario_from_dict
from spacebridge.connect.settlements import read_settlements, synthetic_settlements
from tests.connect.fakes import fake_total_attenuation


@pytest.fixture(scope="module")
def kz_villages(examples_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = read_settlements(examples_dir / "kazakhstan" / "places" / "kaz_populated_places_osm.csv")
    keep = (s.adm1 == "KZ33") | (s.adm1 == "KZ62")  # Zhetysu and Ulytau oblasts
    return s.subset(keep)


@pytest.fixture(scope="module")
def plan(kz_villages):
    return make_plan(kz_villages, default_scenario(), model=fake_total_attenuation)


def test_links_are_consistent_with_their_budgets(kz_villages):
    sc = default_scenario()
    links = evaluate_system(sc.systems[0], sc, kz_villages.lat_deg, kz_villages.lon_deg, model=fake_total_attenuation)
    assert links.usable.all()  # all of Kazakhstan sees 58.5°E above 10°
    assert links.p_percent == (50.0, 5.0, 1.0, 0.5, 0.3, 0.1)
    # Es/N0 can only fall as the percentage of time (hence the attenuation exceeded) decreases.
    assert np.all(np.diff(links.esn0_db, axis=1) <= 1e-12)
    assert np.all(np.diff(links.carrier_rate_mbps, axis=1) <= 1e-9)
    # Carrier rate is the symbol rate times the efficiency of the MODCOD ACM picks.
    table = dvbs2x_table()
    eta = table.spectral_efficiency(links.esn0_db[:, 3], implementation_margin_db=1.0)
    np.testing.assert_allclose(links.rate_at(99.5), 30.0 * eta)
    assert np.all(links.mean_carrier_rate_mbps <= links.carrier_rate_mbps[:, 0] + 1e-9)
    assert np.all((links.availability_percent >= 99.0) | (links.rate_at(99.0) == 0))


def test_options(plan, kz_villages):
    names = [o.name for o in plan.options]
    assert names == ["geo-only", "leo-only", "hybrid"]
    hybrid, geo, leo = plan.option("hybrid"), plan.option("geo-only"), plan.option("leo-only")
    kinds = np.array([s.kind for s in plan.scenario.systems] + ["none"])
    assert set(kinds[geo.system_index]) <= {"geo", "none"}
    assert set(kinds[leo.system_index]) <= {"leo", "none"}
    assert hybrid.totals["settlements_feasible"] >= max(geo.totals["settlements_feasible"],
                                                         leo.totals["settlements_feasible"])  # fmt: skip
    # The hybrid picks the cheapest feasible system per settlement (before congestion).
    for opt in plan.options:
        assert np.all(opt.served_mbps <= plan.demand.busy_hour_mbps + 1e-9)
        spent = opt.rollout.spent_usd
        assert np.all(spent <= plan.scenario.rollout.yearly_budget_usd + 1e-6)
        scheduled = opt.rollout.year > 0
        assert np.all(opt.system_index[scheduled] >= 0)
        np.testing.assert_allclose(spent.sum(), opt.costs.capex_usd[scheduled].sum())


def test_design_availability_drives_feasibility(kz_villages):
    strict = scenario_from_dict({"design_availability_percent": 99.9})
    loose = scenario_from_dict({"design_availability_percent": 99.0})
    a = make_plan(kz_villages, strict, model=fake_total_attenuation).option("geo-only").totals
    b = make_plan(kz_villages, loose, model=fake_total_attenuation).option("geo-only").totals
    assert a["settlements_feasible"] <= b["settlements_feasible"]


def test_products(plan, tmp_path, examples_dir):
    files = write_plan(plan, tmp_path / "out", boundaries_dir=examples_dir / "kazakhstan" / "boundaries")
    names = {f.name for f in files}
    assert {"settlements.csv", "settlements.parquet", "options.csv", "summary_adm1.csv", "summary_adm2.csv",
            "rollout_hybrid.csv", "settlements.geojson", "adm1.geojson", "map.png", "scenario.yaml",
            "plan.json"} <= names  # fmt: skip
    table = pd.read_parquet(tmp_path / "out" / "settlements.parquet")
    assert len(table) == len(plan.settlements)
    assert {"kazsat-3_carrier_mbps_a99.5", "leo_feasible_a99.9", "hybrid_rollout_year", "population_estimated"} <= set(
        table.columns
    )
    summary = pd.read_csv(tmp_path / "out" / "summary_adm1.csv")
    assert set(summary["adm1"]) == {"KZ33", "KZ62"}
    assert set(summary["name"]) == {"Zhetysu", "Ulytau"}
    hybrid = summary[summary["option"] == "hybrid"]
    assert hybrid["settlements"].sum() == len(plan.settlements)
    layer = json.loads((tmp_path / "out" / "settlements.geojson").read_text())
    assert len(layer["features"]) == len(plan.settlements)
    lineage = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert lineage["chosen"]["propagation"]["total"] == "fake-total-attenuation (test double)"
    assert (tmp_path / "out" / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_synthetic_plan_is_deterministic():
    s = synthetic_settlements(300, seed=2, bbox=(60.0, 45.0, 62.0, 46.5))
    a = make_plan(s, default_scenario(), model=fake_total_attenuation)
    b = make_plan(s, default_scenario(), model=fake_total_attenuation)
    np.testing.assert_array_equal(a.option("hybrid").rollout.rank, b.option("hybrid").rollout.rank)
