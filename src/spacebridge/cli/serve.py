"""``spacebridge serve``: the HTTP API, the STAC API and the web map in one process (uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "serve"]


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
) -> None:
    """Serve the monitoring API, the STAC API (/stac) and the web map (/) until interrupted."""
    import uvicorn
    from rich.console import Console

    from spacebridge.api.app import create_app
    from spacebridge.core.settings import Settings

    settings = Settings.from_env(data_dir=data, db_url=db, boundaries_dir=boundaries)
    app = create_app(settings)
    Console(stderr=True).print(
        f"serving [bold]{settings.data_dir}[/bold] on http://{host}:{port}/ (API docs at /docs, STAC at /stac)"
    )
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_keep_alive=30)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
