"""Recommendation ITU-R P.839-4 (09/2013): rain height model.

Mean annual 0 °C isotherm height h0 from the P.839-4 map (1.5° grid, bilinear interpolation) and the mean
annual rain height hR = h0 + 0.36 km (equation 1).
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, maps
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon

__all__ = ["VERSION", "isotherm_0c_height_km", "rain_height_km"]

VERSION = "P.839-4"


def isotherm_0c_height_km(lat_deg: ArrayLike, lon_deg: ArrayLike, *, maps_dir: mapcache.MapsDir = None) -> FloatArray:
    """Mean annual 0 °C isotherm height above mean sea level, h0, in km (``maps_dir``: see :mod:`.mapcache`)."""
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    return maps.bilinear(mapcache.load("p839/h0", maps_dir), lat, lon)


def rain_height_km(lat_deg: ArrayLike, lon_deg: ArrayLike, *, maps_dir: mapcache.MapsDir = None) -> FloatArray:
    """Mean annual rain height above mean sea level, hR = h0 + 0.36 km (P.839-4 eq. 1).

    Examples
    --------
    >>> round(float(rain_height_km(51.5, -0.14)), 4)
    2.4527
    """
    return isotherm_0c_height_km(lat_deg, lon_deg, maps_dir=maps_dir) + 0.36
