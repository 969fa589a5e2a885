"""EIRP models and the adjacent-satellite interference of the GEO forward link."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from shapely.geometry import box, mapping

from spacebridge.connect.eirp import BeamEirp, ContourEirp, FlatEirp
from spacebridge.connect.geometry import GEO_RADIUS_KM, geo_look_angles
from spacebridge.connect.links import _adjacent_ci_db
from spacebridge.connect.scenario import default_scenario, scenario_from_dict
from spacebridge.core.errors import InvalidInputError

SAT = np.array([GEO_RADIUS_KM * math.cos(math.radians(58.5)), GEO_RADIUS_KM * math.sin(math.radians(58.5)), 0.0])


def test_flat_and_beam_eirp():
    lat, lon = np.array([48.0, 48.0, 48.0, 20.0]), np.array([67.0, 70.0, 75.0, 100.0])
    assert FlatEirp(50.0).eirp_at(lat, lon, SAT).tolist() == [50.0] * 4
    beam = BeamEirp(54.0, 48.0, 67.0, 4.0, max_rolloff_db=6.0).eirp_at(lat, lon, SAT)
    assert beam[0] == pytest.approx(54.0)
    assert beam[0] > beam[1] > beam[2]  # rolls off away from boresight
    assert np.isnan(beam[3])  # beyond the 6 dB contour: outside the beam
    # Off-axis angle from the satellite at which the parabola loses 3 dB is half the beamwidth.
    edge = BeamEirp(54.0, 48.0, 67.0, 4.0, max_rolloff_db=30.0)
    lons = np.linspace(67.0, 100.0, 3301)
    values = edge.eirp_at(np.full_like(lons, 48.0), lons, SAT)
    crossing = lons[np.argmin(np.abs(values - 51.0))]
    to_bore = np.array([*_ecef(48.0, 67.0)]) - SAT
    to_edge = np.array([*_ecef(48.0, crossing)]) - SAT
    angle = math.degrees(math.acos(to_bore @ to_edge / np.linalg.norm(to_bore) / np.linalg.norm(to_edge)))
    assert angle == pytest.approx(2.0, abs=0.02)


def _ecef(lat, lon):
    from spacebridge.connect.geometry import geodetic_to_ecef_km

    return geodetic_to_ecef_km(lat, lon)


def test_contours_take_the_highest_level(tmp_path):
    outer, inner = box(50.0, 40.0, 85.0, 56.0), box(60.0, 44.0, 75.0, 52.0)
    contours = ContourEirp((48.0, 51.0), (outer, inner))
    values = contours.eirp_at(np.array([45.0, 48.0, 30.0]), np.array([55.0, 70.0, 70.0]), SAT)
    assert values[0] == 48.0
    assert values[1] == 51.0
    assert np.isnan(values[2])
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(outer), "properties": {"eirp_dbw": 48}},
        {"type": "Feature", "geometry": mapping(inner), "properties": {"eirp_dbw": 51}},
    ]}  # fmt: skip
    path = tmp_path / "contours.geojson"
    path.write_text(json.dumps(doc))
    sc = scenario_from_dict({"systems": [{"id": "kazsat-3", "eirp": {"kind": "contours", "file": str(path)}}]})
    assert isinstance(sc.systems[0].eirp, ContourEirp)
    with pytest.raises(InvalidInputError, match="feature 1 has no 'eirp_dbw'"):
        ContourEirp.from_geojson([{"type": "Feature", "geometry": mapping(inner), "properties": {}}])


def test_adjacent_satellite_ci_follows_appendix_8():
    system = default_scenario().systems[0]  # KazSat-3, 1.2 m at 11.45 GHz, neighbours 2° away at equal EIRP
    lat, lon = np.array([47.0]), np.array([67.0])
    ci = float(_adjacent_ci_db(system, lat, lon)[0])

    # Independent path: topocentric separation from the look angles of the three satellites.
    def direction(slot):
        la = geo_look_angles(lat, lon, slot)
        el, az = np.radians(la.elevation_deg[0]), np.radians(la.azimuth_deg[0])
        return np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])

    wanted = direction(58.5)
    d_lambda = 1.2 * 11.45e9 / 299792458.0  # D/λ = 45.8 < 100
    g_max = 10 * math.log10(0.65 * (math.pi * d_lambda) ** 2)
    terms = []
    for slot in (56.5, 60.5):
        phi = math.degrees(math.acos(float(wanted @ direction(slot))))
        assert 2.0 < phi < 2.4  # topocentric spacing exceeds the geocentric 2°
        gain = 52 - 10 * math.log10(d_lambda) - 25 * math.log10(phi)  # RR App. 8: 100 λ/D <= φ < 48°
        terms.append(g_max - gain)
    expected = -10 * math.log10(sum(10 ** (-t / 10) for t in terms))
    assert ci == pytest.approx(expected, abs=1e-6)
    assert 10.0 < ci < 13.0
