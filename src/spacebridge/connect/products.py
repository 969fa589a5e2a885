"""Writing a plan: per-settlement table, summaries per oblast and district, rollout lists, map layers, a map.

Everything is written into a staging folder and published only when complete
(:func:`spacebridge.core.atomic.staged_output_dir`). Files:

- ``settlements.csv`` / ``settlements.parquet``: one row per settlement, links per system and option results;
- ``options.csv``: totals per option (GEO-only, LEO-only, hybrid);
- ``summary_adm1.csv``, ``summary_adm2.csv``: per oblast / district and option;
- ``rollout_<option>.csv``: the ranked rollout (settlements connected within the horizon);
- ``settlements.geojson`` (points with each option's system, throughput, CAPEX and rollout year and rank) and,
  with boundaries, ``adm1.geojson`` (oblast polygons with the hybrid option's figures): layers for the web map
  (served by the API, :mod:`spacebridge.connect.plan_folders`);
- ``map.png``: the hybrid option's system per settlement over the oblast boundaries;
- ``scenario.yaml`` (the merged scenario actually used) and ``plan.json`` (lineage: inputs, parameters,
  model versions, timings).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spacebridge.connect.plan import Plan
from spacebridge.core.atomic import staged_output_dir
from spacebridge.core.provenance import InputRef, Lineage, package_versions

__all__ = ["options_table", "plan_table", "read_boundaries", "summary_table", "system_colours", "write_plan"]

PALETTE = {"geo": ("#1f77b4", "#17becf", "#2ca02c"), "leo": ("#ff7f0e", "#d62728", "#9467bd")}


def plan_table(plan: Plan) -> pd.DataFrame:
    """One row per settlement: inputs, demand, per-system link results, per-option results."""
    sc = plan.scenario
    cols: dict[str, Any] = dict(plan.settlements.columns())
    cols.update(households=plan.demand.households, subscribers=plan.demand.subscribers,
                demand_mbps=plan.demand.busy_hour_mbps, benefit=plan.benefit)  # fmt: skip
    for links in plan.links:
        s = links.system_id
        cols[f"{s}_elevation_deg"] = links.elevation_deg
        cols[f"{s}_usable"] = links.usable
        cols[f"{s}_availability_percent"] = links.availability_percent
        cols[f"{s}_mean_carrier_mbps"] = links.mean_carrier_rate_mbps
        for a in sc.availability_targets_percent:
            cols[f"{s}_carrier_mbps_a{a:g}"] = links.rate_at(a)
            cols[f"{s}_feasible_a{a:g}"] = links.feasible_at(a, design_percent=sc.design_availability_percent)
        if np.isfinite(links.skew_deg).any():
            cols[f"{s}_skew_deg"] = links.skew_deg
    ids = np.array([s.id for s in sc.systems] + ["none"], dtype=object)
    for opt in plan.options:
        o = opt.name.replace("-", "_")
        cols[f"{o}_system"] = ids[opt.system_index]
        cols[f"{o}_served_mbps"] = opt.served_mbps
        cols[f"{o}_beam_load"] = opt.beam_load
        cols[f"{o}_capex_usd"] = opt.costs.capex_usd
        cols[f"{o}_opex_usd_year"] = opt.costs.opex_usd_year
        cols[f"{o}_cost_per_user_usd_year"] = opt.costs.cost_per_user_usd_year
        cols[f"{o}_cost_per_mbps_usd_year"] = opt.costs.cost_per_mbps_usd_year
        cols[f"{o}_rollout_year"] = opt.rollout.year
        cols[f"{o}_rollout_rank"] = opt.rollout.rank
    return pd.DataFrame(cols)


def options_table(plan: Plan) -> pd.DataFrame:
    """Totals per option, one row each."""
    return pd.DataFrame([{"option": o.name, **o.totals} for o in plan.options])


def summary_table(table: pd.DataFrame, level: str, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Per administrative unit (``adm1`` or ``adm2``) and option: counts, population, throughput, cost."""
    rows = []
    for option in ("geo_only", "leo_only", "hybrid"):
        served = table[f"{option}_system"] != "none"
        g = table.assign(_served=served, _pop_served=table["population"].where(served, 0.0),
                         _in_horizon=table[f"{option}_rollout_year"] > 0).groupby(level, dropna=False)  # fmt: skip
        agg = g.agg(
            settlements=("id", "size"), population=("population", "sum"), feasible=("_served", "sum"),
            population_feasible=("_pop_served", "sum"), demand_mbps=("demand_mbps", "sum"),
            served_mbps=(f"{option}_served_mbps", "sum"), capex_usd=(f"{option}_capex_usd", "sum"),
            opex_usd_year=(f"{option}_opex_usd_year", "sum"), connected_in_horizon=("_in_horizon", "sum"),
        ).reset_index()  # fmt: skip
        agg.insert(1, "option", option.replace("_", "-"))
        rows.append(agg)
    out = pd.concat(rows, ignore_index=True)
    if names:
        out.insert(1, "name", out[level].map(names).fillna(""))
    return out


def read_boundaries(folder: Path) -> dict[str, Any]:
    """The 2024 oblast (adm1) and district (adm2) boundaries of the bundled geokz data, as GeoDataFrames."""
    import geopandas as gpd

    out: dict[str, Any] = {}
    for level, pattern in (("adm1", "*adm1_2024*.geojson"), ("adm2", "*adm2_2024*.geojson")):
        found = sorted(folder.glob(pattern))
        if found:
            out[level] = gpd.read_file(found[0])
    return out


def _names(boundaries: dict[str, Any], level: str) -> dict[str, str] | None:
    gdf = boundaries.get(level)
    if gdf is None:
        return None
    code, name = f"{level.upper()}_PCODE", f"{level.upper()}_EN"
    return dict(zip(gdf[code], gdf[name], strict=True)) if code in gdf and name in gdf else None


def _map_png(path: Path, table: pd.DataFrame, plan: Plan, boundaries: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 6.5), dpi=110)
    if "adm1" in boundaries:
        boundaries["adm1"].boundary.plot(ax=ax, color="#555555", linewidth=0.6)
    colours = system_colours([(s.id, s.kind) for s in plan.scenario.systems])
    system = table["hybrid_system"]
    size = np.clip(np.sqrt(table["population"].to_numpy()) / 6.0, 1.0, 40.0)
    for sid, colour in colours.items():
        sel = (system == sid).to_numpy()
        if sel.any():
            ax.scatter(table["lon"][sel], table["lat"][sel], s=size[sel], c=colour, alpha=0.7, linewidths=0,
                       label=f"{sid} ({int(sel.sum())})")  # fmt: skip
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(f"Hybrid plan at {plan.scenario.design_availability_percent:g} % availability: system per settlement")
    ax.legend(loc="lower left", fontsize=8, markerscale=2)
    ax.set_aspect(1.0 / np.cos(np.radians(float(table["lat"].mean()))))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


_POINT_FIELDS = ("id", "name", "population", "population_estimated", "adm1", "adm2", "demand_mbps")
_OPTION_FIELDS = ("system", "served_mbps", "capex_usd", "rollout_year", "rollout_rank")


def _geojson_points(table: pd.DataFrame) -> dict[str, Any]:
    """Settlement points with, per option, the system chosen, throughput, CAPEX and rollout year and rank."""
    keep = [*_POINT_FIELDS, *(f"{o}_{f}" for o in ("geo_only", "leo_only", "hybrid") for f in _OPTION_FIELDS)]
    sub = table[keep].copy()
    for column in ("demand_mbps", "geo_only_served_mbps", "leo_only_served_mbps", "hybrid_served_mbps"):
        sub[column] = sub[column].round(3)
    for column in ("geo_only_capex_usd", "leo_only_capex_usd", "hybrid_capex_usd"):
        sub[column] = sub[column].round(0)
    props = sub.astype(object).where(sub.notna(), None).to_dict(orient="records")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
             "properties": {k: (v.item() if hasattr(v, "item") else v) for k, v in p.items()}}
            for x, y, p in zip(table["lon"], table["lat"], props, strict=True)
        ],
    }  # fmt: skip


def system_colours(systems: list[tuple[str, str]]) -> dict[str, str]:
    """Map colour per system id from ``(id, kind)`` pairs: blues and greens for GEO, warm colours for LEO."""
    colours = {"none": "#bbbbbb"}
    for kind in ("geo", "leo"):
        ids = [sid for sid, k in systems if k == kind]
        colours.update({sid: PALETTE[kind][i % len(PALETTE[kind])] for i, sid in enumerate(ids)})
    return colours


def write_plan(
    plan: Plan,
    out_dir: str | Path,
    *,
    boundaries_dir: Path | None = None,
    parquet: bool = True,
    inputs: tuple[InputRef, ...] = (),
) -> list[Path]:
    """Write every product of ``plan`` into ``out_dir`` (atomically); return the files written."""
    import yaml

    table = plan_table(plan)
    boundaries = read_boundaries(boundaries_dir) if boundaries_dir else {}
    with staged_output_dir(out_dir) as stage:
        table.to_csv(stage / "settlements.csv", index=False, float_format="%.6g")
        if parquet:
            table.to_parquet(stage / "settlements.parquet", index=False)
        options_table(plan).to_csv(stage / "options.csv", index=False, float_format="%.6g")
        for level in ("adm1", "adm2"):
            summary_table(table, level, _names(boundaries, level)).to_csv(
                stage / f"summary_{level}.csv", index=False, float_format="%.6g"
            )
        for opt in ("geo_only", "leo_only", "hybrid"):
            ranked = table[table[f"{opt}_rollout_rank"] > 0].sort_values(f"{opt}_rollout_rank")
            ranked[["id", "name", "adm1", "adm2", "population", f"{opt}_system", f"{opt}_rollout_year",
                    f"{opt}_rollout_rank", f"{opt}_capex_usd", "benefit"]].to_csv(
                stage / f"rollout_{opt.replace('_', '-')}.csv", index=False)  # fmt: skip
        (stage / "settlements.geojson").write_text(json.dumps(_geojson_points(table)), encoding="utf-8")
        if "adm1" in boundaries:
            summary = summary_table(table, "adm1")
            hybrid = summary[summary["option"] == "hybrid"].set_index("adm1")
            gdf = boundaries["adm1"][["ADM1_PCODE", "ADM1_EN", "geometry"]].copy()
            for column in ("settlements", "population", "feasible", "served_mbps", "capex_usd",
                           "connected_in_horizon"):  # fmt: skip
                gdf[column] = gdf["ADM1_PCODE"].map(hybrid[column]).fillna(0).astype(float)
            (stage / "adm1.geojson").write_text(gdf.to_json(), encoding="utf-8")
        _map_png(stage / "map.png", table, plan, boundaries)
        (stage / "scenario.yaml").write_text(yaml.safe_dump(dict(plan.scenario.raw), sort_keys=False,
                                                            allow_unicode=True), encoding="utf-8")  # fmt: skip
        versions = plan.links[0].versions if plan.links else {}
        lineage = Lineage(
            "connect.plan", inputs,
            parameters={"scenario": plan.scenario.name, "settlements": len(plan.settlements)},
            chosen={"propagation": versions, "timings_s": plan.timings_s,
                    "options": {o.name: o.totals for o in plan.options}},
            software=package_versions(("spacebridge", "numpy", "pandas", "sgp4", "ortools", "pyproj")),
        )  # fmt: skip
        (stage / "plan.json").write_text(json.dumps(lineage.to_dict(), indent=2, default=float), encoding="utf-8")
        written = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    return [Path(out_dir) / p for p in written]
