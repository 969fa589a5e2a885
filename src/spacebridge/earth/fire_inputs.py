"""Opening the scenes of a burn analysis: the bands the chosen index needs, the cloud-mask bands, capability checks.

The loader (:func:`spacebridge.earth.load.open_scene`) reads the source's band list first (no pixels), then the
scene is opened with only the bands the index needs plus those that carry its cloud mask
(:func:`spacebridge.earth.scene_masks.mask_bands`), so that the validity mask does not read unused bands.

Capability is checked twice: the sensor must be able to compute the index at all
(:func:`spacebridge.earth.sensors.check_index`, which names substitutes), and the scene at hand must contain the
bands (a Sentinel-2 chip with five bands has no swir16 even though Sentinel-2 has). Both raise
:class:`~spacebridge.core.errors.CapabilityError` naming the missing bands and the burn indices the scene can
compute instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from spacebridge.core.errors import MissingBandError

__all__ = ["check_scene_index", "open_burn_scene"]

log = logging.getLogger(__name__)


def check_scene_index(scene: Any, index: str, *, role: str) -> None:
    """Raise :class:`CapabilityError` unless ``scene``'s loaded bands can compute burn index ``index``."""
    from spacebridge.earth.burn_indices import BURN_INDICES
    from spacebridge.earth.capability import check_scene_index as check

    check(scene, index, role=role, alternatives=tuple(BURN_INDICES))


def _has_band(src: str, sensor: str, band: str, aoi: Any) -> bool:
    from spacebridge.earth.load import open_scene

    try:
        open_scene(src, sensor=sensor, bands=[band], aoi=aoi, validate=False)
    except MissingBandError:
        return False
    return True


def open_burn_scene(
    src: str,
    *,
    index: str,
    role: str,
    sensor: str | None = None,
    bands: Mapping[str, str | int] | None = None,
    aoi: Any = None,
    use_cloud_mask: bool = True,
) -> Any:
    """Open ``src`` with the bands burn index ``index`` needs (and the cloud-mask bands); checks capability."""
    from spacebridge.earth.indices import get_index, resolve_bands
    from spacebridge.earth.load import open_scene
    from spacebridge.earth.scene_masks import mask_bands
    from spacebridge.earth.sensors import check_index

    probe = open_scene(src, sensor=sensor, bands=bands, aoi=aoi, validate=False)
    check_index(probe.sensor, index)
    check_scene_index(probe, index, role=role)
    if bands:
        return _valid(open_scene(src, sensor=probe.sensor.id, bands=bands, aoi=aoi))
    available = [str(v) for v in probe.data.data_vars]
    mapping = resolve_bands(get_index(index), available) or {}
    wanted = list(dict.fromkeys(mapping.values()))
    if use_cloud_mask:
        quality = [b for b in ("scl", "qa_pixel", "bqa") if probe.sensor.find_band(b) is not None]
        present = [b for b in quality if _has_band(src, probe.sensor.id, b, aoi)]
        wanted += [b for b in mask_bands(probe.sensor.id, available + present) if b not in wanted]
    log.info("opening %s (%s) with bands %s", src, role, wanted)
    return _valid(open_scene(src, sensor=probe.sensor.id, bands=wanted, aoi=aoi))


def _valid(scene: Any) -> Any:
    scene.require_valid()
    return scene
