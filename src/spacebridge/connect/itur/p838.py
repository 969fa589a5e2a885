"""Recommendation ITU-R P.838-3 (03/2005): specific attenuation model for rain.

gamma_R = k R^alpha (equation 1), with k and alpha from the curve fits of equations 2 and 3 (Tables 1 to 4)
for horizontal and vertical polarisation, combined for any path elevation and polarisation tilt by
equations 4 and 5. Valid from 1 to 1 000 GHz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_range

__all__ = ["FREQ_RANGE_GHZ", "VERSION", "RainCoefficients", "rain_coefficients", "rain_specific_attenuation_db_km"]

VERSION = "P.838-3"
FREQ_RANGE_GHZ = (1.0, 1000.0)

# (a_j, b_j, c_j) per term, then (m, c): Tables 1-4 of P.838-3.
_KH = ((-5.33980, -0.10008, 1.13098), (-0.35351, 1.26970, 0.45400), (-0.23789, 0.86036, 0.15354),
       (-0.94158, 0.64552, 0.16817)), (-0.18961, 0.71147)  # fmt: skip
_KV = ((-3.80595, 0.56934, 0.81061), (-3.44965, -0.22911, 0.51059), (-0.39902, 0.73042, 0.11899),
       (0.50167, 1.07319, 0.27195)), (-0.16398, 0.63297)  # fmt: skip
_AH = ((-0.14318, 1.82442, -0.55187), (0.29591, 0.77564, 0.19822), (0.32177, 0.63773, 0.13164),
       (-5.37610, -0.96230, 1.47828), (16.1721, -3.29980, 3.43990)), (0.67849, -1.95537)  # fmt: skip
_AV = ((-0.07771, 2.33840, -0.76284), (0.56727, 0.95545, 0.54039), (-0.20238, 1.14520, 0.26809),
       (-48.2991, 0.791669, 0.116226), (48.5833, 0.791459, 0.116479)), (-0.053739, 0.83433)  # fmt: skip


@dataclass(frozen=True)
class RainCoefficients:
    """k and alpha of P.838-3 for the given polarisations (arrays)."""

    k_h: FloatArray
    k_v: FloatArray
    alpha_h: FloatArray
    alpha_v: FloatArray
    k: FloatArray
    alpha: FloatArray


def _fit(log_f: FloatArray, table: tuple[tuple[tuple[float, float, float], ...], tuple[float, float]]) -> FloatArray:
    terms, (m, c) = table
    total = m * log_f + c
    for a, b, cc in terms:
        total = total + a * np.exp(-(((log_f - b) / cc) ** 2))
    return np.asarray(total, dtype=np.float64)


def rain_coefficients(freq_ghz: ArrayLike, elevation_deg: ArrayLike, tau_deg: ArrayLike) -> RainCoefficients:
    """Coefficients k and alpha (P.838-3 equations 2 to 5).

    Parameters
    ----------
    freq_ghz
        Frequency, 1 to 1 000 GHz.
    elevation_deg
        Path elevation angle, in degrees.
    tau_deg
        Polarisation tilt angle relative to the horizontal, in degrees (45 for circular polarisation).
    """
    f = as_float_array("freq_ghz", freq_ghz)
    check_range("freq_ghz", f, *FREQ_RANGE_GHZ, model=VERSION, unit="GHz")
    el = np.deg2rad(as_float_array("elevation_deg", elevation_deg))
    tau = np.deg2rad(as_float_array("tau_deg", tau_deg))
    log_f = np.log10(f)
    k_h = 10 ** _fit(log_f, _KH)
    k_v = 10 ** _fit(log_f, _KV)
    a_h = _fit(log_f, _AH)
    a_v = _fit(log_f, _AV)
    geom = np.cos(el) ** 2 * np.cos(2 * tau)
    k = (k_h + k_v + (k_h - k_v) * geom) / 2
    alpha = (k_h * a_h + k_v * a_v + (k_h * a_h - k_v * a_v) * geom) / (2 * k)
    return RainCoefficients(k_h, k_v, a_h, a_v, k, alpha)


def rain_specific_attenuation_db_km(
    rain_rate_mm_h: ArrayLike, freq_ghz: ArrayLike, elevation_deg: ArrayLike, tau_deg: ArrayLike
) -> FloatArray:
    """Specific attenuation gamma_R = k R^alpha, in dB/km (P.838-3 equation 1).

    Examples
    --------
    >>> round(float(rain_specific_attenuation_db_km(26.48052, 14.25, 31.076991235657, 0)), 5)
    1.58131
    """
    rate = as_float_array("rain_rate_mm_h", rain_rate_mm_h)
    check_range("rain_rate_mm_h", rate, 0.0, np.inf, model=VERSION, unit="mm/h")
    c = rain_coefficients(freq_ghz, elevation_deg, tau_deg)
    return np.asarray(c.k * rate**c.alpha, dtype=np.float64)
