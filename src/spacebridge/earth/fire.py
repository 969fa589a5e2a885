"""Burned area and burn severity from pre- and post-fire NBR: dNBR, RdNBR, RBR, Key & Benson classes.

Method
------
1. ``dNBR = NBR_pre - NBR_post`` (Key & Benson 2006), with NBR = (nir - swir22) / (nir + swir22).
2. Phenology offset: the mean dNBR of unburned surroundings is subtracted (Key 2006; Miller & Thode 2007;
   Parks et al. 2018 use the unburned pixels of a 180 m ring outside the perimeter). Without a perimeter the
   surroundings are found by a fixed-point iteration: burned = dNBR - offset >= the low-severity bound; the
   offset is the mean dNBR of the ring pixels (``ring_m`` outside the burned area) that fall in the Key & Benson
   *unburned* class around the current offset. This is a mean-shift with a flat kernel whose width is the
   unburned class itself, so it converges to the mode of the unburned population near zero
   (docs/decisions/0151-burn-offset-and-mmu.md).
3. ``RdNBR = (dNBR - offset) / sqrt(|NBR_pre|)`` (Miller & Thode 2007, |NBR_pre| floored at 0.001) and
   ``RBR = (dNBR - offset) / (NBR_pre + 1.001)`` (Parks, Dillon & Miller 2014). All three are unitless here;
   multiply by 1000 for the scale of the papers' tables.
4. Severity classes from the offset-corrected dNBR with the USGS FIREMON table of Key & Benson (2006)
   (:data:`KEY_BENSON_2006`, configurable); burned extent = the *burned* classes, then a minimum mapping unit
   removes burned patches and fills unburned holes smaller than ``min_area_m2`` (a sieve, as in GDAL).

Pixels invalid in either date (cloud, shadow, no data) and dNBR outside the table's range are ``unknown``
(255), never unburned.

References
----------
- Key, C.H., Benson, N.C. (2006) Landscape Assessment (LA): Sampling and analysis methods. USDA Forest Service
  RMRS-GTR-164-CD, FIREMON, LA-1-55 (table of dNBR ranges).
- Miller, J.D., Thode, A.E. (2007) Quantifying burn severity in a heterogeneous landscape with a relative version
  of the delta Normalized Burn Ratio (dNBR). Remote Sens. Environ. 109, 66-80.
- Parks, S.A., Dillon, G.K., Miller, C. (2014) A new metric for quantifying burn severity: the relativized burn
  ratio. Remote Sens. 6, 1827-1844.
- Parks, S.A., Holsinger, L.M., Voss, M.A., Loehman, R.A., Robinson, N.P. (2018) Mean composite fire severity
  metrics computed with Google Earth Engine offer improved accuracy and expanded mapping potential. Remote Sens.
  10, 879.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import DegradedResultWarning, InvalidInputError, NoValidDataError
from spacebridge.earth.severity import KEY_BENSON_2006, UNKNOWN, SeverityTable

__all__ = [
    "BurnResult",
    "burn_severity",
    "burned_extent",
    "dnbr",
    "phenology_offset",
    "rbr",
    "rdnbr",
    "sieve",
]

log = logging.getLogger(__name__)

RING_M_DEFAULT = 180.0
"""Width of the unburned ring used for the offset (Parks et al. 2018)."""

MIN_AREA_M2_DEFAULT = 10_000.0
"""Minimum mapping unit, 1 ha (about a 3 x 3 Landsat window; see docs/decisions/0151)."""


def dnbr(pre_nbr: xr.DataArray, post_nbr: xr.DataArray) -> xr.DataArray:
    """``NBR_pre - NBR_post`` (unitless), NaN where either is NaN. Both must be on the same grid."""
    if pre_nbr.shape != post_nbr.shape:
        raise InvalidInputError(
            f"pre and post NBR have shapes {pre_nbr.shape} and {post_nbr.shape}",
            hint="Align the scenes first (spacebridge.earth.align.align_to)",
            name="post_nbr",
        )
    out = (pre_nbr - post_nbr.data).astype("float32")
    out.name = "dnbr"
    return out


def rdnbr(dnbr_values: xr.DataArray, pre_nbr: xr.DataArray, *, offset: float = 0.0) -> xr.DataArray:
    """Relative dNBR (Miller & Thode 2007), unitless: ``(dNBR - offset) / sqrt(max(|NBR_pre|, 0.001))``."""
    denom = np.sqrt(np.maximum(np.abs(pre_nbr.data), 0.001))
    out = ((dnbr_values - offset) / denom).astype("float32")
    out.name = "rdnbr"
    return out


def rbr(dnbr_values: xr.DataArray, pre_nbr: xr.DataArray, *, offset: float = 0.0) -> xr.DataArray:
    """Relativized Burn Ratio (Parks et al. 2014), unitless: ``(dNBR - offset) / (NBR_pre + 1.001)``."""
    out = ((dnbr_values - offset) / (pre_nbr.data + 1.001)).astype("float32")
    out.name = "rbr"
    return out


def sieve(mask: np.ndarray, known: np.ndarray, *, min_px: int) -> np.ndarray:
    """Minimum mapping unit on a boolean map: drop ``True`` patches and fill ``False`` holes under ``min_px``.

    Connectivity is 8-neighbour for both. Holes touching unknown pixels are not filled (their size is unknown).
    """
    from skimage import morphology

    if min_px <= 1:
        return mask & known
    out = morphology.remove_small_objects(mask & known, max_size=min_px - 1, connectivity=2)
    holes = ~out & known
    from scipy import ndimage

    labels, n = ndimage.label(holes | ~known, structure=np.ones((3, 3), bool))
    if n:
        sizes = np.bincount(labels.ravel())
        touches_unknown = np.zeros(n + 1, bool)
        touches_unknown[np.unique(labels[~known])] = True
        small = (sizes < min_px) & ~touches_unknown
        small[0] = False
        out = out | (small[labels] & known)
    return out


def _ring(burned: np.ndarray, ring_px: int) -> np.ndarray:
    from scipy import ndimage

    grown = ndimage.binary_dilation(burned, structure=np.ones((3, 3), bool), iterations=max(1, ring_px))
    return grown & ~burned


@dataclass(frozen=True)
class OffsetEstimate:
    offset: float
    iterations: int
    n_pixels: int
    source: str
    """``"ring"`` (unburned ring around the burned area), ``"scene"`` (fallback) or ``"given"``."""


def phenology_offset(
    dnbr_values: np.ndarray,
    *,
    pixel_size_m: float,
    table: SeverityTable = KEY_BENSON_2006,
    ring_m: float = RING_M_DEFAULT,
    min_px: int = 1,
    max_iter: int = 50,
    tol: float = 1e-4,
) -> OffsetEstimate:
    """Mean dNBR of the unburned surroundings, by the fixed-point iteration of the module notes.

    ``dnbr_values`` is a 2-D array with NaN where unknown. Falls back to all unburned-class pixels of the
    scene (with a warning) when the ring has fewer than 100 pixels.
    """
    known = np.isfinite(dnbr_values)
    if not known.any():
        raise NoValidDataError("dNBR has no valid pixel", hint="Check the cloud masks and the scenes' overlap")
    lo, hi = table.unburned_range()
    ring_px = max(1, round(ring_m / pixel_size_m))
    offset, source, n_sel, it = 0.0, "ring", 0, 0
    values = np.where(known, dnbr_values, np.nan)
    for it in range(1, max_iter + 1):  # noqa: B007  (the count is reported)
        shifted = values - offset
        burned = sieve(np.nan_to_num(shifted, nan=-np.inf) >= table.burned_lower(), known, min_px=min_px)
        in_class = known & (shifted >= lo) & (shifted < hi)
        sel = _ring(burned, ring_px) & in_class if burned.any() else np.zeros_like(known)
        source = "ring"
        if sel.sum() < 100:
            sel, source = in_class, "scene"
        n_sel = int(sel.sum())
        if n_sel == 0:
            break
        new = float(values[sel].mean())
        if abs(new - offset) < tol:
            offset = new
            break
        offset = new
    if source == "scene":
        warnings.warn(
            "too few unburned pixels around the burned area; the dNBR offset was taken over the whole scene",
            DegradedResultWarning,
            stacklevel=2,
        )
    return OffsetEstimate(offset, it, n_sel, source)


def burned_extent(severity: xr.DataArray, *, table: SeverityTable = KEY_BENSON_2006, min_px: int = 1) -> xr.DataArray:
    """uint8 extent: 1 burned (a burned class, after the MMU sieve), 0 unburned, 255 unknown."""
    codes = np.asarray(severity.values)
    known = codes != UNKNOWN
    burned = sieve(np.isin(codes, table.burned_codes()), known, min_px=min_px)
    out = np.where(known, burned.astype("uint8"), np.uint8(UNKNOWN)).astype("uint8")
    da = severity.copy(data=out)
    da.name = "burned_extent"
    da.attrs = {"nodata": UNKNOWN, "flag_values": [0, 1], "flag_meanings": "unburned burned"}
    return da


@dataclass(frozen=True)
class BurnResult:
    """Outputs of :func:`burn_severity`."""

    dnbr: xr.DataArray
    """Offset-corrected dNBR (float32, unitless, NaN unknown)."""
    rdnbr: xr.DataArray
    rbr: xr.DataArray
    severity: xr.DataArray
    """uint8 class codes of ``table`` (255 unknown)."""
    extent: xr.DataArray
    """uint8: 0 unburned, 1 burned, 255 unknown."""
    table: SeverityTable
    chosen: Mapping[str, Any] = field(default_factory=dict)
    """Values the method chose (offset, iterations, MMU in pixels), for the lineage."""


def burn_severity(
    pre_nbr: xr.DataArray,
    post_nbr: xr.DataArray,
    *,
    pixel_size_m: float,
    pixel_area_m2: float | None = None,
    valid: xr.DataArray | None = None,
    table: SeverityTable = KEY_BENSON_2006,
    offset: float | None = None,
    ring_m: float = RING_M_DEFAULT,
    min_area_m2: float = MIN_AREA_M2_DEFAULT,
) -> BurnResult:
    """Burn severity and burned extent from pre- and post-fire NBR on one grid.

    Parameters
    ----------
    pre_nbr, post_nbr
        NBR (unitless, NaN where invalid) on the same 2-D grid.
    pixel_size_m, pixel_area_m2
        Ground pixel edge (m) and area (m², default ``pixel_size_m**2``) for the ring and the MMU.
    valid
        Optional extra validity (e.g. both dates' cloud masks combined); ``False`` becomes unknown.
    table
        Severity class table (default Key & Benson 2006).
    offset
        dNBR phenology offset; ``None`` estimates it (module notes), ``0.0`` disables it.
    ring_m
        Width of the unburned ring for the offset estimate (m).
    min_area_m2
        Minimum mapping unit for the burned extent (m²).
    """
    if min_area_m2 < 0 or ring_m <= 0 or not pixel_size_m > 0:
        raise InvalidInputError(
            f"min_area_m2={min_area_m2}, ring_m={ring_m}, pixel_size_m={pixel_size_m} must be >= 0, > 0, > 0",
            name="min_area_m2",
            value=min_area_m2,
        )
    raw = dnbr(pre_nbr, post_nbr)
    if valid is not None:
        raw = raw.where(valid.data)
    values = np.asarray(raw.values, dtype="float32")
    if not np.isfinite(values).any():
        raise NoValidDataError(
            "no pixel is valid in both the pre- and the post-fire scene",
            hint="Check that the scenes overlap and are not fully clouded",
        )
    area = pixel_area_m2 if pixel_area_m2 is not None else pixel_size_m**2
    min_px = max(1, int(np.ceil(min_area_m2 / area)))
    if offset is None:
        est = phenology_offset(values, pixel_size_m=pixel_size_m, table=table, ring_m=ring_m, min_px=min_px)
    else:
        est = OffsetEstimate(float(offset), 0, 0, "given")
    corrected = raw - est.offset
    corrected.name = "dnbr"
    corrected.attrs = {"units": "1", "long_name": "dNBR minus phenology offset", "offset": est.offset}
    severity = table.classify(corrected)
    extent = burned_extent(severity, table=table, min_px=min_px)
    chosen = {
        "dnbr_offset": round(est.offset, 5),
        "offset_source": est.source,
        "offset_iterations": est.iterations,
        "offset_pixels": est.n_pixels,
        "min_mapping_unit_px": min_px,
        "severity_table": table.name,
    }
    log.info("dNBR offset %.4f (%s, %d px), MMU %d px", est.offset, est.source, est.n_pixels, min_px)
    return BurnResult(
        dnbr=corrected.astype("float32"),
        rdnbr=rdnbr(raw, pre_nbr.where(raw.notnull()), offset=est.offset),
        rbr=rbr(raw, pre_nbr, offset=est.offset),
        severity=severity,
        extent=extent,
        table=table,
        chosen=chosen,
    )
