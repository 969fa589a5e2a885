"""``spacebridge watch``: watched areas and rules, one pass of the runner, or a daemon that keeps going."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spacebridge.cli.options import DaskOption, WorkersOption, execution_settings

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store import Store

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Watch areas: run analyses on new scenes and products, raise alerts.")
area_app = typer.Typer(no_args_is_help=True, help="Watched areas.")
rule_app = typer.Typer(no_args_is_help=True, help="Alert rules.")
app.add_typer(area_app, name="area")
app.add_typer(rule_app, name="rule")

DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default: SQLite in DATA).")]
DataOption = Annotated[Path | None, typer.Option("--data", help="Data folder of the service.")]
SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="Scene source: a folder of GeoTIFFs, a STAC catalog.json, or a STAC API URL."),
]
CollectionOption = Annotated[
    list[str] | None, typer.Option("--collection", help="STAC collection to search (STAC API sources), repeatable.")
]
DatetimeOption = Annotated[
    str | None, typer.Option("--datetime", help="Scene time interval for STAC API sources, e.g. 2024-04-01/..")
]


def _open(
    db: str | None, data: Path | None, dask: str | None = None, workers: int | None = None
) -> tuple[Settings, Store]:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store import Store

    settings = execution_settings(dask, workers, settings=Settings.from_env(data_dir=data, db_url=db))
    return settings, Store.from_settings(settings)


def _on_cluster(settings: Settings, address: str | None) -> Settings:
    """The runner submits to ``settings.dask_address``: point it at the cluster the command started (--workers)."""
    return settings.replace(dask_address=address) if address else settings


def _parse_every(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    from spacebridge.core.errors import InvalidInputError

    try:
        value = float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)
    except (ValueError, IndexError) as exc:
        raise InvalidInputError(
            f"--every {text!r} is not a duration", hint="Use e.g. 30m, 1h, 1d", field="every", value=text
        ) from exc
    if value < 1:
        raise InvalidInputError(f"--every {text!r} is shorter than 1 s", field="every", value=text)
    return value


def _one_pass(
    settings: Settings, store: Store, source: str | None, collections: list[str] | None, datetime: str | None
) -> int:
    from rich.console import Console

    from spacebridge.service.watcher import watch_pass

    console = Console(stderr=True)
    with console.status("watch pass") as status:
        report = watch_pass(
            store,
            settings,
            source=source,
            collections=collections,
            datetime=datetime,
            progress=lambda m: status.update(f"watch pass: {m}"),
        )
    console.print(
        f"runs submitted {report.submitted}, succeeded {report.succeeded}, failed {report.failed}; "
        f"alerts opened {report.alerts_opened}, deliveries sent {report.delivered}"
    )
    for problem in report.problems:
        console.print(f"[yellow]warning:[/yellow] {problem}", highlight=False)
    return report.failed


@app.command("run")
def run(
    source: SourceOption = None,
    collection: CollectionOption = None,
    datetime: DatetimeOption = None,
    db: DbOption = None,
    data: DataOption = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """One pass: recover interrupted runs, process new inputs over every area, evaluate rules, send alerts."""
    from spacebridge.core.execution import execution

    settings, store = _open(db, data, dask, workers)
    with execution(settings) as ex:
        _one_pass(_on_cluster(settings, ex.address), store, source, collection, datetime)


@app.command("daemon")
def daemon(
    every: Annotated[str, typer.Option("--every", help="Time between passes: 30m, 1h, 1d.")] = "1h",
    source: SourceOption = None,
    collection: CollectionOption = None,
    datetime: DatetimeOption = None,
    db: DbOption = None,
    data: DataOption = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
    passes: Annotated[
        int | None, typer.Option("--passes", help="Stop after this many passes (default: never).")
    ] = None,
) -> None:
    """Run a pass every EVERY until interrupted (Ctrl-C stops between passes, never inside a transaction)."""
    from spacebridge.core.execution import execution

    period_s = _parse_every(every)
    settings, store = _open(db, data, dask, workers)
    done = 0
    with execution(settings) as ex:
        settings = _on_cluster(settings, ex.address)
        while passes is None or done < passes:
            start = time.monotonic()
            _one_pass(settings, store, source, collection, datetime)
            done += 1
            if passes is not None and done >= passes:
                break
            time.sleep(max(0.0, period_s - (time.monotonic() - start)))


@area_app.command("add")
def area_add(
    name: Annotated[str, typer.Argument(help="Name of the area.")],
    geojson: Annotated[
        Path | None,
        typer.Option(
            "--geojson",
            help="GeoJSON file: a Polygon/MultiPolygon, Feature or FeatureCollection (first feature). Default: the "
            "boundary of the Kazakh oblast or district named by --admin-code.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    analysis: Annotated[
        list[str] | None,
        typer.Option(
            "--analysis", help="Watched analysis, e.g. 'flood' or 'zonal-stats:collection=spacebridge-flood'."
        ),
    ] = None,
    admin_code: Annotated[
        str | None, typer.Option("--admin-code", help="Admin unit code, e.g. KZ-10 (Abay oblast) or a district P-code.")
    ] = None,
    boundaries: Annotated[
        Path | None,
        typer.Option(
            "--boundaries",
            help="Folder of the Kazakhstan boundary files for --admin-code (default: $SPACEBRIDGE_BOUNDARIES_DIR, "
            "else examples/data/kazakhstan/boundaries of a source checkout).",
            file_okay=False,
        ),
    ] = None,
    db: DbOption = None,
    data: DataOption = None,
) -> None:
    """Watch a new area."""
    from spacebridge.core.settings import Settings
    from spacebridge.service.boundaries import boundaries_dir
    from spacebridge.service.geometry import check_area_limit, validate_geometry

    folder = boundaries_dir(Settings.from_env(boundaries_dir=boundaries))
    geometry = _read_geometry(geojson, admin_code, folder)
    settings, store = _open(db, data)
    where = "--geojson" if geojson else "--admin-code"
    facts = validate_geometry(geometry, field=where)
    check_area_limit(facts, settings.max_aoi_km2, field=where)
    analyses: dict[str, dict[str, str]] = {}
    for spec in analysis or []:
        kind, _, opts = spec.partition(":")
        analyses[kind] = dict(kv.split("=", 1) for kv in opts.split(",") if "=" in kv)
    area = store.watch.add_area(name, facts, admin_code=admin_code, analyses=analyses)
    typer.echo(f"area {area['id']}: {name} ({area['area_km2']:.1f} km²) watching {', '.join(analyses) or 'nothing'}")


def _read_geometry(geojson: Path | None, admin_code: str | None, boundaries: Path) -> dict[str, Any]:
    from spacebridge.core.errors import InvalidInputError, MalformedInputError

    if geojson is None:
        if admin_code is None:
            raise InvalidInputError("give the area as --geojson FILE or --admin-code CODE", field="--geojson")
        from spacebridge.service.boundaries import admin_geometry

        return admin_geometry(admin_code, boundaries_dir=boundaries)[1]
    try:
        doc = json.loads(geojson.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedInputError(f"{geojson} is not JSON: {exc}", path=str(geojson)) from exc
    if doc.get("type") == "FeatureCollection":
        doc = (doc.get("features") or [{}])[0]
    geometry = doc.get("geometry") if doc.get("type") == "Feature" else doc
    return geometry if isinstance(geometry, dict) else {}


@area_app.command("list")
def area_list(db: DbOption = None, data: DataOption = None) -> None:
    """List watched areas."""
    _, store = _open(db, data)
    for a in store.watch.areas():
        typer.echo(f"{a['id']:>4}  {a['name']:30}  {a['area_km2']:>12.1f} km²  {', '.join(a['analyses'])}")


@rule_app.command("add")
def rule_add(
    area: Annotated[int, typer.Option("--area", help="Area id.")],
    variable: Annotated[str, typer.Option("--variable", help="e.g. flooded_km2, water_km2.")],
    op: Annotated[str, typer.Option("--op", help="One of > >= < <=.")],
    threshold: Annotated[float, typer.Option("--threshold", help="Threshold, in the variable's unit.")],
    hysteresis: Annotated[float, typer.Option("--hysteresis", help="Band to leave before the alert clears.")] = 0.0,
    name: Annotated[str | None, typer.Option("--name", help="Rule name (default: the condition).")] = None,
    webhook: Annotated[list[str] | None, typer.Option("--webhook", help="URL to POST alerts to.")] = None,
    secret: Annotated[str | None, typer.Option("--secret", help="HMAC key for the webhook signatures.")] = None,
    email: Annotated[list[str] | None, typer.Option("--email", help="Address to e-mail alerts to.")] = None,
    db: DbOption = None,
    data: DataOption = None,
) -> None:
    """Add an alert rule to an area."""
    from spacebridge.service.analyses import check_rule_variable
    from spacebridge.service.rules import RuleSpec

    RuleSpec(variable, op, threshold, hysteresis)  # validates, with clear errors
    _, store = _open(db, data)
    check_rule_variable(store.watch.area(area), variable, recorded=bool(store.watch.series(area, variable)))
    channels = {"webhooks": [{"url": u, "secret": secret} for u in webhook or []], "emails": list(email or [])}
    rule = store.watch.add_rule(
        area,
        name=name or f"{variable} {op} {threshold:g}",
        variable=variable,
        op=op,
        threshold=threshold,
        hysteresis=hysteresis,
        channels=channels,
    )
    typer.echo(f"rule {rule['id']}: {rule['name']} on area {area}")


@rule_app.command("list")
def rule_list(db: DbOption = None, data: DataOption = None) -> None:
    """List alert rules."""
    _, store = _open(db, data)
    for r in store.watch.rules():
        typer.echo(
            f"{r['id']:>4}  area {r['area_id']:>4}  {r['variable']} {r['op']} {r['threshold']:g} "
            f"(± {r['hysteresis']:g})  {r['name']}"
        )


@app.command("alerts")
def alerts(
    open_only: Annotated[bool, typer.Option("--open", help="Only alerts still open.")] = False,
    db: DbOption = None,
    data: DataOption = None,
) -> None:
    """List alerts with their delivery state."""
    _, store = _open(db, data)
    for a in store.alerts.alerts(open_only=open_only):
        states = ", ".join(f"{d['channel']} {d['status']}" for d in a.get("deliveries", []))
        typer.echo(
            f"{a['id']:>4}  {a['opened_at']:%Y-%m-%d %H:%M}  {'open' if a['closed_at'] is None else 'closed'}"
            f"  {a['message']}  [{states}]"
        )
