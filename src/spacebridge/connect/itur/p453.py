"""Recommendation ITU-R P.453-14 (08/2019): the radio refractive index, wet term of surface refractivity.

Median (50 %) annual wet term Nwet from the P.453 digital map on a 0.75° grid (ERA-Interim), bilinear
interpolation, as used by the scintillation method of P.618-14 §2.4.1.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, maps
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon

__all__ = ["VERSION", "wet_refractivity_median"]

VERSION = "P.453-14"


def wet_refractivity_median(lat_deg: ArrayLike, lon_deg: ArrayLike, *, maps_dir: mapcache.MapsDir = None) -> FloatArray:
    """Median annual wet term of the surface refractivity, Nwet (N-units); ``maps_dir``: see :mod:`.mapcache`.

    Examples
    --------
    >>> round(float(wet_refractivity_median(51.5, -0.14)), 4)
    50.3893
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    return maps.bilinear(mapcache.load("p453/nwet_50", maps_dir), lat, lon)
