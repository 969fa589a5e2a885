"""Recommendation ITU-R P.837-7 (06/2017): characteristics of precipitation for propagation modelling.

- :func:`rain_rate_001_mm_h`: the rainfall rate exceeded for 0.01 % of an average year, R0.01, read from the
  map supplied with P.837-7 (R001, 0.125° grid, bilinear interpolation). P.618-14 uses this value.
- :func:`rain_rate_mm_h`: the full method of Annex 1 for any percentage: monthly mean total rainfall MT
  (0.25° grid) and monthly mean surface temperature T (P.1510-1) give the monthly probability of rain P0 and
  the mean rate r; the annual exceedance probability of a rate R is the day-weighted sum of log-normal
  terms (step 5), and Rp is the rate whose exceedance probability is p, found by bisection on ln R to a
  relative error far below the 1e-3 % tolerance used by the ITU-R validation examples. Rp = 0 when p exceeds
  the annual probability of rain P0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, maps, p1510
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon, check_range

__all__ = ["VERSION", "RainClimate", "rain_climate", "rain_exceedance_percent", "rain_rate_001_mm_h", "rain_rate_mm_h"]

VERSION = "P.837-7"
#: Number of days in each month, N_ii (February counts 28.25 days), P.837-7 Annex 1.
DAYS = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.float64)


@dataclass(frozen=True)
class RainClimate:
    """Monthly rain statistics of P.837-7 Annex 1 steps 1 to 4 (arrays with a trailing month axis of 12)."""

    mt_mm: FloatArray
    """Monthly mean total rainfall MT_ii, in mm."""
    t_c: FloatArray
    """Monthly mean surface temperature T_ii, in °C (P.1510-1)."""
    r_mm_h: FloatArray
    """Mean rain rate r_ii, in mm/h (after the P0 > 70 % correction of step 3)."""
    p0_percent: FloatArray
    """Monthly probability of rain P0_ii, in %."""
    p0_annual_percent: FloatArray
    """Annual probability of rain P0_annual, in % (step 4)."""


def rain_climate(lat_deg: ArrayLike, lon_deg: ArrayLike, *, maps_dir: mapcache.MapsDir = None) -> RainClimate:
    """Steps 1 to 4 of P.837-7 Annex 1 at each site (``maps_dir``: see :mod:`.mapcache`)."""
    lat = np.atleast_1d(as_float_array("lat_deg", lat_deg))
    lon = np.atleast_1d(as_float_array("lon_deg", lon_deg))
    check_latlon(lat, lon)
    mt = np.stack(
        [maps.bilinear(mapcache.load(f"p837/mt_month{m:02d}", maps_dir), lat, lon) for m in range(1, 13)], axis=-1
    )
    t_k = [p1510.surface_mean_temperature_k(lat, lon, month=m, maps_dir=maps_dir) for m in range(1, 13)]
    t_c = np.stack(t_k, axis=-1) - 273.15
    r = np.where(t_c >= 0, 0.5874 * np.exp(0.0883 * t_c), 0.5874)
    p0 = 100 * mt / (24 * DAYS * r)
    capped = p0 > 70
    r = np.where(capped, 100 * mt / (70 * 24 * DAYS), r)
    p0 = np.where(capped, 70.0, p0)
    p0_annual = np.sum(DAYS * p0, axis=-1) / 365.25
    return RainClimate(mt, t_c, r, p0, p0_annual)


def rain_exceedance_percent(climate: RainClimate, rain_rate_mm_h: ArrayLike) -> FloatArray:
    """Annual percentage of time the rate ``rain_rate_mm_h`` is exceeded (P.837-7 Annex 1 step 5)."""
    from scipy.special import erfc  # imported here: scipy.special costs 0.2 s of cold start

    rate = np.asarray(rain_rate_mm_h, dtype=np.float64)[..., None]
    with np.errstate(divide="ignore"):
        q = 0.5 * erfc((np.log(rate) + 0.7938 - np.log(climate.r_mm_h)) / 1.26 / np.sqrt(2))
    return np.asarray(np.sum(DAYS * climate.p0_percent * q, axis=-1) / 365.25, dtype=np.float64)


def rain_rate_mm_h(
    lat_deg: ArrayLike, lon_deg: ArrayLike, p_percent: ArrayLike, *, maps_dir: mapcache.MapsDir = None
) -> FloatArray:
    """Rainfall rate exceeded for ``p_percent`` % of an average year (1-minute integration), in mm/h.

    Full method of P.837-7 Annex 1 (steps 1 to 6) for 0 < p < 100 %; Rp = 0 where p is at or above the
    annual probability of rain P0_annual.

    Examples
    --------
    >>> round(float(rain_rate_mm_h(51.5, -0.14, 0.35)), 3)
    4.233
    """
    p = np.atleast_1d(as_float_array("p_percent", p_percent))
    check_range("p_percent", p, 0.0, 100.0, model=VERSION, unit="%", low_inclusive=False)
    climate = rain_climate(lat_deg, lon_deg, maps_dir=maps_dir)
    p = np.broadcast_to(p, climate.p0_annual_percent.shape)
    lo = np.full(p.shape, np.log(1e-4))
    hi = np.full(p.shape, np.log(1e4))
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        above_target = rain_exceedance_percent(climate, np.exp(mid)) > p
        lo = np.where(above_target, mid, lo)
        hi = np.where(above_target, hi, mid)
    rate = np.exp(0.5 * (lo + hi))
    out = np.where(p >= climate.p0_annual_percent, 0.0, rate)
    return out.reshape(np.broadcast_shapes(np.shape(lat_deg), np.shape(lon_deg), np.shape(p_percent)))


def rain_rate_001_mm_h(lat_deg: ArrayLike, lon_deg: ArrayLike, *, maps_dir: mapcache.MapsDir = None) -> FloatArray:
    """R0.01 from the P.837-7 R001 map, in mm/h (``maps_dir``: see :mod:`.mapcache`).

    Examples
    --------
    >>> round(float(rain_rate_001_mm_h(51.5, -0.14)), 5)
    26.48052
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    return maps.bilinear(mapcache.load("p837/r001", maps_dir), lat, lon)
