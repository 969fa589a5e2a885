import math

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer
from shapely.geometry import box

from spacebridge.core.errors import InvalidAOIError, OutOfRangeError
from spacebridge.core.geo import BBox, check_lat_lon, equal_area_crs


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ((-200, 0, 10, 10), "west"),
        ((0, -91, 10, 10), "south"),
        ((0, 10, 10, 5), "south"),
        ((0, 0, 10, 95), "north"),
    ],
)
def test_bad_bbox_names_the_field(values, field):
    with pytest.raises(InvalidAOIError) as info:
        BBox(*values)
    assert info.value.context["field"] == field
    assert field in str(info.value)


def test_antimeridian_bbox_is_allowed():
    bb = BBox(170, -10, -170, 10)
    assert bb.crosses_antimeridian
    assert bb.center() == (180.0, 0.0) or bb.center() == (-180.0, 0.0)


def test_bbox_from_sequence_accepts_3d_and_rejects_wrong_length():
    assert BBox.from_sequence([1, 2, 0, 3, 4, 100]).as_tuple() == (1, 2, 3, 4)
    with pytest.raises(InvalidAOIError):
        BBox.from_sequence([1, 2, 3])


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (-90.5, 0), (math.nan, 0), (0, 400)])
def test_check_lat_lon_rejects(lat, lon):
    with pytest.raises(OutOfRangeError):
        check_lat_lon(lat, lon)


@given(
    lon=st.floats(-179, 179),
    lat=st.floats(-80, 80),
    size=st.floats(0.01, 2.0),
)
def test_equal_area_crs_matches_geodesic_area(lon, lat, size):
    """Areas in the LAEA CRS agree with the ellipsoidal geodesic area (Karney) to 0.1 %."""
    poly = box(lon, lat, lon + size, min(lat + size, 89.0))
    crs = CRS.from_proj4(equal_area_crs(lon + size / 2, lat + size / 2))
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    projected = shapely.transform(poly.segmentize(size / 50), tr.transform, interleaved=False)
    geodesic, _ = Geod(ellps="WGS84").geometry_area_perimeter(poly.segmentize(size / 50))
    assert projected.area == pytest.approx(abs(geodesic), rel=1e-3)
