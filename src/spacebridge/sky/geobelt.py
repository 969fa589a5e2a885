"""Visibility of the geostationary belt from a site: which orbital slots are above the horizon, and when they are
sunlit while the observer is in darkness (GEO satellites enter the Earth's shadow around local midnight for a few
weeks around the equinoxes).

An ideal geostationary slot at east longitude ``lon`` is the Earth-fixed point ``a_GEO (cos lon, sin lon, 0)`` with
``a_GEO = 42,164.17 km`` (the radius of a circular orbit with the sidereal day's period, GM = 398,600.4418 km^3/s^2).

Examples
--------
>>> belt = geo_belt("assy-turgen", "2026-09-22T15:00", "2026-09-23T00:00", step_deg=1.0)
>>> west, east = belt.visible_longitude_range()
>>> bool(west < 58.5 < east and west < 86.5 < east)  # the KazSat slots
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError
from spacebridge.sky.frames import to_datetime64
from spacebridge.sky.geometry import observer_geometry, sun_itrs_km
from spacebridge.sky.satellites import EARTH_RADIUS_KM
from spacebridge.sky.sites import Site, get_site
from spacebridge.sky.visibility import time_grid

__all__ = ["GEO_RADIUS_KM", "KAZAKH_GEO_SLOTS_DEG", "GeoBelt", "geo_belt"]

FloatArray = npt.NDArray[np.float64]
GEO_RADIUS_KM = 42164.17
#: Kazakhstan's geostationary slots (east longitude, deg): KazSat-2 and KazSat-3 (operator: JSC KazSat /
#: Republican Center of Space Communication).
KAZAKH_GEO_SLOTS_DEG = {"KazSat-2": 86.5, "KazSat-3": 58.5}
_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")


@dataclass(frozen=True, eq=False)
class GeoBelt:
    """Slots (L,) with their fixed elevation/azimuth from the site, and sunlight (L, T) over the window."""

    site_id: str
    longitudes_deg: FloatArray
    elevation_deg: FloatArray
    azimuth_deg: FloatArray
    min_elevation_deg: float
    times_utc: npt.NDArray[np.datetime64]
    sunlit: npt.NDArray[np.bool_]
    sun_altitude_deg: FloatArray

    @property
    def visible(self) -> npt.NDArray[np.bool_]:
        """Slots at or above the minimum elevation."""
        return np.asarray(self.elevation_deg >= self.min_elevation_deg)

    def observable(self, dark_sun_altitude_deg: float = -12.0) -> npt.NDArray[np.bool_]:
        """(L, T): slot above the minimum elevation, sunlit, and the Sun below ``dark_sun_altitude_deg`` at the site."""
        dark = self.sun_altitude_deg < dark_sun_altitude_deg
        return np.asarray(self.visible[:, None] & self.sunlit & dark[None, :])

    def visible_longitude_range(self) -> tuple[float, float]:
        """Westernmost and easternmost visible slot (deg east, may exceed 180 to stay contiguous)."""
        lons = np.unwrap(np.radians(self.longitudes_deg[self.visible]))
        if lons.size == 0:
            return (float("nan"), float("nan"))
        return float(np.degrees(lons.min())), float(np.degrees(lons.max()))


def geo_belt(
    site: Site | str,
    start_utc: Any,
    end_utc: Any,
    *,
    longitudes_deg: npt.ArrayLike | None = None,
    step_deg: float = 0.5,
    step_s: float = 600.0,
    min_elevation_deg: float = 10.0,
) -> GeoBelt:
    """Elevation, azimuth and sunlight of geostationary slots seen from ``site`` between two UTC instants.

    ``longitudes_deg`` defaults to the whole belt every ``step_deg``.
    """
    site = get_site(site)
    start, end = to_datetime64(start_utc)[0], to_datetime64(end_utc)[0]
    if not end > start:
        raise InvalidInputError(f"the window end {end} is not after its start {start}", argument="end_utc")
    if longitudes_deg is None:
        if step_deg <= 0:
            raise InvalidInputError(f"step_deg must be positive, got {step_deg}", argument="step_deg")
        lons = np.arange(-180.0, 180.0, step_deg)
    else:
        lons = np.atleast_1d(np.asarray(longitudes_deg, dtype=np.float64))
    geo = observer_geometry(site, start, end)
    lam = np.radians(lons)
    slots = GEO_RADIUS_KM * np.stack([np.cos(lam), np.sin(lam), np.zeros_like(lam)], axis=1)
    times = time_grid(start, end, step_s)
    t_s = (times - _EPOCH) / np.timedelta64(1, "s")
    sun = sun_itrs_km(geo, np.asarray(t_s, dtype=np.float64))  # (T, 3)
    d = sun[None, :, :] - slots[:, None, :]  # slot -> Sun
    tt = np.clip(-np.einsum("lk,ltk->lt", slots, d) / np.einsum("ltk,ltk->lt", d, d), 0.0, 1.0)
    closest = slots[:, None, :] + tt[..., None] * d
    sunlit = np.einsum("ltk,ltk->lt", closest, closest) > EARTH_RADIUS_KM**2
    return GeoBelt(
        site_id=site.id,
        longitudes_deg=lons,
        elevation_deg=geo.elevation_deg(slots),
        azimuth_deg=geo.azimuth_deg(slots),
        min_elevation_deg=float(min_elevation_deg),
        times_utc=times,
        sunlit=np.asarray(sunlit),
        sun_altitude_deg=geo.sun_altitude_deg(sun),
    )
