"""Earth-station to satellite geometry: look angles, slant range and polarisation skew.

All functions are vectorised over numpy arrays of sites. Positions are Earth-centred, Earth-fixed (ECEF, km);
sites are geodetic on the WGS 84 ellipsoid by default, or on a sphere for comparison with textbook examples
(which use a spherical Earth of radius 6,371 km, e.g. Roddy, *Satellite Communications*, 4th ed., §3.2).

The look angles are plain vector geometry (ECEF line of sight rotated into the local east-north-up frame),
written here because the libraries that do it (astropy, skyfield) need time scales and Earth-orientation data
for what is, for a geostationary satellite, a time-independent problem, and cost milliseconds per call where
this costs microseconds per site. They are tested against PROJ's topocentric conversion and textbook examples.

Polarisation skew follows the usual convention for geostationary linear polarisation: the satellite's
"vertical" polarisation is parallel to the Earth's rotation axis; the skew is the angle, seen along the line of
sight, between that direction and the earth station's local vertical plane, in [-90, 90) degrees, positive for
a station east of the satellite in the northern hemisphere. It is computed exactly from the vectors; the
common closed form ``atan(sin Δλ / tan φ)`` (e.g. Maral & Bousquet, *Satellite Communications Systems*,
5th ed., §5.2) neglects the satellite's finite distance and differs by up to a few tenths of a degree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import OutOfRangeError

__all__ = [
    "GEO_RADIUS_KM",
    "KAZSAT_2",
    "KAZSAT_3",
    "LookAngles",
    "OrbitalSlot",
    "geo_look_angles",
    "geodetic_to_ecef_km",
    "get_slot",
    "look_angles_from_ecef",
]

FloatArray = npt.NDArray[np.float64]
EarthModel = Literal["wgs84", "sphere"]

WGS84_A_KM = 6378.137
"""WGS 84 equatorial radius (km)."""
WGS84_F = 1.0 / 298.257223563
"""WGS 84 flattening."""
MEAN_EARTH_RADIUS_KM = 6371.0
"""Spherical Earth radius used by textbook look-angle examples (km)."""
GEO_RADIUS_KM = 42164.17
"""Geostationary orbit radius (km): GM = 398,600.4418 km³/s², sidereal day 86,164.0905 s."""


@dataclass(frozen=True)
class OrbitalSlot:
    """A geostationary orbital position."""

    name: str
    lon_deg: float
    """Sub-satellite longitude, degrees east."""
    operator: str = ""


KAZSAT_2 = OrbitalSlot("KazSat-2", 86.5, "JSC Republican Center of Space Communication (RCSC), Kazakhstan")
"""KazSat-2 at 86.5°E (RCSC, launched 2011)."""
KAZSAT_3 = OrbitalSlot("KazSat-3", 58.5, "JSC Republican Center of Space Communication (RCSC), Kazakhstan")
"""KazSat-3 at 58.5°E (RCSC, launched 2014)."""

_SLOTS = {"kazsat-2": KAZSAT_2, "kazsat-3": KAZSAT_3}


def get_slot(name_or_lon: str | float) -> OrbitalSlot:
    """A preset slot by name (``"kazsat-2"``, ``"kazsat-3"``) or any slot by longitude in degrees east."""
    from spacebridge.core.errors import NotFoundError

    if isinstance(name_or_lon, int | float):
        lon = float(name_or_lon)
        if not (np.isfinite(lon) and -180.0 <= lon <= 360.0):
            raise OutOfRangeError(
                f"orbital slot longitude {lon!r} is outside [-180, 360]",
                hint="Give the sub-satellite longitude in degrees east",
                name="lon_deg",
                value=lon,
            )
        return OrbitalSlot(f"GEO {lon:g}E", lon)
    key = name_or_lon.strip().lower()
    if key in _SLOTS:
        return _SLOTS[key]
    try:
        return get_slot(float(key.rstrip("e")))
    except ValueError:
        raise NotFoundError(
            f"unknown orbital slot {name_or_lon!r}",
            hint=f"Use one of {sorted(_SLOTS)} or a longitude in degrees east such as 58.5",
            name="slot",
            value=name_or_lon,
        ) from None


@dataclass(frozen=True)
class LookAngles:
    """Pointing from earth stations to a satellite; arrays share the sites' shape."""

    elevation_deg: FloatArray
    """Elevation above the local horizontal (geodetic), degrees; negative when the satellite is below it."""
    azimuth_deg: FloatArray
    """Azimuth from true north, clockwise, in [0, 360) degrees."""
    slant_range_km: FloatArray
    """Distance from the earth station to the satellite, km."""
    skew_deg: FloatArray | None = None
    """Polarisation skew in [-90, 90) degrees (geostationary satellites only)."""

    @property
    def visible(self) -> npt.NDArray[np.bool_]:
        """Where the satellite is above the geometric horizon."""
        return self.elevation_deg > 0.0


def _check_latitudes(lat_deg: FloatArray) -> None:
    bad = ~(np.isfinite(lat_deg) & (np.abs(lat_deg) <= 90.0))
    if bad.any():
        index = int(np.flatnonzero(bad.ravel())[0])
        value = float(lat_deg.ravel()[index])
        raise OutOfRangeError(
            f"latitude {value!r} at index {index} is outside [-90, 90]",
            hint="Give latitudes in decimal degrees, north positive; check that lat and lon are not swapped",
            name="lat_deg",
            value=value,
            index=index,
        )


def geodetic_to_ecef_km(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    height_km: npt.ArrayLike = 0.0,
    *,
    earth: EarthModel = "wgs84",
) -> FloatArray:
    """ECEF position (km) of geodetic points; the last axis holds x, y, z.

    Examples
    --------
    >>> geodetic_to_ecef_km(0.0, 0.0).round(3).tolist()
    [6378.137, 0.0, 0.0]
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    h = np.asarray(height_km, dtype=np.float64)
    if earth == "sphere":
        n = np.full_like(lat, MEAN_EARTH_RADIUS_KM)
        e2 = 0.0
    else:
        e2 = WGS84_F * (2.0 - WGS84_F)
        n = WGS84_A_KM / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    cos_lat = np.cos(lat)
    return np.stack(
        np.broadcast_arrays(
            (n + h) * cos_lat * np.cos(lon),
            (n + h) * cos_lat * np.sin(lon),
            (n * (1.0 - e2) + h) * np.sin(lat),
        ),
        axis=-1,
    )


def look_angles_from_ecef(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    site_ecef_km: FloatArray,
    target_ecef_km: FloatArray,
) -> LookAngles:
    """Elevation, azimuth and range from sites to targets given in ECEF km (broadcast together)."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    rho = np.asarray(target_ecef_km, dtype=np.float64) - site_ecef_km
    rx, ry, rz = rho[..., 0], rho[..., 1], rho[..., 2]
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    east = -sin_lon * rx + cos_lon * ry
    north = -sin_lat * cos_lon * rx - sin_lat * sin_lon * ry + cos_lat * rz
    up = cos_lat * cos_lon * rx + cos_lat * sin_lon * ry + sin_lat * rz
    horizontal = np.hypot(east, north)
    return LookAngles(
        elevation_deg=np.degrees(np.arctan2(up, horizontal)),
        azimuth_deg=np.mod(np.degrees(np.arctan2(east, north)), 360.0),
        slant_range_km=np.sqrt(horizontal**2 + up**2),
    )


def geo_look_angles(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    slot: OrbitalSlot | float,
    *,
    height_m: npt.ArrayLike = 0.0,
    earth: EarthModel = "wgs84",
) -> LookAngles:
    """Look angles, slant range and polarisation skew from sites to a geostationary satellite.

    Parameters
    ----------
    lat_deg, lon_deg
        Geodetic latitude and longitude of the earth stations, degrees (arrays broadcast together).
    slot
        The satellite's orbital slot, or its longitude in degrees east.
    height_m
        Earth-station height above the ellipsoid, metres.
    earth
        ``"wgs84"`` (default) or ``"sphere"`` (radius 6,371 km, as textbook examples).

    Returns
    -------
    LookAngles
        With ``skew_deg`` set. The satellite is visible where ``elevation_deg > 0``.

    Examples
    --------
    Roddy, *Satellite Communications* (4th ed.), Example 3.4: a station at 35°N, 100°W sees a satellite at
    90°W at 48° elevation and 37,215 km (spherical Earth, orbit radius 42,164 km; 42,164.17 km here gives
    37,216 km); the satellite lies to the south-east:

    >>> la = geo_look_angles(35.0, -100.0, -90.0, earth="sphere")
    >>> round(float(la.azimuth_deg), 1), round(float(la.elevation_deg), 1), round(float(la.slant_range_km))
    (162.9, 48.0, 37216)
    """
    sat_lon = slot.lon_deg if isinstance(slot, OrbitalSlot) else float(slot)
    lat = np.asarray(lat_deg, dtype=np.float64)
    _check_latitudes(lat)
    lon = np.asarray(lon_deg, dtype=np.float64)
    site = geodetic_to_ecef_km(lat, lon, np.asarray(height_m, dtype=np.float64) / 1000.0, earth=earth)
    sat_lon_rad = np.radians(sat_lon)
    sat = np.array([GEO_RADIUS_KM * np.cos(sat_lon_rad), GEO_RADIUS_KM * np.sin(sat_lon_rad), 0.0])
    angles = look_angles_from_ecef(lat, lon, site, sat)
    return LookAngles(angles.elevation_deg, angles.azimuth_deg, angles.slant_range_km, _skew_deg(lat, lon, site, sat))


def _skew_deg(lat_deg: FloatArray, lon_deg: FloatArray, site: FloatArray, sat: FloatArray) -> FloatArray:
    """Angle between the projected Earth axis (satellite 'vertical') and the local vertical, about the LOS."""
    los = sat - site
    los = los / np.linalg.norm(los, axis=-1, keepdims=True)
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    up = np.stack(np.broadcast_arrays(np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=-1)
    axis = np.array([0.0, 0.0, 1.0])
    pol = axis - np.sum(axis * los, axis=-1, keepdims=True) * los
    vert = up - np.sum(up * los, axis=-1, keepdims=True) * los
    sin_part = np.sum(np.cross(vert, pol) * los, axis=-1)
    cos_part = np.sum(vert * pol, axis=-1)
    skew = np.degrees(np.arctan2(sin_part, cos_part))
    # A linear polarisation is a line: fold into (-90, 90].
    return np.asarray(np.mod(skew + 90.0, 180.0) - 90.0, dtype=np.float64)
