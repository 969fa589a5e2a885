"""Write the products of a flood analysis into a folder: COGs, polygons, statistics and a STAC item.

Files (all written atomically; use :func:`spacebridge.core.atomic.staged_output_dir` around the call to publish
them all or none):

- ``flood_extent.tif``: uint8, 0 dry, 1 water or flood water, 255 unknown (no valid observation);
- ``flood_likelihood.tif``: uint8, ensemble water likelihood 0-100, 255 unknown;
- ``flood_class.tif``: uint8, 0 dry, 1 flood water, 2 permanent or reference water, 3 water whose status cannot be
  told (no pre-event scene and no reference mask), 255 unknown;
- ``flood.geojson`` and ``flood.parquet``: polygons of classes 1-3 with their equal-area areas (m²);
- ``stats.json``: areas in km² per class (and per AOI polygon), the thresholds chosen, fallbacks and votes;
- ``catalog.json``, ``flood/collection.json``, ``flood/<item>.json``: the STAC item with the lineage.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacebridge.core.atomic import atomic_write_text
from spacebridge.core.memory import trim_memory
from spacebridge.core.provenance import Lineage
from spacebridge.earth.flood.change import CLASS_FLOOD, CLASS_NAMES, CLASS_PERMANENT, CLASS_WATER
from spacebridge.earth.flood.ensemble import UNKNOWN
from spacebridge.earth.flood.result import FloodResult

__all__ = ["COLLECTION_ID", "FloodProducts", "write_flood_products"]

log = logging.getLogger(__name__)

COLLECTION_ID = "spacebridge-flood"
_EXTENT_COLOURS = {0: (235, 235, 225, 255), 1: (20, 90, 230, 255), UNKNOWN: (0, 0, 0, 0)}
_CLASS_COLOURS = {
    0: (235, 235, 225, 255),
    CLASS_FLOOD: (230, 60, 40, 255),
    CLASS_PERMANENT: (20, 60, 160, 255),
    CLASS_WATER: (20, 140, 230, 255),
    UNKNOWN: (0, 0, 0, 0),
}
_EXTENT_TEXT = "flood extent: 0 dry, 1 water or flood water, 255 unknown"
_LIKELIHOOD_TEXT = "ensemble water likelihood in percent (0-100), 255 unknown"
_CLASS_TEXT = "0 dry, 1 flood water, 2 permanent or reference water, 3 water (status undetermined), 255 unknown"
_STAT_NAMES = {
    0: "dry",
    CLASS_FLOOD: "flood_water",
    CLASS_PERMANENT: "permanent_water",
    CLASS_WATER: "water_undetermined",
    UNKNOWN: "unknown",
}


@dataclass(frozen=True)
class FloodProducts:
    """Paths of the files written and the statistics."""

    extent: Path
    likelihood: Path
    classes: Path
    geojson: Path
    parquet: Path
    stats: Path
    item: Path
    statistics: dict[str, Any]


def _statistics(result: FloodResult, zones: Any, flood_determined: bool) -> dict[str, Any]:
    from spacebridge.earth.products import area_by_value

    areas = area_by_value(result.classes, values=_STAT_NAMES, zones=zones)

    def summary(a: dict[str, float]) -> dict[str, Any]:
        water = a["flood_water"] + a["permanent_water"] + a["water_undetermined"]
        return {
            "water_km2": round(water, 6),
            "flooded_km2": round(a["flood_water"], 6) if flood_determined else None,
            "permanent_water_km2": round(a["permanent_water"], 6),
            "water_undetermined_km2": round(a["water_undetermined"], 6),
            "dry_km2": round(a["dry"], 6),
            "unknown_km2": round(a["unknown"], 6),
        }

    out: dict[str, Any] = {
        **summary(areas["area_km2"]),
        "note": None
        if flood_determined
        else "no pre-event scene and no reference water mask: flood and permanent water cannot be told apart; "
        "all water is reported as water_km2 (class 3 in flood_class.tif)",
        "equal_area_crs": areas["equal_area_crs"],
        "classes": {str(k): v for k, v in CLASS_NAMES.items()},
        **result.lineage_values(),
        "warnings": list(result.warnings),
    }
    if "zones" in areas:
        out["zones"] = [{"id": z["id"], **summary(z["area_km2"])} for z in areas["zones"]]
    return out


def write_flood_products(
    result: FloodResult,
    out_dir: str | Path,
    *,
    lineage: Lineage,
    item_id: str,
    datetime_utc: str,
    zones: Any = None,
    flood_determined: bool | None = None,
    step: Callable[[str], None] | None = None,
) -> FloodProducts:
    """Write every product of ``result`` into ``out_dir`` and return their paths and the statistics.

    Parameters
    ----------
    result
        The output of :func:`spacebridge.earth.flood.map_flood`.
    out_dir
        Destination folder (created if needed).
    lineage
        Inputs and parameters; the method's choices are added to it.
    item_id, datetime_utc
        Id and nominal time (post-event acquisition) of the STAC item.
    zones
        Optional GeoDataFrame of AOI polygons for per-polygon statistics.
    flood_determined
        Whether flood water can be told from permanent water (a pre-event scene or a reference mask was given);
        default: a change method voted.
    step
        Called with a short label before each step (progress reporting).
    """
    from spacebridge.earth.areas import geobox_of
    from spacebridge.earth.products import (
        COG_MEDIA_TYPE,
        add_item_to_catalog,
        asset_for_file,
        build_item,
        start_polygonize,
        write_cog,
    )

    out = Path(out_dir)
    say = step or (lambda label: log.info("%s", label))
    determined = bool(result.change_methods) if flood_determined is None else flood_determined
    if result.vote_shares is None:
        say("mapping water (reading the scenes)")
        result = result.compute()
    rasters = {
        "extent": ("flood_extent.tif", result.extent, _EXTENT_COLOURS, "nearest", _EXTENT_TEXT),
        "likelihood": ("flood_likelihood.tif", result.likelihood, None, "average", _LIKELIHOOD_TEXT),
        "classes": ("flood_class.tif", result.classes, _CLASS_COLOURS, "nearest", _CLASS_TEXT),
    }
    smooth = {"likelihood"}  # continuous values: stored as horizontal differences (smaller, faster)
    names = {CLASS_FLOOD: "flood water", CLASS_PERMANENT: "permanent water", CLASS_WATER: "water"}
    # large rasters are traced in worker processes while this one writes the COGs and the statistics
    tracing = start_polygonize(result.classes, values=names, geojson=True)
    try:
        paths: dict[str, Path] = {}
        for key, (name, da, colours, resampling, text) in rasters.items():
            say(f"writing {name}")
            paths[key] = write_cog(
                out / name, da, nodata=UNKNOWN, colormap=colours, resampling=resampling, description=text,
                predictor=key in smooth,
            )  # fmt: skip
        trim_memory()  # the COG writers' buffers, before the statistics (the tracing workers are at their peak)
        say("computing statistics")
        stats = _statistics(result, zones, determined)
        stats_path = atomic_write_text(out / "stats.json", json.dumps(stats, indent=2))
        say("tracing polygons")
        geojson, parquet = tracing.write(geojson=out / "flood.geojson", parquet=out / "flood.parquet")
    finally:
        tracing.close()
    del tracing
    trim_memory()
    say("writing the STAC item")
    full = lineage.with_values(**result.lineage_values()).with_warnings(*result.warnings)
    item_dir = out / COLLECTION_ID
    assets = {
        key: asset_for_file(
            paths[key], item_dir=item_dir, title=title, media_type=COG_MEDIA_TYPE, description=rasters[key][4],
            nodata=UNKNOWN, data_type="uint8",
        )
        for key, title in (("extent", "Flood extent"), ("likelihood", "Water likelihood"), ("classes", "Flood classes"))
    }  # fmt: skip
    assets["polygons"] = asset_for_file(
        geojson, item_dir=item_dir, title="Water polygons", media_type="application/geo+json"
    )
    assets["polygons-parquet"] = asset_for_file(
        parquet, item_dir=item_dir, title="Water polygons (GeoParquet)", media_type="application/vnd.apache.parquet"
    )
    assets["stats"] = asset_for_file(
        stats_path, item_dir=item_dir, title="Statistics", media_type="application/json", roles=("metadata",)
    )
    item = build_item(
        item_id,
        gbox=geobox_of(result.extent),
        datetime_utc=datetime_utc,
        assets=assets,
        lineage=full,
        properties={"title": f"Flood map {item_id}", "spacebridge:water_km2": stats["water_km2"]},
    )
    item_path = add_item_to_catalog(
        out,
        item,
        collection_id=COLLECTION_ID,
        collection_title="Flood and water maps",
        collection_description="Water and flood extent, likelihood and classes made by spacebridge.earth.flood.",
    )
    return FloodProducts(
        paths["extent"], paths["likelihood"], paths["classes"], geojson, parquet, stats_path, item_path, stats
    )
