"""The earth analyses' commands (``spacebridge earth burn|zonal``, and ``drought|snow|glacier|water|composite`` from
:mod:`spacebridge.cli.earth_series`), added to ``earth``'s app.

:func:`register` adds them to the Typer app of :mod:`spacebridge.cli.earth` (same conventions as ``earth flood``:
``--out DIR`` published only on success, Rich progress, clear errors). Heavy libraries are imported inside the
commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spacebridge.cli.options import DaskOption, WorkersOption, execution_settings
from spacebridge.core.errors import InvalidInputError

__all__ = ["parse_bands", "parse_classes", "register"]

_SRC_HELP = "a GeoTIFF/COG file, a STAC Item JSON file, or a STAC Item URL"


def parse_classes(text: str | None) -> dict[int, str] | None:
    """Parse ``--classes`` (``"0=unburned,1=burned"``) into ``{code: name}``.

    Examples
    --------
    >>> parse_classes("0=dry, 1=water")
    {0: 'dry', 1: 'water'}
    """
    if text is None or not text.strip():
        return None
    out: dict[int, str] = {}
    for part in text.split(","):
        code, sep, name = (s.strip() for s in part.partition("="))
        if not sep or not code.isdigit() or not name:
            raise InvalidInputError(
                f"--classes entry {part.strip()!r} is not CODE=NAME",
                hint="Write e.g. --classes 0=unburned,1=burned",
                option="--classes",
                value=text,
            )
        out[int(code)] = name
    return out


def parse_bands(text: str | None) -> dict[str, str | int] | None:
    """Parse ``--bands`` (``"nir=B8,swir22=12"``): band role = band name or 1-based number (as ``earth flood``)."""
    if text is None or not text.strip():
        return None
    out: dict[str, str | int] = {}
    for part in text.split(","):
        role, sep, band = (s.strip() for s in part.partition("="))
        if not sep or not role or not band:
            raise InvalidInputError(
                f"--bands entry {part.strip()!r} is not ROLE=BAND",
                hint="Write e.g. --bands nir=B8,swir22=B12",
                option="--bands",
                value=text,
            )
        out[role.lower()] = int(band) if band.isdigit() else band
    return out


def _exists(value: str | None, option: str) -> None:
    if value is not None and "://" not in value and not Path(value).exists():
        raise InvalidInputError(f"{option} {value}: no such file", hint=f"Give {_SRC_HELP}", option=option)


def _progress(total: int) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True))  # fmt: skip
    return progress, progress.add_task("starting", total=total)


def burn(
    pre: Annotated[str, typer.Option("--pre", help=f"Pre-fire optical scene: {_SRC_HELP}.")],
    post: Annotated[str, typer.Option("--post", help=f"Post-fire optical scene: {_SRC_HELP}.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (files are published only on success).")],
    aoi: Annotated[str | None, typer.Option("--aoi", help="GeoJSON polygon(s): crop; statistics per polygon.")] = None,
    index: Annotated[
        str,
        typer.Option(
            "--index",
            help="Burn index: nbr (NIR + SWIR 2.2 um; severity classes), nbr2 (SWIR 1.6 + 2.2 um) or bais2 "
            "(Sentinel-2 red edge + SWIR): the last two map grass and steppe fires better, burned extent only.",
        ),
    ] = "nbr",
    sensor: Annotated[
        str | None, typer.Option("--sensor", help="Sensor id when the files do not say (e.g. sentinel-2-l2a).")
    ] = None,
    bands: Annotated[
        str | None, typer.Option("--bands", help="Band roles when the files do not say: nir=B8,swir22=B12.")
    ] = None,
    offset: Annotated[
        float | None,
        typer.Option("--offset", help="dNBR phenology offset (nbr; default: mean dNBR of the unburned surroundings)."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Burned threshold of dNBR2/dBAIS2 (nbr2, bais2; default: chosen per scene)."),
    ] = None,
    min_area_m2: Annotated[
        float, typer.Option("--min-area-m2", min=0, help="Minimum mapping unit of the burned extent (m²).")
    ] = 10_000.0,
    cloud_mask: Annotated[
        bool,
        typer.Option(
            "--cloud-mask/--no-cloud-mask",
            help="Mask clouds with the scenes' own quality band (SCL, QA_PIXEL, BQA) or s2cloudless on L1C.",
        ),
    ] = True,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Map the burned area (and, with NBR, burn severity) from a pre- and a post-fire scene.

    With --index nbr (default): dNBR = NBR(pre) - NBR(post), minus the mean dNBR of the unburned surroundings
    (phenology offset); severity classes of Key & Benson (2006, USGS FIREMON); burned extent = low severity or
    worse. With --index nbr2 or bais2 (for dry grass and steppe, where NBR is weak): the burned extent where dNBR2
    or dBAIS2 exceeds a threshold chosen on the scene's own burned/unburned histogram; no severity classes (they
    are calibrated on dNBR only). A minimum mapping unit applies. Cloud, shadow and no-data pixels are 'unknown',
    never unburned. A pre-fire scene on another grid is reprojected onto the post-fire grid; scenes that do not
    overlap are an error. A scene lacking a band the index needs is an error naming the band and the indices the
    scene can compute instead.

    Writes into OUT: burned_extent.tif (0 unburned, 1 burned, 255 unknown), the burn signal (dnbr.tif, dnbr2.tif
    or dbais2.tif, float32), burned.geojson + burned.parquet, stats.json and a STAC catalog (catalog.json) with
    the lineage; with nbr also burn_severity.tif (uint8 classes, 255 unknown), rdnbr.tif and rbr.tif.

    Example: spacebridge earth burn --pre pre.tif --post post.tif --sensor sentinel-2-l2a --out burn-out
    """
    from spacebridge.core.atomic import staged_output_dir
    from spacebridge.core.execution import execution
    from spacebridge.earth.burn_indices import get_burn_index
    from spacebridge.earth.fire_workflow import BurnRequest, run_burn

    for option, value in (("--pre", pre), ("--post", post), ("--aoi", aoi)):
        _exists(value, option)
    chosen = get_burn_index(index)
    request = BurnRequest(pre=pre, post=post, aoi=aoi, sensor=sensor, bands=parse_bands(bands), index=chosen.name,
                          offset=offset, threshold=threshold, min_area_m2=min_area_m2,
                          cloud_mask=cloud_mask)  # fmt: skip
    progress, task = _progress(13)
    with execution(execution_settings(dask, workers)), progress, staged_output_dir(out) as stage:
        products = run_burn(request, stage, step=lambda label: progress.update(task, description=label, advance=1))
        progress.update(task, description="done", completed=13)
    stats = products.statistics
    how = stats["chosen"]
    detail = (
        f"dNBR offset {how['dnbr_offset']:+.3f}, {how['offset_source']}"
        if chosen.severity
        else f"{chosen.difference} threshold {how['threshold']['value']:g}, {how['threshold']['reason']}"
    )
    typer.echo(
        f"burned {stats['burned_km2']:.3f} km², unknown {stats['unknown_km2']:.3f} km² ({detail}); written to {out}"
    )


def zonal(
    product: Annotated[Path, typer.Argument(help="A product raster (GeoTIFF/COG): classes or continuous values.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for zonal.csv, zonal.parquet and zonal.png.")],
    units: Annotated[
        Path | None, typer.Option("--units", help="Polygons (GeoJSON...); default: Kazakhstan's 2024 units.")
    ] = None,
    level: Annotated[str, typer.Option("--level", help="Default units: 'district' or 'oblast'.")] = "district",
    kind: Annotated[str, typer.Option("--kind", help="'categorical' (areas per class) or 'continuous'.")] = (
        "categorical"
    ),
    classes: Annotated[
        str | None, typer.Option("--classes", help="Class names of a categorical product: 0=unburned,1=burned.")
    ] = None,
) -> None:
    """Statistics of a product per polygon, with areas in an equal-area CRS and the unknown fraction.

    Categorical products get the km² of each class and of unknown pixels (255) per unit; continuous products
    (NaN or nodata unknown) get the area-weighted mean, std, min, median and max. Without --units, Kazakhstan's
    2024 districts (or --level oblast) with KATO codes and kk/ru/en names are used.

    Example: spacebridge earth zonal burn/burned_extent.tif --units aoi.geojson --classes 0=unburned,1=burned --out z
    """
    from spacebridge.core.atomic import staged_output_dir
    from spacebridge.earth.tables import write_bar_chart, write_table
    from spacebridge.earth.zonal import read_units, zonal_table

    if not product.exists():
        raise InvalidInputError(f"PRODUCT {product}: no such file", hint="Give a product raster", option="PRODUCT")
    if level not in ("district", "oblast") or kind not in ("categorical", "continuous"):
        raise InvalidInputError(
            f"--level {level!r} / --kind {kind!r}: expected district|oblast and categorical|continuous",
            hint="See --help",
        )
    raster = _read_product(product, kind)
    table = zonal_table(raster, read_units(units, level=level), kind=kind,  # type: ignore[arg-type]
                        classes=parse_classes(classes))  # fmt: skip
    with staged_output_dir(out) as stage:
        write_table(table, stage / "zonal.csv")
        write_table(table, stage / "zonal.parquet")
        write_bar_chart(table, stage / "zonal.png", kind=kind)
    typer.echo(f"{len(table)} units; written to {out}")


def _read_product(path: Path, kind: str) -> Any:
    import rasterio
    from odc.geo.geobox import GeoBox
    from odc.geo.xr import wrap_xr

    with rasterio.open(path) as src:
        values = src.read(1)
        gbox = GeoBox.from_rio(src)
        nodata = src.nodata
    if kind == "continuous":
        values = values.astype("float32")
        if nodata is not None:
            values[values == nodata] = float("nan")
    return wrap_xr(values, gbox)


def register(app: typer.Typer) -> None:
    """Add the analyses' commands to the ``earth`` app (the time-series ones live in :mod:`.earth_series`)."""
    from spacebridge.cli import earth_series

    app.command("burn")(burn)
    app.command("zonal")(zonal)
    for name in ("drought", "snow", "glacier", "water", "composite"):
        app.command(name)(getattr(earth_series, name))
