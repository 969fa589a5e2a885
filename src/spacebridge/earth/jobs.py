"""Run an analysis over many tiles, on whatever :mod:`~spacebridge.core.execution` provides, and resume it.

The job, in order, each step failing before any heavy work when it must fail:

1. **checks**: tiles unique, pixel budget against ``Settings.max_pixels`` (:func:`~spacebridge.earth.grid.
   check_pixel_budget`);
2. **plan** (:meth:`~spacebridge.earth.tiling.TileAnalysis.plan`) once per grid, over the grid's mosaic;
3. **resume**: a tile whose STAC item carries the same content hash and whose files are intact is skipped;
4. **graph**: one Dask task per remaining tile (``scope == "tile"``: the task loads its tile plus halo, computes
   it chunk by chunk and writes it), or the analysis' lazy graph over the area cut into one write task per tile
   (``scope == "area"``). The graph is counted and refused above ``max_graph_tasks`` (100k) before submission;
5. **run**: on a ``distributed`` client the tasks go to the cluster and results come back as tiles finish (a worker
   lost mid-job has its running tiles rescheduled; finished tiles are on disk already); without a client, tiles run
   one after the other in this process, each on dask's threaded scheduler;
6. **assemble**: VRT mosaics, Zarr cubes, STAC collection (:mod:`spacebridge.earth.mosaic`).

A tile-scope task graph has one node per tile: a national job of 414 tiles is 414 tasks, whatever the number of
chunks inside the tiles. See ``docs/decisions/0502-tiled-jobs.md``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import InvalidInputError, ResourceLimitError
from spacebridge.core.settings import Settings
from spacebridge.earth.grid import Tile, check_pixel_budget
from spacebridge.earth.tiling import Plan, TileAnalysis, tile_hash

if TYPE_CHECKING:
    from spacebridge.core.execution import Execution

__all__ = ["MAX_GRAPH_TASKS", "JobReport", "build_graph", "run_tiled_job"]

log = logging.getLogger(__name__)

MAX_GRAPH_TASKS = 100_000
"""Largest task graph a job may submit (schedulers stall on graphs of several 100k tasks)."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, tile_id)``, called as each tile finishes (skipped tiles count as done)."""


@dataclass(frozen=True)
class JobReport:
    """What a tiled job did and where its products are."""

    collection: Path | None
    """The STAC collection (``None`` when no tile finished)."""
    computed: tuple[str, ...]
    skipped: tuple[str, ...]
    """Tiles whose products were already there, with the same content hash."""
    failed: Mapping[str, str] = field(default_factory=dict)
    """Tile id -> error message."""
    mosaics: Mapping[str, Path] = field(default_factory=dict)
    cubes: Mapping[str, Path] = field(default_factory=dict)
    graph_tasks: int = 0
    plan: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Plan values by grid name."""
    execution: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def _by_grid(tiles: Sequence[Tile]) -> dict[str, list[Tile]]:
    out: dict[str, list[Tile]] = {}
    for t in tiles:
        out.setdefault(t.grid.name, []).append(t)
    return out


def _check(tiles: Sequence[Tile], analysis: TileAnalysis, settings: Settings) -> dict[str, list[Tile]]:
    if not tiles:
        raise InvalidInputError("the job has no tile", hint="Check that the area overlaps the grid")
    ids = [t.id for t in tiles]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise InvalidInputError(f"tiles {dupes[:5]} appear twice in the job", hint="Give each tile once", tiles=dupes)
    check_pixel_budget(tiles, max_pixels=settings.max_pixels, what=f"the {analysis.name} job")
    groups = _by_grid(tiles)
    if analysis.scope == "area" and len(groups) > 1:
        raise InvalidInputError(
            f"the {analysis.name} analysis needs its whole area on one grid; the tiles span {sorted(groups)}",
            hint="Run one job per UTM zone, or tile the area on one grid (equal_area_grid)",
            grids=sorted(groups),
        )
    return groups


def build_graph(
    analysis: TileAnalysis,
    tiles: Sequence[Tile],
    plans: Mapping[str, Plan],
    digests: Mapping[str, str],
    out_dir: str,
    *,
    nested_scheduler: str,
    mosaics: Mapping[str, Any] | None = None,
) -> tuple[list[Any], int]:
    """One ``dask.delayed`` per tile (see the module docstring) and the size of their optimised graph."""
    import dask
    from dask.base import collections_to_expr

    from spacebridge.earth.tile_products import process_tile, write_area_tile

    tasks = []
    for tile in tiles:
        plan = plans[tile.grid.name]
        key = f"tile-{analysis.name}-{tile.id}-{digests[tile.id][:12]}"
        if analysis.scope == "tile":
            call = dask.delayed(process_tile, pure=False)
            tasks.append(
                call(analysis, tile, plan, out_dir, digests[tile.id], nested_scheduler=nested_scheduler,
                     dask_key_name=key)
            )  # fmt: skip
        else:
            arrays = plan.arrays or {}
            mosaic = (mosaics or {}).get(tile.grid.name) or tile.grid.mosaic_geobox(tiles)
            row, col = tile.offset_in(mosaic)
            rows, cols = slice(row, row + tile.grid.tile_px), slice(col, col + tile.grid.tile_px)
            blocks = {name: arrays[name].data[..., rows, cols] for name in arrays}
            light = Plan(plan.values, None, plan.time)
            tasks.append(dask.delayed(write_area_tile, pure=False)(analysis, tile, light, blocks, out_dir,
                                                                   digests[tile.id], dask_key_name=key))  # fmt: skip
    n_tasks = len(collections_to_expr(tasks, optimize_graph=True).__dask_graph__()) if tasks else 0
    return tasks, n_tasks


def _plans(analysis: TileAnalysis, groups: Mapping[str, list[Tile]]) -> dict[str, Plan]:
    plans: dict[str, Plan] = {}
    for name, ts in groups.items():
        mosaic = ts[0].grid.mosaic_geobox(ts)
        log.info("planning %s on grid %s (%d tiles, mosaic %s px)", analysis.name, name, len(ts), tuple(mosaic.shape))
        plans[name] = analysis.plan(mosaic)
    return plans


def run_tiled_job(
    analysis: TileAnalysis,
    tiles: Sequence[Tile],
    out_dir: str | Path,
    *,
    settings: Settings | None = None,
    execution: Execution | None = None,
    progress: Progress | None = None,
    verify: str = "checksum",
    max_graph_tasks: int = MAX_GRAPH_TASKS,
    description: str = "",
) -> JobReport:
    """Run ``analysis`` on ``tiles`` and write per-tile COGs/cube windows, STAC items, mosaics and a collection.

    Parameters
    ----------
    analysis
        A :class:`~spacebridge.earth.tiling.TileAnalysis` (e.g. from :mod:`spacebridge.earth.job_analyses`).
    tiles
        Tiles of one or more grids (:func:`~spacebridge.earth.grid.tiles_for_area`).
    out_dir
        Root of the output catalog; the products go to ``out_dir/<analysis.name>/``.
    settings
        ``max_pixels`` is enforced before any work.
    execution
        From :func:`spacebridge.core.execution.execution`; ``None`` runs here on the threaded scheduler.
    progress
        Called as tiles finish.
    verify
        How a finished tile is trusted on a re-run: ``"checksum"`` (re-hash its files) or ``"size"``.
    max_graph_tasks
        Refuse to submit a larger task graph (:class:`ResourceLimitError`).

    Raises
    ------
    ResourceLimitError
        Too many pixels or too large a graph, before any tile is computed.
    Exception
        The first tile failure, after the other tiles finished and the collection of the finished tiles was
        written; its notes name the failed tiles. Re-running the job redoes only those.
    """
    start = time.perf_counter()
    settings = settings or Settings()
    out = Path(out_dir)
    groups = _check(tiles, analysis, settings)
    plans = _plans(analysis, groups)
    digests = {t.id: tile_hash(analysis, plans[t.grid.name], t) for t in tiles}
    for ts in groups.values():
        _init_cube(out, analysis, ts, plans[ts[0].grid.name], settings.chunk_px)
    skipped = [t for t in tiles if _done(out, analysis, t, digests[t.id], verify)]
    pending = [t for t in tiles if t not in skipped]
    nested = "sync" if execution is not None and execution.distributed else "threads"
    mosaics = {name: ts[0].grid.mosaic_geobox(ts) for name, ts in groups.items()}
    tasks, n_tasks = build_graph(analysis, pending, plans, digests, str(out), nested_scheduler=nested, mosaics=mosaics)
    if n_tasks > max_graph_tasks:
        raise ResourceLimitError(
            f"the {analysis.name} job would submit {n_tasks:,} tasks, more than the limit of {max_graph_tasks:,}",
            hint="Use larger tiles, fewer tiles per job, or a tile-scope analysis",
            tasks=n_tasks,
            limit=max_graph_tasks,
        )
    log.info("%s: %d tiles to compute, %d already done, graph of %d tasks", analysis.name, len(pending),
             len(skipped), n_tasks)  # fmt: skip
    total = len(tiles)
    for i, t in enumerate(skipped, 1):
        if progress:
            progress(i, total, t.id)
    from spacebridge.earth.job_runner import run_tasks

    local = "sync" if analysis.scope == "tile" else "threads"
    failed = run_tasks(tasks, pending, execution, progress, offset=len(skipped), total=total, local_scheduler=local)
    done = {t.id: t for t in tiles if t.id not in failed}
    collection: Path | None = None
    vrts: dict[str, Path] = {}
    cubes: dict[str, Path] = {}
    if done:
        from spacebridge.earth.mosaic import assemble_collection

        collection, vrts, cubes = assemble_collection(out, analysis, done, description=description or analysis.name)
    report = JobReport(
        collection, tuple(t.id for t in pending if t.id not in failed), tuple(t.id for t in skipped),
        {k: str(v) for k, v in failed.items()}, vrts, cubes, n_tasks,
        {g: dict(p.values) for g, p in plans.items()},
        execution.describe() if execution is not None else {"kind": "threads"}, time.perf_counter() - start,
    )  # fmt: skip
    if failed:
        first = next(iter(failed.values()))
        first.add_note(f"{len(failed)} tile(s) failed: {sorted(failed)[:10]}; the {len(done)} finished tiles are kept")
        first.add_note("Re-run the same job to compute only the failed tiles")
        raise first
    return report


def _done(out: Path, analysis: TileAnalysis, tile: Tile, digest: str, verify: str) -> bool:
    from spacebridge.earth.tile_products import tile_is_done

    return tile_is_done(out, analysis.name, tile, digest, verify=verify)


def _init_cube(out: Path, analysis: TileAnalysis, tiles: Sequence[Tile], plan: Plan, chunk_px: int) -> None:
    from spacebridge.earth.mosaic import init_cube

    init_cube(out, analysis, tiles, plan, chunk_px=chunk_px)
