"""The glacier workflow: clean-ice outlines at two or more dates and the glacier area change between them.

Dates are optical scenes with red and swir16 (and nir, for the water test), given as for every time-series command
(files, a folder, STAC JSON or a STAC API search); ``dates`` picks some of them (default: every date). Each date is
mapped by :func:`spacebridge.earth.snow.glacier_mask`: the red/SWIR band ratio >= 2.0 (Paul et al. 2002) or NDSI
>= 0.4 (Racoviteanu et al. 2008), NIR > 0.11 (water is not ice), a minimum glacier area of 0.01 km² (GLIMS / RGI).
Clouds (the scene's own cloud mask, snow and ice kept valid) and no-data are unknown.

The change is measured between the first and the last date mapped over the pixels known at both dates only, so a
cloud over a glacier at one date cannot look like glacier loss; the area unknown at either date is reported beside
it. Areas are sums of pixel areas in a Lambert azimuthal equal-area CRS
(:func:`spacebridge.earth.areas.pixel_areas_m2`). A date outside the end of the ablation season (July-October in
the northern hemisphere, January-April in the southern) gives a warning: seasonal snow has the signature of ice
(Paul et al. 2013, Ann. Glaciol. 54(63):171-182).

Products: ``glacier_<date>.tif`` per date (uint8 0 no ice, 1 ice, 255 unknown),
``glacier_outlines_<date>.geojson`` and ``glacier_outlines_<date>.parquet`` (outline polygons of that date, a ``date``
column, equal-area ``area_m2``), the table ``glacier_series`` (per date and AOI polygon: glacier, known and unknown
km²), its chart, ``stats.json`` (areas per date and the change) and one STAC item with the lineage.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacebridge.earth.workflows.series import SeriesRequest

__all__ = ["COLLECTION_ID", "GlacierRequest", "run_glacier"]

log = logging.getLogger(__name__)

COLLECTION_ID = "spacebridge-glacier"
_COLOURS = {0: (150, 140, 120, 255), 1: (120, 200, 255, 255), 255: (0, 0, 0, 0)}
_METHODS = ("ratio", "ndsi")
_ABLATION_END_MONTHS = {"north": (7, 8, 9, 10), "south": (1, 2, 3, 4)}


@dataclass(frozen=True)
class GlacierRequest:
    series: SeriesRequest
    dates: Sequence[str] = ()
    """Dates to map (``YYYY-MM-DD``), at least two; empty: every date of the series."""
    method: str = "ratio"
    ratio_min: float = 2.0
    ndsi_min: float = 0.4
    min_area_m2: float = 10_000.0


def _open(request: GlacierRequest) -> tuple[Any, str]:
    from spacebridge.core.errors import CapabilityError
    from spacebridge.earth.sensors import check_analysis
    from spacebridge.earth.workflows.series import open_for

    if request.series.sensor:
        check_analysis(request.series.sensor, "glacier")
    series, kind = open_for(request.series, rasters={}, indices=("NDSI",), purpose=" (glacier outlines)",
                            keep_snow=True, extra_bands=("red", "nir", "nir08"))  # fmt: skip
    if series.sensor:
        check_analysis(series.sensor, "glacier")
    if request.method == "ratio" and "red" not in series.data:
        raise CapabilityError(
            "the red/SWIR ratio needs the red band, which the scenes lack",
            hint="Use --method ndsi, or scenes with a red band",
            missing=["red"],
        )
    return series, kind


def _pick(times: Any, dates: Sequence[str]) -> list[int]:
    from spacebridge.earth.workflows.series import date_index

    return sorted({date_index(times, d) for d in dates}) if dates else list(range(len(times)))


def _require_distinct(times: Any) -> None:
    import pandas as pd

    from spacebridge.core.errors import InvalidInputError

    days = pd.DatetimeIndex(times).normalize()
    twice = sorted({d.strftime("%Y-%m-%d") for d in days[days.duplicated()]})
    if twice:
        raise InvalidInputError(
            f"several scenes have the date {', '.join(twice)}: each date must be mapped from one scene",
            hint="Give one scene per date (mosaic tiles of one day first), or pick dates with --date",
            dates=twice,
        )


def _season_warnings(times: Any, gbox: Any) -> list[str]:
    import pandas as pd

    from spacebridge.core.errors import DegradedResultWarning
    from spacebridge.earth.products import footprint_wgs84

    hemisphere = "north" if footprint_wgs84(gbox).centroid.y >= 0 else "south"
    months = _ABLATION_END_MONTHS[hemisphere]
    notes = []
    for t in pd.DatetimeIndex(times):
        if t.month not in months:
            text = (f"{t.strftime('%Y-%m-%d')} is outside the end of the ablation season ({hemisphere}ern hemisphere: "
                    f"months {', '.join(map(str, months))}): seasonal snow will be mapped as glacier")  # fmt: skip
            warnings.warn(text, DegradedResultWarning, stacklevel=3)
            notes.append(text)
    return notes


def _masks(series: Any, picked: list[int], request: GlacierRequest, min_area_px: int) -> Any:
    import xarray as xr

    from spacebridge.earth.indices import compute_index
    from spacebridge.earth.snow import glacier_mask

    planes = []
    for i in picked:
        scene = series.data.isel(time=i)
        nir = scene["nir"] if "nir" in scene else scene.get("nir08")
        ndsi = compute_index("NDSI", scene) if request.method == "ndsi" else None
        planes.append(glacier_mask(
            red=scene["red"].compute() if "red" in scene else None, swir16=scene["swir16"].compute(),
            ndsi=None if ndsi is None else ndsi.compute(), nir=None if nir is None else nir.compute(),
            valid=series.valid.isel(time=i).compute(), method=request.method, ratio_min=request.ratio_min,
            ndsi_min=request.ndsi_min, min_area_px=min_area_px,
        ))  # fmt: skip
    return xr.concat(planes, dim=series.data["time"].isel(time=picked)).astype("uint8")


def _table(maps: Any, zones: list[tuple[str, np.ndarray]], area_m2: np.ndarray) -> Any:
    import pandas as pd

    from spacebridge.earth.snow import UNKNOWN

    rows = []
    for t, plane in zip(maps["time"].values, maps.values, strict=True):
        for name, inside in zones:
            total = area_m2[inside].sum()
            known = area_m2[inside & (plane != UNKNOWN)].sum()
            rows.append({"time": pd.Timestamp(t), "zone": name,
                         "glacier_km2": float(area_m2[inside & (plane == 1)].sum() / 1e6),
                         "known_km2": float(known / 1e6), "unknown_km2": float((total - known) / 1e6),
                         "unknown_fraction": float(1 - known / total) if total > 0 else np.nan})  # fmt: skip
    return pd.DataFrame(rows).set_index("time")


def _require_overlap(maps: Any, labels: list[str]) -> None:
    """Raise :class:`NoValidDataError` when no pixel is known at both the first and the last date."""
    from spacebridge.core.errors import NoValidDataError
    from spacebridge.earth.snow import UNKNOWN

    first, last = maps.values[0], maps.values[-1]
    if not ((first != UNKNOWN) & (last != UNKNOWN)).any():
        raise NoValidDataError(
            f"no pixel is seen at both dates {labels[0]} and {labels[-1]}: the scenes do not overlap, or clouds "
            "and no-data cover one of them where the other is clear",
            hint="Give scenes of the same place with clear views of it",
            dates=[labels[0], labels[-1]],
        )


def run_glacier(request: GlacierRequest, out_dir: str | Path, *, step: Callable[[str], None] | None = None) -> Any:
    """Run the glacier workflow and write its products into ``out_dir`` (module notes)."""
    from spacebridge.core.errors import InvalidInputError
    from spacebridge.core.provenance import Lineage
    from spacebridge.earth.areas import pixel_areas_m2
    from spacebridge.earth.products import polygonize
    from spacebridge.earth.products.stats import equal_area_crs_for
    from spacebridge.earth.series_products import ItemSpec, Layer, write_series_products
    from spacebridge.earth.snow import UNKNOWN, glacier_area_change
    from spacebridge.earth.tables import write_series_chart
    from spacebridge.earth.workflows.series import date_label, inside_mask, require_dates, require_valid, zones_of

    if request.method not in _METHODS:
        raise InvalidInputError(f"--method {request.method!r} is not one of {', '.join(_METHODS)}", name="method")
    if len(request.dates) == 1:
        raise InvalidInputError(f"--date {request.dates[0]} alone: a glacier change needs two dates",
                                hint="Give --date twice (e.g. two end-of-summer scenes years apart)",
                                name="date")  # fmt: skip
    say = step or (lambda label: log.info("%s", label))
    say("opening the scenes")
    series, _ = _open(request)
    require_dates(series, 2, "a glacier area change")
    picked = _pick(series.times, request.dates)
    _require_distinct(series.times[picked])
    require_valid(series.valid.isel(time=picked), "glacier mapping")
    gbox = series.geobox
    areas = pixel_areas_m2(gbox)
    min_area_px = max(1, math.ceil(request.min_area_m2 / float(areas.mean())))
    notes = _season_warnings(series.times[picked], gbox)
    say(f"mapping clean ice ({request.method})")
    maps = _masks(series, picked, request, min_area_px)
    labels = [date_label(t) for t in maps["time"].values]
    say("measuring the areas")
    zones = inside_mask(zones_of(request.series.aoi), gbox)
    table = _table(maps, zones, areas)
    inside_m2 = np.where(np.logical_or.reduce([inside for _, inside in zones]), areas, 0.0)  # outside the AOI: 0
    _require_overlap(maps, labels)
    change = glacier_area_change(maps.isel(time=0), maps.isel(time=-1), pixel_area_m2=inside_m2)
    vectors: dict[str, Any] = {}
    per_date = {}
    for k, label in enumerate(labels):
        say(f"tracing the outlines of {label}")
        outlines = polygonize(maps.isel(time=k), values={1: "glacier"}).assign(date=label)
        vectors[f"glacier_outlines_{label}.geojson"] = vectors[f"glacier_outlines_{label}.parquet"] = outlines
        plane = maps.values[k]
        per_date[label] = {"glacier_km2": round(float(inside_m2[plane == 1].sum() / 1e6), 6),
                           "unknown_km2": round(float(inside_m2[plane == UNKNOWN].sum() / 1e6), 6),
                           "outlines": len(outlines)}  # fmt: skip
    change_km2 = round(float(change["change_km2"]), 6)
    stats: dict[str, Any] = {
        "method": request.method, "dates": labels, "areas": per_date, "equal_area_crs": equal_area_crs_for(gbox),
        "change": {"from": labels[0], "to": labels[-1],
                   **{k: round(float(v), 6) if np.isfinite(v) else None for k, v in change.items()},
                   "note": "areas over the pixels known at both dates; unknown_km2 is unknown at either date"},
        "min_area_m2": request.min_area_m2, "min_area_px": min_area_px, "warnings": notes,
    }  # fmt: skip
    chosen = {"method": request.method, "dates": labels, "min_area_px": min_area_px,
              "water_test": "nir > 0.11" if ("nir" in series.data or "nir08" in series.data) else "none (no nir band)",
              "masks": sorted({m["method"] for m in series.masks}), "aligned": list(series.aligned),
              "snow_kept_valid": True}  # fmt: skip
    lineage = Lineage("earth.glacier", inputs=series.inputs, parameters={**request.series.parameters(),
                      "dates": list(request.dates), "method": request.method, "ratio_min": request.ratio_min,
                      "ndsi_min": request.ndsi_min, "min_area_m2": request.min_area_m2}, chosen=chosen,
                      warnings=tuple(notes))  # fmt: skip
    layers = [Layer(f"glacier-{label}", f"glacier_{label}.tif", maps.isel(time=k), UNKNOWN,
                    f"clean ice {label}: 0 no ice, 1 ice, 255 unknown", colormap=_COLOURS)
              for k, label in enumerate(labels)]  # fmt: skip

    def chart(path: Path) -> Path:
        whole = table.groupby(level=0)[["glacier_km2", "unknown_km2"]].sum()
        return write_series_chart(whole, path, columns={"glacier_km2": "clean ice (km²)"}, ylabel="km²",
                                  title=f"Glacier area ({request.method})", bars="unknown_km2",
                                  bars_label="unknown (km²)")  # fmt: skip

    when = str(np.datetime_as_string(maps["time"].values[-1], unit="s")) + "Z"
    start = str(np.datetime_as_string(maps["time"].values[0], unit="s")) + "Z"
    item = ItemSpec(f"glacier-{labels[0]}-{labels[-1]}", when, layers,
                    {"title": f"Glacier outlines {labels[0]} to {labels[-1]}", "start_datetime": start,
                     "end_datetime": when, "spacebridge:glacier_change_km2": change_km2})  # fmt: skip
    return write_series_products(
        out_dir, collection_id=COLLECTION_ID, collection_title="Glacier outlines",
        collection_description="Clean-ice outlines per date and glacier area change by spacebridge.", items=[item],
        tables={"glacier_series": table}, charts={"glacier_series.png": chart}, statistics=stats, lineage=lineage,
        say=say, vectors=vectors,
    )  # fmt: skip
