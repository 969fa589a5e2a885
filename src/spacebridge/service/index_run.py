"""The ``index`` watched analysis: one spectral index on each new scene, its area mean as a time series.

For each scene the watch pass lists (one run per scene), the earth pillar opens the scene cropped to the area
(:func:`spacebridge.earth.load.open_scene`), checks that its sensor can compute the index
(:func:`spacebridge.earth.sensors.check_index`, which names substitutes), applies the scene's own cloud mask when
it carries one (:func:`spacebridge.earth.scene_masks.scene_cloud_mask`: SCL, QA_PIXEL...) and computes the index
(:func:`spacebridge.earth.indices.compute_index`). This module only reduces it over the area:

- ``<index>_valid_fraction``: the share of the area (by equal-area pixel area,
  :func:`spacebridge.earth.areas.pixel_areas_m2`) where the index is defined (clear, valid, finite);
- ``<index>_mean``: the area-weighted mean of the index over those pixels, recorded only when the valid fraction
  reaches ``min_valid_fraction`` (default 0.5), so that a mostly clouded scene cannot raise an alert on the few
  pixels left. The threshold is our choice, not a published one; the valid fraction is always recorded.

The index raster is published as a COG (float32, NaN where undefined, average overviews) with a STAC item in the
``spacebridge-index`` collection, staged so that a run killed midway leaves nothing half-written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from spacebridge.core.atomic import atomic_write_text, staged_output_dir
from spacebridge.core.provenance import Lineage
from spacebridge.service.analyses import AnalysisOutput
from spacebridge.service.scene_runs import absolute_assets, aoi_file, products_dir, scene_src

__all__ = ["INDEX_COLLECTION", "index_variables", "run_index_on_scene"]

INDEX_COLLECTION = "spacebridge-index"


def index_variables(index: str) -> tuple[str, str]:
    """The series variables of index ``index``: ``("ndvi_mean", "ndvi_valid_fraction")`` for NDVI."""
    key = index.lower()
    return f"{key}_mean", f"{key}_valid_fraction"


def _inside(area: Mapping[str, Any], gbox: Any) -> np.ndarray:
    from odc.geo.geom import Geometry
    from rasterio.features import geometry_mask

    shape = Geometry(area["geometry"], crs="EPSG:4326").to_crs(gbox.crs)
    return np.asarray(geometry_mask([shape.json], out_shape=gbox.shape, transform=gbox.affine, invert=True))


def _write_product(stage: Path, item_id: str, values: Any, scene: Any, lineage: Lineage, name: str) -> dict[str, Any]:
    from spacebridge.earth.products.cog import write_cog
    from spacebridge.earth.products.stac import asset_for_file, build_item

    tif = write_cog(stage / f"{item_id}.tif", values, nodata=float("nan"), resampling="average", description=name)
    asset = asset_for_file(
        tif, item_dir=stage, title=f"{name} (float32, NaN where cloudy, invalid or outside the area)",
        media_type="image/tiff; application=geotiff; profile=cloud-optimized", description=name,
        nodata="nan", data_type="float32",
    )  # fmt: skip
    item = build_item(
        item_id,
        gbox=scene.geobox,
        datetime_utc=scene.datetime_utc or lineage.created_utc,
        assets={"index": asset},
        lineage=lineage,
        properties={"title": f"{name} of {scene.id}"},
    )
    item["collection"] = INDEX_COLLECTION
    atomic_write_text(stage / f"{item_id}.json", json.dumps(item))
    return item


def run_index_on_scene(area: Mapping[str, Any], params: Mapping[str, Any], out_dir: Path) -> AnalysisOutput:
    """Index ``params.index`` on ``params.scene`` inside ``area``; see the module docstring."""
    from spacebridge.earth.areas import pixel_areas_m2, pixel_size_m
    from spacebridge.earth.indices import compute_index, get_index
    from spacebridge.earth.load import open_scene
    from spacebridge.earth.scene_masks import NO_MASK, scene_cloud_mask
    from spacebridge.earth.sensors import check_index

    spec = get_index(str(params["index"]))
    min_valid = float(params.get("min_valid_fraction", 0.5))
    ref = params["scene"]
    out_dir.mkdir(parents=True, exist_ok=True)
    scene = open_scene(scene_src(ref, out_dir, "scene"), aoi=aoi_file(area, out_dir))
    check_index(scene.sensor, spec.name)
    valid = scene.valid
    cloud = scene_cloud_mask(scene.data, sensor_id=scene.sensor.id, pixel_size_m=pixel_size_m(scene.geobox))
    if cloud is not None:
        valid = valid & cloud.valid
    values = compute_index(spec.name, scene.data, valid=valid).astype("float32").compute()
    inside = _inside(area, scene.geobox)
    weights = pixel_areas_m2(scene.geobox) * inside
    defined = np.isfinite(values.values) & inside
    fraction = float(weights[defined].sum() / weights.sum()) if weights.sum() > 0 else 0.0
    mean = float(np.average(values.values[defined], weights=weights[defined])) if defined.any() else None
    mean_var, fraction_var = index_variables(spec.name)
    lineage = Lineage(
        f"service.index.{spec.name}",
        (scene.input_ref(ref.get("role", "optical")),),
        {"index": spec.name, "min_valid_fraction": min_valid},
        chosen={"mask": cloud.describe() if cloud is not None else NO_MASK, "sensor": scene.sensor.id},
    )
    item_id = f"{spec.name.lower()}-{scene.id}-area{area['id']}" if area.get("id") else f"{spec.name}-{scene.id}"
    with staged_output_dir(products_dir(out_dir)) as stage:
        item = _write_product(stage, item_id, values, scene, lineage, spec.name)
    item = absolute_assets(item, out_dir / "products" / f"{item_id}.json")
    when = ref.get("datetime_utc") or item["properties"]["datetime"]
    series = [{"variable": fraction_var, "datetime": when, "value": fraction, "item_id": item_id}]
    if mean is not None and fraction >= min_valid:
        series.append({"variable": mean_var, "datetime": when, "value": mean, "item_id": item_id})
    result = {"scene": ref.get("id"), "index": spec.name, mean_var: mean, fraction_var: fraction}
    return AnalysisOutput(values=tuple(series), items=(item,), result=result, lineage=lineage.to_dict())
