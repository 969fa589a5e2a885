"""The earth analyses demo section runs on the bundled data and reports what it promises."""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from spacebridge.report.build import DemoContext, default_data_dir


@pytest.mark.slow
def test_section_reports_hurst_iou_and_the_series(tmp_path):
    from spacebridge.report import earth_analyses

    section = earth_analyses.run(DemoContext(default_data_dir(), tmp_path, Console(quiet=True)))
    assert section.anchor == "earth-analyses"
    ious = [float(v) for v in re.findall(r"IoU (\d\.\d\d)", section.html)]
    assert ious
    assert ious[0] >= 0.5
    for png in ("hurst_severity.png", "ndvi_anomaly.png", "snow-slovenia/snow_series.png"):
        assert (tmp_path / "earth-analyses" / png).stat().st_size > 1000
    # Sen2Cor labelled snow on three winter dates of the series and on none from May to September.
    assert "2017-01-11, 2017-11-27, 2017-12-07; snow dates from May to\nSeptember: none" in section.html
    assert (tmp_path / "earth-analyses" / "burn-hurst" / "burn_severity.tif").is_file()
    # The series ran through the commands' workflows: their COGs and STAC items are products of the section.
    assert "earth-analyses/drought-slovenia/drought_class_2017-12.tif" in section.products
    assert "earth-analyses/snow-slovenia/snow_2017-01-11.tif" in section.products
    assert not any(p.startswith("earth-analyses/series/") for p in section.products)
    for process in ("earth.fire", "earth.drought", "earth.snow"):  # the lineage is shown
        assert process in section.html
