"""Recommendation ITU-R P.1510-1 (06/2017): mean surface temperature.

Annual and monthly mean surface temperature from the P.1510-1 digital maps (0.75° grid), bilinear
interpolation (P.1144-12 Annex 1 §1b), as the Recommendation states.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, maps
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon, check_range

__all__ = ["VERSION", "surface_mean_temperature_k"]

VERSION = "P.1510-1"


def surface_mean_temperature_k(
    lat_deg: ArrayLike, lon_deg: ArrayLike, *, month: int | None = None, maps_dir: mapcache.MapsDir = None
) -> FloatArray:
    """Annual (``month=None``) or monthly mean surface temperature, in K.

    Parameters
    ----------
    lat_deg, lon_deg
        Site latitude (-90..90) and longitude (-180..360), in degrees.
    month
        1 (January) to 12, or ``None`` for the annual mean.
    maps_dir
        Cache folder of the converted ITU-R maps (``Settings.itur_cache``); ``None``: the user cache folder
        (:func:`spacebridge.connect.itur.mapcache.pack_dir`).

    Examples
    --------
    >>> round(float(surface_mean_temperature_k(51.5, -0.14)), 3)
    283.611
    """
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    check_latlon(lat, lon)
    if month is None:
        key = "p1510/t_annual"
    else:
        check_range("month", as_float_array("month", month), 1, 12, model=VERSION, unit="")
        key = f"p1510/t_month{int(month):02d}"
    return maps.bilinear(mapcache.load(key, maps_dir), lat, lon)
