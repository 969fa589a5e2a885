"""``spacebridge connect plan`` on real bundled settlements."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from spacebridge.cli.main import main


@pytest.fixture
def villages_csv(tmp_path, examples_dir):
    """The Ulytau oblast's places (173 rows of the bundled OSM extract), unchanged."""
    src = examples_dir / "kazakhstan" / "places" / "kaz_populated_places_osm.csv"
    with open(src, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["adm1_pcode"] == "KZ62"]
    path = tmp_path / "ulytau.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_plan_writes_products(villages_csv, tmp_path, examples_dir, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: cli-test\nrollout: {yearly_budget_usd: 2000000, years: 3}\n")
    out = tmp_path / "out"
    code = main(["connect", "plan", "--settlements", str(villages_csv), "--scenario", str(scenario), "--out", str(out),
                 "--boundaries", str(examples_dir / "kazakhstan" / "boundaries"), "--no-parquet"])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert "hybrid" in err
    assert "population estimated" in err  # the EstimatedValueWarning is shown
    table = pd.read_csv(out / "settlements.csv")
    assert len(table) == 173
    assert not (out / "settlements.parquet").exists()
    assert (out / "map.png").exists()
    assert "cli-test" in (out / "scenario.yaml").read_text()
    # Real propagation (connect.itur, P.618-14): Ulytau is dry and sees both KazSats above 25°.
    assert table["kazsat-3_feasible_a99.5"].all()
    assert (table["kazsat-3_elevation_deg"] > 25).all()
    plan_json = (out / "plan.json").read_text()
    assert "P.618-14" in plan_json


def test_bad_input_is_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,lat,lon,population\na,A,145,70,10\n")
    assert main(["connect", "plan", "--settlements", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "row 1, column 'lat'" in capsys.readouterr().err
    scenario = tmp_path / "s.yaml"
    scenario.write_text("demand: {take_up: 3}\n")
    good = tmp_path / "good.csv"
    good.write_text("id,name,lat,lon,population\na,A,45,70,10\n")
    code = main(["connect", "plan", "--settlements", str(good), "--scenario", str(scenario), "--out", str(tmp_path)])
    assert code == 2
    assert "demand.take_up" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
