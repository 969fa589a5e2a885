"""Terrestrial-frame geometry for satellites: the observer on WGS84, local elevation and azimuth, the Sun.

The frame is the pseudo-Earth-fixed frame of SGP4 (TEME rotated by IAU-82 GMST), which is the ITRS without polar
motion (below 0.5 arcsec). The Sun's geocentric position is astropy's (``get_body('sun')`` to ITRS) on a 10-minute
grid over the window, linearly interpolated (the interpolation error is below 1 arcsec of direction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.sky.frames import astropy_time
from spacebridge.sky.satellites import EARTH_RADIUS_KM, gmst82_rad
from spacebridge.sky.sites import Site

__all__ = [
    "ObserverGeometry",
    "observer_geometry",
    "propagate_teme",
    "sun_itrs_km",
    "sunlit_mask",
    "teme_to_itrs",
    "wgs84_to_itrs_km",
]

FloatArray = npt.NDArray[np.float64]
_WGS84_A_KM = 6378.137
_WGS84_F = 1.0 / 298.257223563
_SUN_STEP_S = 600.0
_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")
_JD_UNIX = 2440587.5


def wgs84_to_itrs_km(latitude_deg: float, longitude_deg: float, height_m: float) -> FloatArray:
    """Earth-fixed position (km) of a geodetic point on WGS84."""
    lat, lon = np.radians(latitude_deg), np.radians(longitude_deg)
    e2 = _WGS84_F * (2.0 - _WGS84_F)
    n = _WGS84_A_KM / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    h = height_m / 1000.0
    return np.array(
        [(n + h) * np.cos(lat) * np.cos(lon), (n + h) * np.cos(lat) * np.sin(lon), (n * (1.0 - e2) + h) * np.sin(lat)]
    )


@dataclass(frozen=True, eq=False)
class ObserverGeometry:
    """Observer position and local axes (Earth-fixed), UT1-UTC for the window, and the Sun on a time grid."""

    site_id: str
    observer_itrs_km: FloatArray
    up: FloatArray
    east: FloatArray
    north: FloatArray
    dut1_s: float
    sun_t_s: FloatArray
    sun_km: FloatArray

    def elevation_deg(self, r_itrs_km: FloatArray) -> FloatArray:
        """Elevation (deg) of Earth-fixed positions (..., 3) seen from the observer."""
        rho = r_itrs_km - self.observer_itrs_km
        return np.degrees(np.arcsin(np.clip((rho @ self.up) / np.linalg.norm(rho, axis=-1), -1.0, 1.0)))

    def azimuth_deg(self, r_itrs_km: FloatArray) -> FloatArray:
        """Azimuth (deg, north = 0, east = 90) of Earth-fixed positions (..., 3)."""
        rho = r_itrs_km - self.observer_itrs_km
        return np.mod(np.degrees(np.arctan2(rho @ self.east, rho @ self.north)), 360.0)

    def sun_altitude_deg(self, sun_km: FloatArray) -> FloatArray:
        """Geometric altitude of the Sun (deg) for geocentric Sun positions (..., 3)."""
        return self.elevation_deg(sun_km)


def observer_geometry(site: Site, start_utc: np.datetime64, end_utc: np.datetime64) -> ObserverGeometry:
    """Observer axes, UT1-UTC at mid-window (astropy IERS, offline) and the Sun over ``[start, end]``."""
    import astropy.units as u
    from astropy.coordinates import ITRS, get_body

    lat, lon = np.radians(site.latitude_deg), np.radians(site.longitude_deg)
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    north = np.cross(up, east)
    t0 = float((start_utc - _EPOCH) / np.timedelta64(1, "ns")) / 1e9 - _SUN_STEP_S
    t1 = float((end_utc - _EPOCH) / np.timedelta64(1, "ns")) / 1e9 + _SUN_STEP_S
    grid_s = np.arange(t0, t1 + _SUN_STEP_S, _SUN_STEP_S)
    times = astropy_time(_EPOCH + (grid_s * 1e9).astype("timedelta64[ns]"))
    sun = get_body("sun", times).transform_to(ITRS(obstime=times))
    sun_km = np.asarray(sun.cartesian.xyz.to_value(u.km)).T
    mid = times[times.size // 2]
    return ObserverGeometry(
        site_id=site.id,
        observer_itrs_km=wgs84_to_itrs_km(site.latitude_deg, site.longitude_deg, site.height_m),
        up=up,
        east=east,
        north=north,
        dut1_s=float(mid.get_delta_ut1_utc().to_value(u.s)),
        sun_t_s=grid_s,
        sun_km=sun_km,
    )


def sun_itrs_km(geo: ObserverGeometry, t_s: FloatArray) -> FloatArray:
    """Geocentric Earth-fixed Sun position (km), (N, 3), at Unix times ``t_s`` inside the geometry's window."""
    return np.stack([np.interp(t_s, geo.sun_t_s, geo.sun_km[:, k]) for k in range(3)], axis=-1)


def teme_to_itrs(pos: FloatArray, vel: FloatArray, t_s: FloatArray, dut1_s: float) -> tuple[FloatArray, FloatArray]:
    """Earth-fixed position and velocity (km, km/s) from TEME ones at Unix times ``t_s`` (IAU-82 GMST of UT1)."""
    theta = gmst82_rad(_JD_UNIX + (t_s + dut1_s) / 86400.0)
    c, s = np.cos(theta), np.sin(theta)
    x = c[..., None] * pos[..., 0:1] + s[..., None] * pos[..., 1:2]
    y = -s[..., None] * pos[..., 0:1] + c[..., None] * pos[..., 1:2]
    r_itrs = np.concatenate([x, y, pos[..., 2:3]], axis=-1)
    vx = c[..., None] * vel[..., 0:1] + s[..., None] * vel[..., 1:2]
    vy = -s[..., None] * vel[..., 0:1] + c[..., None] * vel[..., 1:2]
    omega = 7.292115146706979e-5  # rad/s, Earth rotation of the IAU-82 sidereal time
    v_itrs = np.concatenate([vx + omega * y, vy - omega * x, vel[..., 2:3]], axis=-1)
    return r_itrs, v_itrs


def propagate_teme(
    satrecs: tuple[Any, ...], t_s: FloatArray, dut1_s: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int_]]:
    """SGP4 TEME positions and velocities (S, K, 3) and error codes (S, K) of ``satrecs`` at Unix times ``t_s``."""
    from sgp4.api import SatrecArray

    jd_whole = np.floor(_JD_UNIX + t_s[0] / 86400.0)
    fr = (_JD_UNIX - jd_whole) + t_s / 86400.0
    err, r, v = SatrecArray(list(satrecs)).sgp4(np.full(t_s.size, jd_whole), fr)
    return np.asarray(r), np.asarray(v), np.asarray(err)


def sunlit_mask(sat_km: FloatArray, sun_km: FloatArray) -> npt.NDArray[np.bool_]:
    """True unless the segment satellite -> Sun passes through the Earth's sphere (R = 6378.137 km)."""
    d = sun_km - sat_km
    tt = np.clip(-np.einsum("ij,ij->i", sat_km, d) / np.einsum("ij,ij->i", d, d), 0.0, 1.0)
    closest = sat_km + tt[:, None] * d
    return np.asarray(np.einsum("ij,ij->i", closest, closest) > EARTH_RADIUS_KM**2)
