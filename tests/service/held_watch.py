"""``spacebridge watch run`` with an analysis held at a barrier that a test controls.

Usage: ``python -m tests.service.held_watch BARRIER_DIR [--at index-product] watch run --data DATA``. By default the
zonal-stats analysis is held when it starts; with ``--at index-product`` the ``index`` analysis is held after it
has written its COG and STAC item into its staging folder, before they are published. The held code creates
``BARRIER_DIR/started`` and then waits (up to 120 s) for ``BARRIER_DIR/release``, so a test can kill the process at
a known point of a run instead of racing it.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from spacebridge.cli.main import main
from spacebridge.service import analyses


def _wait(barrier: Path) -> None:
    (barrier / "started").touch()
    deadline = time.monotonic() + 120
    while not (barrier / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never released the barrier")
        time.sleep(0.02)


def _hold_zonal_stats(barrier: Path) -> None:
    real = analyses.ANALYSES["zonal-stats"]

    def held(inp: Any) -> Any:
        _wait(barrier)
        return real.run(inp)

    analyses.ANALYSES["zonal-stats"] = dataclasses.replace(real, run=held)


def _hold_index_product(barrier: Path) -> None:
    from spacebridge.service import index_run

    real = index_run._write_product

    def held(*args: Any, **kwargs: Any) -> Any:
        item = real(*args, **kwargs)
        _wait(barrier)
        return item

    index_run._write_product = held  # type: ignore[assignment]


if __name__ == "__main__":
    where = Path(sys.argv[1])
    rest = sys.argv[2:]
    if rest[:2] == ["--at", "index-product"]:
        _hold_index_product(where)
        rest = rest[2:]
    else:
        _hold_zonal_stats(where)
    sys.exit(main(rest))
