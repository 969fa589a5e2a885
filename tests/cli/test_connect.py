"""``spacebridge connect attenuation``: columns kept in order, outputs appended, errors name row and column."""

from __future__ import annotations

import csv

import pytest

from spacebridge.cli.main import main

HEADER = "lat,lon,hs_km,freq_ghz,elevation_deg,diameter_m,efficiency,tau_deg,p_percent"
OUTPUTS = ["a_gas_db", "a_cloud_db", "a_rain_db", "a_scint_db", "a_total_db"]


def _run(tmp_path, body: str, header: str = HEADER) -> tuple[int, list[list[str]]]:
    src = tmp_path / "in.csv"
    src.write_text(header + "\n" + body)
    out = tmp_path / "out.csv"
    code = main(["connect", "attenuation", "--csv", str(src), "--out", str(out)])
    rows = list(csv.reader(out.read_text().splitlines())) if out.exists() else []
    return code, rows


def test_rows_are_kept_and_attenuations_appended(tmp_path):
    code, rows = _run(
        tmp_path, "51.5,-0.14,0.031382983999999,14.25,31.076991235657,1,0.65,0,1\n51.17,71.45,,20,30,1.2,0.6,45,0.1\n"
    )
    assert code == 0
    assert rows[0] == [*HEADER.split(","), *OUTPUTS]
    assert rows[1][:9] == ["51.5", "-0.14", "0.031382983999999", "14.25", "31.076991235657", "1", "0.65", "0", "1"]
    assert rows[2][2] == ""  # empty height kept as given (taken from P.1511 for the computation)
    # ITU-R SG3 examples: rain 0.495317069022985 dB (P.618-14 A_Rain), scintillation 0.261931888971004 dB (A_Scint)
    assert float(rows[1][11]) == pytest.approx(0.495317069022985, abs=1e-6)
    assert float(rows[1][12]) == pytest.approx(0.261931888971004, abs=1e-6)
    for row in rows[1:]:
        values = [float(v) for v in row[9:]]
        assert all(v >= 0 for v in values)


def test_extra_columns_and_order_are_kept(tmp_path):
    header = "id,p_percent,lat,lon,freq_ghz,elevation_deg,diameter_m,efficiency,tau_deg"
    code, rows = _run(tmp_path, "A1,0.5,43.2,76.9,12,35,1.8,0.7,45\n", header=header)
    assert code == 0
    assert rows[0] == [*header.split(","), *OUTPUTS]
    assert rows[1][0] == "A1"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("51.5,-0.14,,14.25,31,1,0.65,0,1\n95,0,,20,30,1.2,0.6,45,0.1\n", "row 2 (line 3), column lat"),
        ("51.5,-0.14,,14.25,-3,1,0.65,0,1\n", "row 1 (line 2), column elevation_deg"),
        ("51.5,-0.14,,90,30,1,0.65,0,1\n", "column freq_ghz: freq_ghz=90 GHz"),
        ("51.5,-0.14,,abc,30,1,0.65,0,1\n", "row 1 (line 2), column freq_ghz: 'abc' is not a number"),
    ],
)
def test_bad_rows_name_row_and_column(tmp_path, capsys, body, fragment):
    code, rows = _run(tmp_path, body)
    assert code == 2
    assert rows == []
    assert fragment in " ".join(capsys.readouterr().err.split())


def test_empty_file_and_missing_column(tmp_path, capsys):
    code, _ = _run(tmp_path, "")
    assert code == 2
    assert "is empty" in capsys.readouterr().err
    code, _ = _run(tmp_path, "1,2\n", header="lat,lon")
    assert code == 2
    assert "lacks the column(s)" in " ".join(capsys.readouterr().err.split())
