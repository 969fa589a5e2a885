"""Recommendation ITU-R P.1511-3 (08/2024): topography for Earth-space propagation modelling.

Height of the surface above mean sea level and EGM2008 geoid undulation, from the P.1511 digital maps on a
1/12° grid, bicubic interpolation (P.1144-12 Annex 1 §1c) as the Recommendation asks. The topography map is
the one distributed with P.1511-2, unchanged in P.1511-3 (validated against the ITU-R SG3 examples).
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, maps
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon

__all__ = ["VERSION", "geoid_undulation_m", "topographic_height_km"]

VERSION = "P.1511-3"


def topographic_height_km(lat_deg: ArrayLike, lon_deg: ArrayLike, *, maps_dir: mapcache.MapsDir = None) -> FloatArray:
    """Height of the Earth's surface above mean sea level, in km (``maps_dir``: see :mod:`.mapcache`).

    Examples
    --------
    >>> round(float(topographic_height_km(51.5, -0.14)) * 1000, 3)
    31.383
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    return maps.bicubic(mapcache.load("p1511/topo", maps_dir), lat, lon) / 1000.0


def geoid_undulation_m(lat_deg: ArrayLike, lon_deg: ArrayLike, *, maps_dir: mapcache.MapsDir = None) -> FloatArray:
    """Height of the EGM2008 geoid above the WGS84 ellipsoid, in m."""
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    return maps.bicubic(mapcache.load("p1511/egm2008", maps_dir), lat, lon)
