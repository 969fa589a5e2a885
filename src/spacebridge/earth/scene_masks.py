"""The cloud mask a scene provides: which quality bands to load, and the mask made from them.

A workflow that opens a scene asks :func:`mask_bands` which extra bands carry its cloud information, loads them
with the measurement bands, and calls :func:`scene_cloud_mask` on the loaded data. The choice, in order:

1. Sentinel-2 L2A ``scl`` -> :func:`~spacebridge.earth.masks.scl_mask` (Sen2Cor classes);
2. Landsat Collection 2 ``qa_pixel`` -> :func:`~spacebridge.earth.masks.qa_pixel_mask`;
3. Landsat 8 pre-collection ``bqa`` -> :func:`~spacebridge.earth.masks.bqa_precollection_mask`;
4. Sentinel-2 L1C with the ten s2cloudless bands -> :func:`~spacebridge.earth.masks.s2cloudless_mask` (its model is
   trained on L1C top-of-atmosphere reflectance, so it is not used on L2A);
5. otherwise no cloud mask: only the scene's own validity (nodata), and the lineage says so.

The returned :class:`~spacebridge.earth.masks.CloudMask` is what products record in their lineage
(``CloudMask.describe()``). See docs/decisions/0161-masks-in-workflows.md.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from spacebridge.earth.masks import S2CLOUDLESS_BANDS, CloudMask

__all__ = ["NO_MASK", "mask_bands", "scene_cloud_mask"]

NO_MASK = {"method": "none", "note": "no quality band in the scene: only its nodata pixels are unknown"}
"""Lineage record when a scene provides no cloud information."""

_QA_BANDS = ("scl", "qa_pixel", "bqa")


def mask_bands(sensor_id: str, available: Collection[str]) -> tuple[str, ...]:
    """The bands to load for the cloud mask of a scene of ``sensor_id`` whose source has ``available`` bands."""
    for band in _QA_BANDS:
        if band in available:
            return (band,)
    if sensor_id == "sentinel-2-l1c" and set(S2CLOUDLESS_BANDS) <= set(available):
        return S2CLOUDLESS_BANDS
    return ()


def scene_cloud_mask(data: Any, *, sensor_id: str, pixel_size_m: float, keep_snow: bool = False) -> CloudMask | None:
    """The cloud mask from the quality bands present in ``data`` (an ``xarray.Dataset``), or ``None``.

    ``keep_snow`` keeps snow valid (snow analyses); s2cloudless masks are computed eagerly (the model needs
    whole arrays), the others stay lazy.
    """
    from spacebridge.earth import masks

    if "scl" in data:
        return masks.scl_mask(data["scl"], keep_snow=keep_snow)
    if "qa_pixel" in data:
        return masks.qa_pixel_mask(data["qa_pixel"].astype("uint16"), mask_snow=not keep_snow)
    if "bqa" in data:
        return masks.bqa_precollection_mask(data["bqa"].astype("uint16"), snow_confidence=None if keep_snow else "yes")
    if sensor_id == "sentinel-2-l1c" and all(b in data for b in S2CLOUDLESS_BANDS):
        mask, _ = masks.s2cloudless_mask(data[list(S2CLOUDLESS_BANDS)], pixel_size_m=pixel_size_m)
        return mask
    return None
