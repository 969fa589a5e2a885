"""Loading the real bundled scenes from local files, and every kind of bad input."""

from __future__ import annotations

import math
import shutil

import dask.array as da
import numpy as np
import pytest
import rasterio

from spacebridge.core.errors import (
    CorruptRasterError,
    GridMismatchError,
    InvalidAOIError,
    MissingBandError,
    NoValidDataError,
)
from spacebridge.earth.indices import compute_index
from spacebridge.earth.load import align_to, check_same_grid, open_scene


@pytest.fixture(scope="module")
def spain(examples_dir):
    return examples_dir / "flood-spain-2019"


def test_sentinel2_l1c_file_is_found_by_band_descriptions_and_scaled(spain):
    path = spain / "Spain_7370579_S2Hand.tif"
    scene = open_scene(path)
    assert scene.sensor.id == "sentinel-2-l1c"  # 13 bands with B10: Level-1C
    assert list(scene.data.data_vars)[:4] == ["coastal", "blue", "green", "red"]
    assert isinstance(scene.data.nir.data, da.Array)
    assert scene.data.nir.dtype == np.float32
    with rasterio.open(path) as src:
        b8 = src.read(src.descriptions.index("B8") + 1)
    # Sen1Floods11 S2: int16 reflectance x 10^4 (baseline 02.xx in 2019: no offset) -> reflectance = DN / 10^4
    np.testing.assert_array_equal(scene.data.nir.values, (b8 * np.float32(1e-4)).astype(np.float32))
    assert scene.radiometry["nir"].offset == 0.0
    assert bool(scene.valid.all())
    assert scene.geobox.shape == (512, 512)
    ref = scene.input_ref("optical")
    assert ref.href.endswith("Spain_7370579_S2Hand.tif")
    assert ref.role == "optical"


def test_water_on_the_flooded_segura_plain_is_found_by_ndwi(spain, examples_dir):
    # Sen1Floods11 hand label for this chip marks ~ a quarter of the area as water (Bonafilia et al. 2020);
    # McFeeters' NDWI > 0 is his published water threshold: the loaded reflectance must reproduce that.
    scene = open_scene(spain / "Spain_7370579_S2Hand.tif", bands=["green", "nir"])
    ndwi = compute_index("NDWI", scene.data).values
    water_fraction = float(np.mean(ndwi > 0))
    assert 0.05 < water_fraction < 0.6


def test_indices_take_a_scene_and_its_wavelengths(spain):
    scene = open_scene(spain / "Spain_7370579_S2Hand.tif", bands=["red", "nir", "swir16"])
    ndvi = compute_index("NDVI", scene)
    assert ndvi.shape == (512, 512)
    # FAI (Hu 2009) needs the centre wavelengths: they come from the registry through the band attributes (nm)
    fai = compute_index("FAI", scene).values
    r, n, s = (scene.data[b].values.astype(np.float64) for b in ("red", "nir", "swir16"))
    expected = n - (r + (s - r) * (832.8 - 664.6) / (1613.7 - 664.6))
    np.testing.assert_allclose(fai, expected, rtol=1e-4, atol=1e-5)


def test_sentinel1_file_is_read_in_db(spain):
    path = spain / "Spain_7370579_S1Hand.tif"
    scene = open_scene(path)
    assert scene.sensor.id == "sentinel-1-grd"
    assert set(scene.data.data_vars) == {"vv", "vh"}
    with rasterio.open(path) as src:
        vv = src.read(1)
    np.testing.assert_array_equal(scene.data.vv.values, vv)
    assert scene.data.vv.attrs["units"] == "dB"
    assert float(np.nanmedian(scene.data.vv.values)) < 0  # sigma0 of land/water in dB


def test_linear_sar_is_converted_to_db(spain, tmp_path):
    src_path = spain / "Spain_7370579_S1Hand.tif"
    with rasterio.open(src_path) as src:
        profile, data = src.profile, src.read()
    lin_path = tmp_path / "s1_linear.tif"
    with rasterio.open(lin_path, "w", **profile) as dst:
        dst.write((10 ** (data / 10)).astype(np.float32))
        dst.descriptions = ("VV", "VH")
    scene = open_scene(lin_path, sar_units="linear")
    np.testing.assert_allclose(scene.data.vv.values, data[0], atol=1e-4)


def test_fire_l2a_chip_with_float64_bands(examples_dir):
    path = examples_dir / "fire-california" / "post_fire" / "HURST_20250107.tif"
    scene = open_scene(path)
    assert scene.sensor.id == "sentinel-2-l2a"
    assert list(scene.data.data_vars) == ["blue", "green", "red", "nir", "swir22"]
    with rasterio.open(path) as src:
        b12 = src.read(5)
    np.testing.assert_allclose(scene.data.swir22.values, b12 * 1e-4, rtol=1e-6)
    # float file without nodata: zeros are data, only NaN is invalid
    assert bool(scene.valid.all())


def test_landsat_folder_with_mtl_gives_toa_reflectance(examples_dir):
    folder = examples_dir / "sensor-crops" / "landsat8"
    scene = open_scene(folder)
    assert scene.sensor.id == "landsat-oli-l1"
    assert scene.datetime_utc == "2015-08-04T16:19:21Z"
    with rasterio.open(folder / "l8_B4.tif") as src:
        dn = float(src.read(1)[100, 200])
    # USGS LSDS-1574 eq. 5.1: rho = (M_rho Q + A_rho) / sin(theta_SE), M = 2e-5, A = -0.1, theta_SE = 64.7436 deg
    expected = (2e-5 * dn - 0.1) / math.sin(math.radians(64.74360932))
    assert float(scene.data.red.values[100, 200]) == pytest.approx(expected, rel=1e-6)
    qa = open_scene(folder, bands=["bqa", "red"])
    assert qa.data.bqa.dtype == np.uint16
    files = [*sorted(str(p) for p in folder.glob("l8_B[45].tif")), str(folder / "l8_MTL.txt")]
    pair = open_scene(files)
    assert list(pair.data.data_vars) == ["red", "nir08"]
    assert float(compute_index("NDVI", pair.data).mean()) > 0.2  # N falls back to nir08 on OLI


def test_bands_given_by_the_user(spain):
    scene = open_scene(spain / "Spain_7370579_S2Hand.tif", sensor="sentinel-2-l1c", bands={"green": 3, "nir": "B8"})
    assert list(scene.data.data_vars) == ["green", "nir"]


def test_missing_band_names_what_is_there(examples_dir):
    path = examples_dir / "fire-california" / "post_fire" / "HURST_20250107.tif"
    with pytest.raises(MissingBandError) as err:
        open_scene(path, bands=["green", "swir16"])
    for word in ("B2", "B12", "--bands"):
        assert word in str(err.value)
    with pytest.raises(MissingBandError, match="'B99'"):
        open_scene(path, bands={"swir16": "B99"})


def test_opera_dswx_classes_keep_their_codes(examples_dir):
    path = next((examples_dir / "opera").glob("*WTR.tif"))
    scene = open_scene(path, aoi=(-110.9, 37.0, -110.6, 37.3))
    assert scene.sensor.id == "opera-dswx-hls"
    assert scene.data.wtr.dtype == np.uint8
    classes = set(np.unique(scene.data.wtr.values).tolist())
    assert 1 in classes  # open water over Lake Powell
    assert classes <= {0, 1, 2, 252, 253, 254, 255}
    valid, filled = scene.valid.values, scene.data.wtr.values == 255
    assert not valid[filled].any()  # fill is never valid
    assert valid[~filled].mean() > 0.9  # the rest is, except slivers of the UTM crop outside the lon/lat box


def test_aoi_crops_and_masks_outside_the_polygon(spain, tmp_path):
    path = spain / "Spain_7370579_S2Hand.tif"
    full = open_scene(path, bands=["green"])
    west, south, _, _ = full.geobox.extent.boundingbox
    bbox = (west + 0.01, south + 0.01, west + 0.03, south + 0.03)
    cropped = open_scene(path, bands=["green"], aoi=bbox)
    assert cropped.geobox.shape[0] < 300
    assert cropped.geobox.shape[1] < 300
    tri = {
        "type": "Polygon",
        "coordinates": [[[bbox[0], bbox[1]], [bbox[2], bbox[1]], [bbox[0], bbox[3]], [bbox[0], bbox[1]]]],
    }
    geojson = tmp_path / "aoi.geojson"
    geojson.write_text('{"type": "Feature", "properties": {}, "geometry": ' + str(tri).replace("'", '"') + "}")
    masked = open_scene(path, bands=["green"], aoi=geojson)
    frac = float(masked.valid.mean())
    assert 0.35 < frac < 0.65  # half of the bbox is inside the triangle
    assert np.isnan(masked.data.green.values[~masked.valid.values]).all()


def test_aoi_outside_the_scene(spain):
    with pytest.raises(InvalidAOIError, match="does not overlap"):
        open_scene(spain / "Spain_7370579_S2Hand.tif", aoi=(76.8, 43.1, 77.1, 43.4))  # Almaty
    with pytest.raises(InvalidAOIError):
        open_scene(spain / "Spain_7370579_S2Hand.tif", aoi=(10, 50, 5, 40))


def test_truncated_geotiff_is_detected_at_open(spain, tmp_path):
    bad = tmp_path / "truncated.tif"
    data = (spain / "Spain_7370579_S2Hand.tif").read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptRasterError) as err:
        open_scene(bad)
    assert "truncated.tif" in str(err.value)
    assert isinstance(err.value, OSError)


def test_not_a_raster_is_corrupt(tmp_path):
    bad = tmp_path / "notes.tif"
    bad.write_text("not a tiff")
    with pytest.raises(CorruptRasterError):
        open_scene(bad, sensor="sentinel-2-l1c")


def test_read_errors_at_compute_time_are_wrapped(spain, tmp_path):
    bad = tmp_path / "damaged.tif"
    shutil.copy(spain / "Spain_7370579_S2Hand.tif", bad)
    scene = open_scene(bad, bands=["green"], validate=False)
    with rasterio.open(bad) as src:
        start = int(src.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=3))  # the green band's deflate stream
    data = bytearray(bad.read_bytes())
    data[start + 50 : start + 4000] = bytes(range(256)) * 15 + bytes(range(110))  # bit rot after opening
    bad.write_bytes(bytes(data))
    with pytest.raises(CorruptRasterError, match=r"damaged\.tif"):
        scene.data.green.compute()


def test_all_nodata_scene(spain, tmp_path):
    with rasterio.open(spain / "Spain_7370579_S2Hand.tif") as src:
        profile, count, names = src.profile, src.count, src.descriptions
    empty = tmp_path / "empty.tif"
    with rasterio.open(empty, "w", **profile) as dst:
        dst.write(np.zeros((count, 512, 512), np.int16))
        dst.descriptions = names
    with pytest.raises(NoValidDataError, match="no valid pixel"):
        open_scene(empty)
    lazy = open_scene(empty, validate=False)
    with pytest.raises(NoValidDataError):
        lazy.require_valid()


def test_grids_must_match_or_be_aligned_explicitly(spain, examples_dir):
    s2 = open_scene(spain / "Spain_7370579_S2Hand.tif", bands=["green", "nir"])
    s1 = open_scene(spain / "Spain_7370579_S1Hand.tif")
    check_same_grid(s2, s1)  # Sen1Floods11 chips share one grid
    landsat = open_scene(examples_dir / "sensor-crops" / "landsat8", bands=["red"])
    with pytest.raises(GridMismatchError, match="align_to"):
        check_same_grid(s2, landsat)
    with pytest.raises(GridMismatchError, match="do not overlap"):
        align_to(landsat, s2)
    coarse = s2.geobox.zoom_out(4)
    on_coarse = align_to(s1, coarse)
    assert on_coarse.geobox == coarse
    assert on_coarse.data.vv.shape == (128, 128)
    # nearest neighbour: coarse pixel (10, 10) takes one of the fine pixels of its 4 x 4 block
    assert on_coarse.data.vv.values[10, 10] in s1.data.vv.values[40:44, 40:44]


def test_target_geobox_and_non_overlapping_grid(spain, examples_dir):
    s2 = open_scene(spain / "Spain_7370579_S2Hand.tif", bands=["green"])
    on_grid = open_scene(spain / "Spain_7370579_S1Hand.tif", geobox=s2.geobox.zoom_out(2))
    assert on_grid.geobox.shape == (256, 256)
    landsat = open_scene(examples_dir / "sensor-crops" / "landsat8", bands=["red"])
    with pytest.raises(GridMismatchError):
        open_scene(spain / "Spain_7370579_S1Hand.tif", geobox=landsat.geobox)
