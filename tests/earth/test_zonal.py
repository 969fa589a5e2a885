"""Zonal statistics over Kazakhstan's bundled units and an AOI, checked against geodesic polygon areas."""

from __future__ import annotations

import numpy as np
import pytest
from odc.geo.geobox import GeoBox
from odc.geo.xr import wrap_xr
from pyproj import Geod

from spacebridge.core.errors import ConfigurationError, InvalidAOIError
from spacebridge.earth.zonal import default_units_path, read_units, zonal_table


@pytest.fixture(scope="module")
def oblasts():
    return read_units(level="oblast")


def test_default_units_are_the_2024_division(oblasts):
    districts = read_units(level="district")
    assert len(oblasts) == 20
    assert len(districts) == 224
    assert {"KATO", "ADM1_KK", "ADM1_RU", "ADM1_EN"} <= set(oblasts.columns)
    assert default_units_path("oblast").name == "kaz_adm1_2024_geokz.geojson"


def test_missing_data_dir_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="default units"):
        default_units_path("district", data_dir=tmp_path)


def test_unit_areas_match_the_geodesic_polygon_area(oblasts):
    """A class raster covering Almaty city: its zonal area equals the polygon's geodesic area (WGS84)."""
    almaty = oblasts[oblasts["ADM1_EN"].str.contains("Almaty") & ~oblasts["ADM1_EN"].str.contains("region", case=False)]
    unit = almaty.iloc[[0]]
    west, south, east, north = unit.total_bounds
    gbox = GeoBox.from_bbox((west - 0.05, south - 0.05, east + 0.05, north + 0.05), "epsg:4326", resolution=0.0005)
    codes = np.ones(gbox.shape, "uint8")
    codes[: gbox.shape[0] // 2] = 255  # north half unknown
    table = zonal_table(wrap_xr(codes, gbox), unit, classes={1: "burned"})
    geodesic_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(unit.geometry.iloc[0])[0]) / 1e6
    row = table.iloc[0]
    assert row["area_km2"] == pytest.approx(geodesic_km2, rel=0.01)
    assert row["burned_km2"] + row["unknown_km2"] == pytest.approx(row["area_km2"], rel=1e-9)
    assert 0.2 < row["unknown_fraction"] < 0.8
    assert row["KATO"] == unit["KATO"].iloc[0]


def test_continuous_statistics_are_area_weighted(oblasts):
    unit = oblasts.iloc[[0]]
    west, south, east, north = unit.total_bounds
    gbox = GeoBox.from_bbox((west, south, east, north), "epsg:4326", resolution=0.02)
    values = np.full(gbox.shape, 0.3, "float32")
    values[:, : gbox.shape[1] // 3] = np.nan
    table = zonal_table(wrap_xr(values, gbox), unit, kind="continuous")
    row = table.iloc[0]
    assert row["mean"] == pytest.approx(0.3)
    assert row["std"] == pytest.approx(0.0, abs=1e-7)
    assert 0 < row["unknown_fraction"] < 1


def test_units_outside_the_product_are_refused(oblasts):
    gbox = GeoBox.from_bbox((2.0, 48.0, 2.1, 48.1), "epsg:4326", resolution=0.01)  # Paris
    with pytest.raises(InvalidAOIError, match="no unit overlaps"):
        zonal_table(wrap_xr(np.zeros(gbox.shape, "uint8"), gbox), oblasts)
