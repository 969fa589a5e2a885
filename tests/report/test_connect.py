"""The connectivity demo section runs on the bundled Kazakh settlements with real propagation."""

from __future__ import annotations

import pytest
from rich.console import Console

from spacebridge.report.build import DemoContext
from spacebridge.report.connect import run


@pytest.mark.slow
def test_connect_section(tmp_path, examples_dir):
    section = run(DemoContext(examples_dir, tmp_path, Console(quiet=True)))
    assert section.anchor == "connect"
    assert "9,299 settlements feasible" in section.summary  # villages, hamlets, dwellings inside the country
    assert "connect/map.png" in section.products
    assert (tmp_path / "connect" / "summary_adm1.csv").exists()
    assert "Zhetysu" in section.html  # oblast names from the 2024 boundaries
    assert "P.618-14" in section.html
    assert "<script" not in section.html  # names from OSM are escaped
    assert "capacity decides" in section.html
    assert "USD per added Mbit/s per year" in section.html  # the hybrid's trade-off against LEO-only, in numbers
