import numpy as np
import pytest
from odc.geo.geobox import GeoBox

from spacebridge.earth.areas import lonlat_row_areas_m2, pixel_areas_m2, pixel_size_m


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
    # ETRS89 lon/lat (not EPSG:4326, whose rows have exact areas): corners projected, 4 Mpx -> coarse lattice
    gbox = GeoBox.from_bbox((20.0, 45.0, 22.0, 47.0), "epsg:4258", resolution=0.001)
    coarse = pixel_areas_m2(gbox).sum()
    exact = pixel_areas_m2(GeoBox.from_bbox((20.0, 45.0, 22.0, 47.0), "epsg:4258", resolution=0.01)).sum()
    assert coarse == pytest.approx(exact, rel=1e-5)
    assert np.isfinite(coarse)


@pytest.mark.parametrize("lat", [-84.9, -30.0, 0.0, 45.3, 84.5])
def test_lonlat_row_areas_equal_the_geodesic_area_between_two_parallels(lat):
    """pyproj's geodesic area of each row's pixel, its edges densified to 1e-4 degree so they follow the parallels."""
    import shapely
    from pyproj import Geod
    from shapely.geometry import box

    gbox = GeoBox.from_bbox((20.0, lat, 20.5, lat + 0.5), "epsg:4326", shape=(5, 5))
    rows = lonlat_row_areas_m2(gbox)
    a = gbox.affine
    for r, got in enumerate(rows):
        cell = shapely.segmentize(box(20.0, a.f + a.e * (r + 1), 20.1, a.f + a.e * r), 1e-4)
        want, _ = Geod(ellps="WGS84").geometry_area_perimeter(cell)
        assert got == pytest.approx(abs(want), rel=1e-10)
    assert pixel_areas_m2(gbox).tolist() == np.repeat(rows[:, None], 5, axis=1).tolist()


def test_only_north_up_epsg_4326_grids_have_row_areas():
    assert lonlat_row_areas_m2(GeoBox.from_bbox((20.0, 45.0, 21.0, 46.0), "epsg:4258", shape=(4, 4))) is None
    assert lonlat_row_areas_m2(GeoBox.from_bbox((500_000, 0, 501_000, 1000), "epsg:32633", resolution=10)) is None
