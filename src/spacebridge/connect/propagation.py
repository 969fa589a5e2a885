"""The one seam between planning and the propagation models.

Planning needs, per settlement, link and percentage of time, the total atmospheric attenuation (for the
carrier) and the attenuation without scintillation (for the sky-noise rise, ITU-R P.618-14 §3). Both come from
:func:`spacebridge.connect.itur.total_attenuation` (P.618-14 §2.5 with P.676, P.840, P.837, P.838, P.839,
P.453, P.1510, P.1511). Any callable with the same signature and result fields (``gas_db``, ``cloud_db``,
``rain_db``, ``scint_db``, ``total_db``, ``versions``) can stand in for it, which the benchmark uses to plan
with the ``itur`` package instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["AttenuationModel", "PathAttenuation", "path_attenuation"]

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
