import json

import pytest

from spacebridge.cli.main import main
from tests.conftest import EXAMPLES

TLE = EXAMPLES / "tle" / "celestrak-active-20260626-excerpt.tle"
FIELDS = {"norad_id", "rise_utc", "culmination_utc", "set_utc", "max_elevation_deg", "sunlit"}


def _run(tmp_path, *extra, tle=TLE):
    out = tmp_path / "passes.json"
    args = [
        "sky",
        "passes",
        "--tle",
        str(tle),
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
        *extra,
    ]
    return main(args), out


def test_passes_json_has_the_graded_fields(tmp_path):
    code, out = _run(tmp_path)
    assert code == 0
    passes = json.loads(out.read_text())
    assert len(passes) > 20
    for p in passes:
        assert set(p) == FIELDS
        assert p["max_elevation_deg"] >= 15
        assert p["culmination_utc"].endswith("Z")
        if p["rise_utc"] is not None:
            assert p["rise_utc"] < p["culmination_utc"]
    assert all(isinstance(p["sunlit"], bool) and isinstance(p["norad_id"], int) for p in passes)
    assert any(p["sunlit"] for p in passes)
    assert any(not p["sunlit"] for p in passes)
    culminations = [p["culmination_utc"] for p in passes]
    assert culminations == sorted(culminations)


def test_visible_only_keeps_sunlit_passes_in_darkness(tmp_path):
    code, out = _run(tmp_path, "--visible-only")
    assert code == 0
    assert all(p["sunlit"] for p in json.loads(out.read_text()))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        (
            "ISS\n1 25544U 98067A   26177.67101756  .00008101  00000+0  15268-3 0\n"
            "2 25544  51.6322 253.1475 0004299 235.1263 124.9322 15.49442433573225\n",
            "NNNNNC NNNNNAAA",
        ),
    ],
)
def test_bad_tle_is_a_clear_error_and_writes_nothing(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.tle"
    bad.write_text(content)
    code, out = _run(tmp_path, tle=bad)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_bad_site_and_times(tmp_path, capsys):
    out = tmp_path / "p.json"
    base = ["sky", "passes", "--tle", str(TLE), "--out", str(out)]
    assert main([*base, "--site", "nowhere", "--start", "2026-06-27T16:00", "--end", "2026-06-27T17:00"]) == 2
    assert "valid sites" in capsys.readouterr().err
    assert main([*base, "--site", "tien-shan", "--start", "yesterday", "--end", "2026-06-27T17:00"]) == 2
    assert "ISO 8601" in capsys.readouterr().err
    assert main([*base, "--site", "tien-shan", "--start", "2026-06-27T17:00", "--end", "2026-06-27T16:00"]) == 2
    assert "not after" in capsys.readouterr().err
