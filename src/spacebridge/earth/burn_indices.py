"""Burn indices other than NBR: NBR2 and BAIS2, their differences and a burned extent with an adaptive threshold.

Why other indices: NBR (nir vs swir22) responds to the loss of green leaves. Where the burned vegetation was
already dry before the fire (steppe and grass fires, the common case in Kazakhstan) or where the sensor has no NIR
of good quality, the NIR drop is small and dNBR confuses burns with curing. NBR2 compares the two SWIR bands,
which respond to the charcoal and the loss of moisture of the litter rather than to green leaves; BAIS2 adds
Sentinel-2's red-edge bands. Both need bands that the NBR does not (swir16; red-edge 2 and 3, nir08).

Indices (reflectance 0-1; formulas evaluated by :func:`spacebridge.earth.indices.compute_index`)
--------------------------------------------------------------------------------------------------
- **NBR2** = (swir16 - swir22) / (swir16 + swir22) (USGS, *Landsat Normalized Burn Ratio 2*, product guide of the
  Landsat Collection 2 spectral indices, LSDS-1641; Landsat 8-9 bands 6 and 7). A fire lowers it: the burn signal
  is ``dNBR2 = NBR2_pre - NBR2_post`` (positive where burned), like ``dNBR``.
- **BAIS2** = (1 - sqrt(rededge075 * rededge078 * nir08 / red)) * ((swir22 - nir08) / sqrt(swir22 + nir08) + 1)
  (Filipponi 2018, Sentinel-2 bands B06, B07, B8A, B04, B12). A fire raises it: ``dBAIS2 = BAIS2_post - BAIS2_pre``.

Burned extent
-------------
Key & Benson's severity classes are calibrated on dNBR (field Composite Burn Index plots) and have no published
equivalent for dNBR2 or dBAIS2, so these indices give a burned extent and no severity classes. No global fixed
threshold is published for either difference (studies calibrate them per region); the threshold is therefore
chosen per scene where the difference's histogram is bimodal (burned and unburned populations), by the
hierarchical split-based search and Otsu's threshold of :mod:`spacebridge.earth.flood.thresholds` (Chini et al.
2017; Otsu 1979) - the same tested machinery that picks flood thresholds, with *burned* on the high side.
When no tile is bimodal, the documented static value of :data:`BURN_INDICES` is used with a
:class:`~spacebridge.core.errors.ThresholdFallbackWarning`; a user-given threshold skips the search. The minimum
mapping unit (sieve) is that of :func:`spacebridge.earth.fire.sieve`. See docs/decisions/0160-burn-indices.md.

References
----------
- Filipponi, F. (2018) BAIS2: Burned Area Index for Sentinel-2. Proceedings 2(7), 364, doi:10.3390/ecrs-2-05177.
- USGS (2021) Landsat Normalized Burn Ratio 2; Landsat 8-9 Collection 2 Level-2 Science Product Guide.
- Chini, M. et al. (2017) A hierarchical split-based approach for parametric thresholding of SAR images. IEEE TGRS
  55(12), 6975-6988.
- Otsu, N. (1979) A threshold selection method from gray-level histograms. IEEE SMC 9(1), 62-66.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import InvalidInputError, NoValidDataError
from spacebridge.earth.flood.methods import MethodSpec
from spacebridge.earth.severity import UNKNOWN

__all__ = [
    "BURN_INDICES",
    "BurnExtentResult",
    "BurnIndex",
    "burn_difference",
    "burned_extent_adaptive",
    "get_burn_index",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BurnIndex:
    """A burn index: its catalogue name, how its difference is taken and how the difference is thresholded."""

    name: str
    """Catalogue name (``NBR``, ``NBR2``, ``BAIS2``)."""
    difference: str
    """Name of the burn signal (``dNBR``...), positive where burned."""
    fire_lowers: bool
    """True when a fire lowers the index (difference = pre - post), False when it raises it (post - pre)."""
    severity: bool
    """True when published severity classes exist for the difference (Key & Benson: dNBR only)."""
    spec: MethodSpec | None = None
    """Adaptive threshold of the burned extent (histogram bins, static fallback and its source)."""
    reference: str = ""


BURN_INDICES: Mapping[str, BurnIndex] = {
    "NBR": BurnIndex("NBR", "dNBR", True, True, None, "Key & Benson (2006) FIREMON LA"),
    "NBR2": BurnIndex(
        "NBR2", "dNBR2", True, False,
        MethodSpec(
            "burn-dnbr2", "dNBR2", "1", False, 0.1,
            "Key & Benson's burned bound of dNBR (0.1) applied to dNBR2, conservative since NBR2's range is about "
            "half of NBR's (project choice, docs/decisions/0160)",
            (0.03, 0.6), -2.0, 2.0, 0.005, 0.1,
        ),
        "USGS Landsat Normalized Burn Ratio 2 (LSDS-1641)",
    ),
    "BAIS2": BurnIndex(
        "BAIS2", "dBAIS2", False, False,
        MethodSpec(
            "burn-dbais2", "dBAIS2", "1", False, 0.5,
            "half of the BAIS2 rise from green vegetation (about 0) to burned surfaces (about 1) in Filipponi "
            "(2018) (project choice, docs/decisions/0160)",
            (0.1, 1.5), -3.0, 3.0, 0.01, 0.3,
        ),
        "Filipponi (2018) Proceedings 2(7):364",
    ),
}  # fmt: skip
"""The burn indices ``earth burn --index`` accepts."""


def get_burn_index(name: str) -> BurnIndex:
    """The :class:`BurnIndex` called ``name`` (case-insensitive)."""
    found = BURN_INDICES.get(name.strip().upper())
    if found is None:
        raise InvalidInputError(
            f"index={name!r} is not a burn index",
            hint=f"Use one of {', '.join(n.lower() for n in BURN_INDICES)}",
            name="index",
            value=name,
        )
    return found


def burn_difference(index: BurnIndex, pre: xr.DataArray, post: xr.DataArray) -> xr.DataArray:
    """The burn signal of ``index`` (``dNBR2 = pre - post``, ``dBAIS2 = post - pre``): positive where burned.

    Examples
    --------
    >>> import xarray as xr
    >>> burn_difference(get_burn_index("bais2"), xr.DataArray([0.1]), xr.DataArray([0.8])).values.round(2).tolist()
    [0.7]
    """
    if pre.shape != post.shape:
        raise InvalidInputError(
            f"pre and post {index.name} have shapes {pre.shape} and {post.shape}",
            hint="Align the scenes first (spacebridge.earth.load.align_to)",
            name="post",
        )
    out = (pre - post.data) if index.fire_lowers else (post - pre.data)
    out = out.astype("float32")
    out.name = index.difference.lower()
    out.attrs = {
        "units": "1",
        "long_name": index.difference + (" (pre - post)" if index.fire_lowers else " (post - pre)"),
    }
    return out


@dataclass(frozen=True)
class BurnExtentResult:
    """Burned extent from a differenced burn index and the threshold chosen."""

    difference: xr.DataArray
    """The burn signal (float32, positive where burned, NaN unknown)."""
    extent: xr.DataArray
    """uint8: 0 unburned, 1 burned, 255 unknown."""
    index: BurnIndex
    threshold: Any
    """The :class:`~spacebridge.earth.flood.thresholds.ThresholdChoice` used."""
    chosen: Mapping[str, Any] = field(default_factory=dict)


def _burn_terms(record: Mapping[str, Any]) -> dict[str, Any]:
    """The threshold record in burn terms (the flood machinery calls its high side *water*)."""
    names = {"water_side": "burned_side", "water_mean": "burned_mean", "land_mean": "unburned_mean"}
    return {names.get(k, k): v for k, v in record.items()}


def burned_extent_adaptive(
    index: BurnIndex,
    difference: xr.DataArray,
    *,
    pixel_area_m2: float,
    min_area_m2: float = 10_000.0,
    threshold: float | None = None,
    tile_px: int = 128,
) -> BurnExtentResult:
    """Burned extent where ``difference`` exceeds a scene-adaptive (or given) threshold, after the MMU sieve.

    Parameters
    ----------
    index
        The burn index (its :attr:`BurnIndex.spec` gives the histogram bins and the static fallback).
    difference
        The burn signal from :func:`burn_difference` (positive where burned, NaN unknown), 2-D.
    pixel_area_m2
        Mean pixel area (m²), for the minimum mapping unit.
    min_area_m2
        Minimum mapping unit (m²): smaller burned patches are dropped, smaller unburned holes filled.
    threshold
        A threshold given by the user (unitless): no search.
    tile_px
        Smallest tile edge of the split-based search (pixels).
    """
    from spacebridge.earth.fire import sieve
    from spacebridge.earth.flood.thresholds import choose_threshold, tile_histograms

    if index.spec is None:
        raise InvalidInputError(
            f"{index.name} has severity classes: use spacebridge.earth.fire.burn_severity",
            name="index",
            value=index.name,
        )
    if min_area_m2 < 0 or not pixel_area_m2 > 0:
        raise InvalidInputError(
            f"min_area_m2={min_area_m2} and pixel_area_m2={pixel_area_m2} must be >= 0 and > 0", name="min_area_m2"
        )
    values = np.asarray(difference.values, dtype="float32")
    known = np.isfinite(values)
    if not known.any():
        raise NoValidDataError(
            f"{index.difference} has no valid pixel (no pixel is valid in both scenes)",
            hint="Check that the scenes overlap and are not fully clouded",
        )
    hist = tile_histograms(values, known, tile_px=tile_px, spec=index.spec)
    choice = choose_threshold(hist, index.spec, tile_px=tile_px, fixed=threshold)
    min_px = max(1, int(np.ceil(min_area_m2 / pixel_area_m2)))
    burned = sieve(np.where(known, values, -np.inf) > choice.value, known, min_px=min_px)
    codes = np.where(known, burned.astype("uint8"), np.uint8(UNKNOWN)).astype("uint8")
    extent = difference.copy(data=codes)
    extent.name = "burned_extent"
    extent.attrs = {"nodata": UNKNOWN, "flag_values": [0, 1], "flag_meanings": "unburned burned"}
    chosen = {
        "index": index.name,
        "difference": index.difference,
        "threshold": _burn_terms(choice.to_dict()),
        "min_mapping_unit_px": min_px,
        "severity_classes": "none: Key & Benson's classes are calibrated on dNBR only",
    }
    log.info("%s threshold %.4f (%s), MMU %d px", index.difference, choice.value, choice.reason, min_px)
    return BurnExtentResult(difference, extent, index, choice, chosen)
