"""Link-budget building blocks against their defining formulas and textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacebridge.connect.linkbudget import (
    Terminal,
    antenna_gain_dbi,
    combine_cnir_db,
    esn0_from_cn0,
    free_space_loss_db,
    link_budget,
    off_axis_gain_dbi,
    receiver_noise_temperature_k,
    sky_noise_temperature_k,
)
from spacebridge.core.errors import OutOfRangeError


@settings(max_examples=50, deadline=None)
@given(d_km=st.floats(300.0, 45000.0), f_ghz=st.floats(1.0, 50.0))
def test_free_space_loss_matches_p525_practical_formula(d_km, f_ghz):
    # ITU-R P.525-4 eq. (6): L = 92.45 + 20 log f(GHz) + 20 log d(km)
    expected = 92.45 + 20 * math.log10(f_ghz) + 20 * math.log10(d_km)
    assert float(free_space_loss_db(d_km, f_ghz)) == pytest.approx(expected, abs=0.01)


def test_antenna_gain_textbook_rule():
    # G = 20 log D(m) + 20 log f(GHz) + 10 log η + 20.4 dB (Maral & Bousquet §5.2, Pratt §4): 1.2 m, 12 GHz, 0.6.
    expected = 20 * math.log10(1.2) + 20 * math.log10(12.0) + 10 * math.log10(0.6) + 20.4
    assert float(antenna_gain_dbi(1.2, 12.0, 0.6)) == pytest.approx(expected, abs=0.02)
    with pytest.raises(OutOfRangeError, match="efficiency"):
        antenna_gain_dbi(1.2, 12.0, 1.2)
    with pytest.raises(OutOfRangeError, match="diameter_m"):
        antenna_gain_dbi(-1.0, 12.0, 0.6)


def test_noise_temperatures():
    assert float(receiver_noise_temperature_k(3.0)) == pytest.approx(290.0 * (10**0.3 - 1.0))
    assert float(receiver_noise_temperature_k(0.0)) == 0.0
    # P.618-14 §3: clear sky tends to the cosmic background, heavy rain to T_mr.
    assert float(sky_noise_temperature_k(0.0)) == pytest.approx(2.7)
    assert float(sky_noise_temperature_k(60.0)) == pytest.approx(275.0, abs=1e-3)
    assert float(sky_noise_temperature_k(3.0)) == pytest.approx(275.0 * (1 - 10**-0.3) + 2.7 * 10**-0.3)
    assert float(sky_noise_temperature_k(3.0, mean_radiating_temp_k=280.0)) > float(sky_noise_temperature_k(3.0))


def test_rain_degrades_gt_by_sky_noise_rise():
    term = Terminal(diameter_m=0.75, efficiency=0.65, noise_figure_db=1.0, ground_noise_k=30.0)
    clear, rain = term.gt_dbk(12.0, 0.3), term.gt_dbk(12.0, 5.0)
    expected_drop = 10 * math.log10(term.system_noise_k(5.0) / term.system_noise_k(0.3))
    assert float(clear - rain) == pytest.approx(float(expected_drop))
    assert 1.5 < float(clear - rain) < 4.0  # the classic "downlink degradation" on top of the 5 dB fade


def test_combine_and_esn0():
    assert float(combine_cnir_db(10.0, 10.0)) == pytest.approx(10 - 10 * math.log10(2))
    assert float(combine_cnir_db(10.0, None, 40.0)) == pytest.approx(9.9957, abs=1e-4)
    assert float(esn0_from_cn0(80.0, 30.0)) == pytest.approx(80.0 - 10 * math.log10(30e6))


def test_link_budget_handbook_example():
    # EIRP 52 dBW, 38,000 km at 12 GHz, 0.5 dB atmosphere, G/T 16 dB/K: C/N0 = 52 - 205.63 - 0.5 + 16 + 228.6
    lb = link_budget(
        eirp_dbw=52.0, slant_range_km=38000.0, freq_ghz=12.0, attenuation_db=0.5, gt_dbk=16.0, symbol_rate_msps=30.0
    )
    assert float(lb.cn0_dbhz) == pytest.approx(52 - 205.63 - 0.5 + 16 + 228.6, abs=0.01)
    assert float(lb.esn0_db) == pytest.approx(float(lb.cn0_dbhz) - 74.77, abs=0.01)
    with_ci = link_budget(
        eirp_dbw=52.0, slant_range_km=38000.0, freq_ghz=12.0, attenuation_db=0.5, gt_dbk=16.0,
        symbol_rate_msps=30.0, interference_ci_db=(20.0, 25.0), other_hop_esn0_db=20.0,
    )  # fmt: skip
    assert float(with_ci.esn0_db) < float(with_ci.esn0_thermal_db)


def test_off_axis_reference_pattern():
    # 2.4 m at 12 GHz: D/λ = 96 (< 100 branch); 1.8 m at 20 GHz: D/λ = 120 (>= 100 branch).
    g_max = float(antenna_gain_dbi(1.8, 20.0, 0.65))
    assert float(off_axis_gain_dbi(0.0, 1.8, 20.0, 0.65)) == pytest.approx(g_max)
    assert float(off_axis_gain_dbi(10.0, 1.8, 20.0, 0.65)) == pytest.approx(32 - 25, abs=1e-9)
    assert float(off_axis_gain_dbi(60.0, 1.8, 20.0, 0.65)) == -10.0
    d_l = 2.4 * 12e9 / 299792458.0
    assert float(off_axis_gain_dbi(10.0, 2.4, 12.0, 0.65)) == pytest.approx(52 - 10 * math.log10(d_l) - 25)
    phi = np.linspace(0.0, 40.0, 400)
    gains = off_axis_gain_dbi(phi, 0.75, 12.0, 0.65)
    assert np.all(gains <= g_max)
    assert np.all(np.diff(gains) <= 1e-9)
