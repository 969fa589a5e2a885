"""Total atmospheric attenuation on Earth-space paths (P.618-14 §2.5), vectorised over sites.

A_T(p) = A_G(p) + sqrt((A_R(p) + A_C(p))^2 + A_S(p)^2), with A_G and A_C evaluated at max(p, 5 %) and A_R = 0
for p > 5 %. Components:

- gas A_G: P.676-13 Annex 2 statistical method (:func:`p676.slant_path_statistical_db`) with the surface
  inputs of :data:`p676.SITE_INPUTS`;
- clouds A_C: the P.840-8 method on its maps (:func:`p840.reduced_liquid_water_kg_m2`);
- rain A_R: P.618-14 §2.2.1.1 with P.837-7 R0.01, P.838-3, P.839-4;
- scintillation A_S: P.618-14 §2.4.1 with P.453-14.

The terms that depend on the site only (station height, mean surface conditions, R0.01, rain height, N_wet)
are computed once in :class:`SiteTerms`, and the oxygen specific attenuation γ_o of P.676-13 Annex 1 (a
44-line sum, most of the cost) once per site and frequency; :func:`attenuation_at` composes them with the
terms that depend on the elevation and the percentage. :func:`total_attenuation` is that composition for
arrays of sites; the planner (:class:`spacebridge.connect.propagation.SitePropagation`) keeps one
:class:`SiteTerms` for all its links. The map lookups that depend on max(p, 5 %) are made once per distinct
percentage when a row of percentages is evaluated against a column of sites.

The versions actually used are returned with every result (:attr:`TotalAttenuation.versions`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, p453, p618, p676, p836, p837, p838, p839, p840, p1510, p1511
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon, check_range

__all__ = ["P_RANGE_PERCENT", "VERSIONS", "SiteTerms", "TotalAttenuation", "attenuation_at", "total_attenuation"]

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


@dataclass(frozen=True)
class SiteTerms:
    """The terms of the total attenuation that depend on the site only, as arrays of one shape (:attr:`shape`).

    Build them with :meth:`at`; select sites with :meth:`take`.
    """

    lat_deg: FloatArray
    lon_deg: FloatArray
    hs_km: FloatArray
    """Station height above mean sea level (given, or P.1511-3), km."""
    t_mean_k: FloatArray
    """Annual mean surface temperature (P.1510-1), K."""
    p_mean_hpa: FloatArray
    """Mean surface pressure: the P.835-6 reference atmosphere at ``hs_km`` (decision 0202), hPa."""
    rho_mean_g_m3: FloatArray
    """Mean surface water vapour density: P.836-6 at 50 %, g/m3."""
    r001_mm_h: FloatArray
    """Rain rate exceeded 0.01 % of the year (P.837-7), mm/h."""
    rain_height_km: FloatArray
    """Rain height (P.839-4), km."""
    nwet: FloatArray
    """Median wet term of the surface refractivity (P.453-14), N-units."""
    maps_dir: mapcache.MapsDir = None
    """Cache folder of the converted maps the terms were read from (see :mod:`.mapcache`)."""

    @classmethod
    def at(
        cls,
        lat_deg: ArrayLike,
        lon_deg: ArrayLike,
        *,
        hs_km: ArrayLike | None = None,
        maps_dir: mapcache.MapsDir = None,
    ) -> SiteTerms:
        """The site terms at the sites (arrays broadcast together). NaN heights are taken from P.1511-3."""
        lat = as_float_array("lat_deg", lat_deg)
        lon = as_float_array("lon_deg", lon_deg)
        check_latlon(lat, lon)
        given = None if hs_km is None else np.asarray(hs_km, dtype=np.float64)
        shape = np.broadcast_shapes(lat.shape, lon.shape, () if given is None else given.shape)
        lat, lon = np.broadcast_to(lat, shape), np.broadcast_to(lon, shape)
        if given is None:
            hs = p1511.topographic_height_km(lat, lon, maps_dir=maps_dir)
        else:
            hs = np.array(np.broadcast_to(given, shape))
            missing = np.isnan(hs)
            if missing.any():
                hs[missing] = p1511.topographic_height_km(lat[missing], lon[missing], maps_dir=maps_dir)
        return cls(
            lat, lon, hs,
            t_mean_k=p1510.surface_mean_temperature_k(lat, lon, maps_dir=maps_dir),
            p_mean_hpa=p676.standard_pressure_hpa(hs),
            rho_mean_g_m3=p836.surface_water_vapour_density_g_m3(lat, lon, 50.0, hs_km=hs, maps_dir=maps_dir),
            r001_mm_h=p837.rain_rate_001_mm_h(lat, lon, maps_dir=maps_dir),
            rain_height_km=p839.rain_height_km(lat, lon, maps_dir=maps_dir),
            nwet=p453.wet_refractivity_median(lat, lon, maps_dir=maps_dir),
            maps_dir=maps_dir,
        )  # fmt: skip

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.lat_deg.shape)

    def take(self, index: Any) -> SiteTerms:
        """The terms of the sites ``index`` (any numpy index, e.g. ``idx[:, None]`` for a column of sites)."""
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self) if f.name != "maps_dir"})

    def oxygen_db_km(self, freq_ghz: ArrayLike) -> FloatArray:
        """γ_o at the mean surface conditions (P.676-13 Annex 2 §2.3), shape of the sites and ``freq_ghz``, dB/km."""
        return p676.mean_oxygen_specific_attenuation_db_km(
            freq_ghz, p_mean_hpa=self.p_mean_hpa, t_mean_k=self.t_mean_k, rho_mean_g_m3=self.rho_mean_g_m3
        )


def _path_arrays(
    freq_ghz: ArrayLike, elevation_deg: ArrayLike, p_percent: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    el = as_float_array("elevation_deg", elevation_deg)
    check_range("elevation_deg", el, 0.0, 90.0, model=f"{p618.VERSION} (Earth-space paths)", unit="deg",
                low_inclusive=False)  # fmt: skip
    p = as_float_array("p_percent", p_percent)
    check_range("p_percent", p, *P_RANGE_PERCENT, model=f"{p618.VERSION} total attenuation", unit="%")
    f = as_float_array("freq_ghz", freq_ghz)
    check_range("freq_ghz", f, *p618.SCINT_FREQ_RANGE_GHZ, model=f"{p618.VERSION} total attenuation", unit="GHz")
    return f, el, p


def _per_percentage(lookup: Callable[..., FloatArray], terms: SiteTerms, p: FloatArray) -> FloatArray:
    """``lookup(lat, lon, p, hs)`` on the broadcast of the sites and ``p``, once per distinct percentage.

    When a few percentages are shared by many sites (a row of percentages against a column of sites), each
    distinct value is looked up once per site instead of once per (site, percentage) pair.
    """
    full = np.broadcast_shapes(terms.shape, p.shape)
    values, inverse = np.unique(p, return_inverse=True)
    if values.size * math.prod(terms.shape) >= math.prod(full):
        return lookup(terms.lat_deg, terms.lon_deg, p, terms.hs_km)
    per_value = lookup(terms.lat_deg[..., None], terms.lon_deg[..., None], values, terms.hs_km[..., None])
    index = np.broadcast_to(inverse.reshape(p.shape), full)[..., None]
    return np.take_along_axis(np.broadcast_to(per_value, (*full, values.size)), index, axis=-1)[..., 0]


def _rain(
    terms: SiteTerms, f: FloatArray, el: FloatArray, p: FloatArray, tau_deg: ArrayLike, *, where: Any = None
) -> FloatArray:
    """P.618-14 rain attenuation with the site's R0.01, rain height and station height (at ``where`` only)."""
    args = (terms.lat_deg, terms.lon_deg, f, el, p, as_float_array("tau_deg", tau_deg), terms.hs_km,
            terms.r001_mm_h, terms.rain_height_km)  # fmt: skip
    if where is not None:
        args = tuple(np.broadcast_to(a, where.shape)[where] for a in args)
    lat, lon, f, el, p, tau, hs, r001, hr = args
    return p618.rain_attenuation(lat, lon, f, el, p, tau_deg=tau, hs_km=hs, r001_mm_h=r001, rain_height_km=hr,
                                 maps_dir=terms.maps_dir).attenuation_db  # fmt: skip


def attenuation_at(
    terms: SiteTerms,
    freq_ghz: ArrayLike,
    elevation_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    diameter_m: ArrayLike,
    efficiency: ArrayLike,
    tau_deg: ArrayLike,
    gamma_oxygen_db_km: ArrayLike | None = None,
) -> TotalAttenuation:
    """Total attenuation (P.618-14 §2.5) at sites whose :class:`SiteTerms` are known.

    ``freq_ghz``, ``elevation_deg`` and ``p_percent`` broadcast with :attr:`SiteTerms.shape`; the other
    arguments are those of :func:`total_attenuation`. ``gamma_oxygen_db_km`` is :meth:`SiteTerms.oxygen_db_km`
    when the caller already has it (it depends on the site and the frequency only).
    """
    f, el, p = _path_arrays(freq_ghz, elevation_deg, p_percent)
    shape = np.broadcast_shapes(terms.shape, f.shape, el.shape, p.shape)
    md = terms.maps_dir
    gamma_o = terms.oxygen_db_km(f) if gamma_oxygen_db_km is None else np.asarray(gamma_oxygen_db_km)
    p_floor = np.maximum(p, GAS_CLOUD_FLOOR_PERCENT)
    rho_p = _per_percentage(
        lambda la, lo, pp, hs: p836.surface_water_vapour_density_g_m3(la, lo, pp, hs_km=hs, maps_dir=md), terms, p_floor
    )
    v_p = _per_percentage(
        lambda la, lo, pp, hs: p836.total_water_vapour_content_kg_m2(la, lo, pp, hs_km=hs, maps_dir=md), terms, p_floor
    )
    lred = _per_percentage(lambda la, lo, pp, _hs: p840.reduced_liquid_water_kg_m2(la, lo, pp, maps_dir=md), terms,
                           p_floor)  # fmt: skip
    el_gas = np.maximum(el, 5.0)  # Annex 2 holds from 5°; below, the path is scaled by 1/sin(el)
    gas = p676.slant_path_statistical_db(
        f, el_gas, p_mean_hpa=terms.p_mean_hpa, t_mean_k=terms.t_mean_k, rho_mean_g_m3=terms.rho_mean_g_m3,
        p_p_hpa=terms.p_mean_hpa, t_p_k=terms.t_mean_k, rho_p_g_m3=rho_p, v_p_kg_m2=v_p, gamma_oxygen_db_km=gamma_o,
    ).total_db * (np.sin(np.deg2rad(el_gas)) / np.sin(np.deg2rad(el)))  # fmt: skip
    cloud = p840.cloud_attenuation_from_lred_db(f, el, lred)
    scint = p618.scintillation(terms.lat_deg, terms.lon_deg, f, el, p, diameter_m=diameter_m, efficiency=efficiency,
                               nwet=terms.nwet).fade_db  # fmt: skip
    rain = np.zeros(shape, dtype=np.float64)
    rainy = np.broadcast_to(p <= p618.RAIN_P_RANGE_PERCENT[1], shape)
    if rainy.all():
        rain[...] = _rain(terms, f, el, p, tau_deg)
    elif rainy.any():
        rain[rainy] = _rain(terms, f, el, p, tau_deg, where=rainy)
    total = gas + np.sqrt((rain + cloud) ** 2 + scint**2)

    def full(a: ArrayLike) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(a, shape), dtype=np.float64)

    return TotalAttenuation(full(gas), full(cloud), rain, full(scint), full(total), full(terms.hs_km))


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
    maps_dir: mapcache.MapsDir = None,
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
    maps_dir
        Cache folder of the converted ITU-R maps (``Settings.itur_cache``); ``None``: the user cache folder
        (:func:`spacebridge.connect.itur.mapcache.pack_dir`).

    All arrays broadcast together. The site terms are computed on the broadcast shape of ``lat_deg``,
    ``lon_deg`` and ``hs_km`` only, so a column of sites against a row of percentages costs one site
    evaluation per site (see :class:`SiteTerms`).

    Examples
    --------
    >>> a = total_attenuation(51.5, -0.14, 14.25, 31.08, 0.1, diameter_m=1.0, efficiency=0.65, tau_deg=0.0)
    >>> bool(a.total_db > a.rain_db > 0)
    True
    """
    check_latlon(as_float_array("lat_deg", lat_deg), as_float_array("lon_deg", lon_deg))
    _path_arrays(freq_ghz, elevation_deg, p_percent)  # refuse bad paths before reading any map
    terms = SiteTerms.at(lat_deg, lon_deg, hs_km=hs_km, maps_dir=maps_dir)
    return attenuation_at(terms, freq_ghz, elevation_deg, p_percent, diameter_m=diameter_m, efficiency=efficiency,
                          tau_deg=tau_deg)  # fmt: skip
