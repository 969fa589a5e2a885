"""The one seam between planning and the propagation models.

Planning needs, per settlement, link and percentage of time, the total atmospheric attenuation (for the
carrier) and the attenuation without scintillation (for the sky-noise rise, ITU-R P.618-14 §3). Both are the
P.618-14 §2.5 total of :mod:`spacebridge.connect.itur` (P.676, P.840, P.837, P.838, P.839, P.453, P.1510,
P.1511).

:class:`SitePropagation` evaluates that total for a fixed set of sites at many percentages of time,
frequencies and elevations, computing the terms that depend on the site only once: station height, mean
surface conditions, the oxygen specific attenuation γ_o of P.676-13 Annex 1 (a line-by-line sum, 80 % of
the cost of :func:`~spacebridge.connect.itur.total_attenuation`, that does not depend on p or the elevation),
R0.01, rain height and N_wet. It composes the per-Recommendation functions exactly as
:func:`~spacebridge.connect.itur.total_attenuation` does; a test checks the two agree to 1e-9 dB.

Any callable with the signature of :func:`~spacebridge.connect.itur.total_attenuation` and its result fields
(``gas_db``, ``cloud_db``, ``rain_db``, ``scint_db``, ``total_db``, ``versions``) can stand in through
``model=`` (the benchmark plans with the ``itur`` package that way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["AttenuationModel", "PathAttenuation", "SitePropagation", "path_attenuation"]

FloatArray = npt.NDArray[np.float64]
_GAS_CHUNK = 8192


class _Components(Protocol):
    gas_db: FloatArray
    cloud_db: FloatArray
    rain_db: FloatArray
    scint_db: FloatArray
    total_db: FloatArray


class AttenuationModel(Protocol):
    """Signature of :func:`spacebridge.connect.itur.total_attenuation`."""

    def __call__(
        self,
        lat_deg: npt.ArrayLike,
        lon_deg: npt.ArrayLike,
        freq_ghz: npt.ArrayLike,
        elevation_deg: npt.ArrayLike,
        p_percent: npt.ArrayLike,
        *,
        diameter_m: npt.ArrayLike,
        efficiency: npt.ArrayLike,
        tau_deg: npt.ArrayLike,
        hs_km: npt.ArrayLike | None = None,
    ) -> Any: ...


@dataclass(frozen=True)
class PathAttenuation:
    """Attenuations (dB) exceeded p % of the time, broadcast over sites and percentages."""

    total_db: FloatArray
    """P.618-14 §2.5 total: gas + sqrt((rain + cloud)² + scintillation²)."""
    excl_scint_db: FloatArray
    """gas + rain + cloud: the attenuation that raises the sky noise temperature (P.618-14 §3)."""
    versions: Mapping[str, str] = field(default_factory=dict)


def path_attenuation(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    freq_ghz: float,
    elevation_deg: npt.ArrayLike,
    p_percent: npt.ArrayLike,
    *,
    diameter_m: float,
    efficiency: float,
    tau_deg: float,
    model: AttenuationModel | None = None,
) -> PathAttenuation:
    """Attenuation on each path (arrays broadcast together) from ``model`` (default: ``connect.itur``)."""
    if model is None:
        from spacebridge.connect.itur import total_attenuation

        model = total_attenuation
    lat, lon, el, p = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (lat_deg, lon_deg, elevation_deg, p_percent))
    )
    shape = lat.shape
    result: _Components = model(
        lat.ravel(), lon.ravel(), freq_ghz, el.ravel(), p.ravel(),
        diameter_m=diameter_m, efficiency=efficiency, tau_deg=tau_deg,
    )  # fmt: skip
    total = np.asarray(result.total_db, dtype=np.float64).reshape(shape)
    excl = (np.asarray(result.gas_db) + np.asarray(result.rain_db) + np.asarray(result.cloud_db)).reshape(shape)
    return PathAttenuation(total, excl.astype(np.float64), dict(getattr(result, "versions", {}) or {}))


class SitePropagation:
    """P.618-14 §2.5 total attenuation for fixed sites, reusing every term that depends on the site only."""

    def __init__(self, lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> None:
        from spacebridge.connect.itur import p453, p676, p836, p837, p839, p1510, p1511

        self.lat = np.asarray(lat_deg, dtype=np.float64).ravel()
        self.lon = np.asarray(lon_deg, dtype=np.float64).ravel()
        self.hs_km = p1511.topographic_height_km(self.lat, self.lon)
        self.t_mean_k = p1510.surface_mean_temperature_k(self.lat, self.lon)
        self.p_mean_hpa = p676.standard_pressure_hpa(self.hs_km)
        self.rho_mean = p836.surface_water_vapour_density_g_m3(self.lat, self.lon, 50.0, hs_km=self.hs_km)
        self.r001_mm_h = p837.rain_rate_001_mm_h(self.lat, self.lon)
        self.rain_height_km = p839.rain_height_km(self.lat, self.lon)
        self.nwet = p453.wet_refractivity_median(self.lat, self.lon)
        self._gas: dict[float, tuple[FloatArray, FloatArray, FloatArray, float]] = {}

    def _gas_terms(self, freq_ghz: float) -> tuple[FloatArray, FloatArray, FloatArray, float]:
        """γ_o·h_o at the mean water vapour density, k_v, γ_o, and dh_o/dρ (P.676-13 Annex 2), per frequency."""
        if freq_ghz not in self._gas:
            from spacebridge.connect.itur import p676

            common = {"p_mean_hpa": self.p_mean_hpa, "t_mean_k": self.t_mean_k, "rho_mean_g_m3": self.rho_mean,
                      "p_p_hpa": self.p_mean_hpa, "t_p_k": self.t_mean_k}  # fmt: skip
            # In chunks: the line-by-line sum holds (sites x 44 lines) temporaries.
            h_o, k_v, gamma_o = (np.empty(self.lat.size) for _ in range(3))
            for start in range(0, self.lat.size, _GAS_CHUNK):
                part = slice(start, start + _GAS_CHUNK)
                stats = p676.slant_path_statistical_db(
                    freq_ghz, 90.0, rho_p_g_m3=self.rho_mean[part], v_p_kg_m2=0.0,
                    **{k: np.asarray(v)[part] for k, v in common.items()},
                )  # fmt: skip
                h_o[part], k_v[part], gamma_o[part] = stats.h_oxygen_km, stats.k_v, stats.gamma_oxygen_db_km
            # h_o is linear in ρ(p) with a coefficient that depends on the frequency only.
            probe = {k: np.asarray(v)[:1] for k, v in common.items()}
            lo = p676.slant_path_statistical_db(freq_ghz, 90.0, rho_p_g_m3=0.0, v_p_kg_m2=0.0, **probe)
            hi = p676.slant_path_statistical_db(freq_ghz, 90.0, rho_p_g_m3=1.0, v_p_kg_m2=0.0, **probe)
            slope = float(np.asarray(hi.h_oxygen_km)[0] - np.asarray(lo.h_oxygen_km)[0])
            self._gas[freq_ghz] = (h_o, k_v, gamma_o, slope)
        return self._gas[freq_ghz]

    def attenuation(
        self,
        freq_ghz: float,
        elevation_deg: FloatArray,
        p_percent: npt.ArrayLike,
        *,
        diameter_m: float,
        efficiency: float,
        tau_deg: float,
        index: npt.NDArray[np.intp] | None = None,
        chunk_sites: int = 16_384,
    ) -> PathAttenuation:
        """Attenuation, shape ``(site, percentage)``, for the sites ``index`` (default all) at their elevations.

        Sites are processed ``chunk_sites`` at a time to bound the temporaries of the map interpolations.
        """
        from spacebridge.connect.itur.total import VERSIONS

        sel = np.arange(self.lat.size) if index is None else np.asarray(index)
        p = np.atleast_1d(np.asarray(p_percent, dtype=np.float64))[None, :]
        el = np.asarray(elevation_deg, dtype=np.float64).reshape(-1, 1)
        total = np.empty((sel.size, p.shape[1]))
        excl = np.empty((sel.size, p.shape[1]))
        for start in range(0, sel.size, chunk_sites):
            part = slice(start, start + chunk_sites)
            total[part], excl[part] = self._chunk(freq_ghz, el[part], p, sel[part], diameter_m, efficiency, tau_deg)
        return PathAttenuation(total, excl, dict(VERSIONS))

    def _chunk(
        self,
        freq_ghz: float,
        el: FloatArray,
        p: FloatArray,
        sel: npt.NDArray[np.intp],
        diameter_m: float,
        efficiency: float,
        tau_deg: float,
    ) -> tuple[FloatArray, FloatArray]:
        from spacebridge.connect.itur import p618, p836, p840
        from spacebridge.connect.itur.total import GAS_CLOUD_FLOOR_PERCENT

        lat, lon = self.lat[sel, None], self.lon[sel, None]
        hs = self.hs_km[sel, None]
        h_o_mean, k_v, gamma_o, dh_drho = (np.asarray(a)[sel, None] if np.ndim(a) else a
                                           for a in self._gas_terms(freq_ghz))  # fmt: skip
        # Gas and clouds are taken at max(p, 5 %): evaluate the maps once per distinct floored percentage.
        p_floor, back = np.unique(np.maximum(p[0], GAS_CLOUD_FLOOR_PERCENT), return_inverse=True)
        rho_p = p836.surface_water_vapour_density_g_m3(lat, lon, p_floor[None, :], hs_km=hs)[:, back]
        v_p = p836.total_water_vapour_content_kg_m2(lat, lon, p_floor[None, :], hs_km=hs)[:, back]
        h_o = h_o_mean + dh_drho * (rho_p - self.rho_mean[sel, None])
        gas = (gamma_o * h_o + k_v * v_p) / np.sin(np.deg2rad(el))
        cloud = p840.cloud_attenuation_db(lat, lon, freq_ghz, el, p_floor[None, :])[:, back]
        scint = p618.scintillation(lat, lon, freq_ghz, el, p, diameter_m=diameter_m, efficiency=efficiency,
                                   nwet=self.nwet[sel, None]).fade_db  # fmt: skip
        rain = np.zeros(np.broadcast_shapes(lat.shape, p.shape))
        rainy = p[0] <= p618.RAIN_P_RANGE_PERCENT[1]
        if rainy.any():
            rain[:, rainy] = p618.rain_attenuation(
                lat, lon, freq_ghz, el, p[:, rainy], tau_deg=tau_deg, hs_km=hs,
                r001_mm_h=self.r001_mm_h[sel, None], rain_height_km=self.rain_height_km[sel, None],
            ).attenuation_db  # fmt: skip
        total = gas + np.sqrt((rain + cloud) ** 2 + scint**2)
        return np.asarray(total, dtype=np.float64), np.asarray(gas + rain + cloud, dtype=np.float64)
