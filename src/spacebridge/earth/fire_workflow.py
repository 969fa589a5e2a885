"""The burn workflow: open the pre- and post-fire scenes, align them, mask clouds, map the burn, write the products.

Composes the scene opening (:mod:`spacebridge.earth.fire_inputs`: needed bands, capability checks), the cloud
masks the scenes provide (:mod:`spacebridge.earth.scene_masks`), the index engine, the pure analyses
(:func:`spacebridge.earth.fire.burn_severity` for NBR, :func:`spacebridge.earth.burn_indices.burned_extent_adaptive`
for NBR2 and BAIS2) and the product writers (:mod:`spacebridge.earth.fire_products`); the command line
(``spacebridge earth burn``) and the demo call it.

Grids: the post-fire scene defines the grid; a pre-fire scene on another grid is reprojected onto it explicitly
(bilinear for reflectance, nearest for masks, recorded in the lineage); scenes that do not overlap are an error.
Clouds: each scene's cloud mask (SCL, QA_PIXEL, BQA, or s2cloudless on L1C) is made after alignment, and a pixel
cloudy on either date is unknown; the masks used are recorded in the lineage (``chosen.mask``).

Files written into the output folder (use :func:`spacebridge.core.atomic.staged_output_dir` around the call):
``burned_extent.tif`` (uint8 0 unburned, 1 burned, 255 unknown), the burn signal (``dnbr.tif``, ``dnbr2.tif`` or
``dbais2.tif``, float32, NaN unknown), ``burned.geojson`` and ``burned.parquet``, ``stats.json`` and the STAC
catalog; with NBR also ``burn_severity.tif`` (Key & Benson classes, 255 unknown), ``rdnbr.tif`` and ``rbr.tif``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacebridge.core.provenance import Lineage
from spacebridge.earth.fire_products import COLLECTION_ID, BurnProducts, write_burn_products
from spacebridge.earth.severity import KEY_BENSON_2006, SeverityTable

__all__ = ["COLLECTION_ID", "BurnProducts", "BurnRequest", "run_burn"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BurnRequest:
    """Sources (file path, STAC Item JSON file or URL) and options of a burn analysis."""

    pre: str
    post: str
    aoi: str | None = None
    sensor: str | None = None
    bands: Mapping[str, str | int] | None = None
    index: str = "NBR"
    """Burn index: ``NBR`` (severity classes), ``NBR2`` or ``BAIS2`` (burned extent only)."""
    offset: float | None = None
    """dNBR phenology offset (NBR only); ``None`` estimates it from the unburned surroundings."""
    threshold: float | None = None
    """Burned threshold of dNBR2/dBAIS2 (NBR2, BAIS2 only); ``None`` chooses it on the scene."""
    min_area_m2: float = 10_000.0
    table: SeverityTable = field(default=KEY_BENSON_2006)
    cloud_mask: bool = True
    """Use the cloud mask the scenes provide (SCL, QA_PIXEL, BQA, s2cloudless for L1C)."""


def _masked(scene: Any, use: bool, pixel_size_m: float) -> tuple[Any, dict[str, Any]]:
    """The scene's validity with its cloud mask, and the mask's lineage record."""
    from spacebridge.earth.scene_masks import NO_MASK, scene_cloud_mask

    mask = scene_cloud_mask(scene.data, sensor_id=scene.sensor.id, pixel_size_m=pixel_size_m) if use else None
    if mask is None:
        return scene.valid, dict(NO_MASK) if use else {"method": "none", "note": "cloud mask disabled"}
    return scene.valid & mask.valid.data, mask.describe()


def run_burn(request: BurnRequest, out_dir: str | Path, *, step: Callable[[str], None] | None = None) -> BurnProducts:
    """Run the whole burn workflow and write the products into ``out_dir`` (see the module notes)."""
    import dask

    from spacebridge.earth.areas import pixel_areas_m2, pixel_size_m
    from spacebridge.earth.burn_indices import burn_difference, burned_extent_adaptive, get_burn_index
    from spacebridge.earth.fire import burn_severity
    from spacebridge.earth.fire_inputs import open_burn_scene
    from spacebridge.earth.indices import compute_index
    from spacebridge.earth.load import align_to

    say = step or (lambda label: log.info("%s", label))
    index = get_burn_index(request.index)
    if request.offset is not None and index.spec is not None:
        from spacebridge.core.errors import InvalidInputError

        raise InvalidInputError(
            f"--offset is the dNBR phenology offset; it does not apply to --index {index.name.lower()}",
            hint="Drop --offset, or give --threshold for the burned threshold of " + index.difference,
            name="offset",
        )
    opened = {}
    for role, src in (("post-fire", request.post), ("pre-fire", request.pre)):
        say(f"opening the {role} scene")
        opened[role] = open_burn_scene(
            src, index=index.name, role=role, sensor=request.sensor, bands=request.bands, aoi=request.aoi,
            use_cloud_mask=request.cloud_mask,
        )  # fmt: skip
    post, pre = opened["post-fire"], opened["pre-fire"]
    aligned = pre.geobox != post.geobox
    if aligned:
        say("aligning the pre-fire scene onto the post-fire grid")
        pre = align_to(pre, post, resampling="bilinear")
    gbox = post.geobox
    size_m = pixel_size_m(gbox)
    say("masking clouds")
    pre_valid, pre_mask = _masked(pre, request.cloud_mask, size_m)
    post_valid, post_mask = _masked(post, request.cloud_mask, size_m)
    say(f"computing {index.name}")
    pre_idx, post_idx = dask.compute(
        compute_index(index.name, pre.data, valid=pre_valid), compute_index(index.name, post.data, valid=post_valid)
    )
    area_m2 = float(pixel_areas_m2(gbox).mean())
    say("mapping the burned area")
    if index.spec is None:
        result: Any = burn_severity(
            pre_idx, post_idx, pixel_size_m=size_m, pixel_area_m2=area_m2, table=request.table,
            offset=request.offset, min_area_m2=request.min_area_m2,
        )  # fmt: skip
    else:
        result = burned_extent_adaptive(
            index, burn_difference(index, pre_idx, post_idx), pixel_area_m2=area_m2,
            min_area_m2=request.min_area_m2, threshold=request.threshold,
        )  # fmt: skip
    lineage = Lineage(
        "earth.fire",
        inputs=(pre.input_ref("pre-fire"), post.input_ref("post-fire")),
        parameters={
            "index": index.name,
            "offset": request.offset,
            "threshold": request.threshold,
            "min_area_m2": request.min_area_m2,
            "table": request.table.name if index.severity else None,
            "aoi": request.aoi,
            "sensor": request.sensor,
            "bands": dict(request.bands or {}),
            "cloud_mask": request.cloud_mask,
        },
        chosen={**result.chosen, "aligned_pre_onto_post": aligned, "mask": {"pre-fire": pre_mask,
                "post-fire": post_mask}},
    )  # fmt: skip
    return write_burn_products(result, out_dir, lineage=lineage, post=post, aoi=request.aoi,
                               pixel_area_m2=area_m2, say=say)  # fmt: skip
