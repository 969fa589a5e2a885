"""Connectivity: attenuation of posted links, a plan of posted settlements, the written plans' layers, the page.

- ``POST /connect/attenuation``: ITU-R P.618-14 components and total for up to 10,000 links (open: it computes,
  stores nothing, and is bounded like a search).
- ``POST /connect/plan``: a plan of up to 5,000 posted settlements under a scenario (merged over the default),
  answered synchronously; needs an API key (seconds of computation per request).
- ``GET /connect/plans...``: the plans written under the data folder (the demo's ``connect`` plan), their
  totals, per-oblast/district summaries, rollout order and GeoJSON layers.
- ``GET /connect``: the connectivity map page.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from spacebridge import __version__
from spacebridge.api.connect_models import AttenuationIn, PlanIn
from spacebridge.api.deps import SettingsDep, WriterDep
from spacebridge.api.json_safe import JSONSafeRoute
from spacebridge.core.errors import (
    ConfigurationError,
    DataError,
    InvalidInputError,
    NotFoundError,
    OutOfRangeError,
    SpacebridgeWarning,
)
from spacebridge.web import TEMPLATES_DIR

__all__ = ["router"]


router = APIRouter(tags=["connect"], route_class=JSONSafeRoute)
_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))
_PLAN_ID = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$", description="plan folder name, e.g. connect")
_COMPONENTS = ("gas_db", "cloud_db", "rain_db", "scint_db", "total_db")
_SOURCE = "settlements (row n is settlements[n-1])"


@router.get("/connect", response_class=HTMLResponse, summary="The connectivity map page")
def page() -> HTMLResponse:
    return HTMLResponse(_env.get_template("connect.html").render(version=__version__))


@router.post("/connect/attenuation", summary="ITU-R P.618-14 attenuation of Earth-space links")
def attenuation(body: AttenuationIn, settings: SettingsDep) -> dict[str, Any]:
    import numpy as np

    from spacebridge.connect.itur import total_attenuation

    columns = {name: np.array([getattr(link, name) for link in body.links], dtype=float)
               for name in ("lat", "lon", "freq_ghz", "elevation_deg", "diameter_m", "efficiency", "tau_deg",
                            "p_percent")}  # fmt: skip
    hs = np.array([np.nan if link.hs_km is None else link.hs_km for link in body.links])
    try:
        result = total_attenuation(
            columns["lat"], columns["lon"], columns["freq_ghz"], columns["elevation_deg"], columns["p_percent"],
            diameter_m=columns["diameter_m"], efficiency=columns["efficiency"], tau_deg=columns["tau_deg"],
            hs_km=hs, maps_dir=settings.itur_cache,
        )  # fmt: skip
    except OutOfRangeError as exc:
        index = int(exc.context.get("index", 0))
        raise OutOfRangeError(f"links[{index}]: {exc.message}", hint=exc.hint, link=index, **exc.context) from exc
    values = np.stack([getattr(result, name) for name in (*_COMPONENTS, "hs_km")], axis=-1)
    bad = np.flatnonzero(~np.isfinite(values).all(axis=-1))
    if bad.size:
        raise DataError(f"links[{int(bad[0])}]: the models give no finite attenuation", link=int(bad[0]))
    rows = [dict(zip(("a_gas_db", "a_cloud_db", "a_rain_db", "a_scint_db", "a_total_db", "hs_km"),
                     map(float, row), strict=True)) for row in values]  # fmt: skip
    return {"versions": dict(result.versions), "links": rows}


@router.post("/connect/plan", summary="Plan connectivity for posted settlements (synchronous, up to 5,000)")
def plan(body: PlanIn, settings: SettingsDep, _key: WriterDep) -> dict[str, Any]:
    from spacebridge.connect.plan import make_plan
    from spacebridge.connect.plan_folders import finite_json
    from spacebridge.connect.products import options_table, plan_table, summary_table
    from spacebridge.connect.scenario import scenario_from_dict
    from spacebridge.connect.settlements import settlements_from_records

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpacebridgeWarning)
        try:
            scenario = scenario_from_dict(body.scenario)
            facilities = tuple(scenario.demand.facility_demand_mbps)
            records = [{**s.model_dump(exclude={"facilities"}), **s.facilities} for s in body.settlements]
            places = settlements_from_records(records, source=_SOURCE, facility_columns=facilities)
            result = make_plan(places, scenario, maps_dir=settings.itur_cache)
        except ConfigurationError as exc:  # a scenario posted by the client is the client's input: 422
            raise InvalidInputError(f"scenario: {exc.message}", hint=exc.hint, **exc.context) from exc
    table = plan_table(result)
    keep = ["id", "name", "lat", "lon", "population", "population_estimated", "adm1", "adm2", "demand_mbps",
            *(f"{o}_{f}" for o in ("geo_only", "leo_only", "hybrid")
              for f in ("system", "served_mbps", "capex_usd", "cost_per_user_usd_year", "rollout_year",
                        "rollout_rank"))]  # fmt: skip
    out: dict[str, Any] = {
        "scenario": scenario.name,
        "design_availability_percent": scenario.design_availability_percent,
        "versions": dict(result.links[0].versions) if result.links else {},
        "warnings": [str(w.message) for w in caught if issubclass(w.category, SpacebridgeWarning)],
        "options": [finite_json(r) for r in options_table(result).to_dict(orient="records")],
        "summary_adm1": [finite_json(r) for r in summary_table(table, "adm1").to_dict(orient="records")],
    }
    if body.include_settlements:
        rows = table[keep].astype(object).where(table[keep].notna(), None).to_dict(orient="records")
        out["settlements"] = [finite_json(r) for r in rows]
    return out


@router.get("/connect/plans", summary="Connectivity plans written under the data folder")
def list_plans(settings: SettingsDep) -> list[dict[str, Any]]:
    from spacebridge.connect.plan_folders import find_plans

    return [p.summary() for p in find_plans(settings.data_dir)]


@router.get("/connect/plans/{plan_id}", summary="A plan: totals per option, systems and their map colours")
def get_plan(plan_id: Annotated[str, _PLAN_ID], settings: SettingsDep) -> dict[str, Any]:
    from spacebridge.connect.plan_folders import open_plan, read_rows

    plan = open_plan(settings.data_dir, plan_id)
    return {**plan.summary(), "systems": plan.systems(), "options_table": read_rows(plan, "options"),
            "propagation": (plan.lineage.get("chosen") or {}).get("propagation", {})}  # fmt: skip


@router.get("/connect/plans/{plan_id}/summary/{level}", summary="Per oblast (adm1) or district (adm2) and option")
def plan_summary(
    plan_id: Annotated[str, _PLAN_ID],
    level: Literal["adm1", "adm2"],
    settings: SettingsDep,
    option: Literal["geo-only", "leo-only", "hybrid"] | None = None,
) -> list[dict[str, Any]]:
    from spacebridge.connect.plan_folders import open_plan, read_rows

    rows = read_rows(open_plan(settings.data_dir, plan_id), f"summary_{level}")
    return [r for r in rows if option is None or r.get("option") == option]


@router.get("/connect/plans/{plan_id}/rollout/{option}", summary="Rollout order of an option (ranked settlements)")
def plan_rollout(
    plan_id: Annotated[str, _PLAN_ID],
    option: Literal["geo-only", "leo-only", "hybrid"],
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
) -> list[dict[str, Any]]:
    from spacebridge.connect.plan_folders import open_plan, read_rows

    return read_rows(open_plan(settings.data_dir, plan_id), f"rollout_{option}")[:limit]


@router.get(
    "/connect/plans/{plan_id}/layers/{layer}.geojson",
    summary="A plan's GeoJSON layer: settlements (points) or adm1 (oblasts)",
    response_class=FileResponse,
)
def plan_layer(
    plan_id: Annotated[str, _PLAN_ID], layer: Literal["settlements", "adm1"], settings: SettingsDep
) -> FileResponse:
    from spacebridge.connect.plan_folders import open_plan

    plan = open_plan(settings.data_dir, plan_id)
    path = plan.path / f"{layer}.geojson"
    if not path.is_file():
        raise NotFoundError(f"plan {plan_id!r} has no {layer} layer", hint="Write the plan with boundaries",
                            plan=plan_id, layer=layer)  # fmt: skip
    return FileResponse(path, media_type="application/geo+json")
