"""Validation of area-of-interest geometries (GeoJSON in, checked facts out; pure).

Areas are measured on the WGS84 ellipsoid with pyproj's geodesic polygon area (Karney 2013, "Algorithms for
geodesics", J. Geodesy 87), so no projection is needed and the result is exact to numerical precision anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spacebridge.core.errors import InvalidAOIError, ResourceLimitError

__all__ = ["AreaFacts", "check_area_limit", "validate_geometry"]

_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class AreaFacts:
    geometry: dict[str, Any]
    west: float
    south: float
    east: float
    north: float
    area_km2: float


def validate_geometry(geojson: Mapping[str, Any], *, field: str = "geometry") -> AreaFacts:
    """Check a GeoJSON Polygon/MultiPolygon in lon/lat degrees; raise :class:`InvalidAOIError` naming ``field``."""
    import shapely.geometry
    from pyproj import Geod
    from shapely.validation import explain_validity

    kind = geojson.get("type") if isinstance(geojson, Mapping) else None
    if kind not in _POLYGONAL:
        raise InvalidAOIError(
            f"{field} has type {kind!r}; an area must be a Polygon or MultiPolygon",
            hint="Draw a polygon, or give a GeoJSON geometry with 'type' and 'coordinates'",
            field=field,
            value=kind,
        )
    try:
        geom = shapely.geometry.shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise InvalidAOIError(
            f"{field} is not a valid GeoJSON {kind}: {exc}",
            hint="Give coordinates as [[[lon, lat], ...]] rings of at least 4 positions, first equal to last",
            field=field,
        ) from exc
    if geom.is_empty:
        raise InvalidAOIError(f"{field} is empty", hint="Give at least one ring of 4 positions", field=field)
    west, south, east, north = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or west < -180 or east > 180 or south < -90 or north > 90:
        raise InvalidAOIError(
            f"{field} has coordinates outside lon [-180, 180], lat [-90, 90] (bounds {geom.bounds})",
            hint="Give longitude first, then latitude, in degrees (EPSG:4326)",
            field=field,
            value=list(geom.bounds),
        )
    if not geom.is_valid:
        raise InvalidAOIError(
            f"{field} is not a valid polygon: {explain_validity(geom)}",
            hint="Remove self-intersections (e.g. with QGIS 'Fix geometries' or shapely.make_valid)",
            field=field,
        )
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return AreaFacts(shapely.geometry.mapping(geom), west, south, east, north, abs(area_m2) / 1e6)


def check_area_limit(facts: AreaFacts, max_km2: float, *, field: str = "geometry") -> None:
    """Refuse, before any work, an area larger than ``max_km2``."""
    if facts.area_km2 > max_km2:
        raise ResourceLimitError(
            f"{field} covers {facts.area_km2:,.0f} km², more than the limit of {max_km2:,.0f} km²",
            hint="Split the area, or raise SPACEBRIDGE_MAX_AOI_KM2",
            field=field,
            area_km2=round(facts.area_km2, 3),
            limit_km2=max_km2,
        )
