"""Recommendation ITU-R P.836-6 (12/2017): surface water vapour density and total columnar content.

Annual statistics of the surface water vapour density rho (g/m3) and of the integrated water vapour content
V (kg/m2) exceeded for p % of an average year, 0.1 <= p <= 99, by the interpolation of Annex 1/Annex 2 §1:
the four grid points (1.125° grid) around the site are scaled to the site's height with the scale height
VSCH of the same percentage, rho_i * exp(-(h - h_i)/VSCH_i), where h_i is the grid point's altitude from the
P.836-6 topography (0.5° grid, bicubic); then bilinear interpolation between the four points, and
interpolation linear in ln(p) between the two tabulated percentages around p.

The monthly statistics of P.836-6 are not available offline (ITU-Rpy does not ship the monthly maps), so only
annual statistics are provided; see docs/decisions/0201-itur-digital-maps.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from spacebridge.connect.itur import mapcache, maps, p1511
from spacebridge.connect.itur._checks import FloatArray, as_float_array, check_latlon, check_range

__all__ = ["P_RANGE_PERCENT", "VERSION", "surface_water_vapour_density_g_m3", "total_water_vapour_content_kg_m2"]

VERSION = "P.836-6"
P_RANGE_PERCENT = (0.1, 99.0)


@cache
def _node_heights_km(folder: Path) -> FloatArray:
    """Altitude of every node of the 1.125° grid, bicubic on the P.836-6 topography (once per pack folder)."""
    grid = mapcache.load_in("p836/v_1", folder)
    rows, cols = np.indices(grid.values.shape)
    lat = grid.lat0_deg + rows * grid.step_deg
    lon = grid.lon0_deg + cols * grid.step_deg
    lat_deg = np.asarray(lat, dtype=np.float64)
    lon_deg = np.asarray(lon, dtype=np.float64)
    return maps.bicubic(mapcache.load_in("p836/topo", folder), lat_deg, lon_deg)


def _height_scaled(var: str, p: float, lat: FloatArray, lon: FloatArray, h_km: FloatArray, folder: Path) -> FloatArray:
    values = mapcache.load_in(f"p836/{var}_{maps.p_token(p)}", folder)
    vsch = mapcache.load_in(f"p836/vsch_{maps.p_token(p)}", folder)
    node_heights = _node_heights_km(folder)
    step = values.step_deg
    row = (lat - values.lat0_deg) / step
    col = np.mod(lon - values.lon0_deg, 360.0) / step
    r0 = np.clip(np.floor(row).astype(np.intp), 0, values.values.shape[0] - 2)
    c0 = np.floor(col).astype(np.intp)
    fr = row - r0
    fc = col - c0
    out = np.zeros(np.shape(lat), dtype=np.float64)
    for dr, dc, weight in ((0, 0, (1 - fr) * (1 - fc)), (1, 0, fr * (1 - fc)), (0, 1, (1 - fr) * fc), (1, 1, fr * fc)):
        rr = r0 + dr
        cc = np.mod(c0 + dc, values.lon_period)
        out += weight * values.values[rr, cc] * np.exp(-(h_km - node_heights[rr, cc]) / vsch.values[rr, cc])
    return out


def _annual(
    var: str,
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    p_percent: ArrayLike,
    hs_km: ArrayLike | None,
    maps_dir: mapcache.MapsDir,
) -> FloatArray:
    lat = as_float_array("lat_deg", lat_deg)
    lon = as_float_array("lon_deg", lon_deg)
    p = as_float_array("p_percent", p_percent)
    check_latlon(lat, lon)
    check_range("p_percent", p, *P_RANGE_PERCENT, model=f"{VERSION} annual statistics", unit="%")
    h = p1511.topographic_height_km(lat, lon, maps_dir=maps_dir) if hs_km is None else as_float_array("hs_km", hs_km)
    lat, lon, p, h = np.broadcast_arrays(lat, lon, p, h)
    folder = mapcache.pack_dir(maps_dir)
    below, above = maps.bracket(maps.P836_PERCENTAGES, p)
    out = np.empty(lat.shape, dtype=np.float64)
    for pb, pa in maps.unique_pairs(below, above):
        sel = (below == pb) & (above == pa)
        v_b = _height_scaled(var, pb, lat[sel], lon[sel], h[sel], folder)
        if pa == pb:
            out[sel] = v_b
            continue
        v_a = _height_scaled(var, pa, lat[sel], lon[sel], h[sel], folder)
        out[sel] = v_b + (v_a - v_b) * (np.log(p[sel]) - np.log(pb)) / (np.log(pa) - np.log(pb))
    return out


def surface_water_vapour_density_g_m3(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    hs_km: ArrayLike | None = None,
    maps_dir: mapcache.MapsDir = None,
) -> FloatArray:
    """Surface water vapour density exceeded for ``p_percent`` % of an average year, in g/m3.

    ``hs_km`` is the site height above mean sea level (default: P.1511-3 topography); ``maps_dir``: see
    :mod:`.mapcache`.
    """
    return _annual("rho", lat_deg, lon_deg, p_percent, hs_km, maps_dir)


def total_water_vapour_content_kg_m2(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    p_percent: ArrayLike,
    *,
    hs_km: ArrayLike | None = None,
    maps_dir: mapcache.MapsDir = None,
) -> FloatArray:
    """Integrated water vapour content exceeded for ``p_percent`` % of an average year, in kg/m2.

    ``hs_km`` and ``maps_dir`` as for :func:`surface_water_vapour_density_g_m3`.

    Examples
    --------
    >>> round(float(total_water_vapour_content_kg_m2(51.5, -0.14, 0.1, hs_km=0.031382983999999)), 4)
    39.6425
    """
    return _annual("v", lat_deg, lon_deg, p_percent, hs_km, maps_dir)
