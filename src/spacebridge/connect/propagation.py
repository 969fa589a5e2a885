"""The one seam between planning and the propagation models.

Planning needs, per settlement, link and percentage of time, the total atmospheric attenuation (for the
carrier) and the attenuation without scintillation (for the sky-noise rise, ITU-R P.618-14 §3). Both are the
P.618-14 §2.5 total of :mod:`spacebridge.connect.itur`.

:class:`SitePropagation` holds the :class:`~spacebridge.connect.itur.total.SiteTerms` of the settlements
(built once per plan) and the oxygen specific attenuation γ_o once per frequency (shared by both KazSats at
11.45 GHz and by every return link at 14.25 GHz), and evaluates each link with
:func:`~spacebridge.connect.itur.total.attenuation_at`, the same composition
:func:`~spacebridge.connect.itur.total_attenuation` uses: there is one implementation (decision 0260).

Any callable with the signature of :func:`~spacebridge.connect.itur.total_attenuation` and its result fields
(``gas_db``, ``cloud_db``, ``rain_db``, ``scint_db``, ``total_db``, ``versions``) can stand in through
``model=`` (the benchmark plans with the ``itur`` package that way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from spacebridge.connect.itur.mapcache import MapsDir

__all__ = ["AttenuationModel", "PathAttenuation", "SitePropagation", "path_attenuation"]

FloatArray = npt.NDArray[np.float64]


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
    """P.618-14 §2.5 total attenuation for fixed sites, reusing every term that depends on the site only.

    ``maps_dir`` is the cache folder of the converted ITU-R maps (``Settings.itur_cache``; ``None``: the user
    cache folder).
    """

    def __init__(self, lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, *, maps_dir: MapsDir = None) -> None:
        from spacebridge.connect.itur.total import SiteTerms

        lat = np.asarray(lat_deg, dtype=np.float64).ravel()
        lon = np.asarray(lon_deg, dtype=np.float64).ravel()
        self.terms = SiteTerms.at(lat, lon, maps_dir=maps_dir)
        self._oxygen: dict[float, FloatArray] = {}

    def oxygen_db_km(self, freq_ghz: float) -> FloatArray:
        """γ_o of every site at ``freq_ghz`` (computed once per frequency), dB/km."""
        if freq_ghz not in self._oxygen:
            self._oxygen[freq_ghz] = self.terms.oxygen_db_km(freq_ghz)
        return self._oxygen[freq_ghz]

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
        from spacebridge.connect.itur.total import VERSIONS, attenuation_at

        sel = np.arange(self.terms.shape[0]) if index is None else np.asarray(index)
        p = np.atleast_1d(np.asarray(p_percent, dtype=np.float64))[None, :]
        el = np.asarray(elevation_deg, dtype=np.float64).reshape(-1, 1)
        gamma_o = self.oxygen_db_km(freq_ghz)
        total = np.empty((sel.size, p.shape[1]))
        excl = np.empty((sel.size, p.shape[1]))
        for start in range(0, sel.size, chunk_sites):
            part = slice(start, start + chunk_sites)
            column = sel[part, None]
            a = attenuation_at(
                self.terms.take(column), freq_ghz, el[part], p, diameter_m=diameter_m, efficiency=efficiency,
                tau_deg=tau_deg, gamma_oxygen_db_km=gamma_o[column],
            )  # fmt: skip
            total[part], excl[part] = a.total_db, a.gas_db + a.rain_db + a.cloud_db
        return PathAttenuation(total, excl, dict(VERSIONS))
