"""Water bodies over time: occurrence, water-area series in an equal-area CRS, shorelines, trend with uncertainty.

Input is a stack of per-date water maps, uint8 ``(time, y, x)``: 0 dry, 1 water, 255 unknown, either read from a
third-party product (OPERA DSWx via :func:`dswx_to_water`, JRC) or made from reflectance scenes by
:func:`classify_water_series`, which runs the flood issue's classifier (:func:`spacebridge.earth.flood.map_flood`:
MNDWI or NDWI with a per-date scene-adaptive threshold, minimum mapping unit, unknown where not observed) on each
date and keeps its ``extent``.

Methods
-------
- **Occurrence** (WOfS, Mueller et al. 2016, Remote Sens. Environ. 174:341-352): per pixel, the number of wet
  observations divided by the number of clear observations; pixels never observed are NaN.
- **Area series**: water and known (observed) area per date from per-pixel equal-area areas
  (:mod:`spacebridge.earth.areas`), with the unknown fraction; dates more than ``max_unknown_fraction`` unknown
  are flagged and left out of the trend (a partly clouded lake looks smaller).
- **Trend**: ordinary least squares of area on time, with the slope's standard error and 95 % confidence
  interval (Student t, n - 2 degrees of freedom), and the Theil-Sen slope with its 95 % interval (Sen 1968),
  robust to outlying dates; both in km² per year.
- **Shorelines**: iso-lines of the occurrence (or of one date's map) at 0.5 (marching squares, scikit-image),
  in the grid's CRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from spacebridge.core.errors import DataError, InvalidInputError, NoValidDataError

__all__ = [
    "DSWX_WATER_CLASSES",
    "WaterTrend",
    "classify_water_series",
    "dswx_to_water",
    "shorelines",
    "water_area_series",
    "water_occurrence",
    "water_trend",
]

UNKNOWN = 255

#: OPERA DSWx-HLS ``WTR`` classes counted as water (1 open water, 2 partial surface water) and as dry (0); every
#: other value (252 snow/ice, 253 cloud/cloud shadow, 254 ocean masked, 255 fill) is unknown. OPERA DSWx-HLS
#: Product Specification (JPL D-107395), layer WTR.
DSWX_WATER_CLASSES: tuple[tuple[int, ...], tuple[int, ...]] = ((1, 2), (0,))


def dswx_to_water(wtr: xr.DataArray) -> xr.DataArray:
    """OPERA DSWx ``WTR`` classes to a water map: 1 water (open or partial), 0 not water, 255 unknown.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dswx_to_water(xr.DataArray(np.array([0, 1, 2, 252, 253, 255], "uint8"))).values.tolist()
    [0, 1, 1, 255, 255, 255]
    """
    water, dry = DSWX_WATER_CLASSES
    out = xr.where(wtr.isin(water), 1, xr.where(wtr.isin(dry), 0, UNKNOWN)).astype("uint8")
    out = out.assign_coords({k: v for k, v in wtr.coords.items() if k not in wtr.dims})  # the grid, with its CRS
    out.name = "water"
    out.attrs = {"nodata": UNKNOWN, "flag_values": [0, 1], "flag_meanings": "not_water water",
                 "source": "OPERA DSWx WTR: 1, 2 water; 0 not water; other classes unknown"}  # fmt: skip
    return out


def classify_water_series(
    index: xr.DataArray,
    *,
    valid: xr.DataArray | None = None,
    index_name: str = "mndwi",
    params: Any = None,
    time_dim: str = "time",
) -> tuple[xr.DataArray, list[dict[str, Any]]]:
    """Per-date water maps from a water index series with the flood classifier (no code of our own).

    Parameters
    ----------
    index
        MNDWI or NDWI ``(time, y, x)``, NaN where invalid (from ``compute_index`` on each date).
    valid
        Clear-observation mask of the same shape (cloud masks); ``None`` uses the finite index values.
    index_name
        ``"mndwi"`` (Xu 2006) or ``"ndwi"`` (McFeeters 1996): selects the classifier's method and fallback.
    params
        :class:`spacebridge.earth.flood.FloodParams` (default: its cited defaults).

    Returns
    -------
    (maps, thresholds): uint8 ``(time, y, x)`` water maps (0 dry, 1 water, 255 unknown) and, per date, the
    threshold record of the classifier (value, bimodal tiles, fallback).
    """
    import warnings

    from spacebridge.core.errors import ThresholdFallbackWarning
    from spacebridge.earth.flood import FloodParams, OpticalInput, map_flood

    if time_dim not in index.dims:
        raise InvalidInputError(f"the water index has no {time_dim!r} dimension", name="index")
    maps, records = [], []
    for i in range(index.sizes[time_dim]):
        plane = index.isel({time_dim: i})
        ok = valid.isel({time_dim: i}) if valid is not None else None
        when = str(np.datetime_as_string(index[time_dim].values[i], unit="D")) if time_dim in index.coords else str(i)
        if not bool((plane.notnull() if ok is None else plane.notnull() & ok).any()):
            maps.append(xr.full_like(plane, UNKNOWN, dtype="uint8"))
            records.append({"date": when, "note": "no valid pixel: all unknown"})
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ThresholdFallbackWarning)
            result = map_flood(optical=OpticalInput(plane, index_name, ok), params=params or FloodParams())
        for w in caught:
            warnings.warn(f"{when}: {w.message}", w.category, stacklevel=2)
        maps.append(result.extent.astype("uint8"))
        records.append({"date": when, **result.thresholds[0].to_dict()})
    out = xr.concat(maps, dim=index[time_dim]).astype("uint8")
    out.name = "water"
    out.attrs = {"nodata": UNKNOWN, "flag_values": [0, 1], "flag_meanings": "dry water"}
    return out, records


def _stack(water: xr.DataArray, time_dim: str) -> np.ndarray:
    if time_dim not in water.dims:
        raise InvalidInputError(f"the water maps have no {time_dim!r} dimension", name="water")
    codes = np.asarray(water.transpose(time_dim, ...).values)
    bad = ~np.isin(codes, [0, 1, UNKNOWN])
    if bad.any():
        raise InvalidInputError(
            f"water maps must hold 0 dry, 1 water, 255 unknown; found {sorted(np.unique(codes[bad]).tolist())[:5]}",
            hint="Convert the product's classes first (e.g. OPERA DSWx: 1, 2 -> 1; 0 -> 0; others -> 255)",
            name="water",
        )
    return codes


def water_occurrence(water: xr.DataArray, *, time_dim: str = "time") -> xr.Dataset:
    """``occurrence`` (0-1, NaN never observed), ``wet`` and ``clear`` counts (WOfS summary)."""
    codes = _stack(water, time_dim)
    wet = (codes == 1).sum(axis=0).astype("uint16")
    clear = (codes != UNKNOWN).sum(axis=0).astype("uint16")
    with np.errstate(invalid="ignore", divide="ignore"):
        occurrence = np.where(clear > 0, wet / clear, np.nan).astype("float32")
    template = water.isel({time_dim: 0}, drop=True)
    return xr.Dataset(
        {
            "occurrence": template.copy(data=occurrence).astype("float32"),
            "wet": template.copy(data=wet).astype("uint16"),
            "clear": template.copy(data=clear).astype("uint16"),
        },
        attrs={"n_dates": int(codes.shape[0]), "method": "WOfS frequency (Mueller et al. 2016)"},
    )


def water_area_series(
    water: xr.DataArray,
    *,
    pixel_area_m2: np.ndarray | float,
    aoi: np.ndarray | None = None,
    max_unknown_fraction: float = 0.1,
    time_dim: str = "time",
) -> pd.DataFrame:
    """Per date: water km², known km², unknown fraction, and whether the date is usable for a trend."""
    codes = _stack(water, time_dim)
    area = np.broadcast_to(np.asarray(pixel_area_m2, dtype="float64"), codes.shape[1:])
    inside = np.ones(codes.shape[1:], bool) if aoi is None else np.asarray(aoi, bool)
    if not inside.any():
        raise NoValidDataError("the AOI covers no pixel of the water maps", hint="Check the AOI and the grid")
    total = area[inside].sum()
    rows = []
    for t, plane in zip(water[time_dim].values, codes, strict=True):
        known = area[inside & (plane != UNKNOWN)].sum()
        unknown_fraction = 1.0 - known / total
        rows.append(
            {
                "time": pd.Timestamp(t),
                "water_km2": area[inside & (plane == 1)].sum() / 1e6,
                "known_km2": known / 1e6,
                "unknown_fraction": unknown_fraction,
                "usable": unknown_fraction <= max_unknown_fraction,
            }
        )
    return pd.DataFrame(rows).set_index("time")


@dataclass(frozen=True)
class WaterTrend:
    """Linear trend of water area (km² per year) with its uncertainty."""

    ols_km2_per_year: float
    ols_stderr_km2_per_year: float
    ols_ci95_km2_per_year: tuple[float, float]
    theil_sen_km2_per_year: float
    theil_sen_ci95_km2_per_year: tuple[float, float]
    n_dates: int
    first: str
    last: str

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def water_trend(series: pd.DataFrame, *, column: str = "water_km2") -> WaterTrend:
    """OLS and Theil-Sen trends of ``series[column]`` over its usable dates (module notes)."""
    from scipy import stats

    usable = series[series["usable"]] if "usable" in series else series
    usable = usable[np.isfinite(usable[column])]
    if len(usable) < 3:
        raise DataError(
            f"a trend needs at least 3 usable dates; {len(usable)} of {len(series)} are usable",
            hint="Add dates, or raise max_unknown_fraction if clouds make dates unusable",
            usable=len(usable),
        )
    idx = pd.DatetimeIndex(usable.index)
    years = (idx - idx[0]).total_seconds().to_numpy() / (365.25 * 86400.0)
    if np.ptp(years) == 0:
        raise DataError("all usable dates are the same day: no trend", hint="Give dates spread in time")
    y = usable[column].to_numpy(dtype="float64")
    ols = stats.linregress(years, y)
    t = stats.t.ppf(0.975, len(y) - 2)
    ts = stats.theilslopes(y, years, alpha=0.95)
    return WaterTrend(
        ols_km2_per_year=float(ols.slope),
        ols_stderr_km2_per_year=float(ols.stderr),
        ols_ci95_km2_per_year=(float(ols.slope - t * ols.stderr), float(ols.slope + t * ols.stderr)),
        theil_sen_km2_per_year=float(ts.slope),
        theil_sen_ci95_km2_per_year=(float(ts.low_slope), float(ts.high_slope)),
        n_dates=len(y),
        first=idx[0].date().isoformat(),
        last=idx[-1].date().isoformat(),
    )


def shorelines(surface: xr.DataArray, *, level: float = 0.5) -> list[Any]:
    """Shoreline LineStrings (grid CRS) at ``level`` of an occurrence map or a 0/1 water map (255 = NaN)."""
    from shapely.geometry import LineString
    from skimage import measure

    from spacebridge.earth.areas import geobox_of

    values = np.asarray(surface.values, dtype="float32")
    if surface.dtype == np.uint8:
        values = np.where(np.asarray(surface.values) == UNKNOWN, np.nan, values)
    gbox = geobox_of(surface)
    a = gbox.affine
    lines = []
    for contour in measure.find_contours(values, level):
        if len(contour) < 2:
            continue
        rows, cols = contour[:, 0] + 0.5, contour[:, 1] + 0.5
        xs = a.a * cols + a.b * rows + a.c
        ys = a.d * cols + a.e * rows + a.f
        lines.append(LineString(np.column_stack([xs, ys])))
    return lines
