"""``spacebridge sky``: telescope visibility and satellite passes (and, from the scheduler, night schedules).

Times are UTC, written ISO 8601 with a ``Z``. Heavy libraries (astropy, sgp4) are imported inside the commands.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from spacebridge.core.errors import InvalidInputError, MalformedInputError

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, add_completion=False)

_TWILIGHTS = "astronomical, nautical, civil or sunset"
_SITES_HELP = "YAML sites file with your own sites and telescopes (default: the bundled observatories)."


def _site(site: str, sites_file: Path | None) -> Any:
    from spacebridge.sky import get_site, load_sites

    return get_site(site, sites=load_sites(sites_file) if sites_file is not None else None)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read the {what} file {str(path)!r}: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError:
        raise MalformedInputError(f"the {what} file {str(path)!r} is not UTF-8 text", path=str(path)) from None


def _read_targets(path: Path) -> list[dict[str, Any]]:
    text = _read_text(path, "targets")
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedInputError(f"{path} is not valid JSON: {exc}", path=str(path)) from None
        rows = doc.get("targets") if isinstance(doc, dict) else doc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise MalformedInputError(
                f"{path} must hold a list of target objects (or {{'targets': [...]}})",
                hint='e.g. [{"id": "M31", "ra_deg": 10.6847, "dec_deg": 41.269}]',
                path=str(path),
            )
        return rows
    return list(csv.DictReader(text.splitlines()))


def _parse_utc(value: str, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            f"{name} {value!r} is not an ISO 8601 date-time",
            hint=f"e.g. {name} 2026-06-27T14:00:00Z (UTC; an offset such as +05:00 is converted)",
            argument=name,
            value=value,
        ) from None
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _iso(t: Any) -> str | None:
    import numpy as np

    if t is None or np.isnat(t):
        return None
    return str(np.datetime64(t, "s")) + "Z"


@app.command("visibility")
def visibility(
    targets: Annotated[
        Path, typer.Option("--targets", help="CSV or JSON list of targets: id, ra_deg, dec_deg (ICRS, deg).")
    ],
    site: Annotated[str, typer.Option("--site", help="tien-shan, assy-turgen or kamenskoe.")],
    night: Annotated[str, typer.Option("--night", help="Local evening date, YYYY-MM-DD.")],
    twilight: Annotated[str, typer.Option("--twilight", help=f"Night limits: {_TWILIGHTS}.")] = "astronomical",
    step_s: Annotated[float, typer.Option("--step-s", help="Time step of the grid (s).")] = 300.0,
    min_altitude_deg: Annotated[float, typer.Option("--min-altitude-deg", help="Lowest altitude (deg).")] = 0.0,
    max_airmass: Annotated[float | None, typer.Option("--max-airmass", help="Highest air mass (sec z).")] = None,
    min_moon_separation_deg: Annotated[
        float | None, typer.Option("--min-moon-separation-deg", help="Closest approach to the Moon (deg).")
    ] = None,
    horizon: Annotated[bool, typer.Option(help="Apply the site's horizon mask.")] = True,
    out: Annotated[Path | None, typer.Option("--out", help="Write JSON here (else a table on stdout).")] = None,
    sites_file: Annotated[Path | None, typer.Option("--sites", help=_SITES_HELP)] = None,
) -> None:
    """When each target is observable during one night: first/last observable time, best altitude, or why not."""
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from spacebridge.core.atomic import atomic_write_text
    from spacebridge.sky import (
        AirmassConstraint,
        AltitudeConstraint,
        HorizonMaskConstraint,
        MoonSeparationConstraint,
        compute_visibility,
        evaluate_constraints,
        night_of,
        targets_from_records,
        use_offline_iers,
    )

    use_offline_iers()
    site_obj = _site(site, sites_file)
    target_list = targets_from_records(_read_targets(targets))
    night_obj = night_of(site_obj, night)
    grid = compute_visibility(site_obj, target_list, night=night_obj, twilight=twilight, step_s=step_s)  # type: ignore[arg-type]
    constraints: list[Any] = [AltitudeConstraint(min_deg=min_altitude_deg)]
    if horizon:
        constraints.append(HorizonMaskConstraint())
    if max_airmass is not None:
        constraints.append(AirmassConstraint(max_airmass=max_airmass))
    if min_moon_separation_deg is not None:
        constraints.append(MoonSeparationConstraint(min_deg=min_moon_separation_deg))
    result = evaluate_constraints(grid, constraints)
    reasons = result.reasons()
    rows: list[dict[str, Any]] = []
    for i, target_id in enumerate(grid.target_ids):
        ok = result.observable[i]
        best = int(np.argmax(grid.altitude_deg[i]))
        rows.append(
            {
                "id": target_id,
                "ra_deg": float(grid.ra_deg[i]),
                "dec_deg": float(grid.dec_deg[i]),
                "observable": bool(ok.any()),
                "fraction_observable": round(float(ok.mean()), 4),
                "first_observable_utc": _iso(grid.times_utc[np.argmax(ok)]) if ok.any() else None,
                "last_observable_utc": _iso(grid.times_utc[len(ok) - 1 - np.argmax(ok[::-1])]) if ok.any() else None,
                "max_altitude_deg": round(float(grid.altitude_deg[i, best]), 3),
                "max_altitude_utc": _iso(grid.times_utc[best]),
                "reason": reasons[target_id],
            }
        )
    start, end = night_obj.bounds(twilight)  # type: ignore[arg-type]
    doc = {
        "site": site_obj.id,
        "night": night_obj.local_date.isoformat(),
        "twilight": twilight,
        "start_utc": _iso(start),
        "end_utc": _iso(end),
        "step_s": step_s,
        "moon_illumination": round(float(np.mean(grid.moon_illumination)), 3),
        "targets": rows,
    }
    if out is not None:
        atomic_write_text(out, json.dumps(doc, indent=2) + "\n")
        typer.echo(f"wrote visibility of {len(rows)} targets to {out}")
        return
    table = Table(title=f"{site_obj.name}, night of {doc['night']} ({doc['start_utc']} to {doc['end_utc']})")
    for col in ("id", "observable", "first (UTC)", "last (UTC)", "max alt", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"],
            f"{r['fraction_observable']:.0%}",
            (r["first_observable_utc"] or "-")[11:16],
            (r["last_observable_utc"] or "-")[11:16],
            f"{r['max_altitude_deg']:.1f}",
            r["reason"] or "",
        )
    Console().print(table)


@app.command("passes")
def passes(
    tle: Annotated[Path, typer.Option("--tle", help="Satellite catalogue: TLE (2 or 3 lines) or OMM JSON/CSV/XML.")],
    site: Annotated[str, typer.Option("--site", help="tien-shan, assy-turgen or kamenskoe.")],
    start: Annotated[str, typer.Option("--start", help="Window start, ISO 8601 (UTC unless an offset is given).")],
    end: Annotated[str, typer.Option("--end", help="Window end, ISO 8601.")],
    out: Annotated[Path, typer.Option("--out", help="Output JSON file.")],
    min_elevation_deg: Annotated[
        float, typer.Option("--min-elevation-deg", help="Elevation a pass must reach; rise and set cross it (deg).")
    ] = 10.0,
    visible_only: Annotated[
        bool, typer.Option("--visible-only", help="Keep passes sunlit at culmination with the observer in darkness.")
    ] = False,
    sites_file: Annotated[Path | None, typer.Option("--sites", help=_SITES_HELP)] = None,
) -> None:
    """Passes of every satellite: rise, culmination and set (UTC), highest elevation, sunlit at culmination.

    Output: a JSON list of {norad_id, rise_utc, culmination_utc, set_utc, max_elevation_deg, sunlit} sorted by
    culmination. rise_utc is null when the satellite is already above the elevation at --start, set_utc when it is
    still above at --end.
    """
    from rich.progress import Progress

    from spacebridge.core.atomic import atomic_write_text
    from spacebridge.sky import use_offline_iers
    from spacebridge.sky.passes import find_passes
    from spacebridge.sky.satellites import parse_catalog

    use_offline_iers()
    site_obj = _site(site, sites_file)
    t0, t1 = _parse_utc(start, "--start"), _parse_utc(end, "--end")
    catalog = parse_catalog(_read_text(tle, "TLE"))
    with Progress(transient=True) as bar:
        task = bar.add_task(f"{len(catalog)} satellites", total=len(catalog))
        result = find_passes(
            catalog,
            site_obj,
            t0,
            t1,
            min_elevation_deg=min_elevation_deg,
            progress=lambda n: bar.update(task, completed=n),
        )
    kept = [p for p in result.passes if not visible_only or (p.sunlit and p.observer_dark)]
    atomic_write_text(out, json.dumps([p.to_json() for p in kept], indent=1) + "\n")
    typer.echo(f"wrote {len(kept)} passes of {len(catalog)} satellites to {out}")


_REQUEST_FORMAT = (
    '{"site": "tien-shan", "telescope": null, "night": "YYYY-MM-DD" (local evening date), "slew_rate_deg_s": 1.0, '
    '"requests": [{"id", "ra_deg", "dec_deg", "duration_s", "priority" (higher is more important), "max_airmass", '
    '"min_moon_separation_deg", "twilight": "astronomical"|"nautical"|"civil"}]}'
)

_OUT_HELP = 'Schedule (JSON): {"scheduled": [{id, start_utc, end_utc}], "unscheduled": [{id, reason}]}, ISO 8601 UTC.'


@app.command("schedule")
def schedule(
    requests: Annotated[
        Path,
        typer.Option("--requests", help=f"Request file (JSON): {_REQUEST_FORMAT}.", dir_okay=False),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help=_OUT_HELP, dir_okay=False),
    ],
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write the schedule as CSV.")] = None,
    timeline: Annotated[
        Path | None, typer.Option("--timeline", help="Also draw the night timeline (PNG or SVG from the suffix).")
    ] = None,
    altitude: Annotated[
        Path | None, typer.Option("--altitude-chart", help="Also draw the scheduled targets' altitudes (PNG/SVG).")
    ] = None,
    polish: Annotated[
        bool, typer.Option("--polish/--no-polish", help="Polish the heuristic schedule with OR-Tools CP-SAT.")
    ] = False,
    polish_time_limit_s: Annotated[
        float, typer.Option("--polish-time-limit-s", min=0.1, help="Time limit of the CP-SAT polish (seconds).")
    ] = 10.0,
) -> None:
    """Schedule one night: the most valuable blocks that meet every constraint at every instant.

    The night runs between the evening and morning twilights the requests accept. Blocks are never shortened;
    consecutive blocks are separated by the slew (great-circle separation / slew rate). Every request left out
    gets a reason: no darkness, never visible, Moon, window too short, or outranked by named requests.
    """
    import json

    from rich.console import Console

    from spacebridge.core.atomic import atomic_path, atomic_write_text
    from spacebridge.core.errors import MalformedInputError
    from spacebridge.sky.frames import use_offline_iers
    from spacebridge.sky.request_file import request_set_from_json
    from spacebridge.sky.scheduler.export import schedule_csv, schedule_document
    from spacebridge.sky.scheduler.plan import PlanOptions, plan_night

    use_offline_iers()
    console = Console(stderr=True)
    try:
        text = requests.read_bytes()
    except OSError as exc:
        raise MalformedInputError(
            f"cannot read the request file {requests}: {exc.strerror}",
            hint="Check the path given to --requests",
            path=str(requests),
        ) from exc
    request_set = request_set_from_json(text, source=str(requests))
    with console.status(f"scheduling {len(request_set.requests)} requests at {request_set.site} ..."):
        result = plan_night(request_set, options=PlanOptions(polish=polish, polish_time_limit_s=polish_time_limit_s))
    atomic_write_text(out, json.dumps(schedule_document(result), indent=2) + "\n")
    if csv_out is not None:
        atomic_write_text(csv_out, schedule_csv(result))
    for path, kind in ((timeline, "timeline"), (altitude, "altitude")):
        if path is not None:
            from spacebridge.sky.charts import altitude_chart, timeline_chart

            fig = timeline_chart(result) if kind == "timeline" else altitude_chart(result)
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=path.suffix.lstrip(".").lower() or "png", dpi=150)
    gap = f", CP-SAT gap {100 * result.polish.gap:.2f} %" if result.polish else ""
    console.print(
        f"[green]scheduled {len(result.scheduled)} of {len(request_set.requests)} requests[/green] "
        f"(value {result.value:.2f} priority-hours{gap}) -> {out}"
    )
