"""Assemble the demo report from the sections each pillar contributes.

A section module (listed in :data:`SECTION_MODULES`) exposes ``run(ctx: DemoContext) -> Section``. It runs its
pillar on the bundled data, writes its products under ``ctx.out_dir`` and returns HTML that refers to them by
relative path. Sections run in order; a failing section fails the demo (the demo is a test of the product).
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console

from spacebridge import __version__
from spacebridge.core.atomic import atomic_write_text
from spacebridge.core.errors import ConfigurationError
from spacebridge.core.settings import Settings

__all__ = ["SECTION_MODULES", "DemoContext", "Section", "build_demo", "default_data_dir"]

#: Modules contributing a section, in report order. Missing modules (pillars not built yet) are skipped.
SECTION_MODULES: tuple[str, ...] = (
    "spacebridge.report.earth_flood",
    "spacebridge.report.earth_analyses",
    "spacebridge.report.connect",
    "spacebridge.report.sky",
)


@dataclass(frozen=True)
class DemoContext:
    """What a section needs: where the bundled data is and where to write."""

    data_dir: Path
    """The bundled example data (``examples/data``)."""
    out_dir: Path
    """The report folder; sections write their products in a subfolder of it."""
    console: Console
    settings: Settings = field(default_factory=Settings)
    """Run-time settings built by the command line (e.g. the ITU-R map cache folder)."""


@dataclass(frozen=True)
class Section:
    """One part of the report."""

    title: str
    html: str
    """Body HTML (trusted: produced by our own templates, with values escaped)."""
    anchor: str
    summary: str = ""
    seconds: float = 0.0
    products: tuple[str, ...] = field(default_factory=tuple)
    """Relative paths of the files the section produced (for the download list)."""


class _SectionModule(Protocol):
    def run(self, ctx: DemoContext) -> Section: ...


def default_data_dir() -> Path:
    """``examples/data`` of the source tree this package runs from."""
    return Path(__file__).resolve().parents[3] / "examples" / "data"


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("spacebridge.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_demo(
    out_dir: Path, *, data_dir: Path | None = None, console: Console | None = None, settings: Settings | None = None
) -> Path:
    """Run every available section and write ``out_dir/report.html``; return its path."""
    console = console or Console(stderr=True)
    data = data_dir or default_data_dir()
    if not data.is_dir():
        raise ConfigurationError(
            f"example data folder {data} does not exist",
            hint="Run the demo from a source checkout, or pass --data pointing at examples/data",
            path=str(data),
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(data_dir=data, out_dir=out_dir, console=console, settings=settings or Settings())
    sections: list[Section] = []
    for name in SECTION_MODULES:
        try:
            module: _SectionModule = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        console.print(f"[bold]demo[/bold] {name.rsplit('.', 1)[-1]} ...")
        start = time.perf_counter()
        section = module.run(ctx)
        elapsed = time.perf_counter() - start
        sections.append(
            Section(
                section.title,
                section.html,
                section.anchor,
                section.summary,
                elapsed,
                section.products,
            )
        )
        console.print(f"  done in {elapsed:.1f} s")
    html = (
        _environment()
        .get_template("report.html.j2")
        .render(
            sections=sections,
            version=__version__,
            generated_utc=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )
    return atomic_write_text(out_dir / "report.html", html)
