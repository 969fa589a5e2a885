"""The sky demo section: schedules at two sites, satellite passes, charts and reasons."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from spacebridge.report.build import DemoContext
from spacebridge.report.sky import run


@pytest.mark.slow
def test_sky_section(tmp_path, examples_dir):
    section = run(DemoContext(examples_dir, tmp_path, Console(quiet=True)))
    assert section.anchor == "sky"
    assert "Tien Shan" in section.summary
    assert "Assy-Turgen" in section.summary
    for site in ("tien-shan", "assy-turgen"):
        doc = json.loads((tmp_path / "sky" / site / "schedule.json").read_text())
        assert doc["scheduled"]
        assert {u["id"] for u in doc["unscheduled"]} >= {"canopus", "sirius-b"}  # never above the airmass limit
        assert (tmp_path / "sky" / site / "timeline.png").read_bytes()[:4] == b"\x89PNG"
        assert f"sky/{site}/timeline.png" in section.products
        assert isinstance(json.loads((tmp_path / "sky" / site / "passes.json").read_text()), list)
    assert "optimality gap" in section.html
    assert "never visible" in section.html
    assert "<script" not in section.html
