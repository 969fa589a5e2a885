import datetime as dt

import numpy as np
import pytest

from spacebridge.core.errors import ConfigurationError, NotFoundError
from spacebridge.sky import get_site, list_sites, load_sites


def test_bundled_sites_match_the_issue():
    assert set(list_sites()) == {"tien-shan", "assy-turgen", "kamenskoe"}
    ts, at, ka = get_site("tien-shan"), get_site("assy-turgen"), get_site("kamenskoe")
    assert (ts.latitude_deg, ts.longitude_deg, ts.height_m) == (43.0576, 76.9715, 2735)
    assert (at.latitude_deg, at.longitude_deg, at.height_m) == (43.2253, 77.8717, 2750)
    assert (ka.latitude_deg, ka.longitude_deg, ka.height_m) == (43.1767, 76.9661, 1450)
    assert at.telescope("azt-20").aperture_m == 1.56
    assert {t.id for t in at.telescopes} == {"azt-20", "zeiss-1000", "rc-500", "cdk-700"}
    assert sum(t.id.startswith("zeiss-1000") for t in ts.telescopes) == 2
    assert sum(t.id.startswith("azt-14") for t in ts.telescopes) == 2
    for site in (ts, at, ka):
        for tel in site.telescopes:
            assert tel.assumed, f"{tel.id}: every assumed value must be declared"


def test_unknown_site_lists_the_valid_ones():
    with pytest.raises(NotFoundError) as info:
        get_site("mauna-kea")
    assert isinstance(info.value, LookupError)
    assert "tien-shan" in str(info.value)
    assert "assy-turgen" in str(info.value)
    assert info.value.context["valid"] == ["assy-turgen", "kamenskoe", "tien-shan"]


def test_unknown_telescope_lists_the_valid_ones():
    with pytest.raises(NotFoundError, match="azt-20"):
        get_site("assy-turgen").telescope("hubble")


def test_local_noon_follows_the_2024_time_zone_change():
    """Kazakhstan moved from UTC+6 to UTC+5 on 2024-03-01 (IANA tzdata 2024a)."""
    site = get_site("tien-shan")
    assert site.local_noon_utc("2024-02-29") == dt.datetime(2024, 2, 29, 6, tzinfo=dt.UTC)
    assert site.local_noon_utc(dt.date(2024, 3, 1)) == dt.datetime(2024, 3, 1, 7, tzinfo=dt.UTC)
    assert site.utc_offset_hours(dt.datetime(2023, 7, 1, 12)) == 6.0
    assert site.utc_offset_hours(dt.datetime(2026, 7, 1, 12)) == 5.0


def test_standard_pressure_matches_the_icao_table():
    """ICAO standard atmosphere: 1013.25 hPa at sea level, 540.2 hPa at 5,000 m geopotential height."""
    site = get_site("tien-shan")
    sea = type(site)(**{**site.__dict__, "height_m": 0.0})
    high = type(site)(**{**site.__dict__, "height_m": 5000.0})
    assert sea.standard_pressure_hpa == pytest.approx(1013.25)
    assert high.standard_pressure_hpa == pytest.approx(540.2, abs=0.1)


def test_horizon_mask_is_interpolated_around_north():
    site = get_site("kamenskoe")  # 10 deg at az 0/360, 5 deg at 60 and 300
    got = site.horizon_min_altitude_deg([0.0, 30.0, 330.0, 360.0, -30.0])
    np.testing.assert_allclose(got, [10.0, 7.5, 7.5, 10.0, 7.5])


def test_user_sites_file(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(
        "sites:\n  obs:\n    name: Test\n    latitude_deg: 10\n    longitude_deg: 20\n    height_m: 100\n"
        "    telescopes:\n      t1: {name: T, aperture_m: 0.3, mount: altaz, min_altitude_deg: 10,"
        " max_altitude_deg: 90, hour_angle_min_h: -12, hour_angle_max_h: 12, dec_min_deg: -90, dec_max_deg: 90,"
        " slew_rate_deg_s: 2, settle_s: 1, readout_s: 1, filter_change_s: 1}\n"
    )
    sites = load_sites(path)
    assert get_site("obs", sites=sites).telescope().id == "t1"


@pytest.mark.parametrize(
    "text",
    [
        "not: [valid",
        "sites:\n  obs: {name: X}\n",
        "sites:\n  obs: {name: X, latitude_deg: 95, longitude_deg: 0, height_m: 0, telescopes: {}}\n",
    ],
)
def test_malformed_sites_file_is_a_configuration_error(tmp_path, text):
    path = tmp_path / "sites.yaml"
    path.write_text(text)
    with pytest.raises(ConfigurationError):
        load_sites(path)
