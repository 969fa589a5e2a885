"""GEO look angles against a textbook example and PROJ's topocentric conversion; skew properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from spacebridge.connect.geometry import (
    GEO_RADIUS_KM,
    KAZSAT_2,
    KAZSAT_3,
    geo_look_angles,
    get_slot,
)
from spacebridge.core.errors import NotFoundError, OutOfRangeError

lats = st.floats(-80.0, 80.0)
lons = st.floats(-180.0, 180.0)
slots = st.floats(-180.0, 180.0)


def test_roddy_example_3_4_spherical_earth():
    # Roddy, Satellite Communications, 4th ed., Example 3.4: 35°N 100°W, satellite 90°W: El = 48°, d = 37,215 km
    # (with a GEO radius of 42,164 km; we use 42,164.17 km, which adds about 0.2 km).
    la = geo_look_angles(35.0, -100.0, -90.0, earth="sphere")
    assert float(la.elevation_deg) == pytest.approx(48.0, abs=0.05)
    assert float(la.slant_range_km) == pytest.approx(37215.0, abs=1.0)
    # The satellite is east of the station: south-east, 180° - 17.1° (Roddy's angle A for this case).
    assert float(la.azimuth_deg) == pytest.approx(162.9, abs=0.05)


def test_subsatellite_point_is_zenith_at_geo_altitude():
    la = geo_look_angles(0.0, 58.5, KAZSAT_3)
    assert float(la.elevation_deg) == pytest.approx(90.0, abs=1e-9)
    assert float(la.slant_range_km) == pytest.approx(GEO_RADIUS_KM - 6378.137, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(lat=lats, lon=lons, slot=slots, height_m=st.floats(0.0, 4000.0))
def test_matches_proj_topocentric(lat, lon, slot, height_m):
    """PROJ (+proj=topocentric) is the authority for the ECEF -> east/north/up rotation on WGS 84."""
    topo = Transformer.from_pipeline(f"+proj=topocentric +ellps=WGS84 +lat_0={lat!r} +lon_0={lon!r} +h_0={height_m!r}")
    sat = np.radians(slot)
    e, n, u = topo.transform(GEO_RADIUS_KM * 1e3 * np.cos(sat), GEO_RADIUS_KM * 1e3 * np.sin(sat), 0.0)
    la = geo_look_angles(lat, lon, slot, height_m=height_m)
    assert float(la.elevation_deg) == pytest.approx(np.degrees(np.arctan2(u, np.hypot(e, n))), abs=1e-7)
    assert float(la.slant_range_km) == pytest.approx(np.sqrt(e * e + n * n + u * u) / 1e3, rel=1e-10)
    expected_az = np.degrees(np.arctan2(e, n)) % 360.0
    diff = (float(la.azimuth_deg) - expected_az + 180.0) % 360.0 - 180.0
    # Near the zenith the azimuth is ill-conditioned: compare it as a horizontal displacement (1 mm) there.
    assert abs(diff) < 1e-6 or abs(np.radians(diff)) * np.hypot(e, n) < 1e-3


@settings(max_examples=60, deadline=None)
@given(lat=st.floats(1.0, 80.0), dlon=st.floats(0.5, 70.0), slot=slots)
def test_east_west_mirror(lat, dlon, slot):
    east = geo_look_angles(lat, slot + dlon, slot)
    west = geo_look_angles(lat, slot - dlon, slot)
    assert float(east.elevation_deg) == pytest.approx(float(west.elevation_deg), abs=1e-9)
    assert float(east.azimuth_deg) + float(west.azimuth_deg) == pytest.approx(360.0, abs=1e-7)
    assert float(east.skew_deg) == pytest.approx(-float(west.skew_deg), abs=1e-7)
    assert float(east.skew_deg) > 0.0  # east of the satellite, northern hemisphere


@settings(max_examples=80, deadline=None)
@given(lat=st.floats(-75.0, 75.0), dlon=st.floats(-75.0, 75.0))
def test_skew_close_to_classical_formula(lat, dlon):
    """The closed form atan(sin Δλ / tan φ) neglects the finite orbit radius; it stays within a degree."""
    la = geo_look_angles(lat, 50.0 + dlon, 50.0, earth="sphere")
    if float(la.elevation_deg) < 5.0 or abs(lat) < 1.0:
        return
    classical = np.degrees(np.arctan(np.sin(np.radians(dlon)) / np.tan(np.radians(lat))))
    assert float(la.skew_deg) == pytest.approx(classical, abs=1.0)


def test_skew_zero_on_satellite_meridian_and_range():
    la = geo_look_angles(np.array([10.0, 45.0, -45.0]), np.array([86.5, 86.5, 86.5]), KAZSAT_2)
    np.testing.assert_allclose(la.skew_deg, 0.0, atol=1e-9)
    grid = geo_look_angles(*np.meshgrid(np.linspace(-80, 80, 17), np.linspace(-180, 180, 37)), KAZSAT_2)
    assert np.all((grid.skew_deg >= -90.0) & (grid.skew_deg < 90.0))
    assert np.all((grid.azimuth_deg >= 0.0) & (grid.azimuth_deg < 360.0))


def test_kazakhstan_sees_both_kazsats():
    # Almaty and Astana (approximate city centres).
    la3 = geo_look_angles([43.24, 51.17], [76.89, 71.45], KAZSAT_3)
    la2 = geo_look_angles([43.24, 51.17], [76.89, 71.45], KAZSAT_2)
    assert np.all(la3.visible)
    assert np.all(la2.visible)
    # At equal latitude the slot closer in longitude is higher: Almaty is 9.6° from KazSat-2 and 18.4° from
    # KazSat-3; Astana is 15.1° and 13.0°.
    assert la2.elevation_deg[0] > la3.elevation_deg[0]
    assert la3.elevation_deg[1] > la2.elevation_deg[1]


def test_bad_latitude_names_index():
    with pytest.raises(OutOfRangeError, match="index 1") as info:
        geo_look_angles([45.0, 95.0], [70.0, 70.0], KAZSAT_3)
    assert info.value.context["index"] == 1


def test_slot_presets_and_lookup():
    assert get_slot("KazSat-3") is KAZSAT_3
    assert get_slot("86.5E").lon_deg == 86.5
    assert get_slot(58.5).lon_deg == 58.5
    with pytest.raises(NotFoundError, match="kazsat-2"):
        get_slot("kazsat-9")
    with pytest.raises(OutOfRangeError):
        get_slot(400.0)
