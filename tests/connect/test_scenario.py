"""Scenario files: defaults shipped, merging, and errors naming the key."""

from __future__ import annotations

import pytest

from spacebridge.connect.constellations import STARLINK_LIKE
from spacebridge.connect.eirp import BeamEirp, FlatEirp
from spacebridge.connect.scenario import default_scenario, load_scenario, scenario_from_dict
from spacebridge.core.errors import ConfigurationError


def test_default_scenario_names_every_assumption():
    sc = default_scenario()
    assert [s.id for s in sc.systems] == ["kazsat-3", "kazsat-2", "leo"]
    assert sc.systems[0].slot_lon_deg == 58.5
    assert sc.systems[1].slot_lon_deg == 86.5
    assert sc.systems[2].shell is STARLINK_LIKE
    assert isinstance(sc.systems[0].eirp, FlatEirp)
    assert sc.design_availability_percent in sc.availability_targets_percent
    assert len(sc.availability_targets_percent) == 4
    assert sc.raw["demand"]["take_up"] == sc.demand.take_up


def test_user_file_merges_over_defaults(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: test\n"
        "demand: {take_up: 0.5}\n"
        "systems:\n"
        "  - id: kazsat-3\n"
        "    eirp: {kind: beam, peak_eirp_dbw: 53, boresight_lat_deg: 48, boresight_lon_deg: 67,\n"
        "           beamwidth_3db_deg: 5}\n"
    )
    sc = load_scenario(path)
    assert sc.name == "test"
    assert sc.demand.take_up == 0.5
    assert sc.demand.persons_per_household == 3.5  # default kept
    assert [s.id for s in sc.systems] == ["kazsat-3"]
    assert isinstance(sc.systems[0].eirp, BeamEirp)
    assert sc.systems[0].costs.terminal_usd == 2500.0  # inherited from the default kazsat-3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"demand": {"take_upp": 0.3}}, "'demand.take_upp': unknown key"),
        ({"demand": {"take_up": "high"}}, "'demand.take_up': expected a number"),
        ({"demand": {"take_up": 1.5}}, "'demand.take_up': must be in \\[0, 1\\]"),
        ({"systems": [{"id": "kazsat-3", "downlink_freq_ghz": 70.0}]}, "P.618-14"),
        ({"systems": [{"id": "x", "kind": "geo"}]}, "'systems\\[0\\].label': is required"),
        ({"systems": [{"id": "kazsat-3", "eirp": {"kind": "pencil"}}]}, "unknown EIRP kind"),
        ({"systems": [{"id": "leo", "shell": "iridium"}]}, "unknown shell"),
        ({"rollout": {"method": "random"}}, "'rollout.method': 'random' is not one of"),
        ({"availability_targets_percent": [99.0, 100.0]}, "availability_targets_percent"),
    ],
)
def test_errors_name_the_key(data, message):
    with pytest.raises(ConfigurationError, match=message):
        scenario_from_dict(data)


def test_bad_files(tmp_path):
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_scenario(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_scenario(bad)
    bad.write_text("- a\n- b\n")
    with pytest.raises(ConfigurationError, match="mapping"):
        load_scenario(bad)
