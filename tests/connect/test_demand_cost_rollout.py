"""Demand, capacity sharing, costs and rollout against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacebridge.connect.cost import capital_recovery_factor, settlement_costs
from spacebridge.connect.demand import cell_ids, settlement_demand, share_capacity
from spacebridge.connect.rollout import plan_rollout
from spacebridge.connect.scenario import Costs, DemandSpec
from spacebridge.connect.settlements import settlements_from_records
from spacebridge.core.errors import InvalidInputError


def test_demand_from_population_and_facilities():
    s = settlements_from_records([{"id": "a", "lat": 45, "lon": 70, "population": 700, "schools": 2}],
                                 facility_columns=("schools",))  # fmt: skip
    d = settlement_demand(s, DemandSpec(3.5, 0.3, 0.2, 4.0, {"schools": 20.0}))
    assert d.households[0] == pytest.approx(200.0)
    assert d.subscribers[0] == pytest.approx(60.0)
    assert d.busy_hour_mbps[0] == pytest.approx(60 * 0.2 * 4.0 + 2 * 20.0)


def test_capacity_sharing_airtime():
    cell = np.array([0, 0, 0, 1])
    demand = np.array([30.0, 30.0, 60.0, 500.0])
    rate = np.array([100.0, 50.0, 100.0, 100.0])  # Mbit/s of one carrier at each site's MODCOD
    served = np.array([True, True, True, True])
    share = share_capacity(cell, demand, rate, carriers_per_beam=1, served=served)
    # beam 0 airtime 0.3 + 0.6 + 0.6 = 1.5 carriers -> everyone gets demand / 1.5
    np.testing.assert_allclose(share.served_mbps[:3], demand[:3] / 1.5)
    np.testing.assert_allclose(share.beam_load[:3], 1.5)
    assert share.served_mbps[3] == 100.0  # one carrier at most
    two = share_capacity(cell, demand, rate, carriers_per_beam=2, served=served)
    np.testing.assert_allclose(two.served_mbps[:3], demand[:3])
    none = share_capacity(cell, demand, rate, carriers_per_beam=1, served=np.zeros(4, dtype=bool))
    assert none.served_mbps.sum() == 0.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 200.0), st.floats(1.0, 400.0)), min_size=1, max_size=30),
       st.integers(1, 4))  # fmt: skip
def test_sharing_never_exceeds_capacity(rows, carriers):
    demand = np.array([r[0] for r in rows])
    rate = np.array([r[1] for r in rows])
    share = share_capacity(np.zeros(len(rows), dtype=np.int64), demand, rate, carriers_per_beam=carriers,
                           served=np.ones(len(rows), dtype=bool))  # fmt: skip
    assert share.airtime_carriers.sum() <= carriers + 1e-9
    assert np.all(share.served_mbps <= demand + 1e-9)
    assert np.all(share.served_mbps <= rate + 1e-9)


def test_cells_group_nearby_points():
    lat = np.array([45.0, 45.01, 45.0, 50.0])
    lon = np.array([70.0, 70.01, 72.0, 70.0])
    ids = cell_ids(lat, lon, 25.0)
    assert ids[0] == ids[1]
    assert len({ids[0], ids[2], ids[3]}) == 3
    assert np.all(cell_ids(lat, lon, None) == 0)


def test_costs_by_hand():
    costs = Costs(terminal_usd=600, installation_usd=200, site_usd=5000, subscribers_per_terminal=20,
                  subscription_usd_month=100, capacity_usd_per_mhz_month=1000, maintenance_usd_year=50,
                  lifetime_years=5)  # fmt: skip
    c = settlement_costs(np.array([45.0, 0.0]), np.array([10.0, 0.0]), np.array([2.0, 0.0]), costs, discount_rate=0.0)
    assert c.terminals.tolist() == [3.0, 1.0]
    assert c.capex_usd[0] == 3 * 800 + 5000
    assert c.opex_usd_year[0] == 3 * (1200 + 50) + 12 * 2 * 1000
    assert c.annual_usd[0] == pytest.approx(c.capex_usd[0] / 5 + c.opex_usd_year[0])
    assert c.cost_per_user_usd_year[0] == pytest.approx(c.annual_usd[0] / 45)
    assert np.isnan(c.cost_per_user_usd_year[1])
    # Annuity factor: 8 % over 10 years is 0.14903 (standard tables).
    assert capital_recovery_factor(0.08, 10) == pytest.approx(0.149029, abs=1e-6)


def test_greedy_rollout_by_hand():
    capex = np.array([5.0, 4.0, 3.0, 10.0, 1.0])
    benefit = np.array([10.0, 12.0, 3.0, 50.0, 0.5])
    r = plan_rollout(capex, benefit, eligible=np.array([True, True, True, True, False]), yearly_budget_usd=10.0,
                     years=3)  # fmt: skip
    # ratios: 2, 3, 1, 5 -> order 3 (cost 10), 1, 0, 2. Year 1: item 3 (10). Year 2: 1 (4) + 0 (5) = 9.
    # Year 3: 2 (3). Item 4 is not eligible.
    assert r.year.tolist() == [2, 2, 3, 1, 0]
    assert r.rank.tolist() == [3, 2, 4, 1, 0]
    assert r.spent_usd.tolist() == [10.0, 9.0, 3.0]


def test_greedy_skips_what_does_not_fit_and_keeps_filling():
    r = plan_rollout(np.array([6.0, 6.0, 4.0]), np.array([60.0, 59.0, 20.0]), eligible=np.ones(3, dtype=bool),
                     yearly_budget_usd=10.0, years=1)  # fmt: skip
    assert r.year.tolist() == [1, 0, 1]


def test_exact_rollout_beats_or_equals_greedy_in_the_first_year():
    rng = np.random.default_rng(3)
    capex = rng.uniform(1.0, 10.0, 60)
    benefit = capex * rng.uniform(0.5, 2.0, 60)
    eligible = np.ones(60, dtype=bool)
    greedy = plan_rollout(capex, benefit, eligible=eligible, yearly_budget_usd=40.0, years=1)
    exact = plan_rollout(capex, benefit, eligible=eligible, yearly_budget_usd=40.0, years=1, method="exact")
    assert exact.optimal
    assert exact.benefit[0] >= greedy.benefit[0] - 0.01
    assert exact.spent_usd[0] <= 40.0 * (1 + 1e-4)  # costs rounded to millionths of the budget
    # brute-force check on a tiny instance
    small = plan_rollout(np.array([3.0, 4.0, 5.0]), np.array([4.0, 5.0, 6.0]), eligible=np.ones(3, dtype=bool),
                         yearly_budget_usd=7.0, years=1, method="exact")  # fmt: skip
    assert small.year.tolist() == [1, 1, 0]


def test_rollout_errors():
    with pytest.raises(InvalidInputError):
        plan_rollout(np.ones(2), np.ones(2), eligible=np.ones(2, dtype=bool), yearly_budget_usd=0.0, years=1)
    with pytest.raises(InvalidInputError, match="unknown rollout method"):
        plan_rollout(
            np.ones(2), np.ones(2), eligible=np.ones(2, dtype=bool), yearly_budget_usd=1.0, years=1, method="random"
        )  # type: ignore[arg-type]
