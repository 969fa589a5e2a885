"""Vegetation condition and drought: NDVI climatology, z-score anomaly, VCI, TCI, VHI and drought classes.

Method
------
1. The NDVI series is composited per calendar period (maximum-value composite of the clear observations,
   Holben 1986): months (``"month"``) or meteorological seasons (``"season"``, DJF MAM JJA SON).
2. The per-pixel climatology of each period of the year (January, ..., or DJF, ...) over all years: mean,
   standard deviation (ddof=1), minimum, maximum and the number of years with a value.
3. Anomaly ``z = (NDVI - mean) / std``; Vegetation Condition Index ``VCI = 100 (NDVI - min) / (max - min)``
   (Kogan 1995); with a brightness-temperature (or land-surface temperature) series in kelvin,
   ``TCI = 100 (BTmax - BT) / (BTmax - BTmin)`` and ``VHI = a VCI + (1 - a) TCI`` with ``a = 0.5`` (Kogan 1995,
   2001), BT composited per period by its maximum (clouds cool the brightness temperature, so the period's
   warmest observation is its clear-sky value; Kogan's weekly AVHRR composites keep the BT of the maximum-NDVI
   observation instead, which needs NDVI and BT from the same acquisitions) and its climatology built like NDVI's.
4. Drought classes from VHI (or VCI without temperature), after Kogan (2002): < 10 extreme, 10-20 severe,
   20-30 moderate, 30-40 mild, >= 40 no drought; 255 unknown.

A climatology needs at least 2 years (else :class:`DataError`); under ``min_years`` (default 10, the usual
minimum for NDVI normals from MODIS or Sentinel-2) the result carries a :class:`DegradedResultWarning`.

References
----------
- Kogan, F.N. (1995) Application of vegetation index and brightness temperature for drought detection. Adv.
  Space Res. 15(11), 91-100.
- Kogan, F.N. (2001) Operational space technology for global vegetation assessment. Bull. Amer. Meteor. Soc.
  82, 1949-1964.
- Kogan, F.N. (2002) World droughts in the new millennium from AVHRR-based Vegetation Health Indices. Eos 83(48).
- Holben, B.N. (1986) Int. J. Remote Sens. 7, 1417-1434.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from spacebridge.core.errors import DataError, DegradedResultWarning, InvalidInputError

__all__ = [
    "DROUGHT_CLASSES",
    "KELVIN_RANGE",
    "Climatology",
    "DroughtResult",
    "check_kelvin",
    "climatology",
    "drought_classes",
    "tci",
    "vci",
    "vegetation_condition",
    "vhi",
]

UNKNOWN = 255

#: Kogan (2002) VHI classes: (code, name, lower bound inclusive, upper bound exclusive).
DROUGHT_CLASSES: tuple[tuple[int, str, float, float], ...] = (
    (4, "extreme", -np.inf, 10.0),
    (3, "severe", 10.0, 20.0),
    (2, "moderate", 20.0, 30.0),
    (1, "mild", 30.0, 40.0),
    (0, "no_drought", 40.0, np.inf),
)

_PERIODS: Mapping[str, str] = {"month": "1MS", "season": "QS-DEC"}


@dataclass(frozen=True)
class Climatology:
    """Per-pixel statistics of each period of the year, dims ``(period, y, x)``; ``period`` = start month."""

    mean: xr.DataArray
    std: xr.DataArray
    min: xr.DataArray
    max: xr.DataArray
    n_years: xr.DataArray
    years: tuple[int, ...]


def _period_key(times: Any) -> np.ndarray:
    return pd.DatetimeIndex(np.asarray(times)).month.to_numpy()


def climatology(composites: xr.DataArray, *, min_years: int = 10, time_dim: str = "time") -> Climatology:
    """Climatology of period composites (one value per period and year) grouped by period of the year."""
    years = sorted(set(pd.DatetimeIndex(composites[time_dim].values).year))
    if len(years) < 2:
        raise DataError(
            f"a climatology needs at least 2 years of data; the series covers {years}",
            hint="Give a longer time series (ideally 10 years or more)",
            years=years,
        )
    if len(years) < min_years:
        warnings.warn(
            f"the climatology rests on {len(years)} years (< {min_years}): anomalies and VCI are indicative only",
            DegradedResultWarning,
            stacklevel=2,
        )
    keyed = composites.assign_coords(period=(time_dim, _period_key(composites[time_dim].values)))
    grouped = keyed.groupby("period")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Degrees of freedom", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        return Climatology(
            mean=grouped.mean(time_dim),
            std=grouped.std(time_dim, ddof=1),
            min=grouped.min(time_dim),
            max=grouped.max(time_dim),
            n_years=grouped.count(time_dim),
            years=tuple(int(y) for y in years),
        )


def _per_period(values: xr.DataArray, stat: xr.DataArray, time_dim: str) -> xr.DataArray:
    return stat.sel(period=xr.DataArray(_period_key(values[time_dim].values), dims=time_dim)).drop_vars("period")


def vci(ndvi: xr.DataArray, clim: Climatology, *, time_dim: str = "time") -> xr.DataArray:
    """Vegetation Condition Index 0-100 (Kogan 1995); NaN where the climatology has no range."""
    lo, hi = _per_period(ndvi, clim.min, time_dim), _per_period(ndvi, clim.max, time_dim)
    out = (100.0 * (ndvi - lo) / (hi - lo).where(hi > lo)).clip(0, 100).astype("float32")
    out.name = "vci"
    return out


def tci(bt_k: xr.DataArray, clim: Climatology, *, time_dim: str = "time") -> xr.DataArray:
    """Temperature Condition Index 0-100 (Kogan 1995): cooler than the warmest year = healthier."""
    lo, hi = _per_period(bt_k, clim.min, time_dim), _per_period(bt_k, clim.max, time_dim)
    out = (100.0 * (hi - bt_k) / (hi - lo).where(hi > lo)).clip(0, 100).astype("float32")
    out.name = "tci"
    return out


#: Plausible brightness / land-surface temperatures in kelvin: below 150 K is not an Earth surface (Celsius values
#: read as kelvin are below 100), above 400 K is a scaled or digital-number product.
KELVIN_RANGE = (150.0, 400.0)


def check_kelvin(bt_k: xr.DataArray, *, name: str = "temperature") -> None:
    """Raise :class:`InvalidInputError` unless the finite values of ``bt_k`` lie in :data:`KELVIN_RANGE`.

    Examples
    --------
    >>> check_kelvin(xr.DataArray([288.1, 301.5]))  # passes; 15.0 (degC read as K) would raise
    """
    values = np.asarray(bt_k.values, dtype="float64")
    finite = values[np.isfinite(values)]
    if not finite.size:
        return
    low, high = float(finite.min()), float(finite.max())
    if KELVIN_RANGE[0] <= low and high <= KELVIN_RANGE[1]:
        return
    celsius = low < KELVIN_RANGE[0]
    raise InvalidInputError(
        f"the {name} values range from {low:g} to {high:g} K, "
        + (f"below {KELVIN_RANGE[0]:g} K: they look like degrees Celsius, not kelvin" if celsius
           else f"above {KELVIN_RANGE[1]:g} K: they look like scaled digital numbers, not kelvin"),
        hint="Give brightness or land-surface temperatures in kelvin (K = degC + 273.15)" if celsius
        else "Apply the product's scale and offset first (e.g. Landsat C2 ST_B10: 0.00341802 DN + 149.0 K)",
        name=name, minimum=low, maximum=high, unit="K",
    )  # fmt: skip


def vhi(vci_values: xr.DataArray, tci_values: xr.DataArray, *, weight_vci: float = 0.5) -> xr.DataArray:
    """Vegetation Health Index ``a VCI + (1 - a) TCI`` (Kogan 2001, a = 0.5)."""
    if not 0.0 <= weight_vci <= 1.0:
        raise InvalidInputError(f"weight_vci={weight_vci} must be in [0, 1]", name="weight_vci")
    out = (weight_vci * vci_values + (1.0 - weight_vci) * tci_values).astype("float32")
    out.name = "vhi"
    return out


def drought_classes(index: xr.DataArray) -> xr.DataArray:
    """uint8 drought classes of :data:`DROUGHT_CLASSES` from VHI or VCI (0-100); 255 unknown."""
    values = np.asarray(index.values)
    out = np.full(values.shape, UNKNOWN, dtype="uint8")
    for code, _, lo, hi in DROUGHT_CLASSES:
        out[(values >= lo) & (values < hi)] = code
    da = index.copy(data=out)
    da.name = "drought_class"
    da.attrs = {"nodata": UNKNOWN, "flag_values": [c[0] for c in DROUGHT_CLASSES],
                "flag_meanings": " ".join(c[1] for c in DROUGHT_CLASSES)}  # fmt: skip
    return da


@dataclass(frozen=True)
class DroughtResult:
    composites: xr.DataArray
    """Maximum-value NDVI per period, ``(time, y, x)``."""
    climatology: Climatology
    anomaly: xr.DataArray
    """z-score of each composite against its period's climatology."""
    vci: xr.DataArray
    classes: xr.DataArray
    vhi: xr.DataArray | None = None
    chosen: Mapping[str, Any] = field(default_factory=dict)
    tci: xr.DataArray | None = None
    """Temperature Condition Index per period (with a temperature series)."""


def vegetation_condition(
    ndvi: xr.DataArray,
    *,
    valid: xr.DataArray | None = None,
    period: str = "month",
    bt_k: xr.DataArray | None = None,
    min_years: int = 10,
    time_dim: str = "time",
) -> DroughtResult:
    """NDVI composites, climatology, z-score anomaly, VCI (and VHI with ``bt_k``), drought classes."""
    from spacebridge.earth.composite import max_ndvi_composite

    if period not in _PERIODS:
        raise InvalidInputError(f"period={period!r} is not one of {sorted(_PERIODS)}", name="period", value=period)
    if time_dim not in ndvi.dims or ndvi.sizes[time_dim] < 2:
        raise InvalidInputError(
            "drought analysis needs an NDVI time series with at least two dates",
            hint="Pass a (time, y, x) NDVI stack covering several years",
            name="ndvi",
        )
    comp = max_ndvi_composite(ndvi.to_dataset(name="ndvi"), ndvi=ndvi, valid=valid, period=_PERIODS[period])
    composites = comp.data["ndvi"].compute()
    clim = climatology(composites, min_years=min_years, time_dim=time_dim)
    mean, std = _per_period(composites, clim.mean, time_dim), _per_period(composites, clim.std, time_dim)
    anomaly = ((composites - mean) / std.where(std > 0)).astype("float32")
    anomaly.name = "ndvi_anomaly_z"
    vci_values = vci(composites, clim, time_dim=time_dim)
    health = tci_values = None
    if bt_k is not None:
        check_kelvin(bt_k, name="bt_k")
        bt_comp = bt_k.resample({time_dim: _PERIODS[period]}).max().reindex({time_dim: composites[time_dim]})
        tci_values = tci(bt_comp, climatology(bt_comp, min_years=min_years), time_dim=time_dim)
        health = vhi(vci_values, tci_values)
    classes = drought_classes(health if health is not None else vci_values)
    chosen = {
        "period": period,
        "composite": "max-value NDVI",
        "climatology_years": list(clim.years),
        "min_years": min_years,
        "classes_from": "VHI" if health is not None else "VCI",
    }
    return DroughtResult(composites, clim, anomaly, vci_values, classes, vhi=health, chosen=chosen, tci=tci_values)
