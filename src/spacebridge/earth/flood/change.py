"""Telling flood water from permanent water: change detection against a pre-event scene, and a reference mask.

With a pre-event scene, change methods compare the two dates: the backscatter difference post - pre in dB for
SAR (each polarisation present on both dates) and the water-index difference post - pre for optical images. Each
difference gets its own scene-adaptive threshold by the same split-based search as the water methods (Chini et al.
2017 apply their HSBA to the difference image in the same way), and the change methods vote like the water
methods: a pixel *changed* where more than half of the change methods with a valid observation say so.

The class of a water pixel (ensemble water = 1) is then, in this order:

1. **permanent water (2)** where the user's reference water mask says water (the reference is removed from the
   flood, as GFM removes its reference water mask);
2. **flood water (1)** where a change was detected, **permanent water (2)** where both dates were observed and no
   change was detected (the pixel was already water-like before the event);
3. without a pre-event observation: **flood water (1)** when a reference mask was given (water outside the
   reference is new water), otherwise **water of undetermined status (3)**.

Dry pixels are 0 and unknown pixels 255. The ``flood_extent`` product (0 dry, 1 water or flood, 255 unknown) is
this class raster with 1, 2 and 3 merged.

References
----------
Chini, M., Hostache, R., Giustarini, L., Matgen, P. (2017). A hierarchical split-based approach for parametric
thresholding of SAR images: flood inundation as a test case. IEEE TGRS 55(12), 6975-6988.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from spacebridge.earth.flood.ensemble import UNKNOWN

__all__ = ["CLASS_DRY", "CLASS_FLOOD", "CLASS_NAMES", "CLASS_PERMANENT", "CLASS_WATER", "classify_water"]

CLASS_DRY = 0
CLASS_FLOOD = 1
CLASS_PERMANENT = 2
CLASS_WATER = 3
CLASS_NAMES: dict[int, str] = {
    CLASS_DRY: "dry",
    CLASS_FLOOD: "flood water",
    CLASS_PERMANENT: "permanent or reference water",
    CLASS_WATER: "water, flood or permanent undetermined (no pre-event scene, no reference)",
    UNKNOWN: "unknown (no valid observation)",
}


def classify_water(
    water: xr.DataArray,
    *,
    changed: xr.DataArray | None = None,
    reference_water: xr.DataArray | None = None,
) -> xr.DataArray:
    """Class raster (uint8) from the ensemble water map, the change vote and the reference mask.

    Parameters
    ----------
    water
        uint8 ensemble water map: 0 dry, 1 water, 255 unknown.
    changed
        uint8 change vote: 1 changed, 0 unchanged, 255 no valid pre-event observation; ``None`` without a
        pre-event scene.
    reference_water
        Boolean reference water mask on the same grid (``True`` = known permanent water).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> w = xr.DataArray(np.array([0, 1, 1, 1, 255], np.uint8))
    >>> c = xr.DataArray(np.array([1, 1, 0, 255, 1], np.uint8))
    >>> classify_water(w, changed=c).values.tolist()
    [0, 1, 2, 3, 255]
    """
    is_water = water == 1
    has_ref = reference_water is not None
    undetermined = np.uint8(CLASS_FLOOD if has_ref else CLASS_WATER)
    if changed is None:
        status = xr.full_like(water, undetermined, dtype=np.uint8)
    else:
        status = xr.where(
            changed == 1,
            np.uint8(CLASS_FLOOD),
            xr.where(changed == 0, np.uint8(CLASS_PERMANENT), undetermined),
        )
    if reference_water is not None:
        status = xr.where(reference_water.astype(bool), np.uint8(CLASS_PERMANENT), status)
    classes = xr.where(is_water, status, water)  # dry (0) and unknown (255) pass through
    return classes.astype(np.uint8).rename("flood_class")
