"""The burn workflow: open the pre- and post-fire scenes, align them, map severity, write the products.

Composes the loader (:mod:`spacebridge.earth.load`), the index engine, the pure analysis
(:func:`spacebridge.earth.fire.burn_severity`) and the product writers (:mod:`spacebridge.earth.products`); the
command line (``spacebridge earth burn``) and the demo call it.

Grids: the post-fire scene defines the grid; a pre-fire scene on another grid is reprojected onto it explicitly
(bilinear for reflectance, nearest for masks, recorded in the lineage); scenes that do not overlap are an error.

Files written into the output folder (use :func:`spacebridge.core.atomic.staged_output_dir` around the call):
``burn_severity.tif`` (uint8 class codes, 255 unknown), ``burned_extent.tif`` (uint8 0 unburned, 1 burned, 255
unknown), ``dnbr.tif``, ``rdnbr.tif``, ``rbr.tif`` (float32, NaN unknown), ``burned.geojson`` and
``burned.parquet`` (polygons per severity class with equal-area areas), ``stats.json`` and the STAC catalog.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacebridge.core.errors import InvalidAOIError
from spacebridge.core.provenance import Lineage
from spacebridge.earth.severity import KEY_BENSON_2006, UNKNOWN, SeverityTable

__all__ = ["COLLECTION_ID", "BurnProducts", "BurnRequest", "run_burn"]

log = logging.getLogger(__name__)

COLLECTION_ID = "spacebridge-burn"

_SEVERITY_COLOURS = {
    0: (235, 235, 225, 255), 1: (255, 230, 100, 255), 2: (250, 160, 40, 255), 3: (225, 70, 30, 255),
    4: (130, 20, 60, 255), 5: (160, 210, 120, 255), 6: (60, 150, 60, 255), UNKNOWN: (0, 0, 0, 0),
}  # fmt: skip
_EXTENT_COLOURS = {0: (235, 235, 225, 255), 1: (200, 40, 30, 255), UNKNOWN: (0, 0, 0, 0)}


@dataclass(frozen=True)
class BurnRequest:
    """Sources (file path, STAC Item JSON file or URL) and options of a burn analysis."""

    pre: str
    post: str
    aoi: str | None = None
    sensor: str | None = None
    bands: Mapping[str, str | int] | None = None
    offset: float | None = None
    """dNBR phenology offset; ``None`` estimates it from the unburned surroundings."""
    min_area_m2: float = 10_000.0
    table: SeverityTable = field(default=KEY_BENSON_2006)


@dataclass(frozen=True)
class BurnProducts:
    files: Mapping[str, Path]
    item: Path
    statistics: dict[str, Any]


def _zones(aoi: str | None) -> Any:
    if aoi is None:
        return None
    import geopandas as gpd

    try:
        gdf = gpd.read_file(aoi)
    except Exception as exc:  # pyogrio raises its own error types
        raise InvalidAOIError(f"cannot read the AOI file {aoi}: {exc}", hint="Give a GeoJSON polygon file") from exc
    return gdf[gdf.geometry.notna()] if len(gdf) else None


def _open(src: str, request: BurnRequest) -> Any:
    from spacebridge.earth.load import open_scene
    from spacebridge.earth.sensors import check_analysis

    scene = open_scene(src, sensor=request.sensor, bands=request.bands, aoi=request.aoi)
    check_analysis(scene.sensor, "burn")
    scene.require_valid()
    return scene


def _statistics(result: Any, zones: Any, table: SeverityTable, pixel_area_m2: float) -> dict[str, Any]:
    from spacebridge.earth.products import area_by_value

    names = {c.code: c.name for c in table.classes} | {UNKNOWN: "unknown"}
    areas = area_by_value(result.severity, values=names, zones=zones)
    extent = area_by_value(result.extent, values={0: "unburned", 1: "burned", UNKNOWN: "unknown"}, zones=zones)

    def summary(a: Mapping[str, float], e: Mapping[str, float]) -> dict[str, Any]:
        return {"burned_km2": round(e["burned"], 6), "unknown_km2": round(e["unknown"], 6),
                "area_km2_by_class": {k: round(v, 6) for k, v in a.items()}}  # fmt: skip

    out: dict[str, Any] = {
        **summary(areas["area_km2"], extent["area_km2"]),
        "note": "burned_km2 is the burned extent after the minimum mapping unit; area_km2_by_class is per pixel",
        "equal_area_crs": areas["equal_area_crs"],
        "severity_table": {
            "name": table.name,
            "index": table.index,
            "reference": table.reference,
            "classes": [c.__dict__ for c in table.classes],
        },
        "chosen": dict(result.chosen),
        "mean_pixel_area_m2": round(pixel_area_m2, 3),
    }
    if "zones" in areas:
        out["zones"] = [
            {"id": z["id"], **summary(z["area_km2"], ze["area_km2"])}
            for z, ze in zip(areas["zones"], extent["zones"], strict=True)
        ]
    return out


def _write(result: Any, out: Path, say: Callable[[str], None]) -> dict[str, Path]:
    from spacebridge.earth.products import polygonize, write_cog, write_vectors

    paths = {}
    for key, name, da, colours, text in (
        (
            "severity",
            "burn_severity.tif",
            result.severity,
            _SEVERITY_COLOURS,
            f"severity classes ({result.table.name})",
        ),
        ("extent", "burned_extent.tif", result.extent, _EXTENT_COLOURS, "0 unburned, 1 burned, 255 unknown"),
    ):
        say(f"writing {name}")
        paths[key] = write_cog(out / name, da, nodata=UNKNOWN, colormap=colours, description=text)
    for key, da, text in (
        ("dnbr", result.dnbr, "dNBR minus phenology offset (unitless; x1000 for Key & Benson)"),
        ("rdnbr", result.rdnbr, "RdNBR, Miller & Thode 2007 (unitless; x1000 for the paper)"),
        ("rbr", result.rbr, "RBR, Parks et al. 2014 (unitless; x1000 for the paper)"),
    ):
        say(f"writing {key}.tif")
        paths[key] = write_cog(out / f"{key}.tif", da, nodata=float("nan"), resampling="average", description=text)
    say("tracing polygons")
    burned = {c.code: c.name for c in result.table.classes if c.burned}
    polygons = polygonize(result.severity, values=burned)
    paths["geojson"], paths["parquet"] = write_vectors(
        polygons, geojson=out / "burned.geojson", parquet=out / "burned.parquet"
    )
    return paths


def _item_id(scene: Any) -> str:
    return "burn-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", str(scene.id)).strip("-")


def run_burn(request: BurnRequest, out_dir: str | Path, *, step: Callable[[str], None] | None = None) -> BurnProducts:
    """Run the whole burn workflow and write the products into ``out_dir`` (see the module notes)."""
    import dask
    import numpy as np
    from odc.geo.xr import wrap_xr

    from spacebridge.core.atomic import atomic_write_text
    from spacebridge.earth.areas import geobox_of, pixel_areas_m2, pixel_size_m
    from spacebridge.earth.fire import burn_severity
    from spacebridge.earth.indices import compute_index
    from spacebridge.earth.load import align_to
    from spacebridge.earth.products import COG_MEDIA_TYPE, add_item_to_catalog, asset_for_file, build_item

    say = step or (lambda label: log.info("%s", label))
    out = Path(out_dir)
    say("opening the post-fire scene")
    post = _open(request.post, request)
    say("opening the pre-fire scene")
    pre = _open(request.pre, request)
    aligned = pre.geobox != post.geobox
    if aligned:
        say("aligning the pre-fire scene onto the post-fire grid")
        pre = align_to(pre, post, resampling="bilinear")
    say("computing NBR")
    gbox = post.geobox
    pre_nbr, post_nbr = (  # re-attached to the grid: the index engine's output does not keep the CRS attributes
        wrap_xr(np.asarray(v.values, dtype="float32"), gbox)
        for v in dask.compute(
            compute_index("NBR", pre.data, valid=pre.valid), compute_index("NBR", post.data, valid=post.valid)
        )
    )
    areas = pixel_areas_m2(gbox)
    say("classifying severity")
    result = burn_severity(
        pre_nbr, post_nbr, pixel_size_m=pixel_size_m(gbox), pixel_area_m2=float(areas.mean()),
        table=request.table, offset=request.offset, min_area_m2=request.min_area_m2,
    )  # fmt: skip
    paths = _write(result, out, say)
    say("computing statistics")
    stats = _statistics(result, _zones(request.aoi), request.table, float(areas.mean()))
    paths["stats"] = atomic_write_text(out / "stats.json", json.dumps(stats, indent=2, default=str))
    say("writing the STAC item")
    lineage = Lineage(
        "earth.fire",
        inputs=(pre.input_ref("pre-fire"), post.input_ref("post-fire")),
        parameters={
            "offset": request.offset,
            "min_area_m2": request.min_area_m2,
            "table": request.table.name,
            "aoi": request.aoi,
            "sensor": request.sensor,
            "bands": dict(request.bands or {}),
        },
        chosen={**result.chosen, "aligned_pre_onto_post": aligned, "mask": {"method": "scene validity (nodata)"}},
    )
    item_dir = out / COLLECTION_ID
    titles = {"severity": "Burn severity", "extent": "Burned extent", "dnbr": "dNBR", "rdnbr": "RdNBR", "rbr": "RBR"}
    assets = {
        k: asset_for_file(paths[k], item_dir=item_dir, title=t, media_type=COG_MEDIA_TYPE,
                          nodata=UNKNOWN if k in ("severity", "extent") else "nan",
                          data_type="uint8" if k in ("severity", "extent") else "float32")
        for k, t in titles.items()
    }  # fmt: skip
    assets["polygons"] = asset_for_file(paths["geojson"], item_dir=item_dir, title="Burned polygons",
                                        media_type="application/geo+json")  # fmt: skip
    assets["polygons-parquet"] = asset_for_file(paths["parquet"], item_dir=item_dir, title="Burned polygons",
                                                media_type="application/vnd.apache.parquet")  # fmt: skip
    assets["stats"] = asset_for_file(paths["stats"], item_dir=item_dir, title="Statistics",
                                     media_type="application/json", roles=("metadata",))  # fmt: skip
    item = build_item(
        _item_id(post), gbox=geobox_of(result.extent), datetime_utc=post.datetime_utc or lineage.created_utc,
        assets=assets, lineage=lineage,
        properties={"title": f"Burn severity {post.id}", "spacebridge:burned_km2": stats["burned_km2"]},
    )  # fmt: skip
    item_path = add_item_to_catalog(
        out, item, collection_id=COLLECTION_ID, collection_title="Burned area and severity",
        collection_description="Burn severity (Key & Benson classes), burned extent, dNBR/RdNBR/RBR by spacebridge.",
    )  # fmt: skip
    return BurnProducts(paths, item_path, stats)
