"""The ``spacebridge`` command.

Sub-commands are registered from :data:`SUBCOMMANDS`; each names a module holding a Typer ``app``. Modules are
imported when the command line is built, but heavy libraries are imported inside the commands themselves, so
``spacebridge --help`` stays fast.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Annotated

import typer

from spacebridge import __version__
from spacebridge.cli.errors import run_guarded

__all__ = ["app", "main"]

#: (command name, module, help). Each module exposes ``app: typer.Typer``.
SUBCOMMANDS: tuple[tuple[str, str, str], ...] = (
    ("earth", "spacebridge.cli.earth", "Earth observation: floods, indices, fire, drought, snow, water."),
    (
        "connect",
        "spacebridge.cli.connect",
        "Satellite connectivity: propagation, link budgets, rollout plans.",
    ),
    ("sky", "spacebridge.cli.sky", "Telescopes: visibility, night schedules, satellite passes."),
    ("watch", "spacebridge.cli.watch", "Monitoring: watch areas, run analyses on new scenes, alerts."),
    ("keys", "spacebridge.cli.keys", "API keys for the HTTP service."),
)

#: (command name, module): modules whose ``register(app)`` adds commands to an existing sub-command's app, so that
#: an area can contribute commands to a pillar's app without editing its module (e.g. the earth analyses).
EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("earth", "spacebridge.cli.earth_analyses"),
    ("earth", "spacebridge.cli.earth_tiled"),
)

app = typer.Typer(
    name="spacebridge",
    help="spacebridge turns satellite data into decisions: Earth monitoring, connectivity planning, telescope "
    "scheduling. Works offline. Run 'spacebridge COMMAND --help' for details.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"spacebridge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if ctx.invoked_subcommand != "serve":  # a batch command: reuse freed array memory (see tune_allocator)
        from spacebridge.core.memory import tune_allocator

        tune_allocator()


def _register() -> None:
    for name, module_name, help_text in SUBCOMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # pillar not built yet
        for target, extension in EXTENSIONS:
            if target == name:
                importlib.import_module(extension).register(module.app)
        app.add_typer(module.app, name=name, help=help_text)
    for module_name in ("spacebridge.cli.demo", "spacebridge.cli.serve"):
        try:
            importlib.import_module(module_name).register(app)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    return run_guarded(app, argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
