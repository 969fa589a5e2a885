"""A connectivity plan: links, ACM throughput, capacity sharing, costs and rollout for every settlement.

Steps (each in its own module):

1. demand per settlement (:mod:`~spacebridge.connect.demand`);
2. for each system, forward and return links over the percentages of time (:mod:`~spacebridge.connect.links`);
3. per system, the settlement's cost if it were served by it at the design availability, with its demand
   capped by one carrier (:mod:`~spacebridge.connect.cost`);
4. three options: ``geo-only``, ``leo-only`` and ``hybrid``; each settlement takes the system of the option
   that is feasible at the design availability with the lowest annualised cost per Mbit/s served, within the
   capacity of its beam or cell: a full beam keeps the settlements that would lose most by leaving and sends
   the others to their next system if it has room and carries their whole demand
   (:mod:`~spacebridge.connect.allocation`);
5. per option, each system's beams/cells are shared among the settlements assigned to it
   (:func:`~spacebridge.connect.demand.share_capacity`; congested only where no other system could take the
   overflow) and costs are recomputed with the bandwidth actually used;
6. per option, a rollout under the yearly budget (:mod:`~spacebridge.connect.rollout`), prioritising people
   (and weighted facilities) connected per dollar of capital.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from spacebridge.connect.allocation import allocate
from spacebridge.connect.cost import CostBreakdown, settlement_costs
from spacebridge.connect.demand import Demand, cell_ids, settlement_demand, share_capacity
from spacebridge.connect.links import SystemLinks, evaluate_system
from spacebridge.connect.propagation import AttenuationModel, SitePropagation
from spacebridge.connect.rollout import Rollout, plan_rollout
from spacebridge.connect.scenario import Scenario
from spacebridge.connect.settlements import Settlements

if TYPE_CHECKING:
    from spacebridge.connect.itur.mapcache import MapsDir

__all__ = ["OPTIONS", "OptionResult", "Plan", "make_plan"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
OPTIONS = ("geo-only", "leo-only", "hybrid")


@dataclass(frozen=True)
class OptionResult:
    """One plan option (``geo-only``, ``leo-only``, ``hybrid``) for every settlement."""

    name: str
    system_index: IntArray
    """Index into :attr:`Plan.links` of the system serving each settlement; -1 where none is feasible."""
    served_mbps: FloatArray
    beam_load: FloatArray
    costs: CostBreakdown
    """Costs of the chosen system (NaN where none)."""
    rollout: Rollout
    totals: dict[str, float]


@dataclass(frozen=True)
class Plan:
    settlements: Settlements
    scenario: Scenario
    demand: Demand
    links: tuple[SystemLinks, ...]
    options: tuple[OptionResult, ...]
    benefit: FloatArray
    timings_s: dict[str, float] = field(default_factory=dict)

    def option(self, name: str) -> OptionResult:
        return next(o for o in self.options if o.name == name)


def _option_systems(scenario: Scenario, option: str) -> list[int]:
    kinds = {"geo-only": ("geo",), "leo-only": ("leo",), "hybrid": ("geo", "leo")}[option]
    return [i for i, s in enumerate(scenario.systems) if s.kind in kinds]


def _option(
    name: str, plan_inputs: dict[str, Any], scenario: Scenario, feasible: list[npt.NDArray[np.bool_]],
    annual: list[FloatArray], rate: list[FloatArray], cells: list[IntArray],
) -> OptionResult:  # fmt: skip
    settlements: Settlements = plan_inputs["settlements"]
    demand: Demand = plan_inputs["demand"]
    benefit: FloatArray = plan_inputs["benefit"]
    n = len(settlements)
    carriers = [system.carriers_per_beam for system in scenario.systems]
    choice = allocate(_option_systems(scenario, name), feasible, annual, rate, demand.busy_hour_mbps, cells, carriers)
    served = np.zeros(n)
    load = np.zeros(n)
    fields: dict[str, FloatArray] = {k: np.full(n, np.nan) for k in CostBreakdown.__dataclass_fields__}
    for i, system in enumerate(scenario.systems):
        mine = choice == i
        if not mine.any():
            continue
        share = share_capacity(cells[i], demand.busy_hour_mbps, rate[i], carriers_per_beam=system.carriers_per_beam,
                               served=mine)  # fmt: skip
        served[mine], load[mine] = share.served_mbps[mine], share.beam_load[mine]
        c = settlement_costs(demand.subscribers[mine], share.served_mbps[mine],
                             share.airtime_carriers[mine] * system.carrier_bandwidth_mhz, system.costs,
                             discount_rate=scenario.finance.discount_rate)  # fmt: skip
        for key in fields:
            fields[key][mine] = getattr(c, key)
    costs = CostBreakdown(**fields)
    r = scenario.rollout
    rollout = plan_rollout(np.nan_to_num(costs.capex_usd, nan=np.inf), benefit, eligible=choice >= 0,
                           yearly_budget_usd=r.yearly_budget_usd, years=r.years, method=r.method)  # fmt: skip
    on = choice >= 0
    subs = float(demand.subscribers[on].sum())
    annual_total = float(np.nansum(costs.annual_usd[on]))
    totals = {
        "settlements_feasible": float(on.sum()),
        "population_feasible": float(settlements.population[on].sum()),
        "subscribers": subs,
        "demand_mbps": float(demand.busy_hour_mbps[on].sum()),
        "served_mbps": float(served[on].sum()),
        "demand_served_fraction": float(served[on].sum() / max(float(demand.busy_hour_mbps[on].sum()), 1e-12)),
        "capex_usd": float(np.nansum(costs.capex_usd[on])),
        "opex_usd_year": float(np.nansum(costs.opex_usd_year[on])),
        "annual_usd": annual_total,
        "cost_per_user_usd_year": annual_total / subs if subs else float("nan"),
        "cost_per_mbps_usd_year": annual_total / float(served[on].sum()) if served[on].sum() else float("nan"),
        "congested_settlements": float((load > 1.0).sum()),
        "settlements_connected_in_horizon": float((rollout.year > 0).sum()),
        "population_connected_in_horizon": float(settlements.population[rollout.year > 0].sum()),
    }
    return OptionResult(name, choice, served, load, costs, rollout, totals)


def make_plan(
    settlements: Settlements,
    scenario: Scenario,
    *,
    model: AttenuationModel | None = None,
    progress: Callable[[str], None] | None = None,
    maps_dir: MapsDir = None,
) -> Plan:
    """Plan connectivity for ``settlements`` under ``scenario`` (see the module docstring).

    ``model`` replaces the propagation model (default :func:`spacebridge.connect.itur.total_attenuation`);
    ``progress`` is called with a short message before each step (for a progress display); ``maps_dir`` is
    the cache folder of the converted ITU-R maps (``Settings.itur_cache``; ``None``: the user cache folder).
    """
    timings: dict[str, float] = {}
    step = progress or (lambda message: log.info("%s", message))
    t0 = time.perf_counter()
    demand = settlement_demand(settlements, scenario.demand)
    benefit = settlements.population.copy()
    for name, weight in scenario.rollout.facility_weight_people.items():
        if name in settlements.facilities:
            benefit = benefit + weight * settlements.facilities[name]
    links, feasible, annual, rate, cells = [], [], [], [], []
    design = scenario.design_availability_percent
    sites = None
    if model is None:
        step("propagation: site terms")
        t = time.perf_counter()
        sites = SitePropagation(settlements.lat_deg, settlements.lon_deg, maps_dir=maps_dir)
        timings["propagation:sites"] = time.perf_counter() - t
    for system in scenario.systems:
        step(f"links: {system.id}")
        t = time.perf_counter()
        sl = evaluate_system(system, scenario, settlements.lat_deg, settlements.lon_deg, model=model, sites=sites)
        timings[f"links:{system.id}"] = time.perf_counter() - t
        links.append(sl)
        feasible.append(sl.feasible_at(design, design_percent=design))
        carrier = sl.rate_at(design)
        rate.append(carrier)
        capped = np.minimum(demand.busy_hour_mbps, carrier)
        bandwidth = (
            np.where(carrier > 0, capped / np.where(carrier > 0, carrier, 1.0), 0.0) * system.carrier_bandwidth_mhz
        )
        cost = settlement_costs(demand.subscribers, capped, bandwidth, system.costs,
                                discount_rate=scenario.finance.discount_rate)  # fmt: skip
        annual.append(cost.annual_usd)
        cells.append(cell_ids(settlements.lat_deg, settlements.lon_deg, system.cell_km))
    inputs = {"settlements": settlements, "demand": demand, "benefit": benefit}
    options = []
    for name in OPTIONS:
        step(f"option: {name}")
        t = time.perf_counter()
        options.append(_option(name, inputs, scenario, feasible, annual, rate, cells))
        timings[f"option:{name}"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return Plan(settlements, scenario, demand, tuple(links), tuple(options), benefit, timings)
