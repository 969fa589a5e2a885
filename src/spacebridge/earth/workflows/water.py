"""The water-bodies workflow: per-date water maps, occurrence, the area series with its trend, shorelines.

Dates are either water maps (single-band uint8 rasters: 0 dry, 1 water, other values unknown; OPERA DSWx ``WTR``
layers are recognised by their band description and converted with :func:`spacebridge.earth.water.dswx_to_water`)
or reflectance scenes, classified date by date by the flood issue's classifier
(:func:`spacebridge.earth.water.classify_water_series`: MNDWI with green and swir16, else NDWI with green and nir;
a threshold chosen per date; clouds unknown). Then :mod:`spacebridge.earth.water`: WOfS occurrence, the water-area
series in an equal-area CRS with the unknown fraction, OLS and Theil-Sen trends over the usable dates (at least 3),
shorelines at occurrence 0.5.

Products: ``water_occurrence.tif`` (float32 0-1, NaN never observed), ``water_<last date>.tif`` (uint8 0/1/255),
``shorelines.geojson``, ``water_series`` (CSV, Parquet; per AOI polygon, a ``zone`` column) and ``water_series.png``
(the whole AOI), ``stats.json`` (trend of the whole AOI and per polygon), STAC item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacebridge.earth.workflows.series import SeriesRequest

__all__ = ["COLLECTION_ID", "WaterRequest", "run_water"]

log = logging.getLogger(__name__)

COLLECTION_ID = "spacebridge-water"
_WATER_COLOURS = {0: (235, 230, 215, 255), 1: (30, 90, 200, 255), 255: (0, 0, 0, 0)}
_DSWX = "water classification (wtr)"


@dataclass(frozen=True)
class WaterRequest:
    series: SeriesRequest
    max_unknown_fraction: float = 0.1
    """Dates with more unknown area inside the AOI are kept in the series but left out of the trend."""


def _maps(series: Any, kind: str) -> tuple[Any, list[dict[str, Any]]]:
    from spacebridge.core.errors import InvalidInputError
    from spacebridge.earth.indices import compute_index
    from spacebridge.earth.water import UNKNOWN, classify_water_series, dswx_to_water

    if kind == "dswx":
        return dswx_to_water(series.data["dswx"].where(series.valid, 255)).compute(), []
    if kind == "water":
        codes = series.data["water"].where(series.valid, UNKNOWN).astype("uint8").compute()
        bad = ~np.isin(codes.values, [0, 1, UNKNOWN])
        if bad.any():
            raise InvalidInputError(
                f"the water maps hold values other than 0, 1 and 255: {sorted(np.unique(codes.values[bad]))[:5]}",
                hint="Give maps with 0 dry, 1 water, 255 unknown, or OPERA DSWx WTR layers",
            )
        return codes, []
    index = compute_index(kind, series.data, valid=series.valid).compute()
    return classify_water_series(index, valid=series.valid.compute(), index_name=kind.lower())


def run_water(request: WaterRequest, out_dir: str | Path, *, step: Callable[[str], None] | None = None) -> Any:
    """Run the water workflow and write its products into ``out_dir`` (module notes)."""
    import geopandas as gpd

    from spacebridge.core.errors import DataError
    from spacebridge.core.provenance import Lineage
    from spacebridge.earth.areas import pixel_areas_m2
    from spacebridge.earth.series_products import ItemSpec, Layer, write_series_products
    from spacebridge.earth.tables import write_series_chart
    from spacebridge.earth.water import shorelines, water_area_series, water_occurrence, water_trend
    from spacebridge.earth.workflows.series import (
        date_label,
        inside_mask,
        open_for,
        per_zone,
        require_dates,
        require_valid,
        zones_of,
    )

    say = step or (lambda label: log.info("%s", label))
    say("opening the time series")
    series, kind = open_for(request.series, rasters={"water": "water", _DSWX: "dswx", "": "water"},
                            indices=("MNDWI", "NDWI"), purpose=" (water mapping)")  # fmt: skip
    require_dates(series, 2, "a water-bodies analysis")
    require_valid(series.valid, "water mapping")
    say("mapping water on every date" if kind not in ("water", "dswx") else "reading the water maps")
    maps, thresholds = _maps(series, kind)
    gbox = series.geobox
    areas = pixel_areas_m2(gbox)
    zones = inside_mask(zones_of(request.series.aoi), gbox)
    aoi = np.logical_or.reduce([z for _, z in zones])
    say("water occurrence and area series")
    occurrence = water_occurrence(maps)

    def series_in(inside: np.ndarray) -> Any:
        limit = request.max_unknown_fraction
        return water_area_series(maps, pixel_area_m2=areas, aoi=inside, max_unknown_fraction=limit)

    def trend_of(t: Any) -> dict[str, Any]:
        try:
            return water_trend(t).to_dict()
        except DataError as exc:
            return {"note": str(exc)}

    table = series_in(aoi)
    trend = trend_of(table)
    zone_table, outside = per_zone(series_in, zones)
    zone_trends = {name: trend_of(t.drop(columns="zone")) for name, t in zone_table.groupby("zone", sort=False)}
    lines = shorelines(occurrence["occurrence"])
    vectors = {"shorelines.geojson": gpd.GeoDataFrame({"level": [0.5] * len(lines)}, geometry=lines,
                                                       crs=gbox.crs.to_wkt()).to_crs("EPSG:4326")}  # fmt: skip
    last = date_label(maps["time"].values[-1])
    stats = {"input": kind, "n_dates": len(table), "usable_dates": int(table["usable"].sum()),
             "water_km2_last": round(float(table["water_km2"].iloc[-1]), 6), "trend": trend,
             "max_unknown_fraction": request.max_unknown_fraction, "shorelines": len(lines),
             "trend_by_zone": zone_trends, "zones_without_pixels": outside}  # fmt: skip
    lineage = Lineage("earth.water", inputs=series.inputs, parameters={**request.series.parameters(),
                      "max_unknown_fraction": request.max_unknown_fraction},
                      chosen={"input": kind, "classifier": "earth.flood.map_flood" if thresholds else None,
                              "thresholds": thresholds, "masks": sorted({m["method"] for m in series.masks}),
                              "occurrence": occurrence.attrs["method"]})  # fmt: skip
    layers = [
        Layer("occurrence", "water_occurrence.tif", occurrence["occurrence"], float("nan"),
              "water occurrence: wet / clear observations (WOfS), NaN never observed", resampling="average"),
        Layer("water", f"water_{last}.tif", maps.isel(time=-1), 255, "water on the last date: 0 dry, 1 water, "
              "255 unknown", colormap=_WATER_COLOURS),
    ]  # fmt: skip

    def chart(path: Path) -> Path:
        return write_series_chart(
            table, path, columns={"water_km2": "water area (km², equal-area)"}, ylabel="km²", title="Water area",
            bars="unknown_fraction", bars_label="unknown fraction",
        )  # fmt: skip

    when = str(np.datetime_as_string(maps["time"].values[-1], unit="s")) + "Z"
    return write_series_products(
        out_dir, collection_id=COLLECTION_ID, collection_title="Water bodies over time",
        collection_description="Water occurrence, water-area series and trend, shorelines by spacebridge.",
        items=[ItemSpec(f"water-{last}", when, layers, {"title": f"Water bodies to {last}"})],
        tables={"water_series": zone_table}, charts={"water_series.png": chart}, statistics=stats, lineage=lineage,
        say=say, vectors=vectors,
    )  # fmt: skip
