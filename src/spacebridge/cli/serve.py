"""``spacebridge serve``: the HTTP API, the STAC API and the web map (uvicorn, one or several processes).

The database is migrated and the data folder ingested once, here, before any worker starts; with ``--workers N``
each of the N uvicorn processes then builds the app from the settings exported to its environment
(:func:`spacebridge.api.app.worker_app`). GDAL options for tile serving are set here too (the edge), through the
environment GDAL reads when it starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["GDAL_SERVE_OPTIONS", "register", "serve"]

GDAL_SERVE_OPTIONS = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # no directory listing for sidecar files at each open of a COG
    "GDAL_CACHEMAX": "256",  # MB of block cache per process: overviews of the products viewed stay in memory
    "VSI_CACHE": "TRUE",
}
"""GDAL configuration for serving tiles (each is only a default: a value already in the environment wins)."""


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8000,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: SQLite in DATA/spacebridge.sqlite). "
            "PostgreSQL: postgresql://user@host:5432/dbname.",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Data folder: its STAC catalogs (e.g. demo-output) are served at start-up."),
    ] = None,
    boundaries: Annotated[
        Path | None,
        typer.Option(
            "--boundaries",
            help="Folder of the Kazakhstan boundary GeoJSON files drawn on the map (default: "
            "$SPACEBRIDGE_BOUNDARIES_DIR, else examples/data/kazakhstan/boundaries of a source checkout).",
            file_okay=False,
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes. Tiles and searches are CPU-bound: about one per core serves the most clients.",
        ),
    ] = 1,
) -> None:
    """Serve the monitoring API, the STAC API (/stac) and the web map (/) until interrupted."""
    import uvicorn
    from rich.console import Console

    from spacebridge.api.app import create_app
    from spacebridge.core.settings import Settings
    from spacebridge.service.ingest import ingest_folder
    from spacebridge.service.store import Store

    for name, value in GDAL_SERVE_OPTIONS.items():
        os.environ.setdefault(name, value)
    settings = Settings.from_env(data_dir=data, db_url=db, boundaries_dir=boundaries)
    store = Store.from_settings(settings)  # migrations, once
    report = ingest_folder(store, settings.data_dir)
    console = Console(stderr=True)
    console.print(
        f"serving [bold]{settings.data_dir}[/bold] ({report.items} products from {report.catalogs} catalogs) on "
        f"http://{host}:{port}/ with {workers} process(es) (API docs at /docs, STAC at /stac)"
    )
    for problem in report.skipped:
        console.print(f"[yellow]warning:[/yellow] skipped {problem}", highlight=False)
    options = {"host": host, "port": port, "log_level": "info", "timeout_keep_alive": 30}
    if workers == 1:
        uvicorn.run(create_app(settings, store=store, ingest=False), **options)  # type: ignore[arg-type]
        return
    store.close()
    os.environ.update(settings.to_env())
    uvicorn.run("spacebridge.api.app:worker_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
