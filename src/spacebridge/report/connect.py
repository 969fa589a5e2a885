"""Demo section: plan satellite connectivity for Kazakhstan's villages with the default scenario.

Runs the planner on the bundled OpenStreetMap places (villages, hamlets and isolated dwellings inside the
country; cities and towns are taken as fibre-served), with real ITU-R propagation, writes every product under
``connect/`` and reports the three options, the links per system, the map and the ranked rollout. The first
rollout year of the hybrid option is also solved exactly (0/1 knapsack) to show how far the greedy order is.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from spacebridge.report.build import DemoContext, Section

if TYPE_CHECKING:
    from spacebridge.connect.plan import Plan

__all__ = ["run"]


def _fmt(value: float, digits: int = 0) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:,.{digits}f}"


def _reading(plan: Plan) -> dict[str, Any]:
    """The figures a planner needs to read the options: demand, capacity per system, the hybrid's trade-off."""
    from spacebridge.connect.demand import cell_ids

    sc = plan.scenario
    design = sc.design_availability_percent
    demand = plan.demand.busy_hour_mbps
    leo_only, hybrid = plan.option("leo-only").totals, plan.option("hybrid").totals
    leo_cpm = leo_only["cost_per_mbps_usd_year"]
    systems = []
    for i, (spec, links) in enumerate(zip(sc.systems, plan.links, strict=True)):
        rate = links.rate_at(design)
        median = float(np.median(rate[rate > 0])) if (rate > 0).any() else float("nan")
        cells = cell_ids(plan.settlements.lat_deg[links.usable], plan.settlements.lon_deg[links.usable], spec.cell_km)
        beams = int(np.unique(cells).size)
        row = {"label": spec.label, "kind": spec.kind, "carriers": spec.carriers_per_beam,
               "bandwidth": _fmt(spec.carrier_bandwidth_mhz), "rate": _fmt(median),
               "beam": _fmt(spec.carriers_per_beam * median), "beams": _fmt(beams),
               "hybrid": _fmt(float((plan.option("hybrid").system_index == i).sum()))}  # fmt: skip
        if spec.kind == "geo" and np.isfinite(median) and spec.costs.capacity_usd_per_mhz_month > 0:
            per_mbps = 12.0 * spec.costs.capacity_usd_per_mhz_month * spec.carrier_bandwidth_mhz / median
            row["bandwidth_cost"] = _fmt(per_mbps)
            row["price"] = _fmt(spec.costs.capacity_usd_per_mhz_month)
            row["break_even"] = _fmt(spec.costs.capacity_usd_per_mhz_month * leo_cpm / per_mbps)
        systems.append(row)
    geo_capacity = sum(s.carriers_per_beam * float(np.median(lk.rate_at(design)[lk.rate_at(design) > 0]))
                       for s, lk in zip(sc.systems, plan.links, strict=True) if s.kind == "geo"
                       and (lk.rate_at(design) > 0).any())  # fmt: skip
    hybrid_geo = np.isin(plan.option("hybrid").system_index, [i for i, s in enumerate(sc.systems) if s.kind == "geo"])
    reach = min(int(lk.feasible_at(design, design_percent=design).sum()) for lk in plan.links) if plan.links else 0
    extra_mbps = hybrid["served_mbps"] - leo_only["served_mbps"]
    extra_usd = hybrid["annual_usd"] - leo_only["annual_usd"]
    return {
        "reach": _fmt(float(reach)), "villages": _fmt(float(len(plan.settlements))),
        "subscribers": _fmt(float(plan.demand.subscribers.sum())), "demand_gbps": _fmt(float(demand.sum()) / 1e3, 1),
        "per_subscriber": _fmt(sc.demand.busy_hour_concurrency * sc.demand.busy_hour_rate_mbps, 2),
        "geo_capacity": _fmt(geo_capacity), "geo_share": f"{100 * geo_capacity / max(float(demand.sum()), 1e-9):.2f}",
        "systems": systems, "leo_cpm": _fmt(leo_cpm), "geo_cpm": _fmt(plan.option("geo-only").totals[
            "cost_per_mbps_usd_year"]), "leo_congested": _fmt(leo_only["congested_settlements"]),
        "leo_served": f"{100 * leo_only['demand_served_fraction']:.1f}",
        "geo_served": f"{100 * plan.option('geo-only').totals['demand_served_fraction']:.2f}",
        "hybrid_geo": _fmt(float(hybrid_geo.sum())),
        "hybrid_geo_idle": _fmt(float((hybrid_geo & (demand <= 0)).sum())),
        "extra_mbps": _fmt(extra_mbps), "extra_musd": _fmt(extra_usd / 1e6, 1),
        "extra_per_mbps": _fmt(extra_usd / extra_mbps) if extra_mbps > 0 else "n/a",
        "hybrid_congested": _fmt(hybrid["congested_settlements"]),
    }  # fmt: skip


def run(ctx: DemoContext) -> Section:
    from spacebridge.connect.plan import make_plan
    from spacebridge.connect.products import plan_table, read_boundaries, summary_table, write_plan
    from spacebridge.connect.rollout import plan_rollout
    from spacebridge.connect.scenario import default_scenario
    from spacebridge.connect.settlements import read_settlements
    from spacebridge.core.errors import EstimatedValueWarning
    from spacebridge.core.provenance import InputRef

    kz = ctx.data_dir / "kazakhstan"
    places_csv = kz / "places" / "kaz_populated_places_osm.csv"
    scenario = default_scenario()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatedValueWarning)  # reported in the section text instead
        places = read_settlements(places_csv, facility_columns=tuple(scenario.demand.facility_demand_mbps))
    rural = (places.adm1 != "") & ~np.isin(places.place, ["city", "town"])
    villages = places.subset(rural)
    plan = make_plan(villages, scenario, maps_dir=ctx.settings.itur_cache)
    out = ctx.out_dir / "connect"
    files = write_plan(plan, out, boundaries_dir=kz / "boundaries", inputs=(InputRef("settlements", str(places_csv)),))
    table = plan_table(plan)
    hybrid = plan.option("hybrid")

    start = time.perf_counter()
    year1 = plan_rollout(hybrid.costs.capex_usd, plan.benefit, eligible=hybrid.system_index >= 0,
                         yearly_budget_usd=scenario.rollout.yearly_budget_usd, years=1, method="exact",
                         time_limit_s=5.0)  # fmt: skip
    exact_s = time.perf_counter() - start
    greedy_b, exact_b = float(hybrid.rollout.benefit[0]), float(year1.benefit[0])
    exact_note = (
        f"First-year check: the exact 0/1 knapsack (OR-Tools, {exact_s:.1f} s, "
        f"{'proven optimal' if year1.optimal else 'time limit reached'}) reaches a benefit of {exact_b:,.0f} "
        f"people-equivalent against {greedy_b:,.0f} for the greedy order "
        f"({100 * (exact_b - greedy_b) / max(exact_b, 1):.2f} % more)."
    )
    names = {}
    boundaries = read_boundaries(kz / "boundaries")
    if "adm1" in boundaries:
        names = dict(zip(boundaries["adm1"]["ADM1_PCODE"], boundaries["adm1"]["ADM1_EN"], strict=True))
    ids = np.array([s.id for s in scenario.systems] + ["none"], dtype=object)
    order = np.argsort(np.where(hybrid.rollout.rank > 0, hybrid.rollout.rank, np.iinfo(np.int64).max))[:20]
    top = [
        {"rank": int(hybrid.rollout.rank[i]), "name": villages.name[i] or villages.id[i],
         "oblast": names.get(villages.adm1[i], villages.adm1[i]), "population": _fmt(villages.population[i]),
         "system": ids[hybrid.system_index[i]], "year": int(hybrid.rollout.year[i]),
         "capex": _fmt(hybrid.costs.capex_usd[i])}
        for i in order if hybrid.rollout.rank[i] > 0
    ]  # fmt: skip
    options = [
        {"name": o.name, "feasible": _fmt(o.totals["settlements_feasible"]),
         "population": _fmt(o.totals["population_feasible"]),
         "served": f"{100 * o.totals['demand_served_fraction']:.1f} %", "capex": _fmt(o.totals["capex_usd"] / 1e6, 1),
         "opex": _fmt(o.totals["opex_usd_year"] / 1e6, 1), "per_user": _fmt(o.totals["cost_per_user_usd_year"]),
         "per_mbps": _fmt(o.totals["cost_per_mbps_usd_year"]), "congested": _fmt(o.totals["congested_settlements"]),
         "connected": _fmt(o.totals["settlements_connected_in_horizon"])}
        for o in plan.options
    ]  # fmt: skip
    design = scenario.design_availability_percent
    systems = []
    for spec, links in zip(scenario.systems, plan.links, strict=True):
        feasible = [f"{100 * links.feasible_at(a, design_percent=design).mean():.1f} %"
                    for a in scenario.availability_targets_percent]  # fmt: skip
        systems.append({"label": spec.label, "elevation": _fmt(float(np.median(links.elevation_deg)), 1),
                        "feasible": feasible, "rate": _fmt(float(np.median(links.rate_at(design))), 0),
                        "availability": _fmt(float(np.median(links.availability_percent)), 3)})  # fmt: skip
    summary = summary_table(table, "adm1", names)
    oblasts = [
        {"name": r["name"] or r["adm1"], "settlements": _fmt(r["settlements"]), "population": _fmt(r["population"]),
         "feasible": _fmt(r["feasible"]), "capex": _fmt(r["capex_usd"] / 1e6, 1),
         "connected": _fmt(r["connected_in_horizon"])}
        for _, r in summary[summary["option"] == "hybrid"].sort_values("population", ascending=False).iterrows()
    ]  # fmt: skip
    env = Environment(loader=PackageLoader("spacebridge.report", "templates"), autoescape=select_autoescape(["j2"]))
    html = env.get_template("connect_section.html.j2").render(
        n_settlements=f"{len(villages):,}", n_excluded=int((~rural & (places.adm1 != "")).sum()),
        n_estimated=f"{int(villages.population_estimated.sum()):,}", scenario=scenario.name, design=f"{design:g}",
        budget=f"{scenario.rollout.yearly_budget_usd:,.0f}", years=scenario.rollout.years,
        propagation=plan.links[0].versions.get("total", "n/a"), options=options, systems=systems,
        targets=[f"{a:g}" for a in scenario.availability_targets_percent], map_png="connect/map.png", top=top,
        exact_note=exact_note, oblasts=oblasts, reading=_reading(plan),
    )  # fmt: skip
    t = hybrid.totals
    return Section(
        title="Connectivity: satellite broadband for Kazakhstan's villages",
        html=html,
        anchor="connect",
        summary=(
            f"Hybrid plan: {int(t['settlements_feasible']):,} settlements feasible at {design:g} % availability, "
            f"{int(t['settlements_connected_in_horizon']):,} connected within {scenario.rollout.years} years "
            f"for {t['capex_usd'] / 1e6:,.0f} M USD of CAPEX."
        ),
        products=tuple(str(f.relative_to(ctx.out_dir)) for f in files),
    )
