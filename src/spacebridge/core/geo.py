"""Geometry helpers shared by the pillars: validated bounding boxes, coordinates and equal-area CRSs.

Axis order is in the names: ``west, south, east, north`` in degrees (EPSG:4326, longitude first).
Areas are always computed in an equal-area CRS (:func:`equal_area_crs`), never in degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from spacebridge.core.errors import InvalidAOIError, OutOfRangeError

__all__ = ["WGS84_A_M", "WGS84_F", "BBox", "authalic_q", "check_lat_lon", "equal_area_crs"]

WGS84_A_M = 6378137.0
"""WGS 84 semi-major axis."""
WGS84_F = 1.0 / 298.257223563
"""WGS 84 flattening."""


def check_lat_lon(lat_deg: float, lon_deg: float, *, where: str = "") -> None:
    """Raise :class:`OutOfRangeError` unless ``lat_deg`` is in [-90, 90] and ``lon_deg`` in [-180, 360]."""
    suffix = f" ({where})" if where else ""
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise OutOfRangeError(
            f"latitude {lat_deg!r} is outside [-90, 90]{suffix}",
            hint="Give latitude in decimal degrees, north positive; check that latitude and longitude are not swapped",
            name="lat_deg",
            value=lat_deg,
        )
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 360.0):
        raise OutOfRangeError(
            f"longitude {lon_deg!r} is outside [-180, 360]{suffix}",
            hint="Give longitude in decimal degrees, east positive",
            name="lon_deg",
            value=lon_deg,
        )


@dataclass(frozen=True)
class BBox:
    """A geographic bounding box in degrees (EPSG:4326), ``west, south, east, north``.

    ``west > east`` means the box crosses the antimeridian, as in the STAC API specification.
    """

    west: float
    south: float
    east: float
    north: float

    def __post_init__(self) -> None:
        for name, value, lo, hi in (
            ("west", self.west, -180.0, 180.0),
            ("east", self.east, -180.0, 180.0),
            ("south", self.south, -90.0, 90.0),
            ("north", self.north, -90.0, 90.0),
        ):
            if not (math.isfinite(value) and lo <= value <= hi):
                raise InvalidAOIError(
                    f"bbox {name}={value!r} is outside [{lo:g}, {hi:g}]",
                    hint="Give the bbox as west,south,east,north in decimal degrees (EPSG:4326)",
                    field=name,
                    value=value,
                )
        if self.south > self.north:
            raise InvalidAOIError(
                f"bbox south={self.south} is north of north={self.north}",
                hint="Give the bbox as west,south,east,north; south must not exceed north",
                field="south",
                value=self.south,
            )

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    @classmethod
    def from_sequence(cls, values: tuple[float, ...] | list[float]) -> BBox:
        """Build from ``[west, south, east, north]`` (a 6-value 3-D bbox keeps its horizontal part)."""
        if len(values) == 6:
            values = [values[0], values[1], values[3], values[4]]
        if len(values) != 4:
            raise InvalidAOIError(
                f"bbox has {len(values)} values",
                hint="Give 4 numbers: west,south,east,north (or 6 for a 3-D bbox)",
                field="bbox",
                value=list(values),
            )
        return cls(*(float(v) for v in values))

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.west, self.south, self.east, self.north)

    def center(self) -> tuple[float, float]:
        """``(lon_deg, lat_deg)`` of the centre (antimeridian-aware)."""
        east = self.east + 360.0 if self.crosses_antimeridian else self.east
        lon = (self.west + east) / 2.0
        if lon > 180.0:
            lon -= 360.0
        return lon, (self.south + self.north) / 2.0


def equal_area_crs(lon_deg: float, lat_deg: float) -> str:
    """A Lambert azimuthal equal-area CRS centred on a point, as a PROJ string.

    Areas computed in it are exact up to numerical error whatever the distance from the centre (the
    projection is equal-area everywhere); shapes are least distorted near the centre.
    """
    check_lat_lon(lat_deg, lon_deg)
    return f"+proj=laea +lat_0={lat_deg:.6f} +lon_0={lon_deg:.6f} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"


def authalic_q(lat_deg: Any) -> Any:
    """Snyder's (1987, eq. 3-12) ``q`` of the WGS 84 ellipsoid: the area between the equator and a parallel, over
    one radian of longitude, is ``a² q / 2`` (Snyder, J. P. 1987, Map projections: a working manual, USGS PP 1395).
    Element-wise on numpy arrays."""
    import numpy as np

    e2 = WGS84_F * (2.0 - WGS84_F)
    e = np.sqrt(e2)
    s = np.sin(np.radians(lat_deg))
    return (1.0 - e2) * (s / (1.0 - e2 * s * s) - np.log((1.0 - e * s) / (1.0 + e * s)) / (2.0 * e))
