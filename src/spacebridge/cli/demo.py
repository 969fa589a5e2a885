"""``spacebridge demo``: run every pillar on the bundled real data and write an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the report and every product.")] = Path("demo-output"),
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Folder with the bundled example data (default: examples/data of the source tree)."
        ),
    ] = None,
) -> None:
    """Run the flood, fire, drought, snow, connectivity and sky demos and write OUT/report.html."""
    from rich.console import Console

    from spacebridge.core.settings import Settings
    from spacebridge.report.build import build_demo

    console = Console(stderr=True)
    report = build_demo(out, data_dir=data, console=console, settings=Settings.from_env())
    console.print(f"[green]report written:[/green] {report}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
