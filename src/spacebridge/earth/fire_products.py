"""Products of a burn analysis: COGs, polygons, statistics and the STAC item with lineage (the burn's file edge).

Takes the result of :func:`spacebridge.earth.fire.burn_severity` (NBR: severity classes, dNBR, RdNBR, RBR) or of
:func:`spacebridge.earth.burn_indices.burned_extent_adaptive` (NBR2, BAIS2: burned extent and the burn signal),
and writes them with the generic writers of :mod:`spacebridge.earth.products`. Every file is written atomically;
wrap the call in :func:`spacebridge.core.atomic.staged_output_dir` so that a failure leaves nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacebridge.core.provenance import Lineage
from spacebridge.earth.severity import UNKNOWN

__all__ = ["COLLECTION_ID", "EXTENT_COLOURS", "SEVERITY_COLOURS", "BurnProducts", "write_burn_products"]

COLLECTION_ID = "spacebridge-burn"

SEVERITY_COLOURS = {
    0: (235, 235, 225, 255), 1: (255, 230, 100, 255), 2: (250, 160, 40, 255), 3: (225, 70, 30, 255),
    4: (130, 20, 60, 255), 5: (160, 210, 120, 255), 6: (60, 150, 60, 255), UNKNOWN: (0, 0, 0, 0),
}  # fmt: skip
EXTENT_COLOURS = {0: (235, 235, 225, 255), 1: (200, 40, 30, 255), UNKNOWN: (0, 0, 0, 0)}
_EXTENT_NAMES = {0: "unburned", 1: "burned", UNKNOWN: "unknown"}


@dataclass(frozen=True)
class BurnProducts:
    files: Mapping[str, Path]
    item: Path
    statistics: dict[str, Any]


def _statistics(result: Any, zones: Any, pixel_area_m2: float) -> dict[str, Any]:
    from spacebridge.earth.products import area_by_value

    extent = area_by_value(result.extent, values=_EXTENT_NAMES, zones=zones)
    severity = hasattr(result, "severity")
    by_class = None
    if severity:
        names = {c.code: c.name for c in result.table.classes} | {UNKNOWN: "unknown"}
        by_class = area_by_value(result.severity, values=names, zones=zones)

    def summary(e: Mapping[str, float], a: Mapping[str, float] | None) -> dict[str, Any]:
        out: dict[str, Any] = {"burned_km2": round(e["burned"], 6), "unburned_km2": round(e["unburned"], 6),
               "unknown_km2": round(e["unknown"], 6)}  # fmt: skip
        if a is not None:
            out["area_km2_by_class"] = {k: round(v, 6) for k, v in a.items()}
        return out

    out: dict[str, Any] = {
        **summary(extent["area_km2"], by_class["area_km2"] if by_class else None),
        "index": result.chosen.get("index", "NBR"),
        "note": "burned_km2 is the burned extent after the minimum mapping unit"
        + ("; area_km2_by_class is per pixel" if severity else ""),
        "equal_area_crs": extent["equal_area_crs"],
        "chosen": dict(result.chosen),
        "mean_pixel_area_m2": round(pixel_area_m2, 3),
    }
    if severity:
        table = result.table
        out["severity_table"] = {"name": table.name, "index": table.index, "reference": table.reference,
                                 "classes": [c.__dict__ for c in table.classes]}  # fmt: skip
    if "zones" in extent:
        zone_classes = by_class["zones"] if by_class else [None] * len(extent["zones"])
        out["zones"] = [
            {"id": z["id"], **summary(z["area_km2"], zc["area_km2"] if zc else None)}
            for z, zc in zip(extent["zones"], zone_classes, strict=True)
        ]
    return out


def _rasters(result: Any) -> list[tuple[str, str, Any, Any, str]]:
    """``(key, file name, array, nodata, description)`` of every raster of the result."""
    out: list[tuple[str, str, Any, Any, str]] = []
    if hasattr(result, "severity"):
        out.append(("severity", "burn_severity.tif", result.severity, UNKNOWN,
                    f"severity classes ({result.table.name})"))  # fmt: skip
    out.append(("extent", "burned_extent.tif", result.extent, UNKNOWN, "0 unburned, 1 burned, 255 unknown"))
    if hasattr(result, "severity"):
        out += [
            ("dnbr", "dnbr.tif", result.dnbr, "nan", "dNBR minus phenology offset (unitless; x1000 for Key & Benson)"),
            ("rdnbr", "rdnbr.tif", result.rdnbr, "nan", "RdNBR, Miller & Thode 2007 (unitless; x1000 for the paper)"),
            ("rbr", "rbr.tif", result.rbr, "nan", "RBR, Parks et al. 2014 (unitless; x1000 for the paper)"),
        ]
    else:
        name = result.index.difference
        out.append((name.lower(), f"{name.lower()}.tif", result.difference, "nan",
                    f"{name}, positive where burned (unitless)"))  # fmt: skip
    return out


def _write_files(result: Any, out: Path, say: Callable[[str], None]) -> dict[str, tuple[Path, Any, str]]:
    from spacebridge.earth.products import polygonize, write_cog, write_vectors

    paths: dict[str, tuple[Path, Any, str]] = {}
    for key, name, da, nodata, text in _rasters(result):
        say(f"writing {name}")
        if nodata == UNKNOWN:
            colours = SEVERITY_COLOURS if key == "severity" else EXTENT_COLOURS
            path = write_cog(out / name, da, nodata=UNKNOWN, colormap=colours, description=text)
        else:
            path = write_cog(out / name, da, nodata=float("nan"), resampling="average", description=text)
        paths[key] = (path, nodata, text)
    say("tracing polygons")
    if hasattr(result, "severity"):
        polygons = polygonize(result.severity, values={c.code: c.name for c in result.table.classes if c.burned})
    else:
        polygons = polygonize(result.extent, values={1: "burned"})
    geojson, parquet = write_vectors(polygons, geojson=out / "burned.geojson", parquet=out / "burned.parquet")
    paths["polygons"] = (geojson, None, "Burned polygons")
    paths["polygons-parquet"] = (parquet, None, "Burned polygons")
    return paths


def _item_id(scene: Any) -> str:
    return "burn-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", str(scene.id)).strip("-")


def write_burn_products(
    result: Any,
    out_dir: str | Path,
    *,
    lineage: Lineage,
    post: Any,
    aoi: str | None,
    pixel_area_m2: float,
    say: Callable[[str], None],
) -> BurnProducts:
    """Write the rasters, polygons, ``stats.json`` and the STAC item of a burn result into ``out_dir``."""
    from spacebridge.core.atomic import atomic_write_text
    from spacebridge.earth.areas import geobox_of
    from spacebridge.earth.products import COG_MEDIA_TYPE, add_item_to_catalog, asset_for_file, build_item
    from spacebridge.earth.products.stats import read_zones

    out = Path(out_dir)
    written = _write_files(result, out, say)
    say("computing statistics")
    stats = _statistics(result, read_zones(aoi), pixel_area_m2)
    stats_path = atomic_write_text(out / "stats.json", json.dumps(stats, indent=2, default=str))
    say("writing the STAC item")
    item_dir = out / COLLECTION_ID
    assets: dict[str, Any] = {}
    for key, (path, nodata, text) in written.items():
        if key.startswith("polygons"):
            media = "application/geo+json" if key == "polygons" else "application/vnd.apache.parquet"
            assets[key] = asset_for_file(path, item_dir=item_dir, title=text, media_type=media)
        else:
            assets[key] = asset_for_file(path, item_dir=item_dir, title=text, media_type=COG_MEDIA_TYPE, nodata=nodata,
                                         data_type="uint8" if nodata == UNKNOWN else "float32")  # fmt: skip
    assets["stats"] = asset_for_file(stats_path, item_dir=item_dir, title="Statistics", media_type="application/json",
                                     roles=("metadata",))  # fmt: skip
    item = build_item(
        _item_id(post), gbox=geobox_of(result.extent), datetime_utc=post.datetime_utc or lineage.created_utc,
        assets=assets, lineage=lineage,
        properties={"title": f"Burned area ({stats['index']}) {post.id}",
                    "spacebridge:burned_km2": stats["burned_km2"]},
    )  # fmt: skip
    item_path = add_item_to_catalog(
        out, item, collection_id=COLLECTION_ID, collection_title="Burned area and severity",
        collection_description="Burned extent (NBR, NBR2 or BAIS2), Key & Benson severity classes and dNBR/RdNBR/RBR "
        "(NBR) by spacebridge.",
    )  # fmt: skip
    files = {key: path for key, (path, _, _) in written.items()}
    files["geojson"], files["parquet"], files["stats"] = files["polygons"], files["polygons-parquet"], stats_path
    return BurnProducts(files, item_path, stats)
