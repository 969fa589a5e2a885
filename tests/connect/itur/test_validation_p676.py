"""P.676-13 against the ITU-R SG3 validation examples: Annex 1 specific attenuation, Annex 2 statistics."""

from __future__ import annotations

import numpy as np

from spacebridge.connect.itur import p676
from tests.connect.itur import sheets

TOL = 1e-3


def test_specific_attenuation_1_to_350_ghz():
    rows = sheets.read("P.676_13_SpAtt.csv")
    r, c_f = sheets.column(rows, "F")
    data = sheets.numeric_rows(rows, [c_f, c_f + 1, c_f + 2, c_f + 3], start=r + 1)
    assert len(data) == 350
    s = p676.specific_attenuation(data[:, 0], 1013.25, 288.15, 7.5)
    for ours, ref in ((s.oxygen_db_km, data[:, 1]), (s.water_vapour_db_km, data[:, 2]), (s.total_db_km, data[:, 3])):
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_specific_attenuation_summary_table():
    rows = sheets.read("P.676_13_SpAtt.csv")
    r_go, c_go = sheets.column(rows, "go")
    r_gw, c_gw = sheets.column(rows, "gw")
    gamma_o = [float(x) for x in rows[r_go][c_go + 2 : c_go + 7]]
    gamma_w = [float(x) for x in rows[r_gw][c_gw + 2 : c_gw + 7]]
    s = p676.specific_attenuation([12.0, 20.0, 60.0, 90.0, 130.0], 1013.25, 288.15, 7.5)
    np.testing.assert_allclose(s.oxygen_db_km, gamma_o, rtol=1e-9)
    np.testing.assert_allclose(s.water_vapour_db_km, gamma_w, rtol=1e-9)


def test_annex2_statistical_slant_path_every_row():
    rows = sheets.read("P.676_13_A_Gas_A2_STAT.csv")
    r, c_gas = sheets.column(rows, "A_gas")
    _, c_ho = sheets.column(rows, "hO (km)")
    _, c_kv = sheets.column(rows, "Kv")
    cols = [6, 7, 8, 9, 10, 14, 15, 16, 17, c_ho, 24, 31, c_kv, 39, c_gas]
    data = sheets.numeric_rows(rows, cols, start=r + 1)
    assert len(data) >= 40
    f, p_mean, el, rho_mean, t_mean, ps, ts, rhos, gamma_o, h_o, a_o, v, k_v, a_w, a_gas = data.T
    g = p676.slant_path_statistical_db(
        f, el, p_mean_hpa=p_mean, t_mean_k=t_mean, rho_mean_g_m3=rho_mean, p_p_hpa=ps, t_p_k=ts, rho_p_g_m3=rhos,
        v_p_kg_m2=v,
    )  # fmt: skip
    for ours, ref in ((g.gamma_oxygen_db_km, gamma_o), (g.h_oxygen_km, h_o), (g.k_v, k_v)):
        np.testing.assert_allclose(ours, ref, rtol=1e-6)
    for ours, ref in ((g.oxygen_db, a_o), (g.water_vapour_db, a_w), (g.total_db, a_gas)):
        assert np.abs(ours - ref).max() <= TOL
