"""How the command line reports errors: one red line that says what was wrong and what to do.

Exit codes: 0 success, 1 unexpected failure (a bug: the traceback is shown), 2 a usage or input error that the
user can fix (a :class:`~spacebridge.core.errors.SpacebridgeError`).
"""

from __future__ import annotations

import warnings

import typer
from rich.console import Console

from spacebridge.core.errors import SpacebridgeError, SpacebridgeWarning

__all__ = ["EXIT_INPUT_ERROR", "run_guarded"]

EXIT_INPUT_ERROR = 2


def _show_warning(message: warnings.WarningMessage | Warning | str, *_: object, **__: object) -> None:
    Console(stderr=True).print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)


def run_guarded(app: typer.Typer, argv: list[str]) -> int:
    """Run ``app`` with ``argv``; turn spacebridge errors into a message and exit code 2."""
    err = Console(stderr=True)
    with warnings.catch_warnings():
        warnings.simplefilter("default", SpacebridgeWarning)
        previous = warnings.showwarning
        warnings.showwarning = lambda message, category, *a, **k: (
            _show_warning(message) if issubclass(category, SpacebridgeWarning) else previous(message, category, *a, **k)
        )
        try:
            # standalone mode: Typer itself reports usage errors (exit code 2) and --help (0).
            app(args=argv, prog_name="spacebridge", standalone_mode=True)
        except SpacebridgeError as exc:
            err.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
            return EXIT_INPUT_ERROR
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            warnings.showwarning = previous
    return 0
