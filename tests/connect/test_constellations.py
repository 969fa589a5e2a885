"""LEO shells and TLE snapshots: SGP4 propagation checked against skyfield, coverage against geometry."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from spacebridge.connect.constellations import (
    ONEWEB_LIKE,
    STARLINK_LIKE,
    WalkerShell,
    ecef_positions_km,
    satellites_from_tle,
    serving_elevation_stats,
    walker_satellites,
)
from spacebridge.connect.geometry import geodetic_to_ecef_km, look_angles_from_ecef
from spacebridge.core.errors import InvalidInputError, MalformedInputError, OutOfRangeError

EPOCH = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
# A near-Earth element set of Vallado's SGP4 verification file (SGP4-VER.TLE, shipped with sgp4): DELTA 1 DEB.
DEB_TLE = [
    "DELTA 1 DEB",
    "1 06251U 62025E   06176.82412014  .00008885  00000-0  12808-3 0  3985",
    "2 06251  58.0579  54.0425 0030035 139.1568 221.1854 15.56387291  6774",
]
DEB_EPOCH = dt.datetime(2006, 6, 25, 19, 46, 44, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def starlink_positions():
    sats = walker_satellites(STARLINK_LIKE, epoch_utc=EPOCH)
    times = [EPOCH + dt.timedelta(minutes=m) for m in range(0, 96, 2)]
    return ecef_positions_km(sats, times)


def test_walker_shell_geometry(starlink_positions):
    assert starlink_positions.shape == (48, 1584, 3)
    radius = np.linalg.norm(starlink_positions, axis=-1)
    assert np.all(np.abs(radius - (6378.135 + 550.0)) < 15.0)  # SGP4 mean elements: a few km of oscillation
    # The highest geocentric latitude a circular orbit reaches is its inclination (53°).
    lat = np.degrees(np.arcsin(starlink_positions[..., 2] / radius))
    assert lat.max() == pytest.approx(53.0, abs=0.2)
    assert lat.min() == pytest.approx(-53.0, abs=0.2)


def test_coverage_limit_matches_spherical_geometry(starlink_positions):
    """No coverage beyond inclination + Earth central angle of the coverage circle (Wertz, SMAD §5.2)."""
    eps = math.radians(STARLINK_LIKE.min_elevation_deg)
    re, h = 6378.137, STARLINK_LIKE.altitude_km
    central = math.degrees(math.acos(re * math.cos(eps) / (re + h)) - eps)
    limit = STARLINK_LIKE.inclination_deg + central  # about 61.4°
    stats = serving_elevation_stats(
        starlink_positions, [45.0, limit - 3.0, limit + 0.7], min_elevation_deg=STARLINK_LIKE.min_elevation_deg
    )
    assert stats.coverage_fraction[0] == 1.0
    assert stats.coverage_fraction[1] > 0.0
    assert stats.coverage_fraction[2] == 0.0
    assert np.all(np.diff(stats.elevation_quantiles_deg, axis=1) >= 0)  # quantiles ordered
    assert stats.coverage_at(-45.0) == 1.0  # southern latitudes use the symmetric statistics


def test_oneweb_like_polar_coverage():
    sats = walker_satellites(ONEWEB_LIKE, epoch_utc=EPOCH)
    pos = ecef_positions_km(sats, [EPOCH + dt.timedelta(minutes=m) for m in range(0, 110, 5)])
    stats = serving_elevation_stats(pos, [50.0, 85.0], min_elevation_deg=ONEWEB_LIKE.min_elevation_deg)
    assert np.all(stats.coverage_fraction > 0.95)
    assert np.all(stats.mean_elevation_deg >= ONEWEB_LIKE.min_elevation_deg)
    assert stats.elevation_at([50.0], 0.5)[0] == pytest.approx(stats.elevation_quantiles_deg[0, 4])


def test_tle_look_angles_match_skyfield():
    skyfield_api = pytest.importorskip("skyfield.api")
    ts = skyfield_api.load.timescale(builtin=True)
    sat_sf = skyfield_api.EarthSatellite(DEB_TLE[1], DEB_TLE[2], DEB_TLE[0], ts)
    site = skyfield_api.wgs84.latlon(43.25, 76.95, elevation_m=0.0)
    times = [DEB_EPOCH + dt.timedelta(minutes=m) for m in range(0, 24 * 60, 37)]
    ours = ecef_positions_km(satellites_from_tle(DEB_TLE), times)[:, 0, :]
    la = look_angles_from_ecef(43.25, 76.95, geodetic_to_ecef_km(43.25, 76.95), ours)
    alt, az, distance = (sat_sf - site).at(ts.from_datetimes(times)).altaz()
    np.testing.assert_allclose(la.elevation_deg, alt.degrees, atol=0.02)
    # skyfield uses UT1 and polar motion; we use UTC for UT1 (|UT1 - UTC| < 0.9 s): a few tens of metres.
    np.testing.assert_allclose(la.slant_range_km, distance.km, atol=0.1)
    visible = alt.degrees > 0
    daz = (la.azimuth_deg[visible] - az.degrees[visible] + 180.0) % 360.0 - 180.0
    assert np.all(np.abs(daz) < 0.05)


def test_tle_errors_name_the_line():
    with pytest.raises(MalformedInputError, match="line 5 is not"):
        satellites_from_tle([*DEB_TLE, "DELTA 1 DEB copy", DEB_TLE[1]])  # second set lacks its line 2
    with pytest.raises(MalformedInputError, match="line 1 is not"):
        satellites_from_tle(["DELTA 1 DEB", DEB_TLE[2], DEB_TLE[1]])  # lines swapped
    with pytest.raises(MalformedInputError, match="no two-line"):
        satellites_from_tle(["", "   "])


def test_shell_validation():
    with pytest.raises(InvalidInputError, match="equal planes"):
        WalkerShell("bad", 550.0, 53.0, 100, 7, 1, 25.0)
    with pytest.raises(OutOfRangeError, match="phasing"):
        WalkerShell("bad", 550.0, 53.0, 70, 7, 7, 25.0)
    with pytest.raises(InvalidInputError, match="time zone"):
        ecef_positions_km(walker_satellites(STARLINK_LIKE, epoch_utc=EPOCH)[:2], [dt.datetime(2025, 1, 1)])
