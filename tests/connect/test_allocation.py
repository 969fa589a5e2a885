"""Capacity-aware choice of a system per settlement: hand-worked cases and invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from spacebridge.connect.allocation import allocate
from spacebridge.connect.demand import share_capacity

ONE_BEAM = np.zeros(4, dtype=np.int64)


def _served(choice, demand, rates, cells, carriers):
    out = np.zeros(demand.size)
    for i, (rate, cell, k) in enumerate(zip(rates, cells, carriers, strict=True)):
        mine = choice == i
        out[mine] = share_capacity(cell, demand, rate, carriers_per_beam=k, served=mine).served_mbps[mine]
    return out


def test_overflow_of_the_cheaper_beam_goes_to_the_other_when_it_has_room():
    demand = np.array([60.0, 30.0, 30.0])
    feasible = [np.ones(3, dtype=bool)] * 2
    rate = [np.full(3, 100.0)] * 2
    annual = [demand * 10.0, demand * np.array([25.0, 15.0, 30.0])]  # USD/yr: 10, then 25/15/30 per Mbit/s
    cells = [np.zeros(3, dtype=np.int64)] * 2
    # Beam 0 needs 1.2 carriers. Regret per carrier (other - here) x 100: 1500, 500, 2000: settlement 1 leaves.
    choice = allocate([0, 1], feasible, annual, rate, demand, cells, [1, 1])
    np.testing.assert_array_equal(choice, [0, 1, 0])
    np.testing.assert_allclose(_served(choice, demand, rate, cells, [1, 1]), demand)


def test_small_settlements_relieve_a_full_leo_cell_and_big_ones_stay():
    demand = np.array([800.0, 300.0, 40.0, 20.0])
    feasible = [np.ones(4, dtype=bool)] * 2
    rate = [np.full(4, 1000.0), np.full(4, 50.0)]  # LEO cell: one 1,000 Mbit/s carrier; GEO: one 50 Mbit/s carrier
    annual = [demand * 1.0, np.minimum(demand, 50.0) * np.array([100.0, 100.0, 100.0, 90.0])]
    cells = [ONE_BEAM, ONE_BEAM]
    choice = allocate([0, 1], feasible, annual, rate, demand, cells, [1, 1])
    # The LEO cell is over (1.16 carriers). 800 and 300 do not fit a GEO carrier: they stay. 40 and 20 apply to
    # GEO, which holds 1.2 carriers of them: it keeps 20 (90 USD per Mbit/s: less to lose by going back to LEO).
    np.testing.assert_array_equal(choice, [0, 0, 0, 1])
    served = _served(choice, demand, rate, cells, [1, 1])
    assert served[3] == 20.0
    np.testing.assert_allclose(served[:3], demand[:3] / 1.14)


def test_single_option_settlements_keep_their_place_and_infeasible_get_none():
    demand = np.array([50.0, 50.0, 50.0, 10.0])
    feasible = [np.array([True, True, True, False]), np.array([False, True, True, False])]
    rate = [np.full(4, 100.0), np.full(4, 100.0)]
    annual = [demand * 1.0, demand * 2.0]
    cells = [ONE_BEAM, ONE_BEAM]
    choice = allocate([0, 1], feasible, annual, rate, demand, cells, [1, 1])
    assert choice[0] == 0  # system 0 is its only option: it is never turned away
    assert sorted(choice[1:3]) == [0, 1]
    assert choice[3] == -1


def test_turned_away_everywhere_returns_to_its_fallback_and_shares():
    demand = np.array([80.0, 80.0, 80.0])
    feasible = [np.ones(3, dtype=bool)] * 2
    rate = [np.full(3, 100.0)] * 2
    annual = [demand * np.array([1.0, 1.1, 1.2]), demand * 5.0]
    cells = [np.zeros(3, dtype=np.int64)] * 2
    choice = allocate([0, 1], feasible, annual, rate, demand, cells, [1, 1])
    assert (choice == 1).sum() == 1  # one of the two turned away from system 0 fits in system 1
    assert (choice == 0).sum() == 2  # the other comes back and shares system 0


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_invariants(seed):
    """Random instances (built from a seed: three systems, up to three beams each, some infeasible pairs)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    demand = rng.uniform(0.0, 300.0, n) * (rng.random(n) > 0.1)
    rate = [rng.uniform(20.0, 500.0, n) for _ in range(3)]
    annual = [rng.uniform(0.5, 50.0, n) * np.minimum(demand, rate[i]) + 100.0 for i in range(3)]
    cells = [rng.integers(0, 3, n) for _ in range(3)]
    feasible = [rng.random(n) > 0.4 for _ in range(3)]
    carriers = [int(k) for k in rng.integers(1, 4, 3)]
    choice = allocate([0, 1, 2], feasible, annual, rate, demand, cells, carriers)
    any_feasible = feasible[0] | feasible[1] | feasible[2]
    assert np.all((choice >= 0) == any_feasible)
    for s in np.flatnonzero(choice >= 0):
        assert feasible[choice[s]][s]
    blind = allocate([0, 1, 2], feasible, annual, rate, demand, cells, [10**9] * 3)  # no capacity limit
    moved = (choice != blind) & (choice >= 0)
    for s in np.flatnonzero(moved):  # a move serves the whole demand, in a beam with room for everyone in it
        i = choice[s]
        assert demand[s] <= rate[i][s]
        beam = (choice == i) & (cells[i] == cells[i][s])
        assert np.minimum(demand[beam] / rate[i][beam], 1.0).sum() <= carriers[i] * (1 + 1e-9)
    # Nobody is served less than when every settlement takes its cheapest system regardless of capacity.
    before = _served(blind, demand, rate, cells, carriers)
    after = _served(choice, demand, rate, cells, carriers)
    assert np.all(after >= before - 1e-9 * (1 + before))
