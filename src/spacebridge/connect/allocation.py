"""Which system serves each settlement: the cheapest per Mbit/s served, within the capacity of its beam.

A plan option offers a few systems (GEO satellites with one national beam each, LEO cells). Giving each
settlement its cheapest system ignores that a beam or cell carries only ``carriers_per_beam`` carriers: with
the default scenario every GEO settlement would pick the cheaper KazSat and leave the other idle, and dense
LEO cells would saturate while GEO capacity stays unused.

:func:`allocate`:

1. Each settlement's *fallback* is its feasible system with the lowest annualised cost per Mbit/s it would be
   served (demand capped at one carrier; lowest annualised cost when it has no demand).
2. A beam over its carriers keeps the settlements that would lose most by leaving, per carrier of airtime,
   and turns the others away: deferred acceptance (Gale and Shapley 1962) with beams ranking applicants by
   regret per carrier, the greedy rule of the fractional knapsack (Dantzig 1957). Regret per carrier is
   (cost per Mbit/s elsewhere - here) x carrier rate here, in USD per year; elsewhere is the next system the
   settlement could go to, or its fallback when none is left. Settlements that would stay anyway (feasible
   on this system only, or in their fallback with nowhere else to go) occupy the beam first.
3. A settlement turned away applies to its next cheapest feasible system that has not turned it away and
   whose one carrier carries its whole demand, so a move always serves it in full, and never less than it
   had.
4. Settlements with nowhere left to go return to their fallback, where they stay and share its capacity
   (:func:`spacebridge.connect.demand.share_capacity`): nobody loses service because of congestion. Their
   return counts against the beam's room, so a beam may then turn away settlements it had accepted.

The loop ends because every change turns a settlement away from a system for good.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["allocate", "cheapest"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def cheapest(
    candidates: Sequence[int], feasible: Sequence[BoolArray], key: Mapping[int, FloatArray], n: int
) -> IntArray:
    """Index of the feasible system with the lowest ``key`` among ``candidates``, per settlement (-1: none)."""
    choice = np.full(n, -1, dtype=np.int64)
    best = np.full(n, np.inf)
    for i in candidates:
        better = feasible[i] & (key[i] < best)
        choice[better] = i
        best[better] = key[i][better]
    return choice


def allocate(
    candidates: Sequence[int],
    feasible: Sequence[BoolArray],
    annual: Sequence[FloatArray],
    carrier_mbps: Sequence[FloatArray],
    demand_mbps: FloatArray,
    cells: Sequence[IntArray],
    carriers: Sequence[int],
) -> IntArray:
    """System index per settlement (-1 where none is feasible); see the module docstring.

    Parameters
    ----------
    candidates
        Indices of the systems this option may use.
    feasible, annual, carrier_mbps, cells
        Per system (indexed like ``carriers``): feasibility at the design availability, annualised cost with the
        demand capped at one carrier (USD per year), throughput of one carrier at the design availability
        (Mbit/s) and beam/cell id.
    demand_mbps
        Busy-hour demand of each settlement, Mbit/s.
    carriers
        Carriers per beam/cell of each system.
    """
    n = demand_mbps.size
    if not candidates:
        return np.full(n, -1, dtype=np.int64)
    rate = {i: np.where(feasible[i] & (carrier_mbps[i] > 0), carrier_mbps[i], np.inf) for i in candidates}
    served = {i: np.minimum(demand_mbps, rate[i]) for i in candidates}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        key = {i: np.where(demand_mbps > 0, annual[i] / served[i], annual[i]) for i in candidates}
    fits = {i: feasible[i] & (demand_mbps <= rate[i]) for i in candidates}
    fallback = cheapest(candidates, feasible, key, n)
    fallback_key = np.full(n, np.inf)
    for i in candidates:
        fallback_key = np.where(fallback == i, key[i], fallback_key)
    only_one = np.sum([feasible[i] for i in candidates], axis=0) == 1
    choice = fallback.copy()
    turned_away = {i: np.zeros(n, dtype=bool) for i in candidates}
    changed = True
    while changed:
        changed = False
        for i in candidates:
            here = np.flatnonzero(choice == i)
            if here.size == 0:
                continue
            alt = _next_choice(here, [j for j in candidates if j != i], fits, key, turned_away)
            # Settlements that would stay here anyway (nowhere else, and this is their fallback) fill first.
            stays = only_one[here] | ((alt < 0) & (fallback[here] == i))
            mine, alt = here[~stays], alt[~stays]
            if mine.size == 0:
                continue
            alt_key = np.where(alt >= 0, _take(key, alt, mine), fallback_key[mine])
            with np.errstate(invalid="ignore", over="ignore"):
                regret = np.where(demand_mbps[mine] > 0, (alt_key - key[i][mine]) * rate[i][mine], np.inf)
            regret = np.where(np.isnan(regret), 0.0, regret)  # inf - inf: nothing to choose between
            over = _beyond_capacity(mine, regret, served[i] / rate[i], cells[i], carriers[i], here[stays])
            if over.any():  # to the next system, or back to the fallback (where they will stay)
                turned_away[i][mine[over]] = True
                choice[mine[over]] = np.where(alt[over] >= 0, alt[over], fallback[mine[over]])
                changed = True
    return choice


def _take(values: dict[int, FloatArray], system: IntArray, members: IntArray) -> FloatArray:
    out = np.full(members.size, np.inf)
    for j, v in values.items():
        sel = system == j
        out[sel] = v[members[sel]]
    return out


def _next_choice(
    members: IntArray,
    others: Sequence[int],
    fits: dict[int, BoolArray],
    key: dict[int, FloatArray],
    turned_away: dict[int, BoolArray],
) -> IntArray:
    """Cheapest other system (per Mbit/s) that carries each member's whole demand and has not turned it away."""
    system = np.full(members.size, -1, dtype=np.int64)
    best = np.full(members.size, np.inf)
    for j in others:
        ok = fits[j][members] & ~turned_away[j][members] & (key[j][members] < best)
        system[ok] = j
        best[ok] = key[j][members][ok]
    return system


def _beyond_capacity(
    members: IntArray, regret: FloatArray, airtime: FloatArray, cell: IntArray, carriers: int, fixed: IntArray
) -> BoolArray:
    """Members that do not fit once each beam holds its ``fixed`` settlements and then members by regret."""
    use = airtime[members]
    beam = cell[members]
    taken = np.zeros(members.size)
    if fixed.size:
        fixed_beams, fixed_inverse = np.unique(cell[fixed], return_inverse=True)
        fixed_load = np.bincount(fixed_inverse, weights=airtime[fixed])
        pos = np.searchsorted(fixed_beams, beam)
        hit = (pos < fixed_beams.size) & (fixed_beams[np.minimum(pos, fixed_beams.size - 1)] == beam)
        taken = np.where(hit, fixed_load[np.minimum(pos, fixed_beams.size - 1)], 0.0)
    order = np.lexsort((-regret, beam))  # by beam, then most to lose first
    sorted_use, sorted_beam = use[order], beam[order]
    total = np.cumsum(sorted_use)
    starts = np.flatnonzero(np.r_[True, sorted_beam[1:] != sorted_beam[:-1]])
    before = np.repeat(total[starts] - sorted_use[starts], np.diff(np.r_[starts, sorted_beam.size]))
    over = np.empty(members.size, dtype=bool)
    over[order] = (total - before + taken[order]) > carriers * (1.0 + 1e-9)
    return over
