"""Per-method water membership, the GFM-style ensemble vote and the minimum mapping unit.

Each method turns its variable into a water membership in [0, 1] that is 0.5 exactly at its threshold and ramps
linearly to 1 at the mean of the water class (to 0 at the mirror point on the land side), in the spirit of the
fuzzy refinement of Martinis et al. (2015). A method votes *water* where its membership exceeds 0.5, i.e. where
the variable is on the water side of its threshold.

The ensemble follows the Copernicus Global Flood Monitoring product (GFM; Salamon et al. 2021; Krullikowski et al.
2023): a pixel is water where **more than half of the methods with a valid observation** vote water, and its
likelihood (0-100) is the mean membership of those methods. A pixel without any valid observation is *unknown*
(255), never dry. Water patches smaller than the minimum mapping unit are set to dry.

References
----------
Krullikowski, C., et al. (2023). Estimating ensemble likelihoods for the Sentinel-1-based Global Flood Monitoring
product of the Copernicus Emergency Management Service. IEEE JSTARS 16, 6917-6930.
Martinis, S., Kersten, J., Twele, A. (2015). A fully automated TerraSAR-X based flood service. ISPRS J. 104, 203-212.
Salamon, P., et al. (2021). The new, systematic global flood monitoring product of the Copernicus Emergency
Management Service. IGARSS 2021, 1053-1056.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import InvalidInputError
from spacebridge.earth.flood.thresholds import ThresholdChoice

__all__ = ["UNKNOWN", "apply_min_area", "ensemble_vote", "water_membership"]

UNKNOWN = 255
"""Value of unknown pixels (no valid observation) in every uint8 product."""


def water_membership(
    values: xr.DataArray, choice: ThresholdChoice, *, valid: xr.DataArray | None = None
) -> xr.DataArray:
    """Water membership in [0, 1] (float32, NaN where invalid): 0.5 at the threshold, 1 at the water-class mean.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from spacebridge.earth.flood.thresholds import ThresholdChoice
    >>> c = ThresholdChoice("sar-vv", "VV", "dB", -15.0, True, False, "", 1, 1, 128, 3.0, -21.0, -9.0, "")
    >>> water_membership(xr.DataArray(np.array([-24.0, -18.0, -15.0, -9.0], np.float32)), c).values.tolist()
    [1.0, 0.75, 0.5, 0.0]
    """
    tau = np.float32(choice.value)
    distance = abs(choice.value - choice.water_mean)
    span = np.float32(distance if distance > 0 else 1e-6)
    toward_water = (tau - values) if choice.water_below else (values - tau)
    m = (np.float32(0.5) + np.float32(0.5) * toward_water / span).clip(0.0, 1.0).astype(np.float32)
    ok = values.notnull() if valid is None else valid & values.notnull()
    return m.where(ok).rename(choice.method)


def _sum(arrays: list[xr.DataArray]) -> xr.DataArray:
    out = arrays[0]
    for a in arrays[1:]:
        out = out + a
    return out


def ensemble_vote(
    memberships: Mapping[str, xr.DataArray],
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, xr.DataArray]:
    """Majority vote and mean likelihood of the methods' memberships.

    Returns
    -------
    water
        uint8: 1 where more than half of the valid methods vote water, 0 where not, 255 where no method is valid.
    likelihood
        uint8: mean membership of the valid methods x 100, rounded; 255 where no method is valid.
    n_water, n_valid
        uint8: number of methods voting water, and number of methods with a valid observation.
    """
    if not memberships:
        raise InvalidInputError("the ensemble needs at least one method", hint="Give an optical or a SAR input")
    ms = list(memberships.values())
    n_valid = _sum([m.notnull().astype(np.uint8) for m in ms])
    n_water = _sum([(m > 0.5).astype(np.uint8) for m in ms])
    total = _sum([m.fillna(0.0) for m in ms])
    known = n_valid > 0
    water = xr.where(known, (2 * n_water.astype(np.int16) > n_valid).astype(np.uint8), np.uint8(UNKNOWN))
    mean = (total / n_valid.where(known)) * 100.0
    # DataArray.round stays lazy on dask arrays (np.round would compute the whole array here)
    likelihood = xr.where(known, mean.fillna(0.0).round(), UNKNOWN).astype(np.uint8)
    return (
        water.astype(np.uint8).rename("water"),
        likelihood.rename("likelihood"),
        n_water.astype(np.uint8).rename("n_water"),
        n_valid.astype(np.uint8).rename("n_valid"),
    )


def _min_area_block(mask: np.ndarray, min_area_px: int) -> np.ndarray:
    """8-connected components of at least ``min_area_px`` pixels (OpenCV's connected components with sizes)."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    if n <= 1:
        return mask.astype(bool)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area_px
    keep[0] = False
    return keep[labels]


def apply_min_area(water: xr.DataArray, *, min_area_px: int) -> xr.DataArray:
    """Set water patches (8-connected, value 1) of fewer than ``min_area_px`` pixels to dry (0).

    Unknown pixels (255) stay unknown. On dask arrays the blocks overlap by ``min_area_px`` pixels, which makes
    the result exact: a patch that reaches the edge of the overlap spans more than ``min_area_px`` pixels.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> a = np.zeros((5, 5), np.uint8); a[0, 0] = 1; a[2:5, 2:5] = 1
    >>> int(apply_min_area(xr.DataArray(a), min_area_px=4).sum())
    9
    """
    if min_area_px <= 1:
        return water
    is_water = water == 1
    data: Any = is_water.data
    if hasattr(data, "map_overlap"):
        kept = data.map_overlap(
            functools.partial(_min_area_block, min_area_px=min_area_px),
            depth=min_area_px,
            boundary="none",
            dtype=bool,
            meta=np.array((), bool),
        )
    else:
        kept = _min_area_block(np.asarray(data), min_area_px)
    removed = is_water & ~is_water.copy(data=kept)
    return xr.where(removed, np.uint8(0), water).astype(np.uint8).rename(water.name)
