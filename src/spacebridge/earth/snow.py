"""Snow cover: the two-pass Theia Let-It-Snow method, the MODIS-style rule, fractional snow cover, glaciers.

Every snow map is uint8: 0 no snow, 1 snow, 255 unknown (cloud, no data).

Methods
-------
- **MODIS-style** (Hall, Riggs & Salomonson 1995; Hall et al. 2002): snow where NDSI >= 0.4, NIR reflectance
  > 0.11 (rejects water) and green reflectance > 0.10 (rejects dark targets).
- **Let-It-Snow** (Gascoin, Grizonnet, Bouchet, Salgues & Hagolle 2019, Earth Syst. Sci. Data 11:493-514; LIS
  v1 defaults): pass 1 snow where NDSI > n1 = 0.4 and red > r1 = 0.2; the snowline ``zs`` is the lower edge of the
  lowest DEM band (``dz`` = 100 m) whose cloud-free fraction exceeds ``fclear_lim`` = 0.1 and whose pass-1 snow
  fraction among cloud-free pixels exceeds ``fsnow_lim`` = 0.1, minus ``2 dz``; pass 2 adds pixels above ``zs``
  with NDSI > n2 = 0.15 and red > r2 = 0.04. Pass 2 runs only if the pass-1 snow fraction of the scene exceeds
  ``fsnow_total_lim`` = 0.001. Pass-1 snow inside the cloud mask is kept as snow (bright snow is a common cloud
  false alarm); LIS's other cloud refinements (dark clouds, cloud shadows from MAJA flags) are not reproduced:
  the cloud mask comes from :mod:`spacebridge.earth.masks`.
- **Fractional snow cover** (Salomonson & Appel 2004, Remote Sens. Environ. 89:351-360, MODIS Terra):
  ``FSC = -0.01 + 1.45 NDSI``, clipped to [0, 1] (also LIS's ``fscToc``).
- **Glaciers**: clean ice where red / swir16 >= 2.0 (Paul et al. 2002, Ann. Glaciol. 34:355-361, TM3/TM5) or
  NDSI >= 0.4 (Racoviteanu, Williams & Barry 2008, Sensors 8:3355-3383), with a minimum area (the workflow uses
  0.01 km², the GLIMS / RGI minimum glacier size). With ``nir``, pixels with NIR reflectance <= 0.11 are not ice:
  the water test of the MODIS snow rule (Hall et al. 1995), since clear and turbid water also have a high
  red/SWIR ratio (a confusion Paul et al. 2002 corrected by hand). Seasonal snow has the same signature as ice:
  map glaciers at the end of the ablation season (Paul et al. 2013, Ann. Glaciol. 54(63):171-182).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import GridMismatchError, InvalidInputError, NoValidDataError

__all__ = [
    "LIS_DEFAULTS",
    "LisParams",
    "SnowMap",
    "fractional_snow_cover",
    "glacier_area_change",
    "glacier_mask",
    "let_it_snow",
    "modis_snow",
    "snow_cover_series",
    "snow_from_scl",
]

UNKNOWN = 255


@dataclass(frozen=True)
class LisParams:
    """Let-It-Snow parameters (Gascoin et al. 2019, LIS v1 defaults); reflectances unitless, elevations in m."""

    ndsi_pass1: float = 0.4
    red_pass1: float = 0.2
    ndsi_pass2: float = 0.15
    red_pass2: float = 0.04
    dz_m: float = 100.0
    fsnow_lim: float = 0.1
    fclear_lim: float = 0.1
    fsnow_total_lim: float = 0.001


LIS_DEFAULTS = LisParams()


@dataclass(frozen=True)
class SnowMap:
    """A snow map (uint8 0/1/255) and the values the method chose."""

    snow: xr.DataArray
    chosen: Mapping[str, Any] = field(default_factory=dict)


def _codes(snow: xr.DataArray | np.ndarray, known: xr.DataArray | np.ndarray, like: xr.DataArray) -> xr.DataArray:
    out = like.copy(data=np.where(np.asarray(known), np.asarray(snow).astype("uint8"), np.uint8(UNKNOWN)))
    out = out.astype("uint8")
    out.name = "snow"
    out.attrs = {"nodata": UNKNOWN, "flag_values": [0, 1], "flag_meanings": "no_snow snow"}
    return out


def _known(ndsi: xr.DataArray, valid: xr.DataArray | None) -> np.ndarray:
    known = np.isfinite(np.asarray(ndsi.values))
    if valid is not None:
        known &= np.asarray(valid.values, dtype=bool)
    return known


def modis_snow(
    ndsi: xr.DataArray,
    *,
    nir: xr.DataArray,
    green: xr.DataArray | None = None,
    valid: xr.DataArray | None = None,
    ndsi_min: float = 0.4,
    nir_min: float = 0.11,
    green_min: float = 0.10,
) -> SnowMap:
    """Snow by the MODIS SNOMAP rule (Hall et al. 1995, 2002); reflectances unitless."""
    known = _known(ndsi, valid) & np.isfinite(np.asarray(nir.values))
    snow = (np.asarray(ndsi.values) >= ndsi_min) & (np.asarray(nir.values) > nir_min)
    if green is not None:
        snow &= np.asarray(green.values) > green_min
    chosen = {"method": "modis-snomap", "ndsi_min": ndsi_min, "nir_min": nir_min, "green_min": green_min}
    return SnowMap(_codes(snow, known, ndsi), chosen)


def _snowline(pass1: np.ndarray, clear: np.ndarray, dem: np.ndarray, p: LisParams) -> float | None:
    finite = np.isfinite(dem)
    if not finite.any():
        return None
    z0 = np.floor(np.nanmin(dem) / p.dz_m) * p.dz_m
    bands = np.floor((np.where(finite, dem, z0) - z0) / p.dz_m).astype(int)
    for b in range(int(bands[finite].max()) + 1):
        in_band = finite & (bands == b)
        total = in_band.sum()
        n_clear = (in_band & clear).sum()
        if total == 0 or n_clear / total <= p.fclear_lim:
            continue
        if (in_band & clear & pass1).sum() / n_clear > p.fsnow_lim:
            return float(max(z0 + b * p.dz_m - 2 * p.dz_m, np.nanmin(dem)))
    return None


def let_it_snow(
    ndsi: xr.DataArray,
    *,
    red: xr.DataArray,
    dem_m: xr.DataArray,
    valid: xr.DataArray | None = None,
    params: LisParams = LIS_DEFAULTS,
) -> SnowMap:
    """Snow by the two-pass Let-It-Snow method (module notes). ``valid`` is the cloud-free mask."""
    if dem_m.shape != ndsi.shape:
        raise GridMismatchError(
            f"the DEM has shape {dem_m.shape}, the scene {ndsi.shape}",
            hint="Resample the DEM onto the scene's grid (earth.load.align_to or odc-geo reproject)",
            name="dem_m",
        )
    nd, rd, dem = (np.asarray(a.values, dtype="float32") for a in (ndsi, red, dem_m))
    data_ok = np.isfinite(nd) & np.isfinite(rd)
    clear = data_ok & (np.asarray(valid.values, dtype=bool) if valid is not None else True)
    if not data_ok.any():
        raise NoValidDataError("the scene has no valid pixel for snow mapping", hint="Check the inputs' nodata")
    pass1 = data_ok & (nd > params.ndsi_pass1) & (rd > params.red_pass1)
    snow = pass1.copy()
    zs = None
    fraction = pass1[data_ok].mean()
    if fraction > params.fsnow_total_lim:
        zs = _snowline(pass1, clear, dem, params)
        if zs is not None:
            pass2 = data_ok & (dem >= zs) & (nd > params.ndsi_pass2) & (rd > params.red_pass2)
            snow |= pass2 & clear
    known = clear | pass1  # pass-1 snow under the cloud mask is snow
    chosen = {
        "method": "let-it-snow",
        "snowline_m": zs,
        "pass1_snow_fraction": round(float(fraction), 5),
        "pass2_run": zs is not None,
        **{k: getattr(params, k) for k in params.__dataclass_fields__},
    }
    return SnowMap(_codes(snow, known, ndsi), chosen)


def fractional_snow_cover(ndsi: xr.DataArray, *, a: float = -0.01, b: float = 1.45) -> xr.DataArray:
    """Fractional snow cover 0-1 from NDSI (Salomonson & Appel 2004): ``a + b NDSI`` clipped; NaN stays NaN.

    Examples
    --------
    >>> import xarray as xr
    >>> fractional_snow_cover(xr.DataArray([0.0, 0.5, 0.9])).values.round(3).tolist()
    [0.0, 0.715, 1.0]
    """
    fsc = (a + b * ndsi).clip(0.0, 1.0).astype("float32")
    fsc.name = "fsc"
    return fsc


def snow_cover_series(
    snow: xr.DataArray, *, pixel_area_m2: np.ndarray | float, aoi: np.ndarray | None = None, time_dim: str = "time"
) -> Any:
    """Per date: snow km², known km², snow fraction of the known area, unknown fraction (a pandas DataFrame).

    ``snow`` is a (time, y, x) uint8 map (0/1/255); ``aoi`` an optional boolean mask of the area of interest.
    """
    import pandas as pd

    if time_dim not in snow.dims or snow.sizes[time_dim] < 2:
        raise InvalidInputError(
            "a snow-cover time series needs at least two dates",
            hint="Pass a (time, y, x) stack of snow maps",
            name="snow",
        )
    codes = np.asarray(snow.transpose(time_dim, ...).values)
    area = np.broadcast_to(np.asarray(pixel_area_m2, dtype="float64"), codes.shape[1:])
    inside = np.ones(codes.shape[1:], bool) if aoi is None else np.asarray(aoi, bool)
    if not inside.any():
        raise NoValidDataError("the AOI covers no pixel of the snow maps", hint="Check the AOI and the grid")
    total = area[inside].sum()
    rows = []
    for t, plane in zip(snow[time_dim].values, codes, strict=True):
        snow_m2 = area[inside & (plane == 1)].sum()
        known_m2 = area[inside & (plane != UNKNOWN)].sum()
        rows.append(
            {
                "time": pd.Timestamp(t),
                "snow_km2": snow_m2 / 1e6,
                "known_km2": known_m2 / 1e6,
                "snow_fraction": snow_m2 / known_m2 if known_m2 > 0 else np.nan,
                "unknown_fraction": 1 - known_m2 / total,
            }
        )
    return pd.DataFrame(rows).set_index("time")


def _hidden_small_patches(small: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The patches under the minimum area that touch an unknown pixel: they may be the visible part of a larger
    glacier under a cloud, so they are unknown, not 'no ice'."""
    from scipy import ndimage

    labels, n = ndimage.label(small)
    if n == 0:
        return np.zeros(small.shape, bool)
    touching = np.unique(labels[ndimage.binary_dilation(~known) & small])
    return np.isin(labels, touching[touching > 0])


def glacier_mask(
    *,
    red: xr.DataArray | None = None,
    swir16: xr.DataArray | None = None,
    ndsi: xr.DataArray | None = None,
    nir: xr.DataArray | None = None,
    valid: xr.DataArray | None = None,
    method: str = "ratio",
    ratio_min: float = 2.0,
    ndsi_min: float = 0.4,
    nir_min: float = 0.11,
    min_area_px: int = 1,
) -> xr.DataArray:
    """Clean-ice mask (uint8 0/1/255) by band ratio red/swir16 (Paul et al. 2002) or NDSI, with a minimum area.

    Reflectances are unitless; ``nir`` (optional) rejects water (NIR <= ``nir_min``, Hall et al. 1995); patches
    of fewer than ``min_area_px`` pixels (4-connected, as the outline polygons) are not ice, unless they touch an
    unknown pixel (then they are unknown: a cloud may hide the rest of the glacier). References: module notes.
    """
    from skimage import morphology

    if method == "ratio":
        if red is None or swir16 is None:
            raise InvalidInputError("method='ratio' needs red and swir16", hint="Or use method='ndsi'", name="method")
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.asarray(red.values) / np.asarray(swir16.values)
        ice, like = value >= ratio_min, red
    elif method == "ndsi":
        if ndsi is None:
            raise InvalidInputError("method='ndsi' needs ndsi", hint="Or use method='ratio'", name="method")
        value = np.asarray(ndsi.values)
        ice, like = value >= ndsi_min, ndsi
    else:
        raise InvalidInputError(f"method={method!r} is not 'ratio' or 'ndsi'", name="method", value=method)
    known = np.isfinite(value)
    if valid is not None:
        known &= np.asarray(valid.values, dtype=bool)
    if nir is not None:
        reflectance = np.asarray(nir.values)
        known &= np.isfinite(reflectance)
        ice &= reflectance > nir_min
    seen = ice & known
    ice = morphology.remove_small_objects(seen, max_size=max(min_area_px, 1) - 1, connectivity=1)
    known &= ~_hidden_small_patches(seen & ~ice, known)
    out = _codes(ice, known, like)
    out.name = "glacier"
    return out


def glacier_area_change(
    before: xr.DataArray, after: xr.DataArray, *, pixel_area_m2: np.ndarray | float
) -> dict[str, float]:
    """Glacier area at two dates and its change, over pixels known at both dates (km²)."""
    a, b = np.asarray(before.values), np.asarray(after.values)
    if a.shape != b.shape:
        raise GridMismatchError(
            f"the glacier maps have shapes {a.shape} and {b.shape}", hint="Put both dates on one grid first"
        )
    area = np.broadcast_to(np.asarray(pixel_area_m2, dtype="float64"), a.shape)
    both = (a != UNKNOWN) & (b != UNKNOWN)
    km2_a = area[both & (a == 1)].sum() / 1e6
    km2_b = area[both & (b == 1)].sum() / 1e6
    return {
        "area_before_km2": km2_a,
        "area_after_km2": km2_b,
        "change_km2": km2_b - km2_a,
        "change_percent": 100.0 * (km2_b - km2_a) / km2_a if km2_a > 0 else float("nan"),
        "unknown_km2": area[~both].sum() / 1e6,
    }


def snow_from_scl(scl: xr.DataArray) -> xr.DataArray:
    """Snow map (uint8 0/1/255) from Sen2Cor SCL: class 11 snow; cloud, shadow, no data unknown."""
    from spacebridge.earth.masks import scl_snow

    frac = scl_snow(scl)
    return _codes(np.nan_to_num(frac.values, nan=0.0) > 0.5, np.isfinite(frac.values), scl)
