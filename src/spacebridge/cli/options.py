"""Options shared by several commands (in the manner of rasterio's ``rio/options.py``).

Every earth command and the watch runner take the execution options::

    def command(..., dask: DaskOption = None, workers: WorkersOption = None) -> None:
        settings = execution_settings(dask, workers)
        with execution(settings):            # spacebridge.core.execution
            ...

``--dask`` falls back on ``SPACEBRIDGE_DASK_ADDRESS`` (read by :meth:`Settings.from_env`, at the edge).
An explicit ``--workers`` on the command line wins over an address from the environment. Nothing heavy is
imported here.
"""

from __future__ import annotations

from typing import Annotated

import typer

from spacebridge.core.errors import ConfigurationError
from spacebridge.core.settings import Settings

__all__ = ["DaskOption", "WorkersOption", "execution_settings"]

_PANEL = "Execution"

DaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="ADDRESS",
        help="Run on the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786 (default: $SPACEBRIDGE_DASK_ADDRESS, "
        "else this machine). See docs/cluster.md.",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]

WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        metavar="N",
        min=1,
        help="Start a local Dask cluster of N worker processes for this run (default: threads in this process).",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]


def execution_settings(dask: str | None, workers: int | None, *, settings: Settings | None = None) -> Settings:
    """Settings from the environment with the execution options of the command line applied.

    Raises
    ------
    ConfigurationError
        Both ``--dask`` and ``--workers`` were given.
    """
    if dask and workers is not None:
        raise ConfigurationError(
            f"--dask {dask} and --workers {workers} were both given",
            hint="Use --dask to run on an existing cluster, or --workers to start a local one, not both",
            dask=dask,
            workers=workers,
        )
    base = settings if settings is not None else Settings.from_env()
    if workers is not None:
        return base.replace(workers=workers, dask_address=None)
    if dask:
        return base.replace(dask_address=dask)
    return base
