"""Satellite tracks against skyfield (altitude, azimuth, range, sunlight) and a finite-difference angular rate."""

import numpy as np
import pytest

from spacebridge.sky.satellites import parse_catalog
from spacebridge.sky.tracks import satellite_track
from tests.conftest import EXAMPLES
from tests.sky.conftest import to_skyfield

TIMES = np.datetime64("2026-06-27T14:00", "ns") + np.arange(0, 10 * 3600, 97).astype("timedelta64[s]")


@pytest.fixture(scope="module")
def catalog():
    cat = parse_catalog((EXAMPLES / "tle" / "celestrak-active-20260626-excerpt.tle").read_text())
    return cat.subset(np.arange(0, len(cat), 9))  # 22 satellites, LEO to GEO


def test_track_matches_skyfield(catalog, tien_shan, skyfield_env):
    from skyfield.api import EarthSatellite, wgs84

    ts, eph = skyfield_env
    track = satellite_track(catalog, tien_shan, TIMES)
    topos = wgs84.latlon(tien_shan.latitude_deg, tien_shan.longitude_deg, elevation_m=tien_shan.height_m)
    t = to_skyfield(ts, TIMES)
    disagree = 0
    for i, rec in enumerate(catalog.satrecs):
        sat = EarthSatellite.from_satrec(rec, ts)
        alt, az, dist = (sat - topos).at(t).altaz()
        assert np.abs(track.elevation_deg[i] - alt.degrees).max() < 2e-3
        d_az = (track.azimuth_deg[i] - az.degrees + 180) % 360 - 180
        assert np.abs(d_az * np.cos(alt.radians)).max() < 2e-3
        np.testing.assert_allclose(track.range_km[i], dist.km, rtol=1e-5)
        disagree += int(np.sum(track.sunlit[i] != sat.at(t).is_sunlit(eph)))
    assert disagree <= 2  # only samples within seconds of a shadow crossing may differ


def test_angular_rate_is_the_derivative_of_the_direction(catalog, tien_shan):
    dt_s = 0.5
    times = TIMES[:40]
    a = satellite_track(catalog, tien_shan, times)
    b = satellite_track(catalog, tien_shan, times + np.timedelta64(int(dt_s * 1e9), "ns"))
    e1, e2 = np.radians(a.elevation_deg), np.radians(b.elevation_deg)
    cos = np.sin(e1) * np.sin(e2) + np.cos(e1) * np.cos(e2) * np.cos(np.radians(b.azimuth_deg - a.azimuth_deg))
    fd = np.degrees(np.arccos(np.clip(cos, -1, 1))) / dt_s
    mid = (a.angular_rate_deg_s + b.angular_rate_deg_s) / 2
    np.testing.assert_allclose(fd, mid, rtol=2e-3, atol=1e-6)
    assert np.nanmax(a.angular_rate_deg_s) > 0.1  # LEO
    assert np.nanmin(a.angular_rate_deg_s) < 0.01  # GEO


def test_visible_needs_light_darkness_and_elevation(catalog, tien_shan):
    track = satellite_track(catalog, tien_shan, TIMES)
    vis = track.visible(min_elevation_deg=10.0)
    assert vis.any()
    assert not vis[:, track.sun_altitude_deg >= -6].any()
    assert not vis[track.elevation_deg < 10].any()
