"""Total attenuation (P.618-14 §2.5): combination rule, versions, errors, and mathematical properties."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacebridge.connect.itur import VERSIONS, p618, total_attenuation
from spacebridge.connect.itur.total import SiteTerms, attenuation_at
from spacebridge.core.errors import OutOfRangeError

KW = {"diameter_m": 1.2, "efficiency": 0.65, "tau_deg": 45.0}
ASTANA = (51.17, 71.45)


def test_combination_rule_and_versions():
    a = total_attenuation([51.5, 43.24], [-0.14, 76.95], 20.0, [31.0, 40.0], 0.1, **KW)
    expected = a.gas_db + np.sqrt((a.rain_db + a.cloud_db) ** 2 + a.scint_db**2)
    np.testing.assert_allclose(a.total_db, expected)
    assert a.versions is VERSIONS
    assert "P.618-14" in a.versions["total"]
    assert "P.676-13" in a.versions["gas"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.total_db = a.rain_db  # type: ignore[misc]


def test_rain_is_the_p618_rain_component():
    a = total_attenuation(*ASTANA, 30.0, 25.0, 0.05, hs_km=0.35, **KW)
    rain = p618.rain_attenuation(*ASTANA, 30.0, 25.0, 0.05, tau_deg=45.0, hs_km=0.35).attenuation_db
    np.testing.assert_allclose(a.rain_db, rain)


def test_no_rain_above_5_percent():
    a = total_attenuation(*ASTANA, 20.0, 30.0, 10.0, **KW)
    assert a.rain_db == 0.0


def test_missing_height_comes_from_p1511():
    a = total_attenuation([51.5, 51.5], [-0.14, -0.14], 20.0, 31.0, 1.0, hs_km=[np.nan, 0.031382983999999], **KW)
    np.testing.assert_allclose(a.hs_km[0], a.hs_km[1], atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lat_deg": 91.0}, r"lat_deg=91 deg .*\[-90, 90\]"),
        ({"elevation_deg": -1.0}, r"elevation_deg=-1 deg .*P\.618-14"),
        ({"freq_ghz": 80.0}, r"freq_ghz=80 GHz .*\[4, 55\] GHz of P\.618-14 total attenuation"),
        ({"p_percent": 60.0}, r"p_percent=60 % .*\[0\.001, 50\]"),
    ],
)
def test_out_of_range_inputs_name_argument_model_and_range(kwargs, message):
    args = {"lat_deg": 45.0, "lon_deg": 70.0, "freq_ghz": 20.0, "elevation_deg": 30.0, "p_percent": 1.0, **kwargs}
    with pytest.raises(OutOfRangeError, match=message):
        total_attenuation(**args, **KW)


percent = st.floats(0.001, 50.0)
sites = st.tuples(st.floats(-60.0, 70.0), st.floats(-180.0, 180.0))


@settings(max_examples=40, deadline=None)
@given(site=sites, freq=st.floats(4.0, 55.0), el=st.floats(5.0, 90.0), p1=percent, p2=percent)
def test_total_is_non_negative_and_decreases_with_p(site, freq, el, p1, p2):
    lo, hi = sorted((p1, p2))
    a = total_attenuation(site[0], site[1], freq, el, [lo, hi], **KW)
    for comp in (a.gas_db, a.cloud_db, a.rain_db, a.scint_db, a.total_db):
        assert np.all(comp >= 0)
    assert a.total_db[0] >= a.total_db[1] - 1e-9
    assert a.rain_db[0] >= a.rain_db[1] - 1e-12


@settings(max_examples=40, deadline=None)
@given(site=sites, freq=st.floats(4.0, 55.0), el1=st.floats(5.0, 90.0), el2=st.floats(5.0, 90.0), p=percent)
def test_lower_elevation_attenuates_more(site, freq, el1, el2, p):
    low, high = sorted((el1, el2))
    a = total_attenuation(site[0], site[1], freq, [low, high], p, **KW)
    assert a.gas_db[0] >= a.gas_db[1] - 1e-12
    assert a.cloud_db[0] >= a.cloud_db[1] - 1e-12
    assert a.scint_db[0] >= a.scint_db[1] - 1e-12


@settings(max_examples=40, deadline=None)
@given(site=sites, f1=st.floats(4.0, 55.0), f2=st.floats(4.0, 55.0), el=st.floats(5.0, 90.0), p=st.floats(0.001, 5.0))
def test_rain_and_clouds_increase_with_frequency(site, f1, f2, el, p):
    lo, hi = sorted((f1, f2))
    a = total_attenuation(site[0], site[1], [lo, hi], el, p, **KW)
    assert a.rain_db[0] <= a.rain_db[1] + 1e-9
    assert a.cloud_db[0] <= a.cloud_db[1] + 1e-12


def test_non_gso_weights_the_exceedance_of_each_elevation():
    per_el = np.array([[2.0, 0.5], [1.0, 0.1]])
    out = p618.non_gso_exceedance_percent([3.0, 6.0], per_el, [0.25, 0.75])
    np.testing.assert_allclose(out, [1.25, 0.2])
    with pytest.raises(OutOfRangeError):
        p618.non_gso_exceedance_percent([3.0], [[1.0], [1.0]], [0.5, 0.6])


def test_sites_against_percentages_equal_the_flat_evaluation():
    """A column of sites against a row of percentages (site terms and map lookups shared) equals row by row."""
    rng = np.random.default_rng(5)
    lat, lon, el = rng.uniform(40.5, 55.5, 37), rng.uniform(46.5, 87.4, 37), rng.uniform(3.0, 80.0, 37)
    p = np.array([50.0, 20.0, 5.0, 3.0, 1.0, 0.1, 0.001])
    grid = total_attenuation(lat[:, None], lon[:, None], 14.25, el[:, None], p[None, :], **KW)
    n, k = grid.total_db.shape
    flat = total_attenuation(np.repeat(lat, k), np.repeat(lon, k), 14.25, np.repeat(el, k), np.tile(p, n), **KW)
    for name in ("gas_db", "cloud_db", "rain_db", "scint_db", "total_db"):
        np.testing.assert_allclose(getattr(grid, name).ravel(), getattr(flat, name), rtol=1e-12, atol=1e-12)
    assert np.all(grid.rain_db[:, :2] == 0.0)
    assert np.all(grid.gas_db[:, 2:] == grid.gas_db[:, [2]])  # gas and clouds at max(p, 5 %)


def test_site_terms_select_and_reuse_oxygen():
    terms = SiteTerms.at([51.5, 43.24, 47.1], [-0.14, 76.95, 51.9])
    sub = terms.take(np.array([[2], [0]]))
    assert sub.shape == (2, 1)
    np.testing.assert_array_equal(sub.hs_km[:, 0], terms.hs_km[[2, 0]])
    gamma = terms.oxygen_db_km(20.0)
    a = attenuation_at(terms, 20.0, 30.0, 1.0, gamma_oxygen_db_km=gamma, **KW)
    b = total_attenuation([51.5, 43.24, 47.1], [-0.14, 76.95, 51.9], 20.0, 30.0, 1.0, **KW)
    np.testing.assert_allclose(a.total_db, b.total_db, rtol=0, atol=1e-12)
