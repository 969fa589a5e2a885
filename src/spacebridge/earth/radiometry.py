"""Radiometric rules: from stored values to reflectance (or kelvin, or index values), and SAR dB/linear.

``physical = stored * scale + offset``, with ``scale``/``offset`` read, in order, from the product's metadata
(Earth Search's ``earthsearch:boa_offset_applied``, STAC ``raster:bands``, the Sentinel-2 processing baseline, the
Landsat MTL) and else the sensor's documented defaults (design record 0101). Every result says where it came from
(:attr:`ScaleOffset.source`), for the lineage.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import DegradedResultWarning, MissingBandError

if TYPE_CHECKING:
    from spacebridge.earth.sensors import Band, Sensor

__all__ = [
    "S2_BASELINE_0400_START",
    "ScaleOffset",
    "band_scale_offset",
    "db_to_linear",
    "linear_to_db",
    "sentinel2_offset_dn",
]

#: First day of Sentinel-2 processing baseline 04.00, which shifted DNs by +1000 (ESA, "Copernicus Sentinel-2:
#: Major Products Upgrade Upcoming", 2021; Sentinel-2 Products Specification Document S2-PDGS-TAS-DI-PSD v14.9).
S2_BASELINE_0400_START = dt.date(2022, 1, 25)


@dataclass(frozen=True)
class ScaleOffset:
    """``physical = stored * scale + offset`` and where the numbers came from."""

    scale: float
    offset: float
    source: str


def _as_float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _baseline(metadata: Mapping[str, Any]) -> float | None:
    for key in ("s2:processing_baseline", "sentinel:processing_baseline", "processing:version", "PROCESSING_BASELINE"):
        if key in metadata:
            value = _as_float(str(metadata[key]).lstrip("N").strip())
            if value is not None:
                return value / 100.0 if value >= 100 else value  # "N0400" -> 400 -> 4.0
    return None


def sentinel2_offset_dn(metadata: Mapping[str, Any], *, acquired: dt.date | None = None) -> tuple[float, str]:
    """The additive DN offset of a Sentinel-2 L1C/L2A product and where it was read.

    From processing baseline 04.00 (25 January 2022) ESA adds 1000 to every DN so that negative reflectances
    can be stored: ``reflectance = (DN + RADIO_ADD_OFFSET or BOA_ADD_OFFSET) / 10000`` with offsets of -1000
    (ESA Sentinel-2 Products Specification Document, S2-PDGS-TAS-DI-PSD v14.9, section 5.7; Sentinel-2 L2A
    Product Format Specification). Rules, in order:

    1. Earth Search's ``earthsearch:boa_offset_applied`` (or ``sentinel:boa_offset_applied``) ``True``: Element 84
       already removed the offset, so 0 (Element84/earth-search issue #66).
    2. The processing baseline (``s2:processing_baseline`` in Planetary Computer, ``processing:version`` in
       CDSE, ``PROCESSING_BASELINE`` tag in a file): >= 4.00 gives -1000, else 0.
    3. Unknown baseline: -1000 if ``acquired`` is on or after 2022-01-25 (with a :class:`DegradedResultWarning`),
       else 0.
    """
    for key in ("earthsearch:boa_offset_applied", "sentinel:boa_offset_applied"):
        if metadata.get(key) is True:
            return 0.0, f"{key}=true"
    baseline = _baseline(metadata)
    if baseline is not None:
        return (-1000.0 if baseline >= 4.0 else 0.0), f"processing baseline {baseline:05.2f}"
    if acquired is not None and acquired >= S2_BASELINE_0400_START:
        warnings.warn(
            f"Sentinel-2 processing baseline unknown for a scene acquired {acquired.isoformat()}: assuming "
            "baseline >= 04.00 and a DN offset of -1000; give the STAC item (s2:processing_baseline) to be sure",
            DegradedResultWarning,
            stacklevel=2,
        )
        return -1000.0, "assumed from acquisition date >= 2022-01-25"
    return 0.0, "baseline < 04.00 (acquired before 2022-01-25)" if acquired else "no baseline metadata: no offset"


def band_scale_offset(
    sensor: Sensor,
    band: Band,
    metadata: Mapping[str, Any] | None = None,
    *,
    raster_band: Mapping[str, Any] | None = None,
    acquired: dt.date | None = None,
) -> ScaleOffset:
    """``scale`` and ``offset`` taking ``band``'s stored values to reflectance (or K, or the index value).

    Parameters
    ----------
    metadata
        Item properties, file tags or MTL values (Landsat L1: ``REFLECTANCE_MULT_BAND_n``,
        ``REFLECTANCE_ADD_BAND_n``, ``SUN_ELEVATION``).
    raster_band
        The STAC ``raster:bands`` entry (or STAC 1.1 band object) of the asset, if any.
    acquired
        Acquisition date (UTC), used when the Sentinel-2 baseline is unknown.
    """
    metadata = metadata or {}
    s2_rule = sensor.radiometry_rule == "sentinel-2-baseline" and band.kind == "reflectance"
    if s2_rule and any(k in metadata for k in ("earthsearch:boa_offset_applied", "sentinel:boa_offset_applied")):
        offset_dn, source = sentinel2_offset_dn(metadata, acquired=acquired)
        return ScaleOffset(band.scale, offset_dn * band.scale, source)
    if raster_band:
        scale = _as_float(raster_band.get("scale", raster_band.get("raster:scale")))
        offset = _as_float(raster_band.get("offset", raster_band.get("raster:offset")))
        if scale is not None or offset is not None:
            return ScaleOffset(scale if scale is not None else 1.0, offset or 0.0, "STAC raster:bands")
    if sensor.radiometry_rule == "sentinel-2-baseline" and band.kind == "reflectance":
        offset_dn, source = sentinel2_offset_dn(metadata, acquired=acquired)
        return ScaleOffset(band.scale, offset_dn * band.scale, source)
    if sensor.radiometry_rule == "landsat-l1-mtl" and band.kind == "reflectance":
        return _landsat_l1_toa(band, metadata)
    return ScaleOffset(band.scale, band.offset, f"{sensor.id} product specification")


def _landsat_l1_toa(band: Band, mtl: Mapping[str, Any]) -> ScaleOffset:
    """TOA reflectance with sun-angle correction: ``(M * Qcal + A) / sin(sun elevation)``.

    USGS, Landsat 8 Data Users Handbook (LSDS-1574 v5.0), section 5.1.1.
    """
    number = band.name.lstrip("Bb")
    mult = _as_float(mtl.get(f"REFLECTANCE_MULT_BAND_{number}"))
    add = _as_float(mtl.get(f"REFLECTANCE_ADD_BAND_{number}"))
    elev = _as_float(mtl.get("SUN_ELEVATION"))
    if mult is None or add is None or elev is None or elev <= 0:
        raise MissingBandError(
            f"the MTL metadata lacks REFLECTANCE_MULT/ADD_BAND_{number} or SUN_ELEVATION for Landsat band {band.name}",
            hint="Pass the scene's *_MTL.txt file with the band files (e.g. open_scene([... , 'x_MTL.txt']))",
            band=band.name,
        )
    sin_e = math.sin(math.radians(elev))
    return ScaleOffset(mult / sin_e, add / sin_e, "Landsat MTL REFLECTANCE_MULT/ADD with sun elevation")


def db_to_linear(x_db: Any) -> Any:
    """Power in linear units from decibels: ``10 ** (x_db / 10)``; works on numpy and xarray objects."""
    return 10.0 ** (x_db / 10.0)


def linear_to_db(x_linear: Any) -> Any:
    """Decibels from linear power: ``10 log10(x)``; values <= 0 become NaN (not -inf)."""
    import numpy as np

    positive = x_linear > 0
    safe = (
        x_linear.where(positive)
        if hasattr(x_linear, "where") and not isinstance(x_linear, np.ndarray)
        else (np.where(positive, x_linear, np.nan))
    )
    return 10.0 * np.log10(safe)
