"""``spacebridge watch run`` with the zonal-stats analysis held at a barrier that a test controls.

Usage: ``python -m tests.service.held_watch BARRIER_DIR watch run --data DATA``. The analysis creates
``BARRIER_DIR/started`` and then waits (up to 120 s) for ``BARRIER_DIR/release`` before running for real, so a test
can kill the process at a known point of a run instead of racing it.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from spacebridge.cli.main import main
from spacebridge.service import analyses


def _hold(barrier: Path) -> None:
    real = analyses.ANALYSES["zonal-stats"]

    def held(inp: Any) -> Any:
        (barrier / "started").touch()
        deadline = time.monotonic() + 120
        while not (barrier / "release").exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the test never released the barrier")
            time.sleep(0.02)
        return real.run(inp)

    analyses.ANALYSES["zonal-stats"] = dataclasses.replace(real, run=held)


if __name__ == "__main__":
    _hold(Path(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
