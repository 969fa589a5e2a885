"""LEO constellations: Walker shells and TLE snapshots propagated with SGP4, and the serving satellite's
elevation statistics per latitude.

Orbits are propagated with the ``sgp4`` package (Vallado's SGP4, the model TLEs are fitted for). A Walker shell
is turned into SGP4 element sets (circular orbits, ``Satrec.sgp4init``) so that shells and real TLEs go through
the same propagator. TEME positions are rotated to Earth-fixed coordinates by the Greenwich mean sidereal angle
(IAU 1982, ``sgp4.propagation.gstime``) with UTC standing for UT1 (|UT1 − UTC| < 0.9 s) and ignoring polar
motion: errors of tens of metres, irrelevant to elevation statistics (Vallado et al. (2006), *Revisiting
Spacetrack Report #3*, AIAA 2006-6753, on TEME).

The serving satellite is the one at the highest elevation (the usual handover policy for user terminals). Its
elevation, sampled over time and over longitudes (a Walker shell is statistically longitude-invariant), gives
per-latitude quantiles and the fraction of time a terminal sees a satellite above its minimum elevation.

Shell presets, with their sources:

- ``STARLINK_LIKE``: 1,584 satellites, 72 planes of 22, 550 km, 53.0°, minimum elevation 25° (SpaceX FCC
  modification SAT-MOD-20181108-00083, as tabulated by Pachler, del Portillo, Crawley & Cameron (2021),
  "An updated comparison of four LEO satellite constellation systems to provide global broadband", IEEE ICC
  Workshops). The phasing factor is not in the filing; 17 is used (any value gives the same statistics).
- ``ONEWEB_LIKE``: 720 satellites, 18 near-polar planes of 40, 1,200 km, 87.9°, minimum elevation 55°
  (del Portillo, Cameron & Crawley (2019), "A technical comparison of three low earth orbit satellite
  constellation systems to provide global broadband", Acta Astronautica 159, 123-135, Table 1).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from spacebridge.connect.geometry import geodetic_to_ecef_km
from spacebridge.core.errors import InvalidInputError, MalformedInputError, OutOfRangeError

__all__ = [
    "ONEWEB_LIKE",
    "STARLINK_LIKE",
    "ElevationStats",
    "WalkerShell",
    "ecef_positions_km",
    "satellites_from_tle",
    "serving_elevation_stats",
    "walker_satellites",
]

FloatArray = npt.NDArray[np.float64]
MU_EARTH_KM3_S2 = 398600.8
"""WGS 72 gravitational parameter (km³/s²), the constant SGP4 element sets are defined with."""
EARTH_RADIUS_WGS72_KM = 6378.135
QUANTILES = (0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90)
"""Probabilities at which :class:`ElevationStats` reports elevation quantiles."""


@dataclass(frozen=True)
class WalkerShell:
    """A Walker constellation shell ``i: T/P/F`` of circular orbits."""

    name: str
    altitude_km: float
    inclination_deg: float
    total_satellites: int
    planes: int
    phasing: int
    """Walker phasing factor F in [0, P-1]: the in-plane offset between adjacent planes is F·360°/T."""
    min_elevation_deg: float
    """Minimum elevation at which a user terminal works with the system."""
    pattern: Literal["delta", "star"] = "delta"
    """``delta``: planes spread over 360° of RAAN; ``star``: over 180° (polar constellations)."""
    source: str = ""

    def __post_init__(self) -> None:
        if self.planes <= 0 or self.total_satellites % self.planes:
            raise InvalidInputError(
                f"Walker shell {self.name!r}: {self.total_satellites} satellites cannot be split into "
                f"{self.planes} equal planes",
                hint="Give a total number of satellites that is a multiple of the number of planes",
                name="total_satellites",
                value=self.total_satellites,
            )
        if not 0 <= self.phasing < self.planes:
            raise OutOfRangeError(
                f"Walker phasing {self.phasing} is outside [0, {self.planes - 1}]",
                hint="The phasing factor F must lie between 0 and the number of planes minus one",
                name="phasing",
                value=self.phasing,
            )
        if not 150.0 <= self.altitude_km <= 3000.0:
            raise OutOfRangeError(
                f"shell altitude {self.altitude_km} km is outside the LEO range [150, 3000] km",
                name="altitude_km",
                value=self.altitude_km,
            )


STARLINK_LIKE = WalkerShell(
    "starlink-like", 550.0, 53.0, 1584, 72, 17, 25.0, "delta", "SpaceX FCC SAT-MOD-20181108-00083 (Pachler 2021)"
)
ONEWEB_LIKE = WalkerShell(
    "oneweb-like", 1200.0, 87.9, 720, 18, 1, 55.0, "star", "del Portillo et al. 2019, Acta Astronautica 159"
)

_SGP4_EPOCH_ORIGIN = dt.datetime(1949, 12, 31, tzinfo=dt.UTC)


def _jd_parts(utc: dt.datetime) -> tuple[float, float]:
    if utc.tzinfo is None:
        raise InvalidInputError(
            f"datetime {utc.isoformat()} has no time zone",
            hint="Give an aware UTC datetime, e.g. datetime(2025, 1, 1, tzinfo=datetime.UTC)",
            name="utc",
            value=utc.isoformat(),
        )
    utc = utc.astimezone(dt.UTC)
    from sgp4.api import jday

    jd, fr = jday(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second + utc.microsecond * 1e-6)
    return float(jd), float(fr)


def walker_satellites(shell: WalkerShell, *, epoch_utc: dt.datetime) -> list[object]:
    """SGP4 records (``sgp4.api.Satrec``) of every satellite of a Walker shell, with elements at ``epoch_utc``."""
    from sgp4.api import WGS72, Satrec

    a_km = EARTH_RADIUS_WGS72_KM + shell.altitude_km
    mean_motion_rad_min = math.sqrt(MU_EARTH_KM3_S2 / a_km**3) * 60.0
    epoch_days = (epoch_utc.astimezone(dt.UTC) - _SGP4_EPOCH_ORIGIN).total_seconds() / 86400.0
    per_plane = shell.total_satellites // shell.planes
    raan_span = 360.0 if shell.pattern == "delta" else 180.0
    sats: list[object] = []
    for plane in range(shell.planes):
        raan = math.radians(plane * raan_span / shell.planes)
        for slot in range(per_plane):
            anomaly_deg = slot * 360.0 / per_plane + plane * shell.phasing * 360.0 / shell.total_satellites
            sat = Satrec()
            sat.sgp4init(
                WGS72,
                "i",
                plane * per_plane + slot + 1,
                epoch_days,
                0.0,  # bstar: no drag for a planning snapshot
                0.0,
                0.0,
                1e-7,  # eccentricity (circular; SGP4 needs > 0)
                0.0,  # argument of perigee
                math.radians(shell.inclination_deg),
                math.radians(anomaly_deg % 360.0),
                mean_motion_rad_min,
                raan,
            )
            sats.append(sat)
    return sats


def satellites_from_tle(lines: Sequence[str]) -> list[object]:
    """SGP4 records from TLE text lines (2-line or 3-line sets with names); blank lines are ignored.

    Raises :class:`MalformedInputError` naming the line number of a set that cannot be parsed.
    """
    from sgp4.api import Satrec

    rows = [(i + 1, line.rstrip()) for i, line in enumerate(lines) if line.strip()]
    sats: list[object] = []
    k = 0
    while k < len(rows):
        if not rows[k][1].startswith("1 ") and k + 1 < len(rows) and rows[k + 1][1].startswith("1 "):
            k += 1  # a name line
        if k + 1 >= len(rows) or not rows[k][1].startswith("1 ") or not rows[k + 1][1].startswith("2 "):
            number = rows[k][0]
            raise MalformedInputError(
                f"TLE line {number} is not the first line of a two-line element set: {rows[k][1][:40]!r}",
                hint="Each satellite needs a line starting with '1 ' followed by a line starting with '2 '",
                line=number,
            )
        try:
            sats.append(Satrec.twoline2rv(rows[k][1], rows[k + 1][1]))
        except ValueError as exc:
            raise MalformedInputError(
                f"TLE lines {rows[k][0]}-{rows[k + 1][0]} cannot be parsed: {exc}",
                hint="Check the column layout and the checksums of the element set",
                line=rows[k][0],
            ) from exc
        k += 2
    if not sats:
        raise MalformedInputError("no two-line element set found", hint="Give TLE text with lines '1 ...' and '2 ...'")
    return sats


def ecef_positions_km(satellites: Sequence[object], times_utc: Sequence[dt.datetime]) -> FloatArray:
    """Earth-fixed positions, shape ``(time, satellite, 3)`` in km; satellites SGP4 cannot propagate are NaN."""
    from sgp4.api import SatrecArray
    from sgp4.propagation import gstime

    parts = np.array([_jd_parts(t) for t in times_utc], dtype=np.float64).reshape(-1, 2)
    err, r_teme, _ = SatrecArray(list(satellites)).sgp4(
        np.ascontiguousarray(parts[:, 0]), np.ascontiguousarray(parts[:, 1])
    )
    r_teme = np.where((err == 0)[..., None], r_teme, np.nan)
    theta = np.array([gstime(jd + fr) for jd, fr in parts])
    cos_t, sin_t = np.cos(theta)[None, :], np.sin(theta)[None, :]
    x = cos_t * r_teme[..., 0] + sin_t * r_teme[..., 1]
    y = -sin_t * r_teme[..., 0] + cos_t * r_teme[..., 1]
    return np.stack([x, y, r_teme[..., 2]], axis=-1).transpose(1, 0, 2)


@dataclass(frozen=True)
class ElevationStats:
    """Serving-satellite elevation statistics per latitude (rows of every array follow ``lat_deg``)."""

    lat_deg: FloatArray
    quantile_probs: tuple[float, ...]
    elevation_quantiles_deg: FloatArray
    """Shape ``(latitude, quantile)``: elevation not exceeded a fraction ``quantile_probs`` of the time
    (NaN-free: the serving elevation is negative, or -90 when no satellite is near, below the horizon)."""
    mean_elevation_deg: FloatArray
    """Mean serving elevation over the samples where it is at least the minimum elevation."""
    coverage_fraction: FloatArray
    """Fraction of samples with a satellite at or above ``min_elevation_deg``."""
    min_elevation_deg: float
    samples: int

    def elevation_at(self, lat_deg: npt.ArrayLike, prob: float) -> FloatArray:
        """Elevation quantile ``prob`` (one of :attr:`quantile_probs`) interpolated linearly in latitude."""
        if prob not in self.quantile_probs:
            raise InvalidInputError(
                f"elevation quantile {prob} was not computed",
                hint=f"Use one of {list(self.quantile_probs)}",
                name="prob",
                value=prob,
            )
        column = self.elevation_quantiles_deg[:, self.quantile_probs.index(prob)]
        return np.interp(np.abs(np.asarray(lat_deg, dtype=np.float64)), self.lat_deg, column)

    def coverage_at(self, lat_deg: npt.ArrayLike) -> FloatArray:
        """Coverage fraction interpolated linearly in latitude."""
        return np.interp(np.abs(np.asarray(lat_deg, dtype=np.float64)), self.lat_deg, self.coverage_fraction)


def serving_elevation_stats(
    positions_ecef_km: FloatArray,
    lat_deg: npt.ArrayLike,
    *,
    min_elevation_deg: float,
    n_lon: int = 24,
    quantiles: Sequence[float] = QUANTILES,
) -> ElevationStats:
    """Statistics of the highest satellite's elevation for ground points at each latitude.

    Parameters
    ----------
    positions_ecef_km
        Satellite positions ``(time, satellite, 3)`` from :func:`ecef_positions_km`.
    lat_deg
        Latitudes (degrees) at which to compute statistics; each is sampled at ``n_lon`` evenly spaced
        longitudes, and every (longitude, time) pair is one sample. Statistics are computed at the sorted
        absolute latitudes (the northern and southern hemispheres are assumed symmetric).
    min_elevation_deg
        The user terminal's minimum elevation, degrees.
    """
    lats = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
    if not np.all(np.abs(lats) <= 90.0):
        raise OutOfRangeError(
            "a latitude is outside [-90, 90]", hint="Give latitudes in degrees", name="lat_deg", value=lats.tolist()
        )
    lats = np.unique(np.abs(lats))  # Walker shells are symmetric about the equator
    lons = np.arange(n_lon) * 360.0 / n_lon
    grid_lat, grid_lon = np.meshgrid(lats, lons, indexing="ij")
    site = geodetic_to_ecef_km(grid_lat, grid_lon).reshape(-1, 3)
    la, lo = np.radians(grid_lat.ravel()), np.radians(grid_lon.ravel())
    up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    up_dot_site = np.sum(up * site, axis=-1)[:, None]
    site_sq = np.sum(site * site, axis=-1)[:, None]
    n_t = positions_ecef_km.shape[0]
    best = np.full((lats.size, n_lon, n_t), -90.0)
    site3, up3 = site.reshape(lats.size, n_lon, 3), up.reshape(lats.size, n_lon, 3)
    ups3, sq3 = up_dot_site.reshape(lats.size, n_lon, 1), site_sq.reshape(lats.size, n_lon, 1)
    radius = np.linalg.norm(positions_ecef_km, axis=-1)
    # A satellite is above some site's horizon only within the Earth central angle arccos(R/r) of it, so each
    # latitude only looks at satellites whose latitude is within that angle (plus a margin for geodetic vs
    # geocentric latitude).
    reach_deg = np.degrees(np.arccos(6356.75 / np.nanmax(radius))) + 0.5
    sat_lat = np.degrees(np.arcsin(positions_ecef_km[..., 2] / radius))
    for t in range(n_t):
        ok_t = np.isfinite(sat_lat[t])
        for i, lat_i in enumerate(lats):
            sats = positions_ecef_km[t][ok_t & (np.abs(sat_lat[t] - lat_i) <= reach_deg)]
            if sats.shape[0] == 0:
                continue
            # Explicit products rather than BLAS: tiny matrices, and threaded BLAS stalls on a busy host.
            sx, sy, sz = sats[:, 0][None, :], sats[:, 1][None, :], sats[:, 2][None, :]
            st, ut = site3[i], up3[i]
            site_dot = st[:, :1] * sx + st[:, 1:2] * sy + st[:, 2:3] * sz
            up_dot = ut[:, :1] * sx + ut[:, 1:2] * sy + ut[:, 2:3] * sz
            rng = np.sqrt(np.maximum(sq3[i] + (sx * sx + sy * sy + sz * sz) - 2.0 * site_dot, 1e-9))
            sin_el = ((up_dot - ups3[i]) / rng).max(axis=1)
            best[i, :, t] = np.maximum(np.degrees(np.arcsin(np.clip(sin_el, -1.0, 1.0))), -90.0)
    per_lat = best.reshape(lats.size, -1)
    covered = per_lat >= min_elevation_deg
    count = covered.sum(axis=1)
    mean_cov = np.where(count > 0, np.where(covered, per_lat, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)
    probs = tuple(float(q) for q in quantiles)
    return ElevationStats(
        lat_deg=lats,
        quantile_probs=probs,
        elevation_quantiles_deg=np.quantile(per_lat, probs, axis=1).T,
        mean_elevation_deg=mean_cov,
        coverage_fraction=covered.mean(axis=1),
        min_elevation_deg=float(min_elevation_deg),
        samples=int(per_lat.shape[1]),
    )
