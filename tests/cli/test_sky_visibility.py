import json

import pytest

from spacebridge.cli.main import main

TARGETS_CSV = "id,ra_deg,dec_deg\nM31,10.6847,41.2690\nVega,279.2347,38.7837\nSouthPole,0,-80\n"


@pytest.fixture
def targets(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(TARGETS_CSV)
    return path


def test_visibility_json(tmp_path, targets):
    out = tmp_path / "vis.json"
    args = [
        "sky",
        "visibility",
        "--targets",
        str(targets),
        "--site",
        "tien-shan",
        "--night",
        "2026-11-20",
        "--max-airmass",
        "2",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    doc = json.loads(out.read_text())
    assert doc["site"] == "tien-shan"
    assert doc["start_utc"].endswith("Z")
    rows = {r["id"]: r for r in doc["targets"]}
    assert rows["M31"]["observable"] is True
    assert rows["M31"]["first_observable_utc"] <= rows["M31"]["last_observable_utc"]
    assert rows["SouthPole"]["observable"] is False
    assert rows["SouthPole"]["reason"] == "altitude below 0 deg"


def test_visibility_table_and_json_targets(tmp_path, capsys):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"targets": [{"id": "M31", "ra_deg": 10.6847, "dec_deg": 41.269}]}))
    assert main(["sky", "visibility", "--targets", str(path), "--site", "assy-turgen", "--night", "2026-11-20"]) == 0
    assert "M31" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "content", "message"),
    [
        (["--site", "mauna-kea"], TARGETS_CSV, "valid sites"),
        ([], "id,ra_deg,dec_deg\nbad,10,95\n", "declination outside"),
        ([], "id,ra\nx,1\n", "lacks id, ra_deg or dec_deg"),
        (["--twilight", "dusk"], TARGETS_CSV, "unknown twilight"),
    ],
)
def test_visibility_bad_input(tmp_path, capsys, extra, content, message):
    path = tmp_path / "t.csv"
    path.write_text(content)
    args = ["sky", "visibility", "--targets", str(path), "--site", "tien-shan", "--night", "2026-11-20", *extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err


SITE_62N = """sites:
  kiruna-like:
    name: A site at 62 N
    latitude_deg: 62.0
    longitude_deg: 20.0
    height_m: 100
    timezone: Europe/Stockholm
    telescopes:
      t1: {name: T, aperture_m: 0.5, mount: equatorial, min_altitude_deg: 15, max_altitude_deg: 89,
           hour_angle_min_h: -5, hour_angle_max_h: 5, dec_min_deg: -30, dec_max_deg: 89, slew_rate_deg_s: 1,
           settle_s: 5, readout_s: 10, filter_change_s: 5}
"""


def test_visibility_no_darkness_is_explained(tmp_path, capsys, targets):
    """At 62 N the Sun stays above -4.6 deg at the June solstice: a clear error; sunset-to-sunrise works."""
    sites = tmp_path / "sites.yaml"
    sites.write_text(SITE_62N)
    args = [
        "sky",
        "visibility",
        "--targets",
        str(targets),
        "--sites",
        str(sites),
        "--site",
        "kiruna-like",
        "--night",
        "2026-06-21",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "no astronomical darkness" in err
    assert "nautical" in err
    assert main([*args, "--twilight", "civil"]) == 2
    assert "sunset" in capsys.readouterr().err
    assert main([*args, "--twilight", "sunset", "--out", str(tmp_path / "v.json")]) == 0
