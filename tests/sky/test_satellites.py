"""TLE/OMM parsing and SGP4 against Vallado's verification set (SGP4-VER.TLE / tcppver.out, shipped with sgp4)."""

import json
import warnings
from importlib.resources import files

import numpy as np
import pytest

from spacebridge.core.errors import DegradedResultWarning, MalformedInputError
from spacebridge.sky.satellites import gmst82_rad, parse_catalog, parse_tle

ISS = (
    "ISS (ZARYA)\n"
    "1 25544U 98067A   26177.67101756  .00008101  00000+0  15268-3 0  9990\n"
    "2 25544  51.6322 253.1475 0004299 235.1263 124.9322 15.49442433573225\n"
)


def _vallado_cases():
    text = files("sgp4").joinpath("SGP4-VER.TLE").read_text()
    lines = [ln for ln in text.splitlines() if ln.startswith(("1 ", "2 "))]
    return [(lines[i], lines[i + 1][:69]) for i in range(0, len(lines), 2)]


def _tcppver():
    out: dict[int, list[list[float]]] = {}
    current = None
    for line in files("sgp4").joinpath("tcppver.out").read_text().replace("\r", "").splitlines():
        if line.endswith("xx"):
            current = int(line.split()[0])
            out[current] = []
        elif line.strip() and current is not None:
            out[current].append([float(v) for v in line.split()[:7]])
    return out


def test_sgp4_matches_vallado_verification_set():
    """Every state vector of tcppver.out (Vallado et al. 2006) from TLEs parsed by our catalogue reader."""
    cases = _vallado_cases()
    text = "\n".join(f"{l1}\n{l2}" for l1, l2 in cases)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegradedResultWarning)  # some verification TLEs carry no valid checksum
        catalog = parse_tle(text)
    reference = _tcppver()
    assert len(catalog) == len(cases) == 33
    compared = 0
    for rec, norad in zip(catalog.satrecs, catalog.norad_ids, strict=True):
        for row in reference.get(norad, []):
            err, r, v = rec.sgp4_tsince(row[0])
            if err:
                continue  # the decayed cases end their table where sgp4 reports the error
            np.testing.assert_allclose(r, row[1:4], atol=1e-6)  # km
            np.testing.assert_allclose(v, row[4:7], atol=1e-9)  # km/s
            compared += 1
    assert compared > 500


def test_three_two_and_zero_line_formats():
    two = "\n".join(ISS.splitlines()[1:])
    zero = "0 ISS (ZARYA)\n" + two
    assert parse_tle(ISS).names == ("ISS (ZARYA)",)
    assert parse_tle(two).names == ("25544",)
    assert parse_tle(zero).names == ("ISS (ZARYA)",)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        (ISS.replace("15268-3 0  9990", "15268-3 0"), "TLE format error"),  # truncated line 1
        (ISS.replace("51.6322", "51,6322"), "TLE format error"),
        (ISS.replace("2 25544  51", "2 25545  51"), "do not match"),
        ("\n".join(ISS.splitlines()[:2]), "not part of a line-1/line-2 pair"),
        ("JUST A NAME\n", "has no element lines"),
    ],
)
def test_malformed_tle_shows_the_expected_format(text, match):
    with pytest.raises(MalformedInputError, match=match) as info:
        parse_catalog(text)
    if "format" in match:
        assert "1 NNNNNC NNNNNAAA" in str(info.value)  # the template, as sgp4 shows it


def test_bad_checksum_is_a_warning():
    with pytest.warns(DegradedResultWarning, match="checksum"):
        parse_tle(ISS.replace("0  9990", "0  9991"))


def test_omm_json_and_csv_give_the_same_orbit():
    from sgp4 import exporter

    rec = parse_tle(ISS).satrecs[0]
    fields = exporter.export_omm(rec, "ISS (ZARYA)")
    from_json = parse_catalog(json.dumps([fields]))
    header = ",".join(fields)
    from_csv = parse_catalog(header + "\n" + ",".join(str(fields[k]) for k in fields))
    for cat in (from_json, from_csv):
        assert cat.norad_ids == (25544,)
        _, r0, _ = rec.sgp4_tsince(90.0)
        _, r1, _ = cat.satrecs[0].sgp4_tsince(90.0)
        assert np.linalg.norm(np.subtract(r0, r1)) < 1e-3  # km
    with pytest.raises(MalformedInputError, match="OMM record 1"):
        parse_catalog(json.dumps([{"OBJECT_NAME": "X"}]))


def test_gmst_matches_skyfield(skyfield_env):
    """IAU-82 GMST against skyfield's theta_GMST1982 (the TEME convention)."""
    from skyfield.sgp4lib import theta_GMST1982

    jd = 2461218.5 + np.linspace(0, 3, 7)
    ref = np.array([theta_GMST1982(j, 0.0)[0] for j in jd])
    np.testing.assert_allclose(gmst82_rad(jd), np.mod(ref, 2 * np.pi), atol=1e-12)
