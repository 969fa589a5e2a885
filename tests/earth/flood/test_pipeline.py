import dask.array as da
import numpy as np
import pytest
import xarray as xr

import spacebridge.earth.flood as flood
from spacebridge.core.errors import (
    GridMismatchError,
    InvalidInputError,
    MissingBandError,
    NoValidDataError,
    PartialCoverageWarning,
)
from spacebridge.earth.flood import FloodParams, OpticalInput, SarInput, map_flood


def test_public_api_is_locked():
    assert set(flood.__all__) == {
        "CLASS_NAMES", "METHODS", "UNKNOWN", "FloodParams", "FloodResult", "MethodSpec", "OpticalInput",
        "SarInput", "ThresholdChoice", "lee_filter_db", "map_flood",
    }  # fmt: skip


def _grid(shape=(128, 128), x0=0.0):
    y = 1000.0 - 10.0 * (np.arange(shape[0]) + 0.5)
    x = x0 + 10.0 * (np.arange(shape[1]) + 0.5)
    return {"y": y, "x": x}


def _bimodal_vv(shape=(128, 128), seed=0, x0=0.0):
    rng = np.random.default_rng(seed)
    water = np.zeros(shape, bool)
    water[:, : shape[1] // 3] = True
    vv = np.where(water, rng.normal(-21, 1.5, shape), rng.normal(-8, 2, shape)).astype(np.float32)
    return xr.DataArray(vv, dims=("y", "x"), coords=_grid(shape, x0))


def _bimodal_index(shape=(128, 128), seed=1, x0=0.0):
    rng = np.random.default_rng(seed)
    water = np.zeros(shape, bool)
    water[:, : shape[1] // 3] = True
    idx = np.where(water, rng.normal(0.5, 0.1, shape), rng.normal(-0.3, 0.1, shape)).astype(np.float32)
    return xr.DataArray(idx, dims=("y", "x"), coords=_grid(shape, x0))


def test_no_scene_is_an_input_error():
    with pytest.raises(InvalidInputError, match="no post-event scene"):
        map_flood()


def test_pre_scene_without_post_scene_is_an_input_error():
    with pytest.raises(InvalidInputError, match="pre-event SAR scene needs a post-event SAR"):
        map_flood(optical=OpticalInput(_bimodal_index()), pre_sar=SarInput(vv_db=_bimodal_vv()))


def test_inputs_on_different_grids_are_refused():
    with pytest.raises(GridMismatchError, match="not on the same pixel grid") as info:
        map_flood(optical=OpticalInput(_bimodal_index()), sar=SarInput(vv_db=_bimodal_vv(x0=5000.0)))
    assert info.value.context["second"] == "sar vv"


def test_inputs_of_different_shapes_are_refused():
    with pytest.raises(GridMismatchError):
        map_flood(optical=OpticalInput(_bimodal_index()), sar=SarInput(vv_db=_bimodal_vv(shape=(64, 128))))


def test_sar_without_bands_is_a_missing_band_error():
    with pytest.raises(MissingBandError, match="neither a VV nor a VH"):
        map_flood(sar=SarInput())


def test_unknown_optical_index_is_refused():
    with pytest.raises(InvalidInputError, match="'ndvi' is not a water index"):
        map_flood(optical=OpticalInput(_bimodal_index(), "ndvi"))


def test_all_nodata_scene_is_a_no_valid_data_error():
    empty = xr.full_like(_bimodal_vv(), np.nan)
    with pytest.raises(NoValidDataError, match="no post-event input has a valid pixel"):
        map_flood(sar=SarInput(vv_db=empty))


def test_all_cloud_scene_is_a_no_valid_data_error():
    cloud = xr.zeros_like(_bimodal_index(), dtype=bool)  # a cloud mask flags every pixel
    with pytest.raises(NoValidDataError):
        map_flood(optical=OpticalInput(_bimodal_index(), valid=cloud))


def test_all_cloud_optical_with_sar_falls_back_to_sar_and_warns():
    cloud = xr.zeros_like(_bimodal_index(), dtype=bool)
    with pytest.warns(PartialCoverageWarning, match="optical-mndwi has no valid pixel"):
        res = map_flood(optical=OpticalInput(_bimodal_index(), valid=cloud), sar=SarInput(vv_db=_bimodal_vv()))
    assert res.methods == ("sar-vv",)
    assert any("no valid pixel" in w for w in res.warnings)


def test_pixels_without_observation_are_unknown_never_dry():
    vv = _bimodal_vv()
    vv[:20] = np.nan
    res = map_flood(sar=SarInput(vv_db=vv), params=FloodParams(speckle_filter=False))
    assert (res.extent.values[:20] == 255).all()
    assert (res.likelihood.values[:20] == 255).all()
    assert (res.classes.values[:20] == 255).all()
    assert set(np.unique(res.extent.values[20:])) == {0, 1}


def test_majority_needs_more_than_half_of_the_valid_methods():
    """Optical says water on the left third, SAR (VV, VH) say water on the right third: only 1 of 3 each side."""
    idx = _bimodal_index()
    vv = _bimodal_vv()[:, ::-1].assign_coords(x=idx.x)
    res = map_flood(
        optical=OpticalInput(idx), sar=SarInput(vv_db=vv, vh_db=vv - 7.0), params=FloodParams(speckle_filter=False)
    )
    ext = res.extent.values
    assert (ext[:, 10:30] == 0).all()  # optical alone: 1 of 3
    assert (ext[:, -30:-10] == 1).all()  # VV and VH: 2 of 3


def test_dask_and_numpy_inputs_give_the_same_maps():
    idx, vv = _bimodal_index(), _bimodal_vv()
    eager = map_flood(optical=OpticalInput(idx), sar=SarInput(vv_db=vv))
    lazy = map_flood(
        optical=OpticalInput(idx.chunk(48)), sar=SarInput(vv_db=vv.chunk(40)), params=FloodParams(persist=False)
    )
    assert isinstance(lazy.extent.data, da.Array)
    np.testing.assert_array_equal(eager.extent.values, lazy.extent.values)
    np.testing.assert_array_equal(eager.likelihood.values, lazy.likelihood.values)
    assert [t.value for t in eager.thresholds] == [t.value for t in lazy.thresholds]


def test_persisting_changes_nothing():
    idx, vv = _bimodal_index(), _bimodal_vv()
    lazy = map_flood(
        optical=OpticalInput(idx.chunk(48)), sar=SarInput(vv_db=vv.chunk(40)), params=FloodParams(persist=False)
    )
    kept = map_flood(
        optical=OpticalInput(idx.chunk(48)), sar=SarInput(vv_db=vv.chunk(40)), params=FloodParams(persist=True)
    )
    np.testing.assert_array_equal(lazy.extent.values, kept.extent.values)
    np.testing.assert_array_equal(lazy.likelihood.values, kept.likelihood.values)


def test_lineage_values_record_thresholds_fallbacks_and_votes():
    res = map_flood(sar=SarInput(vv_db=_bimodal_vv()), params=FloodParams(thresholds={"sar-vv": -16.0}))
    values = res.compute().lineage_values()
    assert values["thresholds"][0]["value"] == -16.0
    assert values["thresholds"][0]["reason"] == "given by the user"
    assert values["fallbacks"] == []
    assert values["votes"]["sar-vv"] == pytest.approx(1 / 3, abs=0.02)
