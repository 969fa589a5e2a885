"""The sensor registry against the official product documents, and the capability checks."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from spacebridge.core.errors import CapabilityError, DegradedResultWarning, MissingBandError, NotFoundError
from spacebridge.earth.sensors import (
    ANALYSES,
    band_scale_offset,
    check_analysis,
    check_index,
    db_to_linear,
    get_sensor,
    linear_to_db,
    list_sensors,
    sentinel2_offset_dn,
)

BRIEF_IDS = {
    "sentinel-2-l1c",
    "sentinel-2-l2a",
    "landsat-c2-l2",
    "sentinel-1-grd",
    "modis-mod13q1",
    "modis-mod09",
    "kazeosat-1",
    "kazeosat-2",
    "spot-6-7",
    "pleiades",
}
STAC_COMMON = {
    "coastal", "blue", "green", "red", "yellow", "pan", "rededge", "rededge071", "rededge075", "rededge078",
    "nir", "nir08", "nir09", "cirrus", "swir16", "swir22", "lwir", "lwir11", "lwir12",
}  # fmt: skip


def test_every_id_of_the_shared_interface_is_registered():
    assert set(list_sensors()) >= BRIEF_IDS


def test_common_names_are_stac_eo_common_names():
    for sid in list_sensors():
        for band in get_sensor(sid).bands:
            if band.kind == "sar":  # SAR bands are named by polarisation (STAC sar:polarizations), lower case
                assert band.common_name in {"vv", "vh", "hh", "hv"}
            else:
                assert band.common_name is None or band.common_name in STAC_COMMON, (sid, band)


# ESA, Sentinel-2 Spectral Response Functions (COPE-GSEG-EOPG-TN-15-0007 v3.0), S2A central wavelengths (nm).
S2A_CENTRES_NM = {
    "B01": 442.7, "B02": 492.4, "B03": 559.8, "B04": 664.6, "B05": 704.1, "B06": 740.5, "B07": 782.8,
    "B08": 832.8, "B8A": 864.7, "B09": 945.1, "B10": 1373.5, "B11": 1613.7, "B12": 2202.4,
}  # fmt: skip
S2_RES_M = {"B02": 10, "B03": 10, "B04": 10, "B08": 10, "B05": 20, "B11": 20, "B12": 20, "B01": 60, "B09": 60}


def test_sentinel2_wavelengths_and_resolutions_match_esa():
    s2 = get_sensor("sentinel-2-l1c")
    for name, centre in S2A_CENTRES_NM.items():
        assert s2.band(name).center_wavelength_um * 1000 == pytest.approx(centre, abs=0.05)
    for name, res in S2_RES_M.items():
        assert s2.band(name).resolution_m == res
    assert get_sensor("sentinel-2-l2a").find_band("B10") is None  # no cirrus band in L2A


def test_band_lookup_by_common_name_asset_key_and_file_description():
    s2 = get_sensor("sentinel-2-l2a")
    assert s2.band("rededge1") is s2.band("B05") is s2.band("B5") is s2.band("rededge071")  # Earth Search / file
    assert s2.band("B8A_20m").common_name == "nir08"  # CDSE asset key
    assert s2.band("b11").common_name == "swir16"
    ls = get_sensor("landsat-c2-l2")
    assert ls.band("SR_B5").common_name == "nir08"
    assert ls.band("nir08") is ls.band("B5")
    with pytest.raises(MissingBandError, match="swir16"):
        get_sensor("spot-6-7").band("swir16")


def test_landsat_c2_l2_scale_and_offset_are_usgs_values():
    ls = get_sensor("landsat-c2-l2")
    red = ls.band("red")
    # USGS LSDS-1619: SR = DN * 0.0000275 - 0.2; fill 0; valid 7273-43636
    assert (red.scale, red.offset, red.nodata, red.valid_min, red.valid_max) == (2.75e-5, -0.2, 0.0, 7273.0, 43636.0)
    assert band_scale_offset(ls, red, {}).offset == -0.2
    st = ls.band("lwir11")
    assert (st.scale, st.offset, st.unit) == (0.00341802, 149.0, "K")
    assert get_sensor("sentinel-1-grd").band("vv").unit == "dB"


@pytest.mark.parametrize(
    ("metadata", "acquired", "offset_dn"),
    [
        ({"s2:processing_baseline": "05.10"}, None, -1000.0),  # Planetary Computer
        ({"s2:processing_baseline": "03.01"}, None, 0.0),
        ({"processing:version": "04.00"}, None, -1000.0),  # CDSE
        ({"PROCESSING_BASELINE": "N0400"}, None, -1000.0),  # file tag
        ({"earthsearch:boa_offset_applied": True, "s2:processing_baseline": "05.09"}, None, 0.0),
        ({"earthsearch:boa_offset_applied": False, "s2:processing_baseline": "05.09"}, None, -1000.0),
        ({}, dt.date(2019, 9, 18), 0.0),
    ],
)
def test_sentinel2_processing_baseline_offset(metadata, acquired, offset_dn):
    assert sentinel2_offset_dn(metadata, acquired=acquired)[0] == offset_dn


def test_sentinel2_unknown_baseline_after_2022_assumes_offset_with_a_warning():
    with pytest.warns(DegradedResultWarning, match="baseline unknown"):
        assert sentinel2_offset_dn({}, acquired=dt.date(2023, 5, 1))[0] == -1000.0


def test_sentinel2_scale_offset_order_of_precedence():
    s2 = get_sensor("sentinel-2-l2a")
    b4 = s2.band("red")
    es = {"earthsearch:boa_offset_applied": True}
    # Earth Search's flag wins over its raster:bands, which say -0.1 even when the offset was removed (issue #66)
    assert band_scale_offset(s2, b4, es, raster_band={"scale": 0.0001, "offset": -0.1}).offset == 0.0
    rb = band_scale_offset(s2, b4, {}, raster_band={"scale": 0.0001, "offset": -0.1})
    assert (rb.scale, rb.offset, rb.source) == (0.0001, -0.1, "STAC raster:bands")
    pc = band_scale_offset(s2, b4, {"s2:processing_baseline": "04.00"})
    assert pc.offset == pytest.approx(-0.1)


def test_landsat_l1_toa_from_mtl_follows_the_usgs_equation():
    l1 = get_sensor("landsat-oli-l1")
    mtl = {"REFLECTANCE_MULT_BAND_4": 2e-5, "REFLECTANCE_ADD_BAND_4": -0.1, "SUN_ELEVATION": 64.74360932}
    so = band_scale_offset(l1, l1.band("B4"), mtl)
    # USGS LSDS-1574 5.1.1: rho = (M * Q + A) / sin(theta_SE); Q = 10000 -> 0.1 / sin(64.7436 deg)
    assert 10000 * so.scale + so.offset == pytest.approx(0.1 / math.sin(math.radians(64.74360932)))
    with pytest.raises(MissingBandError, match="MTL"):
        band_scale_offset(l1, l1.band("B4"), {})


def test_mndwi_on_sensors_without_swir_names_ndwi_and_sar():
    for sid in ("kazeosat-1", "kazeosat-2", "spot-6-7", "pleiades"):
        sensor = get_sensor(sid)
        assert not sensor.supports("MNDWI")
        assert sensor.supports("NDWI")
        assert sensor.supports("NDVI")
        with pytest.raises(CapabilityError) as err:
            check_index(sensor, "MNDWI")
        for word in ("NDWI", "SAR", "swir16"):
            assert word in str(err.value)
        assert isinstance(err.value, ValueError)
        assert any("NDWI" in s for s in err.value.context["substitutes"])


def test_supported_indices_and_analyses():
    assert get_sensor("sentinel-2-l2a").supports("BAIS2")
    assert not get_sensor("landsat-c2-l2").supports("BAIS2")  # no red-edge bands
    assert get_sensor("landsat-c2-l2").supports("MNDWI")
    assert get_sensor("modis-mod13q1").supports("NBR")
    assert not get_sensor("modis-mod13q1").supports("MNDWI")
    assert get_sensor("sentinel-1-grd").supports_analysis("flood-sar")
    assert not get_sensor("sentinel-1-grd").supports_analysis("flood-optical")
    check_index("sentinel-2-l1c", "mndwi")  # no error
    check_analysis("landsat-c2-l2", "burn")
    with pytest.raises(CapabilityError, match="BAI"):
        check_analysis("pleiades", "burn")
    with pytest.raises(CapabilityError, match="flood-sar"):
        check_analysis("sentinel-1-grd", "flood-optical")
    assert set(ANALYSES) >= {"flood-optical", "flood-sar", "burn", "snow", "drought"}
    assert not get_sensor("spot-6-7").supports("NOT-AN-INDEX")


def test_unknown_sensor_lists_the_known_ones():
    with pytest.raises(NotFoundError, match="sentinel-2-l2a"):
        get_sensor("sentinel-3")
    with pytest.raises(NotFoundError):
        get_sensor("spot-6-7").supports_analysis("volcano")


def test_db_linear_round_trip():
    x = np.array([-20.0, -10.0, 0.0, 3.0])
    np.testing.assert_allclose(db_to_linear(x), [0.01, 0.1, 1.0, 10**0.3])
    np.testing.assert_allclose(linear_to_db(db_to_linear(x)), x)
    assert np.isnan(linear_to_db(np.array([0.0, -1.0]))).all()
