"""The fused mapping pass equals the xarray path bit for bit (maps, metadata, vote shares): eager, lazy, persisted."""

import warnings

import dask
import dask.array as da
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spacebridge.earth.flood import FloodParams, OpticalInput, SarInput, map_flood, pipeline
from spacebridge.earth.flood._fused import fused_maps
from spacebridge.earth.flood.ensemble import water_membership
from spacebridge.earth.flood.thresholds import ThresholdChoice


def _both(monkeypatch, **kwargs):
    """``map_flood`` computed with the fused pass and with the xarray path."""
    fused = map_flood(**kwargs)
    assert fused.vote_counts is not None  # the fused pass ran
    with monkeypatch.context() as m:
        m.setattr(pipeline, "fused_maps", lambda *a, **k: None)
        reference = map_flood(**kwargs)
    assert reference.vote_counts is None
    return fused, reference


def _assert_same(fused, reference):
    for name in ("extent", "likelihood", "classes"):
        xr.testing.assert_identical(getattr(fused, name), getattr(reference, name))
    assert fused.thresholds == reference.thresholds
    assert fused.methods == reference.methods
    assert fused.change_methods == reference.change_methods
    assert fused.memberships.keys() == reference.memberships.keys()
    for k, m in fused.memberships.items():
        xr.testing.assert_identical(m, reference.memberships[k])
    a, b = fused.compute(), reference.compute()
    for name in ("extent", "likelihood", "classes"):
        xr.testing.assert_identical(getattr(a, name), getattr(b, name))
    assert a.vote_shares == b.vote_shares
    return a


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["numpy", "lazy", "persisted"])
def test_fused_maps_equal_the_xarray_path_on_the_spain_scene(spain, examples_dir, monkeypatch, mode):
    def inputs(key):
        return spain[key] if mode == "numpy" else spain[key].chunk(200)

    pre = {k: spain[k].shift(x=7) for k in ("vv", "vh")}  # a stand-in pre-event scene: the same scene moved
    reference = spain["mndwi"] > 0.6
    kwargs = {
        "optical": OpticalInput(inputs("mndwi")),
        "sar": SarInput(vv_db=inputs("vv"), vh_db=inputs("vh")),
        "params": FloodParams(persist=mode == "persisted"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fallbacks on the moved scene's differences
        a = _assert_same(*_both(monkeypatch, **kwargs))
        b = _assert_same(
            *_both(
                monkeypatch,
                **kwargs,
                pre_sar=SarInput(vv_db=pre["vv"], vh_db=pre["vh"]),
                reference_water=reference,
            )
        )
    assert 0.05 < float((a.extent == 1).mean()) < 0.9  # the maps are not trivial
    assert b.change_methods == ("change-sar-vv", "change-sar-vh")
    assert set(np.unique(b.classes.values)) >= {0, 1, 2}


def _choice(method, value, water_mean, below, valid_px=1):
    return ThresholdChoice(method, "v", "u", value, below, False, "", valid_px, 1, 128, 3.0, water_mean, 0.0, "")


values_f16 = st.one_of(
    st.just(np.nan), st.floats(-2.0, 2.0, width=16), st.sampled_from([0.0, 0.1, 0.5, -0.5, np.inf, -np.inf])
)
grids = st.integers(1, 3).flatmap(lambda n: arrays(np.float16, (n, 23, 31), elements=values_f16))
choices = st.tuples(st.sampled_from([0.0, 0.1, 0.5, -0.25]), st.sampled_from([0.5, 0.1, -1.0, 0.0, 1.5]), st.booleans())


def _xarray(water, change, reference, min_area_px):
    m = {c.method: water_membership(v, c, valid=v.notnull()) for v, c in water}
    cm = {c.method: water_membership(v, c, valid=v.notnull()) for v, c in change}
    maps = pipeline._xarray_maps(m, cm, reference, FloodParams(min_area_px=min_area_px))
    counts = {k: (int((x > 0.5).sum()), int(x.notnull().sum())) for k, x in m.items()}
    return maps, counts


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    grids,
    st.lists(choices, min_size=3, max_size=3),
    st.integers(0, 2),
    st.booleans(),
    st.integers(1, 6),
    st.sampled_from([None, 7, 10]),
    st.data(),
)
def test_fused_maps_equal_the_xarray_path_on_random_float16(water_v, picks, n_change, with_ref, min_area, chunk, data):
    def wrap(a, name):
        x = xr.DataArray(a, dims=("y", "x"), name=name)
        return x if chunk is None else x.chunk(chunk)

    water = [(wrap(v, f"w{i}"), _choice(f"w{i}", *picks[i])) for i, v in enumerate(water_v)]
    change_v = data.draw(arrays(np.float16, (n_change, 23, 31), elements=values_f16))
    change = [(wrap(v, f"c{i}"), _choice(f"c{i}", *picks[i])) for i, v in enumerate(change_v)]
    ref = None
    if with_ref:
        ref = xr.DataArray(data.draw(arrays(np.bool_, (23, 31))), dims=("y", "x"))
    fused = fused_maps(water, change, reference_water=ref, min_area_px=min_area)
    assert fused is not None
    (extent, likelihood, classes), counts = _xarray(water, change, ref, min_area)
    got_counts = dask.compute(fused.vote_counts)[0]
    assert {k: (int(w), int(n)) for k, (w, n) in got_counts.items()} == counts
    for got, want in ((fused.extent, extent), (fused.likelihood, likelihood), (fused.classes, classes)):
        assert isinstance(got, da.Array) == (chunk is not None)
        got = np.asarray(got)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want.values)


def test_fused_pass_runs_one_kernel_task_per_block():
    calls = []
    rng = np.random.default_rng(3)
    v = xr.DataArray(rng.normal(0, 1, (60, 70)).astype(np.float16), dims=("y", "x")).chunk(25)
    from spacebridge.earth.flood import _fused

    kernel_call = _fused._Votes.__call__

    def counting(self, *blocks):
        calls.append(1)
        return kernel_call(self, *blocks)

    fused = fused_maps([(v, _choice("w0", 0.0, 1.0, False))], [], reference_water=None, min_area_px=4)
    assert fused is not None
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_fused._Votes, "__call__", counting)
        dask.compute(fused.extent, fused.likelihood, fused.classes, fused.vote_counts, scheduler="sync")
    assert len(calls) == 9  # 3 x 3 blocks, each computed once for the three maps and the counts


def test_inputs_that_are_not_float16_use_the_xarray_path():
    v = xr.DataArray(np.zeros((4, 4), np.float32), dims=("y", "x"))
    assert fused_maps([(v, _choice("w0", 0.0, 1.0, False))], [], reference_water=None, min_area_px=4) is None
