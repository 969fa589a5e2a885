"""The index engine against hand-computed values from the original papers, and its invariants.

Golden values are worked out by hand from each paper's formula (the arithmetic is in the comments); they are
never taken from the spyndex catalogue, whose AWEInsh and BAIM entries are wrong.
"""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spacebridge.core.errors import GridMismatchError, InvalidInputError, MissingBandError, NotFoundError
from spacebridge.earth import _expr
from spacebridge.earth.indices import (
    compute_index,
    compute_index_raw,
    compute_indices,
    get_index,
    list_indices,
    resolve_bands,
)

# Two surfaces (unitless reflectance): a green canopy and clear water.
VEG = {"blue": 0.05, "green": 0.08, "red": 0.06, "nir": 0.30, "swir16": 0.20, "swir22": 0.12}
WATER = {"blue": 0.06, "green": 0.07, "red": 0.04, "nir": 0.02, "swir16": 0.01, "swir22": 0.005}

GOLDEN = [
    # NDVI, Rouse et al. (1974): (NIR - red) / (NIR + red) = (0.30 - 0.06) / 0.36
    ("NDVI", VEG, 0.24 / 0.36),
    # NDWI, McFeeters (1996): (green - NIR) / (green + NIR)
    ("NDWI", VEG, -0.22 / 0.38),  # (0.08 - 0.30) / 0.38
    ("NDWI", WATER, 0.05 / 0.09),  # (0.07 - 0.02) / 0.09
    # MNDWI, Xu (2006): (green - MIR) / (green + MIR), MIR = TM band 5 (1.55-1.75 um) = swir16
    ("MNDWI", VEG, -0.12 / 0.28),
    ("MNDWI", WATER, 0.06 / 0.08),
    # NBR, Key & Benson (2006): (NIR - SWIR 2.2) / (NIR + SWIR 2.2) = 0.18 / 0.42
    ("NBR", VEG, 0.18 / 0.42),
    # NBR2 (USGS): (SWIR1 - SWIR2) / (SWIR1 + SWIR2) = 0.08 / 0.32
    ("NBR2", VEG, 0.25),
    # NDMI, Gao (1996) / Wilson & Sader (2002): (NIR - SWIR 1.6) / (NIR + SWIR 1.6) = 0.10 / 0.50
    ("NDMI", VEG, 0.2),
    # NDSI, Hall et al. (1995): (green - SWIR 1.6) / (green + SWIR 1.6), snow: green 0.8, SWIR 0.1 -> 0.7 / 0.9
    ("NDSI", {"green": 0.8, "swir16": 0.1}, 0.7 / 0.9),
    # AWEInsh, Feyisa et al. (2014) eq. 1: 4 (green - SWIR1) - (0.25 NIR + 2.75 SWIR2)
    ("AWEInsh", WATER, 0.22125),  # 4 * 0.06 - (0.005 + 0.01375)
    ("AWEInsh", VEG, -0.885),  # 4 * -0.12 - (0.075 + 0.33)
    # AWEIsh, Feyisa et al. (2014) eq. 2: blue + 2.5 green - 1.5 (NIR + SWIR1) - 0.25 SWIR2
    ("AWEIsh", WATER, 0.18875),  # 0.06 + 0.175 - 0.045 - 0.00125
    ("AWEIsh", VEG, -0.53),  # 0.05 + 0.2 - 0.75 - 0.03
    # BAIM, Martín et al. (2006): 1 / ((0.05 - NIR)^2 + (0.2 - SWIR2)^2) = 1 / (0.0625 + 0.0064)
    ("BAIM", VEG, 1 / 0.0689),
]


def _arrays(values: dict[str, float]) -> dict[str, np.ndarray]:
    return {k: np.array([v], dtype=np.float32) for k, v in values.items()}


@pytest.mark.parametrize(("name", "surface", "expected"), GOLDEN)
def test_golden_values_from_the_papers(name, surface, expected):
    out = compute_index(name, _arrays(surface))
    assert out.dtype == np.float32
    assert out[0] == pytest.approx(expected, rel=2e-6, abs=2e-7)


def test_bais2_filipponi_2018():
    # BAIS2 = (1 - sqrt(B6 B7 B8A / B4)) * ((B12 - B8A) / sqrt(B12 + B8A) + 1), Filipponi (2018) eq. 1
    bands = {"red": 0.10, "rededge075": 0.15, "rededge078": 0.17, "nir08": 0.18, "swir22": 0.25}
    # sqrt(0.15 * 0.17 * 0.18 / 0.10) = sqrt(0.0459) = 0.2142428; (0.07 / sqrt(0.43) + 1) = 1.1067494
    expected = (1 - 0.2142428) * 1.1067494
    assert compute_index("BAIS2", _arrays(bands))[0] == pytest.approx(expected, rel=1e-6)


def test_catalogue_awei_and_baim_errors_do_not_reach_users():
    import json
    from pathlib import Path

    import spyndex

    shipped = json.loads((Path(spyndex.__file__).parent / "data" / "spectral-indices-dict.json").read_text())
    shipped_awei = shipped["SpectralIndices"]["AWEInsh"]["formula"]
    # The shipped formula gives 0.24875 on the water pixel, the paper 0.22125: they must differ ...
    catalogue_value = spyndex.computeIndex("AWEInsh", params={"G": 0.07, "S1": 0.01, "N": 0.02, "S2": 0.005})
    assert catalogue_value == pytest.approx(0.24875)
    assert compute_index("AWEInsh", _arrays(WATER))[0] == pytest.approx(0.22125, rel=1e-6)
    assert get_index("AWEInsh").formula != shipped_awei
    assert "Feyisa" in get_index("AWEInsh").source
    baim = spyndex.computeIndex("BAIM", params={"N": 0.30, "S2": 0.12})
    assert baim != pytest.approx(1 / 0.0689, rel=1e-3)
    assert "Martín" in get_index("BAIM").source


def test_every_catalogue_formula_compiles_and_agrees_with_spyndex_elsewhere():
    import spyndex

    rng = np.random.default_rng(1)
    overridden = {"AWEInsh", "BAIM"}
    compared = 0
    for name in list_indices():
        spec = get_index(name)
        if name in overridden or spec.domain == "kernel" or any(v is None for v in spec.params.values()):
            continue
        inputs = {b: rng.uniform(0.05, 0.6, 64).astype(np.float32) for b in spec.bands}
        ours = compute_index(name, inputs, sar_units="linear")
        with np.errstate(all="ignore"):  # spyndex evaluates with numpy and warns on NaN-producing powers
            ref = np.asarray(spyndex.computeIndex(name, params={**inputs, **spec.params}), dtype=np.float64)
        ok = np.isfinite(ref) & (np.abs(ref) < 1e4)
        np.testing.assert_allclose(ours[ok], ref[ok], rtol=2e-3, atol=2e-4, err_msg=name)
        compared += 1
    assert compared > 230


def test_nir_falls_back_to_nir08_on_landsat_like_inputs():
    out = compute_index("NDVI", {"nir08": np.array([0.3], np.float32), "red": np.array([0.06], np.float32)})
    assert out[0] == pytest.approx(0.24 / 0.36, rel=1e-6)
    assert resolve_bands(get_index("NDVI"), ["nir", "nir08", "red"]) == {"N": "nir", "R": "red"}


def test_missing_band_names_what_is_there():
    with pytest.raises(MissingBandError) as err:
        compute_index("MNDWI", {"green": np.ones(2), "nir": np.ones(2)})
    assert "swir16" in str(err.value)
    assert "green, nir" in str(err.value)
    assert "--bands" in str(err.value)


def test_unknown_index_suggests_close_names():
    with pytest.raises(NotFoundError, match="NDVI"):
        get_index("NDVII")


def test_unknown_parameter_and_missing_parameter_are_errors():
    with pytest.raises(InvalidInputError, match="no parameter"):
        compute_index("NDVI", _arrays(VEG), L=0.5)
    with pytest.raises(InvalidInputError, match="lambdaN"):
        compute_index("FAI", _arrays(VEG))
    fai = compute_index("FAI", _arrays(VEG), wavelengths_nm={"lambdaN": 832.8, "lambdaR": 664.6, "lambdaS1": 1613.7})
    # FAI = N - (R + (S1 - R) (lambdaN - lambdaR) / (lambdaS1 - lambdaR)), Hu (2009)
    assert fai[0] == pytest.approx(0.30 - (0.06 + 0.14 * (832.8 - 664.6) / (1613.7 - 664.6)), rel=1e-5)


def test_savi_parameter_is_applied():
    # SAVI, Huete (1988): (1 + L)(NIR - red) / (NIR + red + L), L = 0.5 -> 1.5 * 0.24 / 0.86
    assert compute_index("SAVI", _arrays(VEG), L=0.5)[0] == pytest.approx(1.5 * 0.24 / 0.86, rel=1e-6)


def test_evaluator_rejects_anything_but_arithmetic():
    for bad in ("__import__('os')", "N.real", "N[0]", "f(N)", "N if R else N", "N < R", "lambda: N"):
        with pytest.raises(InvalidInputError):
            _expr.compile_formula(bad, ["N", "R"])


def test_raw_uint16_has_no_overflow_and_masks_nodata_and_saturation():
    nir = np.array([60000, 65000, 0, 65535, 20000], dtype=np.uint16)
    red = np.array([60000, 1000, 5000, 5000, 20000], dtype=np.uint16)
    out = compute_index_raw("NDVI", {"nir": nir, "red": red}, scale=1e-4, nodata=0, valid_max=65534)
    # 60000 + 60000 overflows uint16; here (6 - 6) / 12 = 0 and (6.5 - 0.1) / 6.6
    np.testing.assert_allclose(out, [0.0, 6.4 / 6.6, np.nan, np.nan, 0.0], rtol=1e-6, atol=1e-7)


def test_raw_landsat_scale_offset_matches_hand_value():
    # Landsat C2 L2 SR: rho = DN * 2.75e-5 - 0.2 (USGS LSDS-1619); NIR 30000 -> 0.625, red 10000 -> 0.075
    out = compute_index_raw(
        "NDVI",
        {"nir08": np.array([30000], np.uint16), "red": np.array([10000], np.uint16)},
        scale=2.75e-5,
        offset=-0.2,
        nodata=0,
    )
    assert out[0] == pytest.approx(0.55 / 0.70, rel=1e-6)


def test_raw_per_band_options_and_int16():
    out = compute_index_raw(
        "NDWI",
        {"green": np.array([-5, 800], np.int16), "nir": np.array([200, 200], np.int16)},
        scale={"green": 1e-4, "nir": 1e-4},
        nodata={"green": -5},
    )
    np.testing.assert_allclose(out, [np.nan, 0.06 / 0.10], rtol=1e-6)


def test_sar_ratio_uses_linear_power_from_db():
    # VH/VV with VV = -10 dB (0.1) and VH = -20 dB (0.01): 0.1
    out = compute_index("VHVVR", {"vv": np.array([-10.0], np.float32), "vh": np.array([-20.0], np.float32)})
    assert out[0] == pytest.approx(0.1, rel=1e-5)
    lin = compute_index("VHVVR", {"vv": np.array([0.1]), "vh": np.array([0.01])}, sar_units="linear")
    assert lin[0] == pytest.approx(0.1, rel=1e-5)


def test_valid_mask_and_division_by_zero_give_nan():
    data = {"nir": np.array([0.3, 0.2, 0.0], np.float32), "red": np.array([0.1, -0.2, 0.0], np.float32)}
    out = compute_index("NDVI", data, valid=np.array([False, True, True]))
    assert np.isnan(out).all()  # masked; 0.4 / 0 -> inf -> NaN; 0 / 0 -> NaN


def _dataset(chunks: int = 8) -> xr.Dataset:
    rng = np.random.default_rng(0)
    coords = {"y": np.arange(16.0), "x": np.arange(24.0)}
    bands = {k: rng.uniform(0.01, 0.5, (16, 24)).astype(np.float32) for k in ("green", "nir", "swir16")}
    bands["nir"][0, 0] = np.nan
    return xr.Dataset({k: (("y", "x"), da.from_array(v, chunks=chunks)) for k, v in bands.items()}, coords=coords)


def test_xarray_dask_input_stays_lazy_and_matches_numpy():
    ds = _dataset()
    out = compute_index("NDWI", ds)
    assert isinstance(out.data, da.Array)
    assert out.dtype == np.float32
    assert out.name == "NDWI"
    assert "McFeeters" in out.attrs["long_name"] or out.attrs["reference"].startswith("https://doi.org/10.1080/0143")
    got = out.compute().values
    g, n = ds.green.values.astype(np.float64), ds.nir.values.astype(np.float64)
    np.testing.assert_allclose(got, (g - n) / (g + n), rtol=1e-6)
    assert np.isnan(got[0, 0])
    both = compute_indices(["NDWI", "MNDWI"], ds)
    assert set(both.data_vars) == {"NDWI", "MNDWI"}


def test_nothing_is_computed_until_asked():
    def boom(block: np.ndarray) -> np.ndarray:
        raise AssertionError("computed too early")

    nir = da.ones((4, 4), chunks=2, dtype=np.float32).map_blocks(boom, dtype=np.float32)
    ds = xr.Dataset({"nir": (("y", "x"), nir), "red": (("y", "x"), da.ones((4, 4), chunks=2, dtype=np.float32))})
    compute_index("NDVI", ds)


def test_bands_on_different_grids_are_an_error():
    a = xr.DataArray(np.ones((2, 2), np.float32), dims=("y", "x"), coords={"y": [0, 1], "x": [0, 1]})
    b = xr.DataArray(np.ones((2, 2), np.float32), dims=("y", "x"), coords={"y": [0, 1], "x": [5, 6]})
    with pytest.raises(GridMismatchError):
        compute_index("NDVI", {"nir": a, "red": b})


reflectance = hnp.arrays(np.float32, 32, elements=st.floats(0.0, 1.0, width=32))


@settings(max_examples=60, deadline=None)
@given(a=reflectance, b=reflectance)
def test_normalised_differences_are_bounded_and_antisymmetric(a, b):
    nd = compute_index("NDVI", {"nir": a, "red": b})
    swapped = compute_index("NDVI", {"nir": b, "red": a})
    assert nd.dtype == np.float32
    finite = np.isfinite(nd)
    assert np.all(np.abs(nd[finite]) <= 1.0)
    np.testing.assert_array_equal(nd[finite], -swapped[finite])
    assert np.array_equal(np.isnan(nd), (a + b) == 0)


@settings(max_examples=60, deadline=None)
@given(
    a=reflectance,
    b=reflectance,
    holes=hnp.arrays(bool, 32),
    name=st.sampled_from(["NDVI", "NDWI", "SAVI", "EVI", "BAI", "AWEInsh"]),
)
def test_invalid_input_stays_invalid(a, b, holes, name):
    a = a.copy()
    a[holes] = np.nan
    spec = get_index(name)
    inputs = {letter: (a if i == 0 else b) for i, letter in enumerate(spec.bands)}
    out = compute_index(name, inputs)
    assert out.dtype == np.float32
    assert np.isnan(out[holes]).all()


@settings(max_examples=40, deadline=None)
@given(dn=hnp.arrays(np.uint16, 50, elements=st.integers(0, 65535)), dn2=hnp.arrays(np.uint16, 50))
def test_raw_path_equals_float_path(dn, dn2):
    raw = compute_index_raw("NDVI", {"nir": dn, "red": dn2}, scale=2.75e-5, offset=-0.2, nodata=0)
    nir = np.where(dn == 0, np.nan, dn * np.float32(2.75e-5) - np.float32(0.2)).astype(np.float32)
    red = np.where(dn2 == 0, np.nan, dn2 * np.float32(2.75e-5) - np.float32(0.2)).astype(np.float32)
    ref = compute_index("NDVI", {"nir": nir, "red": red})
    np.testing.assert_allclose(raw, ref, rtol=1e-5, atol=1e-6)
    assert np.array_equal(np.isnan(raw), np.isnan(ref))


def test_blocking_does_not_change_results():
    rng = np.random.default_rng(3)
    nir = rng.integers(1, 20000, 100_003, dtype=np.uint16)
    red = rng.integers(1, 20000, 100_003, dtype=np.uint16)
    program = _expr.compile_formula(get_index("NDVI").formula, ["N", "R"])
    dec = [_expr.Decoding(1e-4)] * 2
    small = _expr.evaluate(program, [nir, red], dec, block_px=1000)
    big = _expr.evaluate(program, [nir, red], dec, block_px=1 << 20)
    np.testing.assert_array_equal(small, big)
    assert math.isclose(float(small[0]), (nir[0] - float(red[0])) / (nir[0] + float(red[0])), rel_tol=1e-6)
