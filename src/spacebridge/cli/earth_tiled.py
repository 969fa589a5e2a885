"""``spacebridge earth tiled``: earth analyses as tiled, resumable jobs over large areas (national grid, Dask).

:func:`register` adds the ``tiled`` group to the ``earth`` app of :mod:`spacebridge.cli.earth`.

``plan`` shows the tiles of an area (and writes them as GeoJSON) without reading any pixel; ``index``,
``composite`` and ``flood`` run the analyses tile by tile (:func:`spacebridge.earth.jobs.run_tiled_job`) on the
threaded scheduler, a local cluster (``--workers``) or a Dask cluster (``--dask``). Running a command again skips
the tiles already done. Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spacebridge.cli.options import DaskOption, WorkersOption, execution_settings
from spacebridge.core.errors import InvalidAOIError, InvalidInputError

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings
    from spacebridge.earth.grid import Tile

__all__ = ["app", "register"]

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Tiled, resumable jobs over large areas.")

AoiOption = Annotated[Path | None, typer.Option("--aoi", help="GeoJSON polygon(s) of the area (EPSG:4326).")]
BboxOption = Annotated[str | None, typer.Option("--bbox", help="Area as west,south,east,north in degrees.")]
TilePxOption = Annotated[int, typer.Option("--tile-px", min=64, help="Tile edge in pixels (default: 10240).")]
ResolutionOption = Annotated[float, typer.Option("--resolution", help="Pixel size in metres of the UTM grid.")]
OutOption = Annotated[Path, typer.Option("--out", help="Output folder (a STAC catalog; re-runs resume here).")]
VerifyOption = Annotated[
    str, typer.Option("--verify", help="How finished tiles are trusted on a re-run: checksum or size.")
]
MemoryOption = Annotated[
    str,
    typer.Option(
        "--memory-limit",
        help="Memory limit of each --workers process, e.g. 2GiB (default: the machine's memory shared out).",
        rich_help_panel="Execution",
    ),
]


def _area(aoi: Path | None, bbox: str | None) -> Any:
    from odc.geo.geom import Geometry, box, unary_union

    from spacebridge.core.geo import BBox

    if bbox is not None and aoi is None:
        try:
            values = [float(v) for v in bbox.split(",")]
        except ValueError as exc:
            raise InvalidAOIError(f"--bbox {bbox!r} is not four numbers", hint="west,south,east,north") from exc
        return box(*BBox.from_sequence(values).as_tuple(), "EPSG:4326")
    if aoi is None or bbox is not None:
        raise InvalidAOIError("give the area with exactly one of --aoi and --bbox", hint="e.g. --bbox 76,43,78,44.5")
    try:
        doc = json.loads(aoi.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidAOIError(f"cannot read --aoi {aoi}: {exc}", hint="Give a GeoJSON file", aoi=str(aoi)) from exc
    features = doc.get("features", [doc]) if doc.get("type") == "FeatureCollection" else [doc]
    geoms = [Geometry(f.get("geometry", f), "EPSG:4326") for f in features]
    return unary_union(geoms) if len(geoms) > 1 else geoms[0]


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as progress:  # fmt: skip
        task = progress.add_task("tiles", total=total)
        yield lambda done, n, tile_id: progress.update(task, completed=done, description=f"tile {tile_id}")


def _memory_limit(value: str) -> str | int:
    from dask.utils import parse_bytes

    if value == "auto":
        return value
    try:
        return int(parse_bytes(value))
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            f"--memory-limit {value!r} is not a size", hint="Give e.g. 2GiB, 1500MB or auto", option="--memory-limit"
        ) from exc


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Keep dask's INFO chatter (cluster start, workers joining) off the progress bar unless --verbose was given."""
    import logging

    import distributed  # noqa: F401  (its import sets its loggers' levels from dask's config: set ours after)

    if logging.getLogger().getEffectiveLevel() <= logging.INFO:
        yield
        return
    loggers = [logging.getLogger(name) for name in ("distributed", "dask")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _run(
    job: Any, tiles: Sequence[Tile], out: Path, settings: Settings, verify: str, memory_limit: str = "auto"
) -> None:
    from rich.console import Console

    from spacebridge.core.execution import execution
    from spacebridge.earth.jobs import run_tiled_job

    if verify not in ("checksum", "size"):
        raise InvalidInputError(
            f"--verify {verify!r} is not checksum or size", hint="Use --verify checksum (default) or --verify size",
            option="--verify", value=verify,
        )  # fmt: skip
    limit = _memory_limit(memory_limit)
    with _quiet_dask(), execution(settings, memory_limit=limit) as ex, _progress(len(tiles)) as progress:
        report = run_tiled_job(job, tiles, out, settings=settings, execution=ex, progress=progress, verify=verify)
    console = Console()
    console.print(
        f"{len(report.computed)} tile(s) computed, {len(report.skipped)} already done, "
        f"{report.graph_tasks} tasks, {report.seconds:.1f} s on {report.execution.get('kind')}"
    )
    console.print(f"collection: {report.collection}")
    for key, path in {**report.mosaics, **report.cubes}.items():
        console.print(f"  {key}: {path}")


@app.command("plan")
def plan(
    aoi: AoiOption = None,
    bbox: BboxOption = None,
    resolution: ResolutionOption = 10.0,
    tile_px: TilePxOption = 10240,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Write the tiles as GeoJSON here.")] = None,
) -> None:
    """Tiles of an area on the national grid (one UTM grid per zone): count, pixels, task graph. Reads no pixel."""
    from rich.console import Console

    from spacebridge.core.atomic import atomic_write_text
    from spacebridge.core.settings import Settings
    from spacebridge.earth.grid import tiles_for_area

    tiles = tiles_for_area(_area(aoi, bbox), resolution_m=resolution, tile_px=tile_px)
    settings = Settings.from_env()
    pixels = len(tiles) * tile_px * tile_px
    by_grid: dict[str, int] = {}
    for t in tiles:
        by_grid[t.grid.name] = by_grid.get(t.grid.name, 0) + 1
    console = Console()
    console.print(f"{len(tiles)} tiles of {tile_px} px at {resolution:g} m: " + ", ".join(
        f"{g} {n}" for g, n in sorted(by_grid.items())))  # fmt: skip
    console.print(f"{pixels:,} pixels per band; task graph of a tile-scope job: {len(tiles)} tasks")
    if pixels > settings.max_pixels:
        console.print(f"[yellow]over max_pixels={settings.max_pixels:,}: raise SPACEBRIDGE_MAX_PIXELS to run it")
    if geojson is not None:
        features = [
            {"type": "Feature", "properties": {"id": t.id, "grid": t.grid.name, "crs": t.grid.crs},
             "geometry": t.geobox.extent.to_crs("EPSG:4326").json}
            for t in tiles
        ]  # fmt: skip
        atomic_write_text(geojson, json.dumps({"type": "FeatureCollection", "features": features}))
        console.print(f"tiles written to {geojson}")


def _scene_tiles(src: str, tile_px: int, aoi: Path | None, bbox: str | None, resolution: float) -> list[Tile]:
    """Tiles on the national UTM grid over the area, or on the scene's own grid when no area is given."""
    from spacebridge.earth.grid import grid_on, tiles_for_area
    from spacebridge.earth.load import open_scene

    gbox = open_scene(src, validate=False).geobox
    if aoi is None and bbox is None:
        return grid_on(gbox, tile_px=tile_px).tiles(gbox.extent)
    area = _area(aoi, bbox)
    footprint = gbox.extent.to_crs("EPSG:4326")
    if not area.intersects(footprint):
        west, south, east, north = footprint.boundingbox
        raise InvalidAOIError(
            f"the area does not overlap the scene {src} ({west:.4f},{south:.4f},{east:.4f},{north:.4f})",
            hint="Give an area over the scene, or drop --aoi/--bbox to tile the whole scene",
            scene=src,
        )
    return tiles_for_area(area & footprint, resolution_m=resolution, tile_px=tile_px)


@app.command("index")
def index(
    name: Annotated[str, typer.Argument(help="Spectral index, e.g. NDVI, NDWI, MNDWI, NBR.")],
    scene: Annotated[str, typer.Option("--scene", help="GeoTIFF/COG or STAC Item (file or URL).")],
    out: OutOption,
    sensor: Annotated[str | None, typer.Option("--sensor", help="Sensor id when the metadata does not say.")] = None,
    aoi: AoiOption = None,
    bbox: BboxOption = None,
    resolution: ResolutionOption = 10.0,
    tile_px: TilePxOption = 10240,
    verify: VerifyOption = "checksum",
    dask: DaskOption = None,
    workers: WorkersOption = None,
    memory_limit: MemoryOption = "auto",
) -> None:
    """A spectral index per tile: COGs, a VRT mosaic per grid, a STAC collection.

    Without --aoi/--bbox the tiles follow the scene's own pixel grid; with them, the national UTM grid over the
    part of the area the scene covers. Run the same command again to resume: finished tiles are skipped.

    Example: spacebridge earth tiled index NDVI --scene s2.json --bbox 76,43,78,44.5 --out products --workers 2
    """
    from spacebridge.earth.job_analyses import IndexJob

    settings = execution_settings(dask, workers)
    job = IndexJob.of(name, scene, sensor=sensor, chunks_px=settings.chunk_px)
    _run(job, _scene_tiles(scene, tile_px, aoi, bbox, resolution), out, settings, verify, memory_limit)


@app.command("composite")
def composite(
    cube: Annotated[Path, typer.Option("--cube", help="Zarr cube (time, y, x) with a CRS, e.g. a previous job's.")],
    variables: Annotated[list[str], typer.Option("--var", help="Variable(s) to composite (repeat the option).")],
    out: OutOption,
    valid: Annotated[str | None, typer.Option("--valid", help="Boolean clear-sky variable of the cube.")] = None,
    period: Annotated[str, typer.Option("--period", help="pandas period: 1MS (months), QS-DEC, 10D, YS.")] = "1MS",
    tile_px: TilePxOption = 10240,
    verify: VerifyOption = "checksum",
    dask: DaskOption = None,
    workers: WorkersOption = None,
    memory_limit: MemoryOption = "auto",
) -> None:
    """Cloud-masked median composites per period, per tile, into a Zarr cube (tiles on the cube's grid)."""
    from spacebridge.earth.grid import grid_on
    from spacebridge.earth.job_analyses import CompositeJob
    from spacebridge.earth.job_sources import CubeSource

    settings = execution_settings(dask, workers)
    source = CubeSource.of(cube, variables, valid=valid)
    gbox = source.geobox()
    tiles = grid_on(gbox, tile_px=tile_px).tiles(gbox.extent)
    job = CompositeJob(source, period=period, chunks_px=settings.chunk_px)
    _run(job, tiles, out, settings, verify, memory_limit)


@app.command("flood")
def flood(
    out: OutOption,
    optical: Annotated[str | None, typer.Option("--optical", help="Post-event optical scene.")] = None,
    sar: Annotated[str | None, typer.Option("--sar", help="Post-event SAR scene (VV/VH in dB).")] = None,
    align: Annotated[
        bool, typer.Option("--align", help="Reproject a SAR scene on another grid onto the optical scene's grid.")
    ] = False,
    tile_px: TilePxOption = 10240,
    verify: VerifyOption = "checksum",
    dask: DaskOption = None,
    workers: WorkersOption = None,
    memory_limit: MemoryOption = "auto",
) -> None:
    """Water and flood mapping over the first scene's extent, written tile by tile.

    The thresholds are chosen once on the whole scene (as `spacebridge earth flood` does), so the tiles equal the
    untiled result; the job covers one scene's area (docs/decisions/0502-tiled-jobs.md).
    """
    from spacebridge.earth.grid import grid_on
    from spacebridge.earth.job_analyses import FloodJob
    from spacebridge.earth.job_sources import SceneSource
    from spacebridge.earth.load import open_scene

    first = optical or sar
    if first is None:
        raise InvalidInputError("no post-event scene was given", hint="Give --optical SRC, --sar SRC or both")
    settings = execution_settings(dask, workers)
    job = FloodJob(
        optical=SceneSource.of(optical) if optical else None,
        sar=SceneSource.of(sar) if sar else None,
        chunks_px=settings.chunk_px,
        align=align,
    )
    gbox = open_scene(first, validate=False).geobox
    _run(job, grid_on(gbox, tile_px=tile_px).tiles(gbox.extent), out, settings, verify, memory_limit)


def register(earth_app: typer.Typer) -> None:
    """Add ``spacebridge earth tiled ...`` to the ``earth`` app."""
    earth_app.add_typer(app, name="tiled")
