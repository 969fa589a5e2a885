"""Telescope visibility, satellite passes and the geostationary belt for the Kazakh observatories, and the sky page.

- ``GET /sky/sites``, ``GET /sky/sites/{site_id}``: observatories and telescopes (the bundled sites file);
- ``GET /sky/sites/{site_id}/nights/{night}``: sunset, twilights and sunrise (UTC) of a local evening date;
- ``POST /sky/visibility``: per target, the observable windows of a night, the best altitude, the reason a target
  is never observable, and on request the altitude curves (as ``spacebridge sky visibility``);
- ``POST /sky/passes``: passes of a posted TLE/OMM catalogue or of the bundled sample (as ``spacebridge sky passes``);
- ``GET /sky/geo-belt``: geostationary slots seen from a site during a night, with their eclipse windows;
- ``POST /sky/schedule``: the request file of ``spacebridge sky schedule`` in, its schedule document out (plus the
  night's bounds, the value and the method); ``GET /sky/sample-requests``: the bundled sample request file;
- ``GET /sky``: the sky page.

Every route only computes and stores nothing, so all are open like the other reads; each request's work is bounded
(:mod:`spacebridge.api.sky_models`), larger jobs belong to the command line. Only the CP-SAT polish of a schedule
(seconds of CPU by design) needs an API key. Degraded-result warnings of the sky pillar (stale element sets,
extrapolated time scales) are returned in ``warnings``.
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import AfterValidator

from spacebridge import __version__
from spacebridge.api.deps import StoreDep
from spacebridge.api.json_safe import JSONSafeRoute
from spacebridge.api.sky_models import (
    MAX_CURVE_VALUES,
    MAX_GRID_CELLS,
    MAX_POLISH_S,
    MAX_SATELLITE_HOURS,
    MAX_SCHEDULE_REQUESTS,
    PassesIn,
    ScheduleIn,
    VisibilityIn,
    check_night,
)
from spacebridge.api.sky_views import geo_belt_doc, night_doc, passes_doc, schedule_doc, site_doc, visibility_doc
from spacebridge.core.errors import AuthenticationError, NotFoundError, ResourceLimitError
from spacebridge.web import TEMPLATES_DIR

__all__ = ["SAMPLE_TLE", "router"]

router = APIRouter(tags=["sky"], route_class=JSONSafeRoute)
_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))
SAMPLE_TLE = Path(__file__).resolve().parents[4] / "examples" / "data" / "tle" / "celestrak-active-20260626-excerpt.tle"
"""The bundled CelesTrak excerpt (``examples/data/tle``), used by ``POST /sky/passes`` with ``sample: true``."""
_SITE = "tien-shan, assy-turgen or kamenskoe"
_NIGHT = "local evening date, YYYY-MM-DD (1980 to 2099)"
_bearer = HTTPBearer(auto_error=False, description="An API key, needed only to polish a schedule with CP-SAT.")
SitePath = Annotated[str, PathParam(min_length=1, max_length=100, description=_SITE)]
NightPath = Annotated[dt.date, AfterValidator(check_night), PathParam(description=_NIGHT)]
_SKY_LOCK = threading.Lock()


@contextmanager
def _sky_computation(doc_warnings: list[str]) -> Iterator[None]:
    """Run one sky computation at a time, collecting its warnings (degraded results) as messages for the answer.

    ``warnings.catch_warnings`` swaps process-wide state, so two requests recording at once would take each
    other's warnings (seen on the page: the stale-TLE warning of a pass search in the visibility answer). The lock
    also keeps the CPU-bound sky work to one request at a time.
    """
    with _SKY_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        message = str(w.message)
        if w.category.__name__ == "ErfaWarning":  # "dubious year": summarised by the sky pillar's own warning
            continue
        if message not in doc_warnings:
            doc_warnings.append(message)


@router.get("/sky", response_class=HTMLResponse, summary="The sky page: twilights, altitudes, passes")
def page() -> HTMLResponse:
    return HTMLResponse(_env.get_template("sky.html").render(version=__version__))


@router.get("/sky/sites", summary="Observatories and their telescopes")
def sites() -> list[dict[str, Any]]:
    from spacebridge.sky import get_site, list_sites

    return [site_doc(get_site(s)) for s in list_sites()]


@router.get("/sky/sites/{site_id}", summary="One observatory and its telescopes")
def site(site_id: SitePath) -> dict[str, Any]:
    from spacebridge.sky import get_site

    return site_doc(get_site(site_id))


@router.get("/sky/sites/{site_id}/nights/{night}", summary="Sunset, twilights and sunrise of a night (UTC)")
def night(site_id: SitePath, night: NightPath) -> dict[str, Any]:
    from spacebridge.sky import night_of

    doc_warnings: list[str] = []
    with _sky_computation(doc_warnings):
        doc = night_doc(night_of(site_id, night))
    return {**doc, "warnings": doc_warnings}


@router.post("/sky/visibility", summary="When each target is observable during a night, or why not")
def visibility(body: VisibilityIn) -> dict[str, Any]:
    from spacebridge.sky import (
        AirmassConstraint,
        AltitudeConstraint,
        HorizonMaskConstraint,
        MoonSeparationConstraint,
        TelescopeLimitsConstraint,
        compute_visibility,
        evaluate_constraints,
        fixed_targets,
        get_site,
        night_of,
    )

    site_obj = get_site(body.site)
    telescope = site_obj.telescope(body.telescope) if body.telescope is not None else None
    targets = fixed_targets(
        [t.id for t in body.targets],
        [t.ra_deg for t in body.targets],
        [t.dec_deg for t in body.targets],
        pm_ra_cosdec_mas_yr=[t.pm_ra_cosdec_mas_yr for t in body.targets],
        pm_dec_mas_yr=[t.pm_dec_mas_yr for t in body.targets],
    )
    doc_warnings: list[str] = []
    with _sky_computation(doc_warnings):
        night_obj = night_of(site_obj, body.night)
        start, end = night_obj.bounds(body.twilight)
        n_times = int((end - start).astype("timedelta64[s]").astype(int) // body.step_s) + 1
        _check_grid(len(targets), n_times, curves=body.curves)
        grid = compute_visibility(site_obj, targets, night=night_obj, twilight=body.twilight, step_s=body.step_s)
        constraints: list[Any] = [AltitudeConstraint(min_deg=body.min_altitude_deg)]
        if body.horizon:
            constraints.append(HorizonMaskConstraint())
        if telescope is not None:
            constraints.append(TelescopeLimitsConstraint(telescope))
        if body.max_airmass is not None:
            constraints.append(AirmassConstraint(max_airmass=body.max_airmass))
        if body.min_moon_separation_deg is not None:
            constraints.append(MoonSeparationConstraint(min_deg=body.min_moon_separation_deg))
        result = evaluate_constraints(grid, constraints)
        doc = visibility_doc(grid, result, night_obj, twilight=body.twilight, step_s=body.step_s, curves=body.curves)
    return {**doc, "telescope": telescope.id if telescope else None, "warnings": doc_warnings}


def _check_grid(n_targets: int, n_times: int, *, curves: bool) -> None:
    cells = n_targets * n_times
    limit, what = (MAX_CURVE_VALUES, "altitude values (curves)") if curves else (MAX_GRID_CELLS, "grid cells")
    if cells > limit:
        raise ResourceLimitError(
            f"{n_targets} targets x {n_times} time steps = {cells:,} {what} exceed the limit of {limit:,} per request",
            hint="Send fewer targets or a larger step_s (or leave out curves), or use 'spacebridge sky visibility'",
            argument="targets",
            cells=cells,
            limit=limit,
        )


def _catalogue_text(body: PassesIn) -> tuple[str, str]:
    if body.tle is not None:
        return body.tle, "posted"
    if not SAMPLE_TLE.is_file():
        raise NotFoundError(
            f"the sample catalogue {SAMPLE_TLE.name} is not installed",
            hint="Run from a source checkout, or post your catalogue as 'tle'",
        )
    return SAMPLE_TLE.read_text(encoding="utf-8"), f"sample: {SAMPLE_TLE.name}"


@router.post("/sky/passes", summary="Satellite passes over a site: rise, culmination, set, sunlit")
def passes(body: PassesIn) -> dict[str, Any]:
    from spacebridge.sky import find_passes, get_site, parse_catalog

    site_obj = get_site(body.site)
    text, label = _catalogue_text(body)
    doc_warnings: list[str] = []
    with _sky_computation(doc_warnings):
        catalog = parse_catalog(text)
        hours = (body.end_utc - body.start_utc).total_seconds() / 3600.0
        if len(catalog) * hours > MAX_SATELLITE_HOURS:
            raise ResourceLimitError(
                f"{len(catalog)} satellites over {hours:.1f} h exceed the limit of {MAX_SATELLITE_HOURS:,.0f} "
                "satellite-hours per request",
                hint="Send fewer satellites or a shorter window, or use 'spacebridge sky passes'",
                argument="tle",
                satellites=len(catalog),
                hours=round(hours, 3),
            )
        search = find_passes(catalog, site_obj, body.start_utc, body.end_utc, min_elevation_deg=body.min_elevation_deg)
        doc = passes_doc(search, visible_only=body.visible_only, catalogue=label)
    return {**doc, "warnings": doc_warnings}


@router.get("/sky/geo-belt", summary="Geostationary slots seen from a site during a night")
def geo_belt(
    site: Annotated[str, Query(min_length=1, max_length=100, description=_SITE)],
    night: Annotated[dt.date, AfterValidator(check_night), Query(description=_NIGHT)],
    min_elevation_deg: Annotated[float, Query(ge=0, lt=90, allow_inf_nan=False)] = 10.0,
    step_deg: Annotated[float, Query(ge=0.5, le=30, allow_inf_nan=False, description="slot spacing, deg")] = 1.0,
    step_s: Annotated[float, Query(ge=300, le=3600, allow_inf_nan=False)] = 600.0,
    dark_sun_altitude_deg: Annotated[float, Query(ge=-18, le=0, allow_inf_nan=False)] = -12.0,
) -> dict[str, Any]:
    """Slots above ``min_elevation_deg`` (the Kazakh slots first, by name), between sunset and sunrise, with the
    windows in which each is sunlit while the Sun is below ``dark_sun_altitude_deg`` at the site, and its eclipse
    (Earth's shadow) windows during darkness."""
    import numpy as np

    from spacebridge.sky import KAZAKH_GEO_SLOTS_DEG, get_site, night_of
    from spacebridge.sky import geo_belt as compute_geo_belt

    site_obj = get_site(site)
    named = list(KAZAKH_GEO_SLOTS_DEG.items())
    longitudes = np.concatenate([[lon for _, lon in named], np.arange(-180.0, 180.0, step_deg)])
    doc_warnings: list[str] = []
    with _sky_computation(doc_warnings):
        night_obj = night_of(site_obj, night)
        start, end = night_obj.bounds("sunset")
        belt = compute_geo_belt(
            site_obj, start, end, longitudes_deg=longitudes, step_s=step_s, min_elevation_deg=min_elevation_deg
        )
        doc = geo_belt_doc(belt, named, dark_sun_altitude_deg=dark_sun_altitude_deg, night=night_obj)
    return {**doc, "warnings": doc_warnings}


@router.get("/sky/sample-requests", summary="The bundled sample request file of 'sky schedule'")
def sample_requests() -> dict[str, Any]:
    import importlib.resources
    import json

    text = importlib.resources.files("spacebridge.sky").joinpath("data", "sample_requests.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@router.post("/sky/schedule", summary="Schedule one night (the request file and answer of 'sky schedule')")
def schedule(
    body: ScheduleIn,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    polish: Annotated[bool, Query(description="polish with OR-Tools CP-SAT (needs an API key)")] = False,
    polish_time_limit_s: Annotated[float, Query(gt=0, le=MAX_POLISH_S, allow_inf_nan=False)] = 10.0,
) -> dict[str, Any]:
    """The schedule document of ``spacebridge sky schedule`` (``scheduled``: id, start_utc, end_utc;
    ``unscheduled``: id, reason), with the night's bounds, the priority-weighted value and, after a polish, the
    CP-SAT status and optimality gap."""
    from spacebridge.sky.request_file import parse_request_set
    from spacebridge.sky.scheduler import PlanOptions, plan_night

    if polish and credentials is None:
        raise AuthenticationError(
            "polish=true runs CP-SAT for up to polish_time_limit_s seconds and needs an API key",
            hint="Send 'Authorization: Bearer <key>' (spacebridge keys create), or leave polish out",
            argument="polish",
        )
    if polish and credentials is not None:
        store.check_key(credentials.credentials)
    if body.n_blocks > MAX_SCHEDULE_REQUESTS:
        raise ResourceLimitError(
            f"{len(body.requests)} requests expand into {body.n_blocks} blocks with their cadences, more than "
            f"{MAX_SCHEDULE_REQUESTS} per request",
            hint="Send fewer requests or longer cadence periods, or use 'spacebridge sky schedule'",
            argument="requests",
            blocks=body.n_blocks,
            limit=MAX_SCHEDULE_REQUESTS,
        )
    request_set = parse_request_set(body.model_dump(mode="json", exclude_unset=True))
    doc_warnings: list[str] = []
    with _sky_computation(doc_warnings):
        result = plan_night(request_set, options=PlanOptions(polish=polish, polish_time_limit_s=polish_time_limit_s))
        doc = schedule_doc(result)
    return {**doc, "warnings": doc_warnings}
