"""``spacebridge sky schedule``: the graded JSON interface, optional CSV and charts, clear input errors."""

from __future__ import annotations

import json

import pytest

from spacebridge.cli.main import main

REQUESTS = [
    {"id": "vega", "ra_deg": 279.2347, "dec_deg": 38.7837, "duration_s": 620, "priority": 3, "max_airmass": 3.0,
     "min_moon_separation_deg": 20, "twilight": "nautical"},
    {"id": "m31", "ra_deg": 10.6847, "dec_deg": 41.2690, "duration_s": 1800, "priority": 9, "max_airmass": 2.0,
     "min_moon_separation_deg": 20, "twilight": "astronomical"},
    {"id": 7, "ra_deg": 83.8221, "dec_deg": -5.3911, "duration_s": 900.5, "priority": 5, "max_airmass": 2.0,
     "min_moon_separation_deg": 10, "twilight": "civil"},
    {"id": "canopus", "ra_deg": 95.9880, "dec_deg": -52.6957, "duration_s": 600, "priority": 8, "max_airmass": 2.0,
     "min_moon_separation_deg": 10, "twilight": "astronomical"},
]  # fmt: skip


def _write(tmp_path, doc) -> tuple[str, str]:
    src = tmp_path / "requests.json"
    src.write_text(json.dumps(doc))
    return str(src), str(tmp_path / "schedule.json")


@pytest.mark.slow
def test_schedule_writes_the_documented_json_csv_and_charts(tmp_path, capsys):
    doc = {"site": "tien-shan", "night": "2026-11-27", "slew_rate_deg_s": 1.0, "requests": REQUESTS}
    src, out = _write(tmp_path, doc)
    args = ["sky", "schedule", "--requests", src, "--out", out, "--csv", str(tmp_path / "s.csv")]
    args += ["--timeline", str(tmp_path / "timeline.svg"), "--altitude-chart", str(tmp_path / "alt.png")]
    assert main(args) == 0
    result = json.loads((tmp_path / "schedule.json").read_text())
    assert set(result) == {"scheduled", "unscheduled"}
    assert {b["id"] for b in result["scheduled"]} == {"vega", "m31", 7}
    assert result["unscheduled"] == [
        {"id": "canopus", "reason": result["unscheduled"][0]["reason"]},
    ]
    assert result["unscheduled"][0]["reason"].startswith("never visible")
    for block in result["scheduled"]:
        assert set(block) == {"id", "start_utc", "end_utc"}
        assert block["start_utc"].endswith("Z")
        assert block["end_utc"].endswith("Z")
    assert (tmp_path / "s.csv").read_text().startswith("id,status,")
    assert (tmp_path / "timeline.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "alt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "scheduled 3 of 4 requests" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"dec_deg": 95}, "request 'vega': field 'dec_deg' = 95 is outside [-90, 90]"),
        ({"duration_s": -620}, "request 'vega': field 'duration_s' = -620 is outside (0, inf]"),
        ({"twilight": "dark"}, "request 'vega': field 'twilight' = 'dark' is unknown"),
        ({"priority": None}, "request 'vega': field 'priority' is missing"),
    ],
)
def test_bad_requests_exit_2_naming_id_and_field(tmp_path, capsys, change, fragment):
    doc = {"site": "tien-shan", "night": "2026-11-27", "requests": [{**REQUESTS[0], **change}]}
    src, out = _write(tmp_path, doc)
    assert main(["sky", "schedule", "--requests", src, "--out", out]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert fragment in err
    assert not (tmp_path / "schedule.json").exists()


def test_unknown_site_missing_file_and_bad_json(tmp_path, capsys):
    src, out = _write(tmp_path, {"site": "atlantis", "night": "2026-11-27", "requests": REQUESTS[:1]})
    assert main(["sky", "schedule", "--requests", src, "--out", out]) == 2
    assert "atlantis" in capsys.readouterr().err
    assert main(["sky", "schedule", "--requests", str(tmp_path / "nope.json"), "--out", out]) == 2
    assert "cannot read the request file" in " ".join(capsys.readouterr().err.split())
    (tmp_path / "bad.json").write_text("{not json")
    assert main(["sky", "schedule", "--requests", str(tmp_path / "bad.json"), "--out", out]) == 2
    assert "is not valid JSON" in capsys.readouterr().err


def test_single_request_and_empty_request_list(tmp_path):
    src, out = _write(tmp_path, {"site": "tien-shan", "night": "2026-11-27", "requests": [REQUESTS[1]]})
    assert main(["sky", "schedule", "--requests", src, "--out", out]) == 0
    result = json.loads((tmp_path / "schedule.json").read_text())
    assert [b["id"] for b in result["scheduled"]] == ["m31"]
    assert result["unscheduled"] == []
    src, out = _write(tmp_path, {"site": "tien-shan", "night": "2026-11-27", "requests": []})
    assert main(["sky", "schedule", "--requests", src, "--out", out]) == 0
    assert json.loads((tmp_path / "schedule.json").read_text()) == {"scheduled": [], "unscheduled": []}
