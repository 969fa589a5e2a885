"""Satellites as targets: elevation, azimuth, range, angular rate, sunlight and observer darkness on a time grid.

This is what a scheduler needs to put satellite observations on the same timeline as fixed targets: for S satellites
and T instants, (S, T) arrays from SGP4 evaluated exactly at those instants (no interpolation). The angular rate is
``|rho x rho_dot| / |rho|^2`` in the Earth-fixed frame, i.e. the rate a telescope mount must track.

Examples
--------
>>> from spacebridge.sky.satellites import parse_catalog
>>> cat = parse_catalog('''ISS (ZARYA)
... 1 25544U 98067A   26177.67101756  .00008101  00000+0  15268-3 0  9990
... 2 25544  51.6322 253.1475 0004299 235.1263 124.9322 15.49442433573225''')
>>> track = satellite_track(cat, "tien-shan", ["2026-06-27T18:00", "2026-06-27T18:01"])
>>> track.elevation_deg.shape
(1, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.sky.frames import to_datetime64
from spacebridge.sky.geometry import observer_geometry, propagate_teme, sun_itrs_km, sunlit_mask, teme_to_itrs
from spacebridge.sky.satellites import SatelliteCatalog
from spacebridge.sky.sites import Site, get_site

__all__ = ["SatelliteTrack", "satellite_track"]

FloatArray = npt.NDArray[np.float64]
_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")


@dataclass(frozen=True, eq=False)
class SatelliteTrack:
    """(S, T) geometry of S satellites at T UTC instants; NaN where SGP4 failed (``error_code`` != 0)."""

    norad_ids: tuple[int, ...]
    times_utc: npt.NDArray[np.datetime64]
    elevation_deg: FloatArray
    azimuth_deg: FloatArray
    range_km: FloatArray
    angular_rate_deg_s: FloatArray
    sunlit: npt.NDArray[np.bool_]
    sun_altitude_deg: FloatArray  # (T,)
    error_code: npt.NDArray[np.int_]

    def visible(self, *, min_elevation_deg: float = 10.0, dark_sun_altitude_deg: float = -6.0) -> npt.NDArray[np.bool_]:
        """(S, T): above ``min_elevation_deg``, sunlit, with the Sun below ``dark_sun_altitude_deg`` at the site."""
        dark = (self.sun_altitude_deg < dark_sun_altitude_deg)[None, :]
        return np.asarray((self.elevation_deg >= min_elevation_deg) & self.sunlit & dark)


def satellite_track(catalog: SatelliteCatalog, site: Site | str, times_utc: Any) -> SatelliteTrack:
    """Topocentric geometry and sunlight of every satellite of ``catalog`` at ``times_utc`` (UTC)."""
    site = get_site(site)
    times = to_datetime64(times_utc).ravel()
    t_s = np.asarray((times - _EPOCH) / np.timedelta64(1, "ns"), dtype=np.float64) / 1e9
    geo = observer_geometry(site, times.min(), times.max())
    r, v, err = propagate_teme(catalog.satrecs, t_s, geo.dut1_s)
    pos, vel = teme_to_itrs(r, v, np.broadcast_to(t_s, r.shape[:2]), geo.dut1_s)
    rho = pos - geo.observer_itrs_km
    rng = np.linalg.norm(rho, axis=-1)
    rate = np.degrees(np.linalg.norm(np.cross(rho, vel), axis=-1) / rng**2)
    sun = sun_itrs_km(geo, t_s)  # (T, 3)
    lit = sunlit_mask(pos.reshape(-1, 3), np.broadcast_to(sun, pos.shape).reshape(-1, 3)).reshape(pos.shape[:2])
    bad = err != 0
    nan = np.where(bad, np.nan, 1.0)
    return SatelliteTrack(
        norad_ids=catalog.norad_ids,
        times_utc=times,
        elevation_deg=geo.elevation_deg(pos) * nan,
        azimuth_deg=geo.azimuth_deg(pos) * nan,
        range_km=rng * nan,
        angular_rate_deg_s=rate * nan,
        sunlit=np.asarray(lit & ~bad),
        sun_altitude_deg=geo.sun_altitude_deg(sun),
        error_code=np.asarray(err),
    )
