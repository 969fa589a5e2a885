import numpy as np
import xarray as xr

from spacebridge.earth.flood import FloodParams, OpticalInput, SarInput, map_flood
from spacebridge.earth.flood.change import CLASS_FLOOD, CLASS_PERMANENT, CLASS_WATER, classify_water


def test_classes_without_pre_scene_or_reference_are_undetermined_water():
    w = xr.DataArray(np.array([0, 1, 255], np.uint8))
    assert classify_water(w).values.tolist() == [0, CLASS_WATER, 255]


def test_reference_water_is_removed_from_the_flood():
    w = xr.DataArray(np.array([1, 1, 0], np.uint8))
    ref = xr.DataArray(np.array([True, False, True]))
    assert classify_water(w, reference_water=ref).values.tolist() == [CLASS_PERMANENT, CLASS_FLOOD, 0]


def _scene(rng, water):
    vv = np.where(water, rng.normal(-21, 1.5, water.shape), rng.normal(-8, 2, water.shape))
    return xr.DataArray(vv.astype(np.float32), dims=("y", "x"))


def test_sar_change_detection_separates_lake_and_flood():
    """A lake present on both dates is permanent; fields dark only after the event are flood (Chini et al. 2017)."""
    rng = np.random.default_rng(5)
    shape = (256, 256)
    lake = np.zeros(shape, bool)
    lake[20:80, 20:80] = True
    flood = np.zeros(shape, bool)
    flood[120:220, 100:250] = True
    pre = SarInput(vv_db=_scene(rng, lake))
    post = SarInput(vv_db=_scene(rng, lake | flood))
    res = map_flood(sar=post, pre_sar=pre, params=FloodParams(speckle_filter=False, min_area_px=1))
    classes = res.classes.values
    assert res.change_methods == ("change-sar-vv",)
    assert (classes[30:70, 30:70] == CLASS_PERMANENT).mean() > 0.99
    assert (classes[130:210, 110:240] == CLASS_FLOOD).mean() > 0.99
    assert (classes[230:, :80] == 0).mean() > 0.99


def test_optical_change_detection():
    rng = np.random.default_rng(6)
    shape = (200, 200)
    lake = np.zeros(shape, bool)
    lake[:50] = True
    flood = np.zeros(shape, bool)
    flood[100:180, 20:180] = True

    def index(water):
        return xr.DataArray(np.where(water, rng.normal(0.5, 0.08, shape), rng.normal(-0.3, 0.08, shape)).astype("f4"))

    res = map_flood(optical=OpticalInput(index(lake | flood)), pre_optical=OpticalInput(index(lake)))
    assert (res.classes.values[10:40] == CLASS_PERMANENT).mean() > 0.99
    assert (res.classes.values[110:170, 30:170] == CLASS_FLOOD).mean() > 0.99
