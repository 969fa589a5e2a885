"""The ``earth`` app with the analyses' commands registered, for the command tests."""

from __future__ import annotations

import importlib.util

import typer

from spacebridge.cli.earth_analyses import register
from spacebridge.cli.errors import run_guarded


def run_earth(argv: list[str]) -> int:
    """Run ``spacebridge earth ARGV``: through the real command line once ``cli/earth.py`` exists, else on an app
    holding only the analyses' commands."""
    if importlib.util.find_spec("spacebridge.cli.earth") is not None:
        from spacebridge.cli.main import main

        return main(["earth", *argv])
    app = typer.Typer(no_args_is_help=True)
    register(app)
    return run_guarded(app, argv)
