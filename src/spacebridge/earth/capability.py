"""Can this scene compute that index? The bands actually loaded, not only the sensor's catalogue.

:func:`spacebridge.earth.sensors.check_index` answers for a sensor (Sentinel-2 has swir16); a given file may hold
fewer bands (a five-band Sentinel-2 chip has none). :func:`check_scene_index` raises a
:class:`~spacebridge.core.errors.CapabilityError` that names the missing bands with their product ids and centre
wavelengths, the bands the scene has, and which of the alternatives it can compute instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spacebridge.core.errors import CapabilityError

__all__ = ["check_scene_index", "missing_bands"]


def _band_label(sensor: Any, key: str) -> str:
    band = sensor.find_band(key) if sensor is not None else None
    if band is None:
        return key
    wavelength = f" {band.center_wavelength_um:.2f} um" if band.center_wavelength_um else ""
    return f"{key} ({band.name}{wavelength})"


def missing_bands(index: str, available: Sequence[str]) -> list[str]:
    """The bands (common names) ``index`` needs that are not in ``available``; empty if it can be computed."""
    from spacebridge.earth.indices import get_index, required_bands, resolve_bands

    spec = get_index(index)
    if resolve_bands(spec, list(available)) is not None:
        return []
    return [need.split("|")[0] for need in required_bands(spec) if not set(need.split("|")) & set(available)]


def check_scene_index(
    scene: Any,
    index: str,
    *,
    role: str,
    alternatives: Sequence[str] = (),
    option: str = "--index",
    purpose: str = "",
) -> None:
    """Raise :class:`CapabilityError` unless ``scene``'s loaded bands can compute ``index``.

    ``alternatives`` are index names proposed when the scene can compute them (as ``OPTION name``).
    """
    from spacebridge.earth.indices import get_index

    available = [str(v) for v in scene.data.data_vars]
    missing = missing_bands(index, available)
    if not missing:
        return
    name = get_index(index).name
    labels = ", ".join(_band_label(scene.sensor, m) for m in missing)
    others = [a for a in alternatives if a != name and not missing_bands(a, available)]
    subs = ("; this scene can compute " + ", ".join(f"{n} ({option} {n.lower()})" for n in others)) if others else ""
    raise CapabilityError(
        f"the {role} scene {scene.id!r} has no {labels}, which {name}{purpose} needs; its bands are "
        f"{', '.join(sorted(available))}{subs}",
        hint="Use a scene with those bands (e.g. a full Sentinel-2 L2A product or Landsat 8-9 C2 L2), or name them "
        "with --bands" + (f", or choose another {option}" if others else ""),
        scene=scene.id,
        index=name,
        missing=missing,
        substitutes=others,
    )
