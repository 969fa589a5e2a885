"""Recommendation ITU-R P.618-14 (08/2023): propagation data for Earth-space telecommunication systems.

- §2.2.1.1 rain attenuation exceeded for p % (0.001 to 5 %), steps 1 to 10, with R0.01 from P.837-7, the rain
  height from P.839-4, specific attenuation from P.838-3 and the station height from P.1511-3 (or given).
- §2.4.1 tropospheric scintillation fade depth (4 to 55 GHz, 5° to 90°), with Nwet from P.453-14.
- §2.5 total attenuation A_T = A_G + sqrt((A_R + A_C)^2 + A_S^2), where gas and cloud attenuations are taken at
  max(p, 5 %) (A_G(p) = A_G(5 %) and A_C(p) = A_C(5 %) for p < 5 %) and rain is zero above 5 %.
- §8 non-GSO systems: the annual exceedance of an attenuation level is the time-weighted sum of the
  exceedances at each elevation angle of the serving satellite (:func:`non_gso_exceedance_percent`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, p453, p837, p838, p839, p1511
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon, check_range

__all__ = [
    "RAIN_P_RANGE_PERCENT",
    "SCINT_FREQ_RANGE_GHZ",
    "VERSION",
    "RainAttenuation",
    "Scintillation",
    "non_gso_exceedance_percent",
    "rain_attenuation",
    "scintillation",
]

VERSION = "P.618-14"
RAIN_P_RANGE_PERCENT = (0.001, 5.0)
RAIN_FREQ_RANGE_GHZ = (1.0, 55.0)
SCINT_FREQ_RANGE_GHZ = (4.0, 55.0)
EARTH_RADIUS_EFF_KM = 8500.0


@dataclass(frozen=True)
class RainAttenuation:
    """Rain attenuation of P.618-14 §2.2.1.1 with its intermediate values (arrays)."""

    attenuation_db: FloatArray
    rain_height_km: FloatArray
    r001_mm_h: FloatArray
    slant_length_km: FloatArray
    horizontal_km: FloatArray
    gamma_db_km: FloatArray
    r001: FloatArray
    v001: FloatArray
    effective_length_km: FloatArray
    a001_db: FloatArray
    beta: FloatArray


def rain_attenuation(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    freq_ghz: ArrayLike,
    elevation_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    tau_deg: ArrayLike = 45.0,
    hs_km: ArrayLike | None = None,
    r001_mm_h: ArrayLike | None = None,
    rain_height_km: ArrayLike | None = None,
    maps_dir: mapcache.MapsDir = None,
) -> RainAttenuation:
    """Rain attenuation exceeded for ``p_percent`` % of an average year (P.618-14 §2.2.1.1).

    Parameters
    ----------
    lat_deg, lon_deg
        Earth station latitude and longitude, degrees.
    freq_ghz
        Frequency, 1 to 55 GHz.
    elevation_deg
        Path elevation angle, 0 to 90 degrees.
    p_percent
        Exceedance percentage, 0.001 to 5 %.
    tau_deg
        Polarisation tilt relative to the horizontal (45° for circular polarisation, the default).
    hs_km, r001_mm_h, rain_height_km
        Station height, R0.01 and rain height; default from P.1511-3, P.837-7 and P.839-4.
    maps_dir
        Cache folder of the converted ITU-R maps (``Settings.itur_cache``); ``None``: the user cache folder
        (:func:`spacebridge.connect.itur.mapcache.pack_dir`).

    Examples
    --------
    >>> a = rain_attenuation(51.5, -0.14, 14.25, 31.076991235657, 1.0, tau_deg=0, hs_km=0.031382983999999)
    >>> round(float(a.attenuation_db), 4)
    0.4953
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    f = as_float_array("freq_ghz", freq_ghz)
    check_range("freq_ghz", f, *RAIN_FREQ_RANGE_GHZ, model=f"{VERSION} rain attenuation", unit="GHz")
    el = as_float_array("elevation_deg", elevation_deg)
    check_range("elevation_deg", el, 0.0, 90.0, model=VERSION, unit="deg", low_inclusive=False)
    p = as_float_array("p_percent", p_percent)
    check_range("p_percent", p, *RAIN_P_RANGE_PERCENT, model=f"{VERSION} rain attenuation", unit="%")
    md = {"maps_dir": maps_dir}
    hs = p1511.topographic_height_km(lat, lon, **md) if hs_km is None else as_float_array("hs_km", hs_km)
    hr = (
        p839.rain_height_km(lat, lon, **md)
        if rain_height_km is None
        else as_float_array("rain_height_km", rain_height_km)
    )
    r001 = p837.rain_rate_001_mm_h(lat, lon, **md) if r001_mm_h is None else as_float_array("r001_mm_h", r001_mm_h)

    dh = hr - hs
    sin_el = np.sin(np.deg2rad(el))
    cos_el = np.cos(np.deg2rad(el))
    with np.errstate(invalid="ignore", divide="ignore"):
        ls = np.where(el >= 5, dh / sin_el, 2 * dh / (np.sqrt(sin_el**2 + 2 * dh / EARTH_RADIUS_EFF_KM) + sin_el))
        lg = ls * cos_el
        gamma = p838.rain_specific_attenuation_db_km(np.maximum(r001, 0.0), f, el, tau_deg)
        r001_factor = 1 / (1 + 0.78 * np.sqrt(lg * gamma / f) - 0.38 * (1 - np.exp(-2 * lg)))
        zeta = np.rad2deg(np.arctan2(dh, lg * r001_factor))
        lr = np.where(zeta > el, lg * r001_factor / cos_el, dh / sin_el)
        chi = np.where(np.abs(lat) < 36, 36 - np.abs(lat), 0.0)
        v001 = 1 / (1 + np.sqrt(sin_el) * (31 * (1 - np.exp(-el / (1 + chi))) * np.sqrt(lr * gamma) / f**2 - 0.45))
        le = lr * v001
        a001 = gamma * le
        beta = np.where(
            (p >= 1) | (np.abs(lat) >= 36),
            0.0,
            np.where(el >= 25, -0.005 * (np.abs(lat) - 36), -0.005 * (np.abs(lat) - 36) + 1.8 - 4.25 * sin_el),
        )
        exponent = 0.655 + 0.033 * np.log(p) - 0.045 * np.log(a001) - beta * (1 - p) * sin_el
        ap = a001 * (p / 0.01) ** (-exponent)
    no_rain = (dh <= 0) | (r001 <= 0)
    ap = np.where(no_rain, 0.0, ap)
    return RainAttenuation(ap, hr, r001, ls, lg, gamma, r001_factor, v001, le, a001, beta)


@dataclass(frozen=True)
class Scintillation:
    """Scintillation fade depth of P.618-14 §2.4.1 with its intermediate values (arrays)."""

    fade_db: FloatArray
    nwet: FloatArray
    sigma_ref_db: FloatArray
    path_length_m: FloatArray
    x: FloatArray
    g: FloatArray
    sigma_db: FloatArray


def scintillation(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    freq_ghz: ArrayLike,
    elevation_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    diameter_m: ArrayLike,
    efficiency: ArrayLike,
    nwet: ArrayLike | None = None,
    maps_dir: mapcache.MapsDir = None,
) -> Scintillation:
    """Tropospheric scintillation fade depth exceeded for ``p_percent`` % (P.618-14 §2.4.1, steps 1 to 9).

    ``efficiency`` is the antenna efficiency as a fraction (0 < eta <= 1); ``nwet`` the median wet
    refractivity (default from P.453-14, with ``maps_dir`` as in :func:`rain_attenuation`).
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    f = as_float_array("freq_ghz", freq_ghz)
    check_range("freq_ghz", f, *SCINT_FREQ_RANGE_GHZ, model=f"{VERSION} scintillation", unit="GHz")
    el = as_float_array("elevation_deg", elevation_deg)
    check_range("elevation_deg", el, 0.0, 90.0, model=VERSION, unit="deg", low_inclusive=False)
    p = as_float_array("p_percent", p_percent)
    check_range("p_percent", p, 0.0, 50.0, model=f"{VERSION} scintillation", unit="%", low_inclusive=False)
    d = as_float_array("diameter_m", diameter_m)
    check_range("diameter_m", d, 0.0, np.inf, model=VERSION, unit="m", low_inclusive=False)
    eta = as_float_array("efficiency", efficiency)
    check_range("efficiency", eta, 0.0, 1.0, model=VERSION, unit="(fraction)", low_inclusive=False)
    n_wet = p453.wet_refractivity_median(lat, lon, maps_dir=maps_dir) if nwet is None else as_float_array("nwet", nwet)
    sigma_ref = 3.6e-3 + 1e-4 * n_wet
    sin_el = np.sin(np.deg2rad(el))
    path = 2 * 1000.0 / (np.sqrt(sin_el**2 + 2.35e-4) + sin_el)
    x = 1.22 * eta * d**2 * f / path
    arg = 3.86 * (x**2 + 1) ** (11 / 12) * np.sin(11 / 6 * np.arctan2(1, x)) - 7.08 * x ** (5 / 6)
    g = np.sqrt(np.maximum(arg, 0.0))
    sigma = sigma_ref * f ** (7 / 12) * g / sin_el**1.2
    log_p = np.log10(p)
    a_p = -0.061 * log_p**3 + 0.072 * log_p**2 - 1.71 * log_p + 3.0
    return Scintillation(np.asarray(a_p * sigma, dtype=np.float64), n_wet, sigma_ref, path, x, g, sigma)


def non_gso_exceedance_percent(
    attenuation_db: ArrayLike,
    exceedance_by_elevation: ArrayLike,
    time_fraction_by_elevation: ArrayLike,
) -> FloatArray:
    """Annual exceedance of an attenuation level for a non-GSO link (P.618-14 §8).

    Parameters
    ----------
    attenuation_db
        The attenuation levels, shape ``(n_levels,)`` (used for the shape of the result only).
    exceedance_by_elevation
        P(A > a | el_i) in % for each elevation angle of the serving satellite, shape ``(n_elev, n_levels)``,
        e.g. from :func:`spacebridge.connect.itur.total_attenuation` inverted at each elevation.
    time_fraction_by_elevation
        Fraction of time the satellite is seen at each elevation, shape ``(n_elev,)``, summing to 1.
    """
    levels = as_float_array("attenuation_db", attenuation_db)
    per_el = as_float_array("exceedance_by_elevation", exceedance_by_elevation)
    w = as_float_array("time_fraction_by_elevation", time_fraction_by_elevation)
    check_range("time_fraction_by_elevation", w, 0.0, 1.0, model=f"{VERSION} §8", unit="")
    if not np.isclose(w.sum(), 1.0, atol=1e-6):
        check_range("sum(time_fraction_by_elevation)", np.array(w.sum()), 1.0, 1.0, model=f"{VERSION} §8", unit="")
    out = np.tensordot(w, per_el, axes=(0, 0))
    return np.asarray(np.broadcast_to(out, levels.shape), dtype=np.float64)
