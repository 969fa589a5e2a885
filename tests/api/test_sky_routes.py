"""The sky routes: sites, nights, visibility, passes, the GEO belt and the page; bad input and request limits.

Checked against independent references where the route adds anything to the library: astropy's full AltAz
transform for the altitude curves, the ``sky passes`` command for the pass records, and the textbook look angles and
equinox eclipses of geostationary slots for the GEO belt.
"""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from spacebridge.api import create_app
from spacebridge.api.sky_models import MAX_TARGETS
from spacebridge.cli.main import main
from spacebridge.core.settings import Settings
from spacebridge.sky.request_file import parse_request_set
from tests.conftest import EXAMPLES

TLE = EXAMPLES / "tle" / "celestrak-active-20260626-excerpt.tle"
CLI_FIELDS = {"norad_id", "rise_utc", "culmination_utc", "set_utc", "max_elevation_deg", "sunlit"}
M31 = {"id": "M31", "ra_deg": 10.6847, "dec_deg": 41.2690}
LMC = {"id": "LMC", "ra_deg": 80.8938, "dec_deg": -69.7561}
ORION = {"id": "M42", "ra_deg": 83.8221, "dec_deg": -5.3911}
NIGHT = "2026-11-20"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data = tmp_path_factory.mktemp("sky-api")
    with TestClient(create_app(Settings(data_dir=data, max_request_bytes=400_000), ingest=False)) as c:
        yield c


def _visibility(client, **changes):
    body = {"site": "tien-shan", "night": NIGHT, "targets": [M31, ORION, LMC], **changes}
    return client.post("/sky/visibility", json=body)


def _locs(resp):
    assert resp.status_code == 422, resp.text
    return [".".join(str(x) for x in d["loc"][1:]) for d in resp.json()["detail"]]


# ---- sites and nights -------------------------------------------------------------------------------------------
def test_sites_list_the_three_observatories_with_their_telescopes(client):
    sites = {s["id"]: s for s in client.get("/sky/sites").json()}
    assert set(sites) == {"tien-shan", "assy-turgen", "kamenskoe"}
    tien_shan = sites["tien-shan"]
    assert tien_shan["latitude_deg"] == pytest.approx(43.0576)
    assert tien_shan["longitude_deg"] == pytest.approx(76.9715)
    assert all(s["telescopes"] and s["horizon_mask"] for s in sites.values())
    assert {"aperture_m", "slew_rate_deg_s", "settle_s", "readout_s"} <= set(sites["assy-turgen"]["telescopes"][0])
    assert client.get("/sky/sites/assy-turgen").json()["name"] == sites["assy-turgen"]["name"]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/sky/sites/mauna-kea", None),
        ("get", f"/sky/sites/mauna-kea/nights/{NIGHT}", None),
        ("get", f"/sky/geo-belt?site=mauna-kea&night={NIGHT}", None),
        ("post", "/sky/visibility", {"site": "mauna-kea", "night": NIGHT, "targets": [M31]}),
        (
            "post",
            "/sky/passes",
            {
                "site": "mauna-kea",
                "sample": True,
                "start_utc": "2026-06-27T16:00:00Z",
                "end_utc": "2026-06-27T17:00:00Z",
            },
        ),
    ],
)
def test_an_unknown_site_is_a_404_listing_the_valid_ones(client, method, url, body):
    resp = client.request(method.upper(), url, json=body)
    assert resp.status_code == 404
    assert resp.json()["context"]["valid"] == ["assy-turgen", "kamenskoe", "tien-shan"]
    assert "mauna-kea" in resp.json()["description"]


def test_the_night_gives_twilights_in_order(client):
    night = client.get(f"/sky/sites/tien-shan/nights/{NIGHT}").json()
    events = [night["sunset_utc"], *(night["dusk_utc"][k] for k in ("civil", "nautical", "astronomical"))]
    events += [*(night["dawn_utc"][k] for k in ("astronomical", "nautical", "civil")), night["sunrise_utc"]]
    assert events == sorted(events)
    assert all(e.endswith("Z") for e in events)
    assert 10.5 < night["dark_hours"]["astronomical"] < night["dark_hours"]["nautical"] < 13.5
    assert night["warnings"] == []


@pytest.mark.parametrize("night", ["2026-02-30", "1979-12-31", "2100-01-01", "tonight"])
def test_a_bad_night_is_a_422(client, night):
    assert _locs(client.get(f"/sky/sites/tien-shan/nights/{night}")) == ["night"]


# ---- visibility -------------------------------------------------------------------------------------------------
def test_visibility_altitudes_match_astropy_and_windows_meet_the_constraints(client):
    from astropy import units as u
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord
    from astropy.time import Time

    from spacebridge.sky import get_site, use_offline_iers

    doc = _visibility(client, curves=True, max_airmass=2.0).json()
    assert doc["twilight"] == "astronomical"
    assert doc["n_times"] == len(doc["times_utc"])
    rows = {t["id"]: t for t in doc["targets"]}
    assert rows["LMC"]["observable"] is False
    assert rows["LMC"]["reason"] == "altitude below 0 deg"
    assert rows["M31"]["observable"]
    assert rows["M31"]["windows"]
    site = get_site("tien-shan")
    use_offline_iers()
    location = EarthLocation.from_geodetic(site.longitude_deg * u.deg, site.latitude_deg * u.deg, site.height_m * u.m)
    picks = [0, len(doc["times_utc"]) // 2, len(doc["times_utc"]) - 1]
    times = Time([doc["times_utc"][i].rstrip("Z") for i in picks], scale="utc")
    for target in (M31, ORION, LMC):
        star = SkyCoord(target["ra_deg"] * u.deg, target["dec_deg"] * u.deg)
        ref = star.transform_to(AltAz(obstime=times, location=location)).alt.deg
        got = [rows[target["id"]]["altitude_deg"][i] for i in picks]
        np.testing.assert_allclose(got, ref, atol=0.006)  # rounded to 0.01 deg
    times_all = doc["times_utc"]
    for row in rows.values():
        for w in row["windows"]:
            inside = [
                a for t, a in zip(times_all, row["altitude_deg"], strict=True) if w["start_utc"] <= t <= w["end_utc"]
            ]
            assert min(inside) >= 30.0 - 0.01  # sec z <= 2
            assert doc["start_utc"] <= w["start_utc"] <= w["end_utc"] <= doc["end_utc"]


def test_a_telescope_applies_its_mount_limits(client):
    site = client.get("/sky/sites/assy-turgen").json()
    tel = site["telescopes"][0]
    polaris = {"id": "Polaris", "ra_deg": 37.9546, "dec_deg": 89.2641}
    doc = _visibility(client, site="assy-turgen", telescope=tel["id"], targets=[M31, polaris]).json()
    assert doc["telescope"] == tel["id"]
    rows = {t["id"]: t for t in doc["targets"]}
    if tel["dec_max_deg"] < 89.2641:
        assert rows["Polaris"]["reason"] == f"outside the mount limits of {tel['id']}"
    assert _visibility(client, site="assy-turgen", telescope="hubble").status_code == 404


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"targets": [{**M31, "dec_deg": 91}]}, "targets.0.dec_deg"),
        ({"targets": [{**M31, "dec_deg": -90.5}]}, "targets.0.dec_deg"),
        ({"targets": [{"id": "x", "ra_deg": 1}]}, "targets.0.dec_deg"),
        ({"targets": []}, "targets"),
        ({"targets": [M31] * (MAX_TARGETS + 1)}, "targets"),
        ({"step_s": -300}, "step_s"),
        ({"step_s": 0}, "step_s"),
        ({"max_airmass": 0.5}, "max_airmass"),
        ({"min_moon_separation_deg": -1}, "min_moon_separation_deg"),
        ({"twilight": "dusk"}, "twilight"),
        ({"night": "2026-11-31"}, "night"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_malformed_visibility_requests_are_422_naming_the_field(client, change, loc):
    assert loc in _locs(_visibility(client, **change))


def test_non_finite_numbers_are_a_422_in_valid_json(client):
    body = json.dumps({"site": "tien-shan", "night": NIGHT, "targets": [{**M31, "dec_deg": float("nan")}]})
    resp = client.post("/sky/visibility", content=body, headers={"Content-Type": "application/json"})
    assert _locs(resp) == ["targets.0.dec_deg"]


def test_duplicate_target_ids_are_a_422(client):
    resp = _visibility(client, targets=[M31, M31])
    assert resp.status_code == 422
    assert "duplicate target ids: M31" in resp.json()["description"]


@pytest.mark.parametrize(
    ("n_targets", "step_s", "curves", "what"),
    [(2000, 30, False, "grid cells"), (400, 60, True, "altitude values")],
)
def test_oversized_grids_are_a_413_before_any_work(client, n_targets, step_s, curves, what):
    targets = [{"id": f"t{i}", "ra_deg": i % 360, "dec_deg": 10} for i in range(n_targets)]
    resp = _visibility(client, targets=targets, step_s=step_s, curves=curves)
    assert resp.status_code == 413
    assert what in resp.json()["description"]
    assert resp.json()["hint"]


# ---- passes -----------------------------------------------------------------------------------------------------
def _passes(client, **changes):
    body = {
        "site": "tien-shan",
        "sample": True,
        "start_utc": "2026-06-27T16:00:00Z",
        "end_utc": "2026-06-27T20:00:00Z",
        "min_elevation_deg": 15,
        **changes,
    }
    return client.post("/sky/passes", json=body)


def test_passes_of_the_sample_are_those_of_the_cli(client, tmp_path):
    doc = _passes(client).json()
    out = tmp_path / "passes.json"
    assert (
        main(
            [
                "sky",
                "passes",
                "--tle",
                str(TLE),
                "--site",
                "tien-shan",
                "--start",
                "2026-06-27T16:00:00Z",
                "--end",
                "2026-06-27T20:00:00Z",
                "--min-elevation-deg",
                "15",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    cli = json.loads(out.read_text())
    assert [{k: p[k] for k in CLI_FIELDS} for p in doc["passes"]] == cli
    assert doc["n_satellites"] == 190
    assert doc["catalogue"].startswith("sample")
    assert any("more than 14 days" in w for w in doc["warnings"])  # 2 element sets are older than 14 days


def test_a_posted_catalogue_and_visible_only(client):
    lines = TLE.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("ISS (ZARYA)"))
    iss = "\n".join(lines[at : at + 3])
    doc = _passes(
        client,
        sample=False,
        tle=iss,
        start_utc="2026-06-27T00:00:00Z",
        end_utc="2026-06-28T00:00:00Z",
        min_elevation_deg=10,
    ).json()
    assert doc["catalogue"] == "posted"
    assert doc["n_satellites"] == 1
    assert {p["norad_id"] for p in doc["passes"]} == {25544}
    assert len(doc["passes"]) >= 3
    visible = _passes(client, visible_only=True).json()["passes"]
    assert visible
    assert all(p["sunlit"] and p["observer_dark"] for p in visible)


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"end_utc": "2026-06-27T15:00:00Z"}, "end_utc"),
        ({"end_utc": "2026-06-28T16:00:01Z"}, "end_utc"),
        ({"start_utc": "yesterday"}, "start_utc"),
        ({"start_utc": "1975-01-01T00:00:00Z"}, "start_utc"),
        ({"min_elevation_deg": 90}, "min_elevation_deg"),
        ({"min_elevation_deg": -5}, "min_elevation_deg"),
        ({"sample": False}, ""),
        ({"tle": "1 25544U"}, ""),
        ({"sample": False, "tle": ""}, "tle"),
    ],
)
def test_malformed_pass_requests_are_422_naming_the_field(client, change, loc):
    assert loc in _locs(_passes(client, **change))


@pytest.mark.parametrize(
    ("tle", "message"),
    [
        ("ISS\n1 25544U 98067A   26177.67101756", "TLE line 2 is not part of a line-1/line-2 pair"),
        (
            "1 25544U 98067A   26177.671017X6  .00008101  00000+0  15268-3 0  9990\n"
            "2 25544  51.6322 253.1475 0004299 235.1263 124.9322 15.49442433573225",
            "malformed TLE",
        ),
        ("[1, 2]", "OMM record 1 is not an object"),
        ("[" * 50_000, "the OMM JSON cannot be parsed"),
        ("<omm><segment></segment></omm>", "the OMM XML cannot be parsed"),
        ('{"OBJECT_NAME": "X"}', "OMM record 1 is incomplete"),
    ],
)
def test_malformed_catalogues_are_a_422_showing_the_format(client, tle, message):
    resp = _passes(client, sample=False, tle=tle)
    assert resp.status_code == 422, resp.text
    assert message in resp.json()["description"]


def test_too_many_satellite_hours_are_a_413(client):
    resp = _passes(client, end_utc="2026-06-28T15:00:00Z")  # 190 satellites x 23 h
    assert resp.status_code == 413
    assert resp.json()["context"]["satellites"] == 190


# ---- GEO belt ---------------------------------------------------------------------------------------------------
def _look_angles(lat_deg, dlon_deg):
    """Elevation and azimuth of a GEO slot, spherical Earth (e.g. Maral & Bousquet, Satellite Communications
    Systems, 5th ed., section 8.3.2)."""
    lat, dlon = math.radians(lat_deg), math.radians(dlon_deg)
    cos_g = math.cos(lat) * math.cos(dlon)
    sin_g = math.sqrt(1 - cos_g**2)
    elevation = math.degrees(math.atan((cos_g - 6378.137 / 42164.17) / sin_g))
    azimuth = 180.0 - math.degrees(math.atan(math.tan(dlon) / math.sin(lat)))  # dlon: east of the site
    return elevation, azimuth


def test_geo_belt_kazsat_look_angles_and_equinox_eclipses(client):
    doc = client.get("/sky/geo-belt", params={"site": "assy-turgen", "night": "2026-09-22"}).json()
    site = client.get("/sky/sites/assy-turgen").json()
    slots = {s["name"]: s for s in doc["slots"] if s["name"]}
    assert set(slots) == {"KazSat-2", "KazSat-3"}
    for slot in slots.values():
        elevation, azimuth = _look_angles(site["latitude_deg"], slot["longitude_deg"] - site["longitude_deg"])
        assert slot["elevation_deg"] == pytest.approx(elevation, abs=0.3)  # WGS84 site vs sphere
        assert slot["azimuth_deg"] == pytest.approx(azimuth, abs=0.3)
        (eclipse,) = slot["eclipse_windows"]  # the Earth's shadow around the slot's local midnight
        start, end = (np.datetime64(eclipse[k].rstrip("Z")) for k in ("start_utc", "end_utc"))
        middle_h = float((start + (end - start) / 2 - np.datetime64("2026-09-22T00:00")) / np.timedelta64(1, "h"))
        assert middle_h == pytest.approx(24.0 - slot["longitude_deg"] / 15.0, abs=0.4)
        assert 0.5 <= float((end - start) / np.timedelta64(1, "h")) <= 1.3  # at most 72 min, sampled every 10 min
    west, east = doc["visible_longitude_range_deg"]
    assert west < 58.5
    assert east > 86.5
    solstice = client.get("/sky/geo-belt", params={"site": "assy-turgen", "night": "2026-06-21"}).json()
    assert all(s["eclipse_windows"] == [] for s in solstice["slots"])


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"step_deg": 0}, "step_deg"),
        ({"step_s": 10}, "step_s"),
        ({"min_elevation_deg": 95}, "min_elevation_deg"),
        ({"night": "2200-01-01"}, "night"),
    ],
)
def test_bad_geo_belt_queries_are_422(client, params, loc):
    resp = client.get("/sky/geo-belt", params={"site": "assy-turgen", "night": "2026-09-22", **params})
    assert _locs(resp) == [loc]


# ---- schedule ---------------------------------------------------------------------------------------------------
SAMPLE_REQUESTS = Path(__file__).resolve().parents[2] / "src" / "spacebridge" / "sky" / "data" / "sample_requests.json"


@pytest.fixture(scope="module")
def sample_requests():
    return json.loads(SAMPLE_REQUESTS.read_text())


@pytest.mark.slow
def test_schedule_of_the_sample_is_that_of_the_cli(client, sample_requests, tmp_path):
    assert client.get("/sky/sample-requests").json() == sample_requests
    doc = client.post("/sky/schedule", json=sample_requests).json()
    out = tmp_path / "schedule.json"
    assert main(["sky", "schedule", "--requests", str(SAMPLE_REQUESTS), "--out", str(out)]) == 0
    assert {k: doc[k] for k in ("scheduled", "unscheduled")} == json.loads(out.read_text())
    durations = {r.id: r.duration_s for r in parse_request_set(sample_requests).requests}  # exposures included
    ends = [np.datetime64(b["end_utc"].rstrip("Z")) for b in doc["scheduled"]]
    for k, block in enumerate(doc["scheduled"]):
        start = np.datetime64(block["start_utc"].rstrip("Z"))
        assert (ends[k] - start) / np.timedelta64(1, "s") == durations[block["id"]]  # never shortened
        assert k == 0 or ends[k - 1] <= start  # no overlap
    assert doc["night_start_utc"] <= doc["scheduled"][0]["start_utc"]
    assert doc["scheduled"][-1]["end_utc"] <= doc["night_end_utc"]
    assert doc["polish"] is None
    assert doc["value_priority_hours"] > 0


def test_polishing_needs_a_key(client, sample_requests):
    resp = client.post("/sky/schedule?polish=true", json=sample_requests)
    assert resp.status_code == 401
    assert resp.json()["context"]["argument"] == "polish"
    resp = client.post("/sky/schedule?polish=true", json=sample_requests, headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401


@pytest.mark.slow
def test_a_polished_schedule_reports_its_gap(client, sample_requests):
    key = client.app.state.store.create_key("sky tests")
    resp = client.post(
        "/sky/schedule?polish=true&polish_time_limit_s=2",
        json=sample_requests,
        headers={"Authorization": f"Bearer {key}"},
    )
    polish = resp.json()["polish"]
    assert polish["status"] in ("OPTIMAL", "FEASIBLE")
    assert 0.0 <= polish["gap"] < 1.0


BUSY_CADENCE = {"start_utc": "2026-11-20T12:00:00Z", "end_utc": "2026-12-20T12:00:00Z", "period_s": 60, "jitter_s": 30}


def _request(**changes):
    base = {"id": "m31", "ra_deg": 10.6847, "dec_deg": 41.269, "duration_s": 620, "priority": 5, "max_airmass": 2.0,
            "min_moon_separation_deg": 30, "twilight": "astronomical"}  # fmt: skip
    return {**base, **changes}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"requests": [_request(duration_s=-620)]}, "requests.0.duration_s"),
        ({"requests": [_request(dec_deg=95)]}, "requests.0.dec_deg"),
        ({"requests": [_request(twilight="dusk")]}, "requests.0.twilight"),
        ({"requests": [_request(priority=float("inf"))]}, "requests.0.priority"),
        ({"requests": [_request(cadence=BUSY_CADENCE)]}, "requests.0.cadence"),
        ({"requests": []}, "requests"),
        ({"requests": [_request(id=f"r{i}") for i in range(501)]}, "requests"),
        ({"night": "20-11-2026"}, "night"),
        ({"slew_rate_deg_s": 0}, "slew_rate_deg_s"),
        ({"groups": 5}, "groups"),
        ({"proposals": 5}, "proposals"),
        ({"requests": [_request(proposal=[1])]}, "requests.0.proposal"),
        ({"requests": [_request(pm_dec_mas_yr="fast")]}, "requests.0.pm_dec_mas_yr"),
    ],
)
def test_malformed_schedule_requests_are_422_naming_the_field(client, body, loc):
    doc = {"site": "tien-shan", "night": NIGHT, "requests": [_request()], **body}
    resp = client.post("/sky/schedule", content=json.dumps(doc), headers={"Content-Type": "application/json"})
    assert loc in _locs(resp)


def test_schedule_errors_of_the_request_file_parser_and_limits(client):
    doc = {"site": "tien-shan", "night": NIGHT, "requests": [_request(), _request()]}
    resp = client.post("/sky/schedule", json=doc)
    assert resp.status_code == 422
    assert "duplicates the id of requests[0]" in resp.json()["description"]
    assert client.post("/sky/schedule", json={**doc, "site": "la-silla", "requests": [_request()]}).status_code == 404
    cadence = {"start_utc": "2026-11-20T12:00:00Z", "end_utc": "2026-11-22T12:00:00Z", "period_s": 1000, "jitter_s": 60}
    many = [_request(id=f"r{i}", cadence=cadence) for i in range(3)]  # 3 x 173 visits
    resp = client.post("/sky/schedule", json={**doc, "requests": many})
    assert resp.status_code == 413
    assert resp.json()["context"]["blocks"] == 3 * 173


# ---- page -------------------------------------------------------------------------------------------------------
def test_the_sky_page_uses_only_local_assets(client):
    html = client.get("/sky").text
    assert "/static/sky.js" in html
    assert "/static/vendor/uplot/uPlot.iife.min.js" in html
    assert "http://" not in html
    assert "https://" not in html
    assert 'href="/sky"' in client.get("/").text  # linked from the map
    static = Path(__file__).resolve().parents[2] / "src" / "spacebridge" / "web" / "static"
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", (static / "sky.js").read_text())
