"""Total atmospheric attenuation on Earth-space paths (P.618-14 §2.5), vectorised over sites.

A_T(p) = A_G(p) + sqrt((A_R(p) + A_C(p))^2 + A_S(p)^2), with A_G and A_C evaluated at max(p, 5 %) and A_R = 0
for p > 5 %. Components:

- gas A_G: P.676-13 Annex 2 statistical method (:func:`p676.slant_path_statistical_at_site`);
- clouds A_C: :func:`p840.cloud_attenuation_db` (maps available offline: P.840-8);
- rain A_R: P.618-14 §2.2.1.1 with P.837-7 R0.01, P.838-3, P.839-4;
- scintillation A_S: P.618-14 §2.4.1 with P.453-14.

The versions actually used are returned with every result (:attr:`TotalAttenuation.versions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from spacebridge.connect.itur import p453, p618, p676, p836, p837, p838, p839, p840, p1510, p1511
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon, check_range

__all__ = ["P_RANGE_PERCENT", "VERSIONS", "TotalAttenuation", "total_attenuation"]

P_RANGE_PERCENT = (0.001, 50.0)
#: Gas and cloud attenuations for p below this are taken at this percentage (P.618-14 §2.5).
GAS_CLOUD_FLOOR_PERCENT = 5.0

VERSIONS: Mapping[str, str] = MappingProxyType(
    {
        "total": f"{p618.VERSION} §2.5",
        "rain": f"{p618.VERSION} §2.2.1.1, {p837.VERSION} R0.01 map, {p838.VERSION}, {p839.VERSION}",
        "scintillation": f"{p618.VERSION} §2.4.1, {p453.VERSION}",
        "gas": f"{p676.VERSION} Annex 2; {p676.SITE_INPUTS}",
        "clouds": p840.MAP_METHOD_VERSION,
        "height": f"{p1511.VERSION} (when hs_km is not given)",
        "water_vapour": p836.VERSION,
        "temperature": p1510.VERSION,
    }
)


@dataclass(frozen=True)
class TotalAttenuation:
    """Attenuation components and total, in dB, exceeded for p % of an average year (arrays)."""

    gas_db: FloatArray
    cloud_db: FloatArray
    rain_db: FloatArray
    scint_db: FloatArray
    total_db: FloatArray
    hs_km: FloatArray
    """Station height used (given, or from P.1511-3)."""
    versions: Mapping[str, str] = field(default_factory=lambda: VERSIONS)


def total_attenuation(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    freq_ghz: ArrayLike,
    elevation_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    diameter_m: ArrayLike,
    efficiency: ArrayLike,
    tau_deg: ArrayLike,
    hs_km: ArrayLike | None = None,
) -> TotalAttenuation:
    """Total attenuation exceeded for ``p_percent`` % of an average year (P.618-14 §2.5).

    Parameters
    ----------
    lat_deg, lon_deg
        Earth station latitude (-90..90) and longitude (-180..360), degrees.
    freq_ghz
        Frequency, 4 to 55 GHz (validity of the P.618-14 scintillation and rain methods).
    elevation_deg
        Elevation angle of the path, > 0 to 90 degrees.
    p_percent
        Exceedance percentage, 0.001 to 50 %.
    diameter_m
        Antenna diameter, m.
    efficiency
        Antenna efficiency as a fraction (0 < eta <= 1).
    tau_deg
        Polarisation tilt angle relative to the horizontal, degrees (45 for circular polarisation).
    hs_km
        Station height above mean sea level, km; default from P.1511-3. NaN entries are also taken from P.1511-3.

    Examples
    --------
    >>> a = total_attenuation(51.5, -0.14, 14.25, 31.08, 0.1, diameter_m=1.0, efficiency=0.65, tau_deg=0.0)
    >>> bool(a.total_db > a.rain_db > 0)
    True
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    el = as_float_array("elevation_deg", elevation_deg)
    check_range("elevation_deg", el, 0.0, 90.0, model=f"{p618.VERSION} (Earth-space paths)", unit="deg",
                low_inclusive=False)  # fmt: skip
    p = as_float_array("p_percent", p_percent)
    check_range("p_percent", p, *P_RANGE_PERCENT, model=f"{p618.VERSION} total attenuation", unit="%")
    f = as_float_array("freq_ghz", freq_ghz)
    check_range("freq_ghz", f, *p618.SCINT_FREQ_RANGE_GHZ, model=f"{p618.VERSION} total attenuation", unit="GHz")
    lat, lon, el, p, f = np.broadcast_arrays(lat, lon, el, p, f)
    if hs_km is None:
        hs = p1511.topographic_height_km(lat, lon)
    else:
        hs = np.array(np.broadcast_to(np.asarray(hs_km, dtype=np.float64), lat.shape))
        missing = np.isnan(hs)
        if missing.any():
            hs[missing] = p1511.topographic_height_km(lat[missing], lon[missing])
    p_floor = np.maximum(p, GAS_CLOUD_FLOOR_PERCENT)
    gas = p676.slant_path_statistical_at_site(lat, lon, f, np.maximum(el, 5.0), p_floor, hs_km=hs).total_db
    gas = gas * np.sin(np.deg2rad(np.maximum(el, 5.0))) / np.sin(np.deg2rad(el))
    cloud = p840.cloud_attenuation_db(lat, lon, f, el, p_floor)
    scint = p618.scintillation(lat, lon, f, el, p, diameter_m=diameter_m, efficiency=efficiency).fade_db
    rain = np.zeros(lat.shape, dtype=np.float64)
    rainy = p <= p618.RAIN_P_RANGE_PERCENT[1]
    if rainy.any():
        tau = np.broadcast_to(as_float_array("tau_deg", tau_deg), lat.shape)
        rain[rainy] = p618.rain_attenuation(
            lat[rainy], lon[rainy], f[rainy], el[rainy], p[rainy], tau_deg=tau[rainy], hs_km=hs[rainy]
        ).attenuation_db
    total = gas + np.sqrt((rain + cloud) ** 2 + scint**2)
    return TotalAttenuation(gas, cloud, rain, scint, total, hs)
