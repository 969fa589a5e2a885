"""Busy-hour demand of settlements and the sharing of a beam's (or cell's) capacity among them.

Demand: households = population / persons per household; subscribers = households × take-up; busy-hour
demand = subscribers × busy-hour concurrency × rate per active subscriber + Σ facilities × their demand.

Sharing: with ACM each settlement is served on its own MODCOD, so a settlement needing d Mbit/s occupies a
fraction min(d / (Rs·η), 1) of one carrier's airtime (Rs the carrier's symbol rate, η the spectral efficiency its
link supports; a terminal receives one carrier at a time). A beam (GEO) or cell (LEO) with k carriers is loaded
L = Σ airtime / k. Below L = 1 every settlement
gets its demand; above, every settlement gets demand / L (equal fraction of demand, the proportional-fair
outcome under a saturated scheduler), and never more than one carrier (Rs·η): a settlement demanding more than
a carrier counts as one carrier and gets that carrier's throughput / L.

Cells are squares of ``cell_km`` on a Lambert azimuthal equal-area grid centred on the settlements; ``None``
puts every settlement in one beam (a national GEO beam).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.connect.scenario import DemandSpec
from spacebridge.connect.settlements import Settlements

__all__ = ["CapacityShare", "Demand", "cell_ids", "settlement_demand", "share_capacity"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Demand:
    households: FloatArray
    subscribers: FloatArray
    busy_hour_mbps: FloatArray


def settlement_demand(settlements: Settlements, spec: DemandSpec) -> Demand:
    """Households, subscribers and busy-hour demand (Mbit/s) of every settlement."""
    households = settlements.population / spec.persons_per_household
    subscribers = households * spec.take_up
    mbps = subscribers * spec.busy_hour_concurrency * spec.busy_hour_rate_mbps
    for name, per_facility in spec.facility_demand_mbps.items():
        counts = settlements.facilities.get(name)
        if counts is not None:
            mbps = mbps + counts * per_facility
    return Demand(households, subscribers, mbps)


def cell_ids(lat_deg: FloatArray, lon_deg: FloatArray, cell_km: float | None) -> IntArray:
    """Id of the square equal-area cell of side ``cell_km`` holding each point (all 0 when ``None``)."""
    if cell_km is None or lat_deg.size == 0:
        return np.zeros(lat_deg.shape, dtype=np.int64)
    from pyproj import Transformer

    from spacebridge.core.geo import equal_area_crs

    centre_lon = float(np.degrees(np.arctan2(np.sin(np.radians(lon_deg)).mean(), np.cos(np.radians(lon_deg)).mean())))
    crs = equal_area_crs(centre_lon, float(np.clip(lat_deg.mean(), -89.0, 89.0)))
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon_deg, lat_deg)
    size = cell_km * 1000.0
    ix = np.floor(np.asarray(x) / size).astype(np.int64)
    iy = np.floor(np.asarray(y) / size).astype(np.int64)
    return (ix + (1 << 20)) * (1 << 21) + (iy + (1 << 20))


@dataclass(frozen=True)
class CapacityShare:
    served_mbps: FloatArray
    """Busy-hour throughput each settlement gets (0 where not served by this system)."""
    airtime_carriers: FloatArray
    """Carrier airtime each settlement occupies once served (fraction of one carrier)."""
    beam_load: FloatArray
    """Load of each settlement's beam/cell: demanded airtime / carriers (> 1 means congested)."""


def share_capacity(
    cell: IntArray,
    demand_mbps: FloatArray,
    carrier_rate_mbps: FloatArray,
    *,
    carriers_per_beam: int,
    served: npt.NDArray[np.bool_],
) -> CapacityShare:
    """Share each beam's carriers among the ``served`` settlements it covers (see the module docstring)."""
    rate = np.where(served & (carrier_rate_mbps > 0), carrier_rate_mbps, np.inf)
    need = np.where(served, np.minimum(demand_mbps / rate, 1.0), 0.0)  # one carrier at most per settlement
    _, inverse = np.unique(cell, return_inverse=True)
    load_per_beam = np.bincount(inverse, weights=need) / carriers_per_beam
    load = load_per_beam[inverse]
    scale = 1.0 / np.maximum(load, 1.0)
    got = np.where(served, np.minimum(demand_mbps, np.where(np.isfinite(rate), rate, 0.0)) * scale, 0.0)
    airtime = np.where(served, got / rate, 0.0)
    return CapacityShare(got, airtime, np.where(served, load, 0.0))
