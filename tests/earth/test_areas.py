import numpy as np
import pytest
from odc.geo.geobox import GeoBox

from spacebridge.earth.areas import pixel_areas_m2, pixel_size_m


def test_geographic_pixel_area_follows_cos_latitude():
    # A 0.001 deg pixel at 60 N: 111.32 km/deg x 0.001 x (111.32 x cos 60) x 0.001 ~ 6.2e3 m2 (ellipsoid ~ 6.2e3)
    gbox = GeoBox.from_bbox((10.0, 59.99, 10.01, 60.01), "epsg:4326", resolution=0.001)
    areas = pixel_areas_m2(gbox)
    assert areas.shape == gbox.shape
    assert areas.mean() == pytest.approx(111_412 * 0.001 * 55_800 * 0.001, rel=0.01)


def test_utm_pixel_area_is_close_to_nominal_and_coarse_path_matches():
    small = GeoBox.from_bbox((500_000, 5_000_000, 501_000, 5_001_000), "epsg:32633", resolution=10)
    assert pixel_areas_m2(small).mean() == pytest.approx(100.0, rel=2e-3)
    big = GeoBox.from_bbox((500_000, 5_000_000, 530_000, 5_030_000), "epsg:32633", resolution=10)
    areas = pixel_areas_m2(big)
    assert areas.shape == big.shape
    assert areas.sum() == pytest.approx(30_000**2, rel=2e-3)
    assert pixel_size_m(big) == pytest.approx(10.0, rel=1e-3)


def test_total_area_is_independent_of_the_lattice_step():
    gbox = GeoBox.from_bbox((70.0, 45.0, 72.0, 47.0), "epsg:4326", resolution=0.001)  # 4 Mpx -> coarse path
    coarse = pixel_areas_m2(gbox).sum()
    exact = pixel_areas_m2(GeoBox.from_bbox((70.0, 45.0, 72.0, 47.0), "epsg:4326", resolution=0.01)).sum()
    assert coarse == pytest.approx(exact, rel=1e-5)
    assert np.isfinite(coarse)
