"""Demo section: one night at Tien Shan and Assy-Turgen, the sample requests scheduled and satellites alongside.

The night is the one of the sample request file (``sky/data/sample_requests.json``), chosen next to the epoch of the
bundled CelesTrak excerpt (``examples/data/tle/``, June 2026) so that the satellite passes are as accurate as SGP4
allows. Each site gets its own telescope (Zeiss-1000 east at Tien Shan, AZT-20 at Assy-Turgen), the schedule (JSON,
CSV), the timeline with a lane of optically observable passes (sunlit satellite, dark observer, above 30 deg), the
altitude chart, the reasons for every request left out, the partners' time, and at Tien Shan the CP-SAT polish
with its optimality gap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.resources
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from spacebridge.report.build import DemoContext, Section

__all__ = ["run"]

SITES = (("tien-shan", "zeiss-1000-east", True), ("assy-turgen", "azt-20", False))
"""(site, telescope, run the CP-SAT polish)."""
PASS_MIN_ELEVATION_DEG = 30.0
LONG_PASS_MIN = 60.0
"""Passes longer than this (or up at the start or end of the night) are listed apart: high orbits."""
POLISH_S = 10.0


def _sample_requests() -> str:
    return importlib.resources.files("spacebridge.sky").joinpath("data/sample_requests.json").read_text("utf-8")


def _tle_file(data_dir: Path) -> Path:
    return sorted((data_dir / "tle").glob("*.tle"))[0]


def _hhmm(t: Any) -> str:
    if isinstance(t, dt.datetime):
        return t.strftime("%H:%M:%S")
    return str(t.astype("datetime64[s]"))[11:19]


def _passes(catalog: Any, site: str, start: dt.datetime, end: dt.datetime) -> tuple[list[Any], list[Any], str]:
    """Optically observable passes (sunlit satellite, observer in the dark): short ones, and those that stay up for
    hours (geostationary and high orbits), plus the staleness note of the element sets."""
    from spacebridge.core.errors import DegradedResultWarning
    from spacebridge.sky.passes import find_passes

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegradedResultWarning)
        search = find_passes(
            catalog,
            site,
            start.replace(tzinfo=None),
            end.replace(tzinfo=None),
            min_elevation_deg=PASS_MIN_ELEVATION_DEG,
        )
    note = "; ".join(str(w.message) for w in caught if issubclass(w.category, DegradedResultWarning))
    visible = [p for p in search.passes if p.sunlit and p.observer_dark]
    short = [p for p in visible if not (np.isnat(p.rise_utc) or np.isnat(p.set_utc)) and _minutes(p) <= LONG_PASS_MIN]
    return short, [p for p in visible if p not in short], note


def _minutes(p: Any) -> float:
    return float((p.set_utc - p.rise_utc) / np.timedelta64(1, "s")) / 60.0


def _site_section(ctx: DemoContext, text: str, catalog: Any, site_id: str, telescope: str, polish: bool) -> dict:
    from spacebridge.core.atomic import atomic_path, atomic_write_text
    from spacebridge.sky.charts import Lane, altitude_chart, timeline_chart
    from spacebridge.sky.request_file import request_set_from_json
    from spacebridge.sky.scheduler.accounting import partner_usage
    from spacebridge.sky.scheduler.export import schedule_csv, schedule_document
    from spacebridge.sky.scheduler.plan import PlanOptions, plan_night

    rs = dataclasses.replace(request_set_from_json(text), site=site_id, telescope=telescope)
    schedule = plan_night(rs, options=PlanOptions(polish=polish, polish_time_limit_s=POLISH_S))
    out = ctx.out_dir / "sky" / site_id
    files = [
        atomic_write_text(out / "schedule.json", json.dumps(schedule_document(schedule), indent=2) + "\n"),
        atomic_write_text(out / "schedule.csv", schedule_csv(schedule)),
    ]
    passes: list[Any] = []
    long_passes: list[Any] = []
    stale = ""
    if schedule.night_start_utc is not None and schedule.night_end_utc is not None:
        passes, long_passes, stale = _passes(catalog, site_id, schedule.night_start_utc, schedule.night_end_utc)
    everything = sorted(passes + long_passes, key=lambda p: p.culmination_utc)
    files.append(atomic_write_text(out / "passes.json", json.dumps([p.to_json() for p in everything], indent=2) + "\n"))
    lane = Lane(
        f"satellites > {PASS_MIN_ELEVATION_DEG:g} deg, sunlit",
        tuple((p.name.strip()[:14], _dt(p.rise_utc), _dt(p.set_utc)) for p in passes),
    )
    for name, fig in (
        ("timeline.png", timeline_chart(schedule, lanes=(lane,))),
        ("altitude.png", altitude_chart(schedule)),
    ):
        with atomic_path(out / name) as tmp:
            fig.savefig(tmp, dpi=110)
        files.append(out / name)
    gap = None
    if schedule.polish is not None:
        p = schedule.polish
        gap = {
            "status": p.status,
            "value": f"{p.value:.2f}",
            "bound": f"{p.bound:.2f}",
            "gap": f"{100 * p.gap:.2f}",
            "seconds": f"{p.wall_s:.1f}",
        }
    return {
        "site": schedule.site.name,
        "site_id": site_id,
        "telescope": schedule.telescope.name if schedule.telescope else "",
        "night": f"{schedule.night_start_utc:%Y-%m-%d %H:%M} to {schedule.night_end_utc:%Y-%m-%d %H:%M} UTC",
        "value": f"{schedule.value:.2f}",
        "n_scheduled": len(schedule.scheduled),
        "n_requests": len(rs.requests),
        "blocks": [
            {
                "id": b.request.id,
                "name": b.request.target.name,
                "start": _hhmm(b.start_utc),
                "end": _hhmm(b.end_utc),
                "priority": f"{b.request.priority:g}",
                "minutes": f"{b.request.duration_s / 60:.1f}",
                "slew": f"{b.slew_before_s:.0f}",
            }
            for b in schedule.scheduled
        ],
        "left": [
            {"id": u.request.id, "priority": f"{u.request.priority:g}", "reason": u.reason.text}
            for u in schedule.unscheduled
        ],
        "partners": [
            {
                "partner": u.partner,
                "share": f"{100 * u.share:.0f} %",
                "used": f"{u.used_h:.2f}",
                "requested": f"{u.requested_h:.2f}",
                "fraction": f"{100 * u.used_fraction:.0f} %",
            }
            for u in partner_usage(rs, [b.request for b in schedule.scheduled])
        ],
        "timings": ", ".join(f"{k.removesuffix('_s')} {v:.2f} s" for k, v in schedule.timings_s.items()),
        "polish": gap,
        "passes": [
            {
                "name": p.name.strip(),
                "norad": p.norad_id,
                "rise": _hhmm(p.rise_utc),
                "culmination": _hhmm(p.culmination_utc),
                "set": _hhmm(p.set_utc),
                "elevation": f"{p.max_elevation_deg:.0f}",
            }
            for p in passes[:25]
        ],
        "n_passes": len(passes),
        "long": ", ".join(sorted({p.name.strip() for p in long_passes})),
        "n_long": len({p.norad_id for p in long_passes}),
        "stale": stale,
        "timeline_png": f"sky/{site_id}/timeline.png",
        "altitude_png": f"sky/{site_id}/altitude.png",
        "files": files,
    }


def _dt(t: Any) -> dt.datetime:
    """A (not NaT) pass time as an aware datetime."""
    value: dt.datetime = t.astype("datetime64[us]").item()
    return value.replace(tzinfo=dt.UTC)


def run(ctx: DemoContext) -> Section:
    from spacebridge.sky.frames import use_offline_iers
    from spacebridge.sky.satellites import parse_catalog

    use_offline_iers()
    text = _sample_requests()
    tle = _tle_file(ctx.data_dir)
    catalog = parse_catalog(tle.read_text(encoding="utf-8"))
    sites = [_site_section(ctx, text, catalog, site, tel, polish) for site, tel, polish in SITES]
    env = Environment(loader=PackageLoader("spacebridge.report", "templates"), autoescape=select_autoescape(["j2"]))
    html = env.get_template("sky_section.html.j2").render(
        sites=sites,
        tle=tle.name,
        n_satellites=len(catalog),
        min_elevation=f"{PASS_MIN_ELEVATION_DEG:g}",
        night=json.loads(text)["night"],
    )
    summary = "; ".join(
        f"{s['site']}: {s['n_scheduled']} of {s['n_requests']} requests ({s['value']} priority-hours), "
        f"{s['n_passes']} observable satellite passes"
        for s in sites
    )
    files = [f for s in sites for f in s["files"]]
    return Section(
        title="Sky: a night at Tien Shan and Assy-Turgen",
        html=html,
        anchor="sky",
        summary=summary,
        products=tuple(str(Path(f).relative_to(ctx.out_dir)) for f in files),
    )
