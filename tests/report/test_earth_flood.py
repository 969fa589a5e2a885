"""The demo's flood section runs on the bundled scenes and shows the figures, statistics and lineage."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from spacebridge.report.build import DemoContext
from spacebridge.report.earth_flood import run


@pytest.mark.slow
def test_flood_section(examples_dir, tmp_path):
    section = run(DemoContext(data_dir=examples_dir, out_dir=tmp_path, console=Console(stderr=True)))
    for png in ("quicklook.png", "overlay.png", "likelihood.png", "votes.png"):
        assert (tmp_path / "flood" / png).stat().st_size > 10_000
        assert f"flood/{png}" in section.html
    stats = json.loads((tmp_path / "flood" / "stats.json").read_text())
    assert f"{stats['water_km2']:.2f} km²" in section.summary
    for method in ("optical-mndwi", "sar-vv", "sar-vh"):
        assert method in section.html
    assert "spacebridge:lineage" not in section.html  # the lineage is shown as its content
    assert '"process": "earth.flood"' in section.html.replace("&#34;", '"')
    assert "flood/flood_extent.tif" in section.products
