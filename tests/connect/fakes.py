"""Test doubles for the connect tests. Never used by src/.

``fake_total_attenuation`` has the signature and result fields of ``spacebridge.connect.itur.total_attenuation``
but is a simple closed-form stand-in (monotone in p, frequency and elevation), so planning tests run without
the propagation models and their maps. It is not a propagation model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CALLS: list[int] = []


@dataclass(frozen=True)
class FakeAttenuation:
    gas_db: np.ndarray
    cloud_db: np.ndarray
    rain_db: np.ndarray
    scint_db: np.ndarray
    total_db: np.ndarray
    versions: dict = field(default_factory=lambda: {"total": "fake-total-attenuation (test double)"})


def fake_total_attenuation(lat_deg, lon_deg, freq_ghz, elevation_deg, p_percent, *, diameter_m, efficiency,
                           tau_deg, hs_km=None):  # fmt: skip
    lat, _lon, f, el, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in
                                               (lat_deg, lon_deg, freq_ghz, elevation_deg, p_percent)))  # fmt: skip
    if np.any(el <= 0):
        raise ValueError("fake_total_attenuation: elevation must be > 0")
    CALLS.append(lat.size)
    path = 1.0 / np.sin(np.radians(np.maximum(el, 5.0)))
    gas = 0.04 * (f / 12.0) * path
    cloud = 0.05 * (f / 12.0) ** 2 * path * np.where(p < 5.0, 1.5, 1.0)
    climate = 1.0 + np.clip((50.0 - lat) / 20.0, 0.0, 1.0)  # wetter south
    rain = np.where(p <= 5.0, 1.2 * climate * (f / 12.0) ** 1.6 * (p / 0.01) ** -0.55 * path**0.6, 0.0)
    scint = 0.05 * (f / 12.0) ** 0.6 * p**-0.2 * path
    total = gas + np.sqrt((rain + cloud) ** 2 + scint**2)
    return FakeAttenuation(gas, cloud, rain, scint, total)
