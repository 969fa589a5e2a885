"""Satellite EIRP towards each settlement: flat, a parabolic beam roll-off, or published contour polygons.

- :class:`FlatEirp`: one value everywhere (a regional beam's edge-of-coverage EIRP is the usual planning value).
- :class:`BeamEirp`: a beam pointed at a boresight point with peak EIRP and 3 dB beamwidth; the roll-off in
  the main lobe is 12 (θ/θ3dB)² dB, the parabolic main-lobe approximation of ITU-R S.672-4 (satellite antenna
  reference pattern, LN = -20 dB region excluded), with θ the off-axis angle seen from the satellite. Sites
  beyond the -``max_rolloff_db`` contour get no service (NaN).
- :class:`ContourEirp`: nested EIRP contours as operators publish them (polygons in WGS 84 with an EIRP level);
  a site takes the highest level whose polygon contains it, NaN outside every contour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.connect.geometry import geodetic_to_ecef_km
from spacebridge.core.errors import InvalidInputError

__all__ = ["BeamEirp", "ContourEirp", "EirpModel", "FlatEirp"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FlatEirp:
    """The same EIRP (dBW) towards every site."""

    eirp_dbw: float

    def eirp_at(self, lat_deg: FloatArray, lon_deg: FloatArray, sat_ecef_km: FloatArray) -> FloatArray:
        return np.full(np.shape(lat_deg), self.eirp_dbw, dtype=np.float64)


@dataclass(frozen=True)
class BeamEirp:
    """A spot beam: ``peak_eirp_dbw`` at ``(boresight_lat_deg, boresight_lon_deg)``, parabolic roll-off."""

    peak_eirp_dbw: float
    boresight_lat_deg: float
    boresight_lon_deg: float
    beamwidth_3db_deg: float
    """Full 3 dB beamwidth seen from the satellite, degrees."""
    max_rolloff_db: float = 6.0
    """Sites more than this below the peak are outside the beam (no service)."""

    def eirp_at(self, lat_deg: FloatArray, lon_deg: FloatArray, sat_ecef_km: FloatArray) -> FloatArray:
        site = geodetic_to_ecef_km(lat_deg, lon_deg)
        bore = geodetic_to_ecef_km(self.boresight_lat_deg, self.boresight_lon_deg)
        to_site = site - sat_ecef_km
        to_bore = bore - sat_ecef_km
        cos_theta = np.sum(to_site * to_bore, axis=-1) / (
            np.linalg.norm(to_site, axis=-1) * np.linalg.norm(to_bore, axis=-1)
        )
        theta = np.degrees(np.arccos(np.clip(cos_theta, -1.0, 1.0)))
        rolloff = 12.0 * (theta / self.beamwidth_3db_deg) ** 2
        return np.where(rolloff <= self.max_rolloff_db, self.peak_eirp_dbw - rolloff, np.nan)


@dataclass(frozen=True)
class ContourEirp:
    """Published EIRP contours: ``levels_dbw[i]`` applies inside ``polygons[i]`` (shapely geometries, WGS 84)."""

    levels_dbw: tuple[float, ...]
    polygons: tuple[object, ...]

    def __post_init__(self) -> None:
        if len(self.levels_dbw) != len(self.polygons) or not self.levels_dbw:
            raise InvalidInputError(
                "EIRP contours need one level per polygon and at least one contour",
                hint="Give each contour polygon an EIRP level in dBW",
                name="levels_dbw",
            )

    @classmethod
    def from_geojson(cls, features: Sequence[dict[str, object]], *, level_property: str = "eirp_dbw") -> ContourEirp:
        """From GeoJSON features (Polygon/MultiPolygon) carrying the EIRP level in ``level_property``."""
        from shapely.geometry import shape

        levels, polys = [], []
        for i, feature in enumerate(features):
            props = feature.get("properties") or {}
            if not isinstance(props, dict) or level_property not in props:
                raise InvalidInputError(
                    f"EIRP contour feature {i + 1} has no {level_property!r} property",
                    hint=f"Give every contour polygon a numeric {level_property!r} in dBW",
                    row=i + 1,
                    column=level_property,
                )
            levels.append(float(props[level_property]))
            polys.append(shape(feature["geometry"]))
        return cls(tuple(levels), tuple(polys))

    def eirp_at(self, lat_deg: FloatArray, lon_deg: FloatArray, sat_ecef_km: FloatArray) -> FloatArray:
        import shapely

        lat = np.asarray(lat_deg, dtype=np.float64)
        lon = np.asarray(lon_deg, dtype=np.float64)
        out = np.full(lat.shape, np.nan)
        for level, poly in sorted(zip(self.levels_dbw, self.polygons, strict=True), key=lambda t: t[0]):
            inside = shapely.contains_xy(poly, lon, lat)
            out = np.where(inside, np.fmax(out, level), out)
        return out


EirpModel = FlatEirp | BeamEirp | ContourEirp
