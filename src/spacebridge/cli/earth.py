"""``spacebridge earth``: Earth-observation commands (flood and water mapping, spectral indices).

Each command parses its options, calls the library and reports; the science is in ``spacebridge.earth``. Heavy
libraries are imported inside the commands so that ``spacebridge --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from spacebridge.cli.options import DaskOption, WorkersOption, execution_settings
from spacebridge.core.errors import InvalidInputError

__all__ = ["app", "parse_bands"]

app = typer.Typer(no_args_is_help=True, add_completion=False)

_SRC_HELP = "a GeoTIFF/COG file, a STAC Item JSON file, or a STAC Item URL"


def parse_bands(text: str | None) -> dict[str, str | int] | None:
    """Parse ``--bands`` (``"green=B3,nir=B8,swir16=12"``): band role = band name or 1-based band number.

    Examples
    --------
    >>> parse_bands("green=B3, swir16=12")
    {'green': 'B3', 'swir16': 12}
    """
    if text is None or not text.strip():
        return None
    out: dict[str, str | int] = {}
    for part in text.split(","):
        role, sep, band = (s.strip() for s in part.partition("="))
        if not sep or not role or not band:
            raise InvalidInputError(
                f"--bands entry {part.strip()!r} is not ROLE=BAND",
                hint="Write e.g. --bands green=B3,nir=B8,swir16=B11 (roles are STAC common names: green, nir, "
                "swir16, vv, vh; bands are names or 1-based numbers)",
                option="--bands",
                value=text,
            )
        out[role.lower()] = int(band) if band.isdigit() else band
    return out


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as progress:
        yield progress, progress.add_task("starting", total=total)


def _require_file_or_url(value: str | None, option: str) -> None:
    if value is None or "://" in value:
        return
    if not Path(value).exists():
        raise InvalidInputError(
            f"{option} {value}: no such file",
            hint=f"Give {_SRC_HELP}",
            option=option,
            value=value,
        )


@app.command("flood")
def flood(
    out: Annotated[Path, typer.Option("--out", help="Output folder (created; files are published only on success).")],
    optical: Annotated[
        str | None, typer.Option("--optical", help=f"Post-event optical scene (Sentinel-2, Landsat...): {_SRC_HELP}.")
    ] = None,
    sar: Annotated[
        str | None, typer.Option("--sar", help=f"Post-event SAR scene (Sentinel-1, dB): {_SRC_HELP}.")
    ] = None,
    pre_optical: Annotated[
        str | None, typer.Option("--pre-optical", help="Pre-event optical scene, to tell flood from permanent water.")
    ] = None,
    pre_sar: Annotated[
        str | None, typer.Option("--pre-sar", help="Pre-event SAR scene, to tell flood from permanent water.")
    ] = None,
    aoi: Annotated[
        str | None, typer.Option("--aoi", help="GeoJSON polygon(s): crop the scenes; statistics per polygon.")
    ] = None,
    reference_water: Annotated[
        str | None,
        typer.Option("--reference-water", help="Known permanent water (raster: non-zero = water; or polygons)."),
    ] = None,
    sensor: Annotated[
        str | None,
        typer.Option("--sensor", help="Sensor id when the files do not say (e.g. sentinel-2-l1c, sentinel-1-grd)."),
    ] = None,
    bands: Annotated[
        str | None,
        typer.Option("--bands", help="Band roles when the files do not say: green=B3,nir=B8,swir16=B11 (or numbers)."),
    ] = None,
    align: Annotated[
        bool, typer.Option("--align", help="Reproject scenes on other grids onto the first post-event scene's grid.")
    ] = False,
    min_area_px: Annotated[
        int, typer.Option("--min-area-px", min=1, help="Minimum mapping unit: smaller water patches become dry.")
    ] = 10,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Map water and flooded areas from a Sentinel-2 and/or Sentinel-1 scene (at least one of --optical, --sar).

    Each available method (MNDWI or NDWI for optical, VV and VH for SAR) picks its own threshold on the parts of
    the scene where water and land are both present, and votes; a pixel is water when more than half of the
    methods that see it agree. Pixels no method could see (cloud, no data) are 'unknown', never dry.

    Writes into OUT: flood_extent.tif (0 dry, 1 water, 255 unknown), flood_likelihood.tif (0-100, 255 unknown),
    flood_class.tif (1 flood, 2 permanent water, 3 water whose status is undetermined without --pre-* or
    --reference-water), flood.geojson + flood.parquet (polygons with areas), stats.json (km², thresholds) and a
    STAC catalog (catalog.json) with the item and its lineage.

    Example: spacebridge earth flood --optical s2.tif --sar s1.tif --out flood-out
    """
    from spacebridge.core.atomic import staged_output_dir
    from spacebridge.core.execution import execution
    from spacebridge.earth.flood.result import FloodParams
    from spacebridge.earth.flood.workflow import FloodRequest, run_flood

    if optical is None and sar is None:
        raise InvalidInputError(
            "give at least one post-event scene", hint="Add --optical SRC and/or --sar SRC (see --help)"
        )
    for option, value in (("--optical", optical), ("--sar", sar), ("--pre-optical", pre_optical),
                          ("--pre-sar", pre_sar), ("--aoi", aoi), ("--reference-water", reference_water)):  # fmt: skip
        _require_file_or_url(value, option)
    request = FloodRequest(
        optical=optical, sar=sar, pre_optical=pre_optical, pre_sar=pre_sar, aoi=aoi, reference_water=reference_water,
        sensor=sensor, bands=parse_bands(bands), align=align, params=FloodParams(min_area_px=min_area_px),
    )  # fmt: skip
    inputs = sum(v is not None for v in (optical, sar, pre_optical, pre_sar))
    settings = execution_settings(dask, workers)
    with execution(settings), _progress(total=inputs + 9) as (progress, task), staged_output_dir(out) as stage:

        def step(label: str) -> None:
            progress.update(task, description=label, advance=1)

        products = run_flood(request, stage, step=step)
        progress.update(task, description="done", completed=inputs + 9)
    _report(products.statistics, out)


def _report(stats: dict[str, Any], out: Path) -> None:
    from rich.console import Console

    console = Console(stderr=True)
    flooded = stats["flooded_km2"]
    console.print(
        f"[green]water[/green] {stats['water_km2']:.3f} km²"
        + (f", [red]flooded[/red] {flooded:.3f} km²" if flooded is not None else " (flood vs permanent undetermined)")
        + f", unknown {stats['unknown_km2']:.3f} km²",
        highlight=False,
    )
    for t in stats["thresholds"]:
        how = "static fallback" if t["fallback"] else t["reason"]
        console.print(f"  {t['method']}: {t['variable']} threshold {t['value']:g} {t['unit']} ({how})", highlight=False)
    console.print(f"[green]products written to[/green] {out}", highlight=False)


@app.command("index")
def index(
    name: Annotated[str, typer.Argument(help="Index name from the catalogue: NDVI, NDWI, MNDWI, NBR, NDSI, AWEIsh...")],
    src: Annotated[str, typer.Argument(help=f"The scene: {_SRC_HELP}.")],
    out: Annotated[Path, typer.Option("--out", help="Output Cloud-Optimised GeoTIFF (float32, NaN where invalid).")],
    sensor: Annotated[str | None, typer.Option("--sensor", help="Sensor id when the file does not say.")] = None,
    bands: Annotated[
        str | None, typer.Option("--bands", help="Band roles when the file does not say: red=B4,nir=B8 (or numbers).")
    ] = None,
    aoi: Annotated[str | None, typer.Option("--aoi", help="GeoJSON polygon to crop to.")] = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Compute one spectral index on a scene and write it as a COG.

    The scene is harmonised to reflectance first (scale and offset of the product); pixels that are invalid in
    any input band are NaN. Asking for an index the sensor cannot support (e.g. MNDWI without a SWIR band) is an
    error that names the substitutes.

    Example: spacebridge earth index NDVI s2.tif --out ndvi.tif
    """
    from spacebridge.core.execution import execution
    from spacebridge.earth import check_index, compute_index
    from spacebridge.earth.load import open_scene
    from spacebridge.earth.products import write_cog

    _require_file_or_url(src, "SRC")
    _require_file_or_url(aoi, "--aoi")
    with execution(execution_settings(dask, workers)), _progress(total=3) as (progress, task):
        progress.update(task, description=f"opening {src}", advance=1)
        scene = open_scene(src, sensor=sensor, bands=parse_bands(bands), aoi=aoi)
        check_index(scene.sensor, name)
        progress.update(task, description=f"computing {name}", advance=1)
        values = compute_index(name, scene.data, valid=scene.valid)
        path = write_cog(out, values, nodata=float("nan"), resampling="average", description=name.upper())
        progress.update(task, description="done", advance=1)
    typer.echo(f"wrote {path}")
