"""The time-series commands ``spacebridge earth drought|snow|glacier|water|composite`` (registered by
:func:`spacebridge.cli.earth_analyses.register`).

Each parses its options into a request, runs the workflow of :mod:`spacebridge.earth.workflows` inside the
execution context (``--dask``/``--workers``) and a staged output folder (published only on success), with a Rich
progress bar. Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spacebridge.cli.options import DaskOption, WorkersOption, execution_settings

__all__ = ["composite", "drought", "glacier", "snow", "water"]

_PANEL = "Time series input"
_SRC_HELP = (
    "The dates: a folder of GeoTIFF/COG files (one per date), several files, a STAC ItemCollection or Catalog JSON "
    "file, or a STAC API URL with --collection. Dates come from the metadata, else from the file names "
    "(YYYYMMDD or YYYY-MM-DD)."
)

SrcArgument = Annotated[list[str], typer.Argument(help=_SRC_HELP, show_default=False, metavar="SRC...")]
OutOption = Annotated[Path, typer.Option("--out", help="Output folder (files are published only on success).")]
AoiOption = Annotated[
    str | None, typer.Option("--aoi", help="GeoJSON polygon(s): pixels outside are unknown; series per polygon.")
]
SensorOption = Annotated[
    str | None,
    typer.Option("--sensor", help="Sensor id when the files do not say (e.g. sentinel-2-l2a).", rich_help_panel=_PANEL),
]
BandsOption = Annotated[
    str | None,
    typer.Option("--bands", help="Band roles when the files do not say: red=B4,nir=B8.", rich_help_panel=_PANEL),
]
AlignOption = Annotated[
    bool,
    typer.Option("--align", help="Reproject dates on other grids onto the first date's grid.", rich_help_panel=_PANEL),
]
CloudOption = Annotated[
    bool,
    typer.Option("--cloud-mask/--no-cloud-mask", help="Mask clouds with each scene's quality band (SCL, QA_PIXEL) or "
                 "s2cloudless on L1C.", rich_help_panel=_PANEL),
]  # fmt: skip
CollectionOption = Annotated[
    str | None,
    typer.Option("--collection", help="STAC API collection to search (SRC is then the API URL).",
                 rich_help_panel=_PANEL),
]  # fmt: skip
DatetimeOption = Annotated[
    str | None,
    typer.Option(
        "--datetime", help="Time range of the STAC API search: 2024-01-01/2024-12-31.", rich_help_panel=_PANEL
    ),
]


def _request(src: list[str], **kw: Any) -> Any:
    from spacebridge.cli.earth_analyses import parse_bands
    from spacebridge.earth.workflows.series import SeriesRequest

    bands = kw.pop("bands")
    return SeriesRequest(src=tuple(src), bands=parse_bands(bands), **kw)


def _run(run: Any, request: Any, out: Path, dask: str | None, workers: int | None, steps: int) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from spacebridge.core.atomic import staged_output_dir
    from spacebridge.core.execution import execution

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True))  # fmt: skip
    task = progress.add_task("starting", total=steps)
    with execution(execution_settings(dask, workers)), progress, staged_output_dir(out) as stage:
        products = run(request, stage, step=lambda label: progress.update(task, description=label, advance=1))
        progress.update(task, description="done", completed=steps)
    return products


def drought(
    src: SrcArgument,
    out: OutOption,
    period: Annotated[str, typer.Option("--period", help="Compositing period: month or season.")] = "month",
    min_years: Annotated[
        int, typer.Option("--min-years", min=2, help="Years of climatology below which results are flagged.")
    ] = 10,
    date: Annotated[str | None, typer.Option("--date", help="Period to map, YYYY-MM (default: the latest).")] = None,
    temperature: Annotated[
        list[str] | None,
        typer.Option(
            "--temperature",
            help="Brightness or land-surface temperature in kelvin: a folder or files (repeat the option), one "
            "date each, any grid (reprojected onto the NDVI grid). Adds TCI and VHI; classes from VHI.",
        ),
    ] = None,
    aoi: AoiOption = None,
    sensor: SensorOption = None,
    bands: BandsOption = None,
    align: AlignOption = False,
    cloud_mask: CloudOption = True,
    collection: CollectionOption = None,
    datetime: DatetimeOption = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Vegetation condition and drought from an NDVI time series (several years of dates).

    Each date is an NDVI raster (single band described 'NDVI', NaN where cloudy) or a scene with red and nir
    bands. NDVI is composited per month (or season) by maximum value; each period is compared with the same period
    of the other years: z-score anomaly, Vegetation Condition Index (VCI, Kogan 1995) and drought classes (Kogan
    2002). At least 2 years are needed; fewer than --min-years gives a warning. With --temperature (kelvin; the
    same months as the NDVI dates), the Temperature Condition Index TCI = 100 (BTmax - BT) / (BTmax - BTmin) and
    the Vegetation Health Index VHI = 0.5 VCI + 0.5 TCI (Kogan 1995, 2001) are mapped and the drought classes
    come from VHI (< 10 extreme, 10-20 severe, 20-30 moderate, 30-40 mild; Kogan 2002).

    Writes into OUT: vci_<period>.tif, ndvi_anomaly_<period>.tif, drought_class_<period>.tif (0 none ... 4
    extreme, 255 unknown), with --temperature tci_<period>.tif and vhi_<period>.tif, drought_series.csv/.parquet
    (per period and AOI polygon), drought_series.png, stats.json and a STAC catalog with the lineage.

    Example: spacebridge earth drought ndvi-folder/ --aoi fields.geojson --out drought-out
    """
    from spacebridge.earth.workflows.drought import DroughtRequest, run_drought

    series = _request(src, sensor=sensor, bands=bands, aoi=aoi, align=align, cloud_mask=cloud_mask,
                      collection=collection, datetime=datetime)  # fmt: skip
    request = DroughtRequest(series, period=period, min_years=min_years, date=date,
                             temperature=tuple(temperature or ()))  # fmt: skip
    products = _run(run_drought, request, out, dask, workers, 11)
    s = products.statistics
    classes = ", ".join(f"{name} {km2:.3f}" for name, km2 in s["drought_km2"].items())
    typer.echo(f"{s['period_mapped']} ({s['classes_from']}): {classes} km², unknown {s['unknown_km2']:.3f} km² "
               f"(climatology {s['climatology_years'][0]}-{s['climatology_years'][-1]}); written to {out}")  # fmt: skip


def snow(
    src: SrcArgument,
    out: OutOption,
    method: Annotated[
        str, typer.Option("--method", help="auto, scl (Sen2Cor snow class), snomap (MODIS rule) or lis (with --dem).")
    ] = "auto",
    dem: Annotated[str | None, typer.Option("--dem", help="Elevation raster (m) for Let-It-Snow's snowline.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Date to map, YYYY-MM-DD (default: the last).")] = None,
    aoi: AoiOption = None,
    sensor: SensorOption = None,
    bands: BandsOption = None,
    align: AlignOption = False,
    cloud_mask: CloudOption = True,
    collection: CollectionOption = None,
    datetime: DatetimeOption = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Snow cover over time: a snow map per date, the snow-cover series of the area and the snow frequency.

    Each date is a Sentinel-2 SCL raster (single band described 'SCL') or a scene with green and swir16 (NDSI) and
    nir (MODIS SNOMAP rule) or red (Let-It-Snow with --dem). Clouds are 'unknown', never snow-free; snow is never
    masked as cloud.

    Writes into OUT: snow_<date>.tif (0 no snow, 1 snow, 255 unknown), snow_frequency.tif, snow_series.csv/.parquet
    (snow km², observed km², snow fraction, unknown fraction per date and AOI polygon), snow_series.png, stats.json
    and a STAC catalog with the lineage.

    Example: spacebridge earth snow scl-folder/ --out snow-out
    """
    from spacebridge.earth.workflows.snow import SnowRequest, run_snow

    series = _request(src, sensor=sensor, bands=bands, aoi=aoi, align=align, cloud_mask=cloud_mask,
                      collection=collection, datetime=datetime)  # fmt: skip
    products = _run(run_snow, SnowRequest(series, method=method, dem=dem, date=date), out, dask, workers, 8)
    s = products.statistics
    typer.echo(f"snow ({s['method']}) on {len(s['snow_dates'])} of {s['n_dates']} dates; {s['date_mapped']}: "
               f"{s['snow_km2']:.3f} km²; written to {out}")  # fmt: skip


def glacier(
    src: SrcArgument,
    out: OutOption,
    date: Annotated[
        list[str] | None,
        typer.Option("--date", help="A date to map, YYYY-MM-DD; give it twice or more (default: every date)."),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="ratio (red/SWIR >= --ratio-min, Paul et al. 2002) or ndsi (NDSI >= 0.4).")
    ] = "ratio",
    ratio_min: Annotated[float, typer.Option("--ratio-min", min=0, help="Red/SWIR 1.6 um ratio threshold.")] = 2.0,
    min_area_m2: Annotated[
        float, typer.Option("--min-area-m2", min=0, help="Minimum glacier area (m²; GLIMS/RGI minimum 0.01 km²).")
    ] = 10_000.0,
    aoi: AoiOption = None,
    sensor: SensorOption = None,
    bands: BandsOption = None,
    align: AlignOption = False,
    cloud_mask: CloudOption = True,
    collection: CollectionOption = None,
    datetime: DatetimeOption = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Glacier outlines at two or more dates and the glacier area change between the first and the last.

    SRC are optical scenes with red and SWIR 1.6 um (Sentinel-2, Landsat), ideally at the end of the ablation
    season of different years (seasonal snow looks like ice; other months give a warning). Clean ice: red/SWIR
    ratio >= 2.0 (Paul et al. 2002) or NDSI >= 0.4, NIR > 0.11 (water is not ice), patches of at least
    --min-area-m2. Clouds and no-data are unknown: the change is measured over the pixels known at both dates,
    and the area unknown at either date is reported, so a cloud never counts as glacier loss. Areas are
    equal-area.

    Writes into OUT: glacier_<date>.tif per date (0 no ice, 1 ice, 255 unknown), glacier_outlines_<date>.geojson
    and .parquet (outlines with their date and area), glacier_series.csv/.parquet/.png (per date and AOI polygon),
    stats.json (areas per date, change in km² and %) and a STAC catalog with the lineage.

    Example: spacebridge earth glacier S2_20160825.tif S2_20210830.tif --aoi basin.geojson --out glacier-out
    """
    from spacebridge.earth.workflows.glacier import GlacierRequest, run_glacier

    series = _request(src, sensor=sensor, bands=bands, aoi=aoi, align=align, cloud_mask=cloud_mask,
                      collection=collection, datetime=datetime)  # fmt: skip
    request = GlacierRequest(series, dates=tuple(date or ()), method=method, ratio_min=ratio_min,
                             min_area_m2=min_area_m2)  # fmt: skip
    products = _run(run_glacier, request, out, dask, workers, 8 + 3 * max(2, len(date or ())))
    s = products.statistics
    c = s["change"]
    percent = "no glacier at the first date" if c["change_percent"] is None else f"{c['change_percent']:+.1f} %"
    typer.echo(f"glacier {c['from']}: {c['area_before_km2']:.3f} km², {c['to']}: {c['area_after_km2']:.3f} km², "
               f"change {c['change_km2']:+.3f} km² ({percent}), unknown at either date {c['unknown_km2']:.3f} km² "
               f"(areas where both dates are seen); written to {out}")  # fmt: skip


def water(
    src: SrcArgument,
    out: OutOption,
    max_unknown_fraction: Annotated[
        float,
        typer.Option(
            "--max-unknown-fraction",
            min=0,
            max=1,
            help="Dates more unknown than this are left out of the trend (a partly clouded lake looks smaller).",
        ),
    ] = 0.1,
    aoi: AoiOption = None,
    sensor: SensorOption = None,
    bands: BandsOption = None,
    align: AlignOption = False,
    cloud_mask: CloudOption = True,
    collection: CollectionOption = None,
    datetime: DatetimeOption = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Water bodies over time (lakes, reservoirs): occurrence, water area per date, its trend, shorelines.

    Each date is a water map (single-band uint8: 0 dry, 1 water, other values unknown; OPERA DSWx WTR layers are
    converted) or an optical scene, classified with the flood command's water classifier (MNDWI or NDWI with a
    threshold chosen per date). Areas are in an equal-area CRS; the trend (OLS and Theil-Sen, km²/year, 95 %
    intervals) uses the dates with at most --max-unknown-fraction unknown.

    Writes into OUT: water_occurrence.tif (0-1), water_<last date>.tif (0 dry, 1 water, 255 unknown),
    shorelines.geojson, water_series.csv/.parquet (per date and AOI polygon), water_series.png, stats.json (trend
    of the whole AOI and per polygon) and a STAC catalog with the lineage.

    Example: spacebridge earth water balkhash-scenes/ --aoi lake.geojson --out water-out
    """
    from spacebridge.earth.workflows.water import WaterRequest, run_water

    series = _request(src, sensor=sensor, bands=bands, aoi=aoi, align=align, cloud_mask=cloud_mask,
                      collection=collection, datetime=datetime)  # fmt: skip
    products = _run(run_water, WaterRequest(series, max_unknown_fraction=max_unknown_fraction), out, dask, workers, 9)
    s = products.statistics
    trend = s["trend"]
    slope = (f"trend {trend['theil_sen_km2_per_year']:+.3f} km²/yr (Theil-Sen)" if "theil_sen_km2_per_year" in trend
             else "no trend (too few usable dates)")  # fmt: skip
    typer.echo(f"{s['n_dates']} dates, water {s['water_km2_last']:.3f} km² on the last; {slope}; written to {out}")


def composite(
    src: SrcArgument,
    out: OutOption,
    period: Annotated[
        str, typer.Option("--period", help="Compositing period (pandas alias): 1MS months, QS-DEC seasons, 10D...")
    ] = "1MS",
    method: Annotated[str, typer.Option("--method", help="median (per band) or max-ndvi (date of highest NDVI).")] = (
        "median"
    ),
    bands: Annotated[
        str | None,
        typer.Option(
            "--bands",
            help="Bands to composite: blue,green,red,nir (or roles red=B4,nir=B8 when the files do not say); "
            "default every measurement band.",
            rich_help_panel=_PANEL,
        ),
    ] = None,
    aoi: AoiOption = None,
    sensor: SensorOption = None,
    align: AlignOption = False,
    cloud_mask: CloudOption = True,
    collection: CollectionOption = None,
    datetime: DatetimeOption = None,
    dask: DaskOption = None,
    workers: WorkersOption = None,
) -> None:
    """Cloud-masked composites per period (monthly by default) from a series of scenes.

    Each pixel of each band gets the median of its clear observations in the period (or, with --method max-ndvi,
    the values of the date of highest NDVI). Clouds come from each scene's quality band or s2cloudless on L1C.
    Pixels never clear in a period are NaN. A series of one date gives that date, masked, with a warning.

    Writes into OUT, per period: composite_<start>_<band>.tif and count_<start>.tif (clear observations), one STAC
    item per period; composite_periods.csv/.parquet/.png and stats.json.

    Example: spacebridge earth composite scenes/ --bands blue,green,red,nir --out composite-out
    """
    from spacebridge.earth.workflows.composite import CompositeRequest, run_composite

    names = [b.strip() for b in bands.split(",") if b.strip()] if bands and "=" not in bands else None
    series = _request(src, sensor=sensor, bands=None if names else bands, aoi=aoi, align=align,
                      cloud_mask=cloud_mask, collection=collection, datetime=datetime)  # fmt: skip
    request = CompositeRequest(series, period=period, method=method, band_names=names)
    products = _run(run_composite, request, out, dask, workers, 6 + 5 * 12)
    s = products.statistics
    typer.echo(f"{len(s['periods'])} composite(s) of {s['n_dates']} dates ({', '.join(s['bands'])}); written to {out}")
