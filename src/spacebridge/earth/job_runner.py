"""Submitting a tiled job's tasks: to a ``distributed`` cluster as futures, or one by one in this process.

Kept apart from :mod:`spacebridge.earth.jobs` (what to run) because it is the only place that talks to the
scheduler. A tile's failure never stops the others: every failure is collected with its tile id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacebridge.core.execution import Execution
    from spacebridge.earth.grid import Tile

__all__ = ["run_tasks"]

log = logging.getLogger(__name__)


def _on_cluster(
    tasks: Sequence[Any],
    tiles: Sequence[Tile],
    client: Any,
    tick: Callable[[Tile], None],
) -> dict[str, BaseException]:
    from distributed import as_completed

    futures = client.compute(list(tasks))
    by_key = {f.key: tile for f, tile in zip(futures, tiles, strict=True)}
    failed: dict[str, BaseException] = {}
    for future in as_completed(futures):
        tile = by_key[future.key]
        if future.status == "error":
            exc = future.exception()
            failed[tile.id] = exc if isinstance(exc, BaseException) else RuntimeError(str(exc))
            log.error("tile %s failed: %s", tile.id, exc)
        else:
            future.result()
        future.release()
        tick(tile)
    return failed


def _here(tasks: Sequence[Any], tiles: Sequence[Tile], scheduler: str, tick: Callable[[Tile], None]) -> dict:
    failed: dict[str, BaseException] = {}
    for task, tile in zip(tasks, tiles, strict=True):
        try:
            task.compute(scheduler=scheduler)
        except Exception as exc:  # one tile's failure must not stop the others
            failed[tile.id] = exc
            log.error("tile %s failed: %s", tile.id, exc)
        tick(tile)
    return failed


def run_tasks(
    tasks: Sequence[Any],
    tiles: Sequence[Tile],
    execution: Execution | None,
    progress: Callable[[int, int, str], None] | None,
    *,
    offset: int,
    total: int,
    local_scheduler: str = "sync",
) -> dict[str, BaseException]:
    """Run one task per tile; return the failures by tile id.

    ``local_scheduler`` runs each task in this process when there is no cluster: ``"sync"`` for tile tasks (they
    use threads inside), ``"threads"`` for write tasks whose inputs are a lazy graph.
    """
    count = [offset]

    def tick(tile: Tile) -> None:
        count[0] += 1
        if progress is not None:
            progress(count[0], total, tile.id)

    if not tasks:
        return {}
    if execution is not None and execution.client is not None:
        return _on_cluster(tasks, tiles, execution.client, tick)
    return _here(tasks, tiles, local_scheduler, tick)
