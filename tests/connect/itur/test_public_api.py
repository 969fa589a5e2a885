import pytest

import spacebridge.connect.itur as itur
from spacebridge.core.errors import OutOfRangeError


def test_all_is_locked():
    assert sorted(itur.__all__) == [
        "TotalAttenuation",
        "VERSIONS",
        "cloud_attenuation_db",
        "cloud_attenuation_from_l_db",
        "non_gso_exceedance_percent",
        "rain_attenuation",
        "rain_height_km",
        "rain_rate_001_mm_h",
        "rain_rate_mm_h",
        "rain_specific_attenuation_db_km",
        "scintillation",
        "slant_path_statistical_db",
        "specific_attenuation",
        "surface_mean_temperature_k",
        "surface_water_vapour_density_g_m3",
        "topographic_height_km",
        "total_attenuation",
        "total_water_vapour_content_kg_m2",
        "wet_refractivity_median",
    ]


def test_latitude_out_of_range_names_argument_and_range():
    with pytest.raises(OutOfRangeError, match=r"lat_deg=95 deg .*\[-90, 90\]") as info:
        itur.rain_height_km([10.0, 95.0], [0.0, 0.0])
    assert info.value.context["index"] == 1


def test_frequency_out_of_range_names_the_model():
    with pytest.raises(OutOfRangeError, match=r"P\.838-3"):
        itur.rain_specific_attenuation_db_km(10.0, 1500.0, 30.0, 45.0)


def test_percentage_out_of_range_names_the_model():
    with pytest.raises(OutOfRangeError, match=r"P.836-6 annual statistics"):
        itur.total_water_vapour_content_kg_m2(10.0, 10.0, 0.01)
