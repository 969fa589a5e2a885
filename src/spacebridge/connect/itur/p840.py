"""Recommendation ITU-R P.840-9 (08/2023): attenuation due to clouds and fog.

- :func:`liquid_water_coefficient`: K_l(f, T) of Annex 1 §2 (double-Debye permittivity of water).
- :func:`mass_absorption_coefficient`: K_L(f) = K_l(f, 273.75 K) (A1 e1 + A2 e2 + A3) of §3, dB/(kg/m2).
- :func:`cloud_attenuation_from_l_db`: A_C = K_L L / sin(el) (§3.1, 3.2) for a given columnar liquid water L.
- :func:`cloud_attenuation_lognormal_db`: the log-normal approximation of §3.3 from mL, sL and PL.
- :func:`cloud_attenuation_db`: statistics at a site from the digital maps. The P.840-9 maps (L at 0.25°, and
  mL, sL, PL) are not available offline (decision 0201); the maps available are those of P.840-8 (reduced liquid
  water Lred, 1.125°), so this function applies the complete P.840-8 method, A = Lred K_l(f, 273.15 K)/sin(el),
  and says so in :data:`MAP_METHOD_VERSION` (:func:`reduced_liquid_water_kg_m2` and
  :func:`cloud_attenuation_from_lred_db` are its two halves).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, maps
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon, check_range

__all__ = [
    "FREQ_RANGE_GHZ",
    "MAP_METHOD_VERSION",
    "VERSION",
    "Permittivity",
    "cloud_attenuation_db",
    "cloud_attenuation_from_l_db",
    "cloud_attenuation_from_lred_db",
    "cloud_attenuation_lognormal_db",
    "liquid_water_coefficient",
    "mass_absorption_coefficient",
    "reduced_liquid_water_kg_m2",
]

VERSION = "P.840-9"
MAP_METHOD_VERSION = "P.840-8 (maps and method; P.840-9 maps unavailable offline)"
FREQ_RANGE_GHZ = (1.0, 200.0)
P_RANGE_PERCENT = (0.1, 99.0)


@dataclass(frozen=True)
class Permittivity:
    """Complex permittivity of liquid water and the resulting K_l (Annex 1 §2)."""

    eps_real: FloatArray
    eps_imag: FloatArray
    eta: FloatArray
    k_l: FloatArray
    """Cloud liquid water specific attenuation coefficient, (dB/km)/(g/m3)."""


def liquid_water_coefficient(freq_ghz: ArrayLike, temperature_k: ArrayLike) -> Permittivity:
    """K_l(f, T) = 0.819 f / (eps'' (1 + eta^2)) with the double-Debye model (P.840-9 eq. 2 to 9)."""
    f = as_float_array("freq_ghz", freq_ghz)
    check_range("freq_ghz", f, *FREQ_RANGE_GHZ, model=VERSION, unit="GHz")
    theta = 300.0 / as_float_array("temperature_k", temperature_k)
    eps0 = 77.66 + 103.3 * (theta - 1)
    eps1 = 0.0671 * eps0
    eps2 = 3.52
    fp = 20.20 - 146 * (theta - 1) + 316 * (theta - 1) ** 2
    fs = 39.8 * fp
    eps_imag = f * (eps0 - eps1) / (fp * (1 + (f / fp) ** 2)) + f * (eps1 - eps2) / (fs * (1 + (f / fs) ** 2))
    eps_real = (eps0 - eps1) / (1 + (f / fp) ** 2) + (eps1 - eps2) / (1 + (f / fs) ** 2) + eps2
    eta = (2 + eps_real) / eps_imag
    return Permittivity(eps_real, eps_imag, eta, 0.819 * f / (eps_imag * (1 + eta**2)))


def mass_absorption_coefficient(freq_ghz: ArrayLike) -> FloatArray:
    """K_L(f) of P.840-9 §3, in dB/(kg/m2): K_l at 273.75 K times the frequency correction (eq. 12)."""
    f = as_float_array("freq_ghz", freq_ghz)
    corr = 0.1522 * np.exp(-((f + 23.9589) ** 2) / 3.2991e3) + 11.51 * np.exp(-((f - 219.2096) ** 2) / 2.7595e6)
    return np.asarray(liquid_water_coefficient(f, 273.75).k_l * (corr - 10.4912), dtype=np.float64)


def cloud_attenuation_from_l_db(freq_ghz: ArrayLike, elevation_deg: ArrayLike, l_kg_m2: ArrayLike) -> FloatArray:
    """Slant-path cloud attenuation A_C = K_L(f) L / sin(el), in dB (P.840-9 §3.1)."""
    el = as_float_array("elevation_deg", elevation_deg)
    check_range("elevation_deg", el, 0.0, 90.0, model=VERSION, unit="deg", low_inclusive=False)
    return np.asarray(
        mass_absorption_coefficient(freq_ghz) * as_float_array("l_kg_m2", l_kg_m2) / np.sin(np.deg2rad(el))
    )


def cloud_attenuation_lognormal_db(
    freq_ghz: ArrayLike,
    elevation_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    m_l: ArrayLike,
    s_l: ArrayLike,
    p_l: ArrayLike,
) -> FloatArray:
    """Log-normal approximation A_C = K_L exp(mL + sL Q^-1(p/PL)) / sin(el) for p < PL, else 0 (§3.3)."""
    from scipy.special import erfcinv  # imported here: scipy.special costs 0.2 s of cold start

    p = as_float_array("p_percent", p_percent)
    check_range("p_percent", p, 0.0, 100.0, model=VERSION, unit="%", low_inclusive=False)
    pl = as_float_array("p_l", p_l)
    cloudy = (p < pl) & (pl > 0.02)  # PL <= 0.02 %: no cloud attenuation (P.840-9 §3.3)
    ratio = np.where(cloudy, p / np.where(cloudy, pl, 1.0), 0.5)
    q_inv = np.sqrt(2) * erfcinv(2 * ratio)
    l_equiv = np.exp(as_float_array("m_l", m_l) + as_float_array("s_l", s_l) * q_inv)
    a = cloud_attenuation_from_l_db(freq_ghz, elevation_deg, l_equiv)
    return np.where(cloudy, a, 0.0)


def reduced_liquid_water_kg_m2(
    lat_deg: ArrayLike, lon_deg: ArrayLike, p_percent: ArrayLike, *, maps_dir: mapcache.MapsDir = None
) -> FloatArray:
    """Reduced columnar liquid water Lred exceeded for ``p_percent`` % of an average year (P.840-8 maps), kg/m2.

    Bilinear in space, linear in ln(p) between the tabulated percentages (0.1 to 99 %); ``maps_dir``: see
    :mod:`.mapcache`.
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    p = as_float_array("p_percent", p_percent)
    check_range("p_percent", p, *P_RANGE_PERCENT, model="P.840-8 annual maps", unit="%")
    lat, lon, p = np.broadcast_arrays(lat, lon, p)
    folder = mapcache.pack_dir(maps_dir)
    below, above = maps.bracket(maps.P836_PERCENTAGES, p)
    lred = np.empty(lat.shape, dtype=np.float64)
    for pb, pa in maps.unique_pairs(below, above):
        sel = (below == pb) & (above == pa)
        v_b = maps.bilinear(mapcache.load_in(f"p840/lred_{maps.p_token(pb)}", folder), lat[sel], lon[sel])
        if pa == pb:
            lred[sel] = v_b
            continue
        v_a = maps.bilinear(mapcache.load_in(f"p840/lred_{maps.p_token(pa)}", folder), lat[sel], lon[sel])
        lred[sel] = v_b + (v_a - v_b) * (np.log(p[sel]) - np.log(pb)) / (np.log(pa) - np.log(pb))
    return lred


def cloud_attenuation_from_lred_db(freq_ghz: ArrayLike, elevation_deg: ArrayLike, lred_kg_m2: ArrayLike) -> FloatArray:
    """Cloud attenuation of the P.840-8 method, A = Lred K_l(f, 273.15 K) / sin(el), in dB."""
    el = as_float_array("elevation_deg", elevation_deg)
    check_range("elevation_deg", el, 0.0, 90.0, model=VERSION, unit="deg", low_inclusive=False)
    k_l = liquid_water_coefficient(freq_ghz, 273.15).k_l
    return np.asarray(as_float_array("lred_kg_m2", lred_kg_m2) * k_l / np.sin(np.deg2rad(el)), dtype=np.float64)


def cloud_attenuation_db(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    freq_ghz: ArrayLike,
    elevation_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    maps_dir: mapcache.MapsDir = None,
) -> FloatArray:
    """Cloud attenuation exceeded for ``p_percent`` % of an average year at a site, in dB.

    Uses the maps available offline (P.840-8 reduced liquid water, annual, 0.1 to 99 %): see
    :data:`MAP_METHOD_VERSION`. ``maps_dir``: see :mod:`.mapcache`.
    """
    el = as_float_array("elevation_deg", elevation_deg)
    check_range("elevation_deg", el, 0.0, 90.0, model=VERSION, unit="deg", low_inclusive=False)
    lred = reduced_liquid_water_kg_m2(lat_deg, lon_deg, p_percent, maps_dir=maps_dir)
    return cloud_attenuation_from_lred_db(freq_ghz, el, lred)
