"""The request model and the request-file parser: durations, cadences, and errors that name id and field."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from spacebridge.core.errors import MalformedInputError, OutOfRangeError
from spacebridge.sky.request_file import parse_request_set, request_set_from_json
from spacebridge.sky.requests import Cadence, Constraints, Exposure, Overheads, exposure_sequence_duration_s


def _doc(**request_overrides):
    request = {
        "id": "r1",
        "ra_deg": 83.82,
        "dec_deg": -5.39,
        "duration_s": 620,
        "priority": 5,
        "max_airmass": 2.0,
        "min_moon_separation_deg": 30,
        "twilight": "astronomical",
    }
    request.update(request_overrides)
    return {"site": "tien-shan", "night": "2026-11-27", "slew_rate_deg_s": 1.0, "requests": [request]}


def test_valid_file_gives_frozen_request_set():
    rs = parse_request_set(_doc())
    (r,) = rs.requests
    assert (rs.site, rs.night, rs.slew_rate_deg_s, rs.telescope) == ("tien-shan", dt.date(2026, 11, 27), 1.0, None)
    assert (r.id, r.duration_s, r.priority, r.constraints.twilight) == ("r1", 620.0, 5.0, "astronomical")
    with pytest.raises(AttributeError):
        r.priority = 1  # type: ignore[misc]


def test_integer_ids_are_kept_as_given():
    rs = parse_request_set(_doc(id=17))
    assert rs.requests[0].id == 17
    assert rs.requests[0].key == "17"


def test_airmass_limit_is_the_sec_z_altitude():
    assert Constraints(2.0, 0, "civil").min_altitude_deg == pytest.approx(30.0)
    assert Constraints(1.0, 0, "civil").min_altitude_deg == pytest.approx(90.0)
    assert Constraints(1.5, 0, "nautical").max_sun_altitude_deg == -12.0


@pytest.mark.parametrize(
    ("override", "fragments", "error"),
    [
        ({"dec_deg": 95.0}, ["request 'r1'", "'dec_deg'", "95", "[-90, 90]"], OutOfRangeError),
        ({"duration_s": -5}, ["request 'r1'", "'duration_s'", "-5"], OutOfRangeError),
        ({"duration_s": 0}, ["request 'r1'", "'duration_s'"], OutOfRangeError),
        (
            {"twilight": "dusk"},
            ["request 'r1'", "'twilight'", "'dusk' is unknown", "astronomical"],
            MalformedInputError,
        ),
        ({"max_airmass": 0.5}, ["'max_airmass'", "[1, inf]"], OutOfRangeError),
        ({"min_moon_separation_deg": 200}, ["'min_moon_separation_deg'", "200"], OutOfRangeError),
        ({"priority": "high"}, ["'priority'", "finite number", "'high'"], MalformedInputError),
        ({"ra_deg": True}, ["'ra_deg'", "finite number"], MalformedInputError),
        ({"ra_deg": -1}, ["'ra_deg'", "[0, 360]"], OutOfRangeError),
    ],
)
def test_bad_values_name_the_request_and_the_field(override, fragments, error):
    with pytest.raises(error) as info:
        parse_request_set(_doc(**override))
    for fragment in fragments:
        assert fragment in str(info.value)
    assert info.value.context["problems"]


@pytest.mark.parametrize(
    "field", ["ra_deg", "dec_deg", "duration_s", "priority", "max_airmass", "min_moon_separation_deg", "twilight"]
)
def test_missing_fields_are_named(field):
    doc = _doc()
    del doc["requests"][0][field]
    with pytest.raises(MalformedInputError, match=rf"request 'r1': field '{field}' (is missing|= None)"):
        parse_request_set(doc)


def test_every_problem_is_reported_at_once():
    doc = _doc(dec_deg=-91)
    doc["requests"].append({**doc["requests"][0], "id": "r2", "dec_deg": 0, "duration_s": -1})
    doc["requests"].append({**doc["requests"][0], "id": "r2", "dec_deg": 0})
    with pytest.raises(MalformedInputError) as info:
        parse_request_set(doc)
    text = str(info.value)
    assert "3 problem(s)" in text
    assert "request 'r1': field 'dec_deg'" in text
    assert "request 'r2': field 'duration_s'" in text
    assert "duplicates the id of requests[1]" in text


@pytest.mark.parametrize(
    ("top", "fragment"),
    [
        ({"site": None}, "field 'site' is missing"),
        ({"night": "27/11/2026"}, "field 'night' must be the local evening date as 'YYYY-MM-DD'"),
        ({"requests": {}}, "field 'requests' is missing or not a list"),
        ({"slew_rate_deg_s": 0}, "field 'slew_rate_deg_s' = 0 is outside (0, inf]"),
        ({"telescope": 3}, "field 'telescope' must be a telescope id string or null"),
    ],
)
def test_top_level_problems(top, fragment):
    doc = {**_doc(), **top}
    with pytest.raises(MalformedInputError if "slew" not in fragment else OutOfRangeError) as info:
        parse_request_set(doc)
    assert fragment in str(info.value)


def test_optional_slew_rate_and_telescope():
    doc = _doc()
    del doc["slew_rate_deg_s"]
    rs = parse_request_set({**doc, "telescope": "zeiss-1000-east"})
    assert rs.slew_rate_deg_s is None
    assert rs.telescope == "zeiss-1000-east"


def test_invalid_json_names_line_and_column():
    with pytest.raises(MalformedInputError, match="line 2, column 1"):
        request_set_from_json('{"site": "tien-shan",\n}')
    with pytest.raises(MalformedInputError, match="must hold a JSON object"):
        request_set_from_json("[1, 2]")


def test_exposure_duration_counts_readouts_and_filter_changes():
    # LCO's model: setup + sum(count * (exposure + readout)) + one change per filter switch (first included)
    exposures = (Exposure("g", 60.0, 2), Exposure("g", 10.0), Exposure("r", 30.0, 3))
    total = exposure_sequence_duration_s(exposures, Overheads(setup_s=90, readout_s=10, filter_change_s=5))
    assert total == 90 + 5 + 2 * 70 + 1 * 20 + 5 + 3 * 40


def test_duration_from_exposures_and_consistency_check():
    doc = _doc()
    del doc["requests"][0]["duration_s"]
    doc["requests"][0]["exposures"] = [{"filter": "V", "exposure_s": 100, "count": 3}]
    doc["overheads"] = {"setup_s": 60, "readout_s": 20, "filter_change_s": 10}
    assert parse_request_set(doc).requests[0].duration_s == 60 + 10 + 3 * 120
    doc["requests"][0]["duration_s"] = 100
    with pytest.raises(MalformedInputError, match="shorter than its exposures need"):
        parse_request_set(doc)


def test_cadence_expands_to_windows_centred_on_due_times():
    start = dt.datetime(2026, 11, 27, 15, tzinfo=dt.UTC)
    windows = Cadence(start, start + dt.timedelta(hours=3), period_s=3600, jitter_s=1200).windows()
    assert [w.start_utc.strftime("%H:%M") for w in windows] == ["15:00", "15:50", "16:50", "17:50"]
    assert [w.end_utc.strftime("%H:%M") for w in windows] == ["15:10", "16:10", "17:10", "18:00"]
    with pytest.raises(OutOfRangeError):
        Cadence(start, start, period_s=0, jitter_s=10).windows()


def test_windows_cadence_groups_and_proposals_parse():
    doc = _doc(
        windows=[{"start_utc": "2026-11-27T18:00:00Z", "end_utc": "2026-11-27T20:00:00Z"}],
        cadence={"start_utc": "2026-11-27T21:00:00Z", "end_utc": "2026-11-27T23:00:00Z", "period_s": 3600,
                 "jitter_s": 600},
        proposal="KZ-1",
        group="g1",
    )  # fmt: skip
    doc["proposals"] = [{"id": "KZ-1", "partner": "KZ", "time_share": 0.6}]
    doc["groups"] = [{"id": "g1", "operator": "single"}]
    with pytest.raises(MalformedInputError, match="cannot be combined with 'windows'"):
        parse_request_set(doc)
    del doc["requests"][0]["windows"]
    rs = parse_request_set(doc)
    assert [r.id for r in rs.requests] == ["r1#1", "r1#2", "r1#3"]
    assert [len(r.windows) for r in rs.requests] == [1, 1, 1]
    assert rs.requests[1].windows[0].start_utc == dt.datetime(2026, 11, 27, 21, 55, tzinfo=dt.UTC)
    assert rs.proposal("KZ-1").partner == "KZ"
    assert rs.single_groups() == {"g1": ("r1#1", "r1#2", "r1#3")}
    doc["requests"][0]["proposal"] = "nope"
    with pytest.raises(MalformedInputError, match="field 'proposal' names no entry"):
        parse_request_set(doc)


def test_window_ending_before_start_is_rejected():
    doc = _doc(windows=[{"start_utc": "2026-11-27T20:00:00Z", "end_utc": "2026-11-27T18:00:00Z"}])
    with pytest.raises(OutOfRangeError, match="ends before it starts"):
        parse_request_set(doc)


def test_input_document_is_not_modified():
    doc = _doc()
    snapshot = json.dumps(doc, sort_keys=True)
    parse_request_set(doc)
    assert json.dumps(doc, sort_keys=True) == snapshot
