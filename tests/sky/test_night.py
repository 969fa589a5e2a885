"""Sunset, twilights and sunrise against skyfield's almanac (DE421), and the bad cases."""

import numpy as np
import pytest

from spacebridge.core.errors import InvalidInputError, NoValidDataError
from spacebridge.sky import get_site, night_of
from tests.sky.conftest import to_skyfield

# skyfield's dark_twilight_day codes: 0 night, 1 astronomical, 2 nautical, 3 civil twilight, 4 day.
_LEVEL_OF_CODE = {0: "astronomical", 1: "nautical", 2: "civil", 3: "sunset"}


@pytest.mark.parametrize("date", ["2026-11-20", "2026-06-20", "2024-02-29"])
def test_twilights_within_one_second_of_skyfield(date, tien_shan, skyfield_env):
    from skyfield import almanac
    from skyfield.api import wgs84

    ts, eph = skyfield_env
    night = night_of(tien_shan, date)
    topos = wgs84.latlon(tien_shan.latitude_deg, tien_shan.longitude_deg, elevation_m=tien_shan.height_m)
    f = almanac.dark_twilight_day(eph, topos)
    t0, t1 = to_skyfield(ts, [night.window_start_utc, night.window_end_utc])
    times, codes = almanac.find_discrete(t0, t1, f)
    previous = np.concatenate([[f(t0)], codes[:-1]])
    assert len(codes) == 8  # four thresholds, crossed once each way
    for t, code, before in zip(times, codes, previous, strict=True):
        ref = np.datetime64(t.utc_datetime().replace(tzinfo=None), "ns")
        ours = night.dusk_utc[_LEVEL_OF_CODE[code]] if code < before else night.dawn_utc[_LEVEL_OF_CODE[before]]
        assert abs((ours - ref) / np.timedelta64(1, "s")) < 1.0


def test_night_window_spans_the_2024_time_zone_change(tien_shan):
    night = night_of(tien_shan, "2024-02-29")
    assert night.window_start_utc == np.datetime64("2024-02-29T06:00")  # local noon at UTC+6
    assert night.window_end_utc == np.datetime64("2024-03-01T07:00")  # local noon at UTC+5
    start, end = night.bounds("nautical")
    assert night.window_start_utc < start < end < night.window_end_utc


def test_no_astronomical_darkness_is_a_clear_error():
    """At 60 N around the June solstice the Sun stays above -18 deg all night."""
    base = get_site("tien-shan")
    helsinki = type(base)(
        **{
            **base.__dict__,
            "id": "helsinki",
            "latitude_deg": 60.17,
            "longitude_deg": 24.94,
            "height_m": 0.0,
            "timezone": "Europe/Helsinki",
        }
    )
    night = night_of(helsinki, "2026-06-21")
    assert not night.has_darkness("astronomical")
    assert night.has_darkness("civil")
    assert night.duration_h("astronomical") == 0.0
    with pytest.raises(NoValidDataError, match="no astronomical darkness") as info:
        night.bounds("astronomical")
    assert "nautical" in str(info.value)
    assert np.isnat(night.dusk_utc["astronomical"])


def test_polar_night_is_dark_from_window_start_to_end():
    base = get_site("tien-shan")
    svalbard = type(base)(
        **{
            **base.__dict__,
            "id": "svalbard",
            "latitude_deg": 78.2,
            "longitude_deg": 15.6,
            "height_m": 0.0,
            "timezone": "Arctic/Longyearbyen",
        }
    )
    night = night_of(svalbard, "2026-12-21")
    assert night.dusk_utc["sunset"] == night.window_start_utc  # the Sun never rises: dark all window
    assert night.bounds("civil") == (night.window_start_utc, night.window_end_utc)


def test_bad_twilight_and_date(tien_shan):
    with pytest.raises(InvalidInputError, match="twilight"):
        night_of(tien_shan, "2026-11-20").bounds("dark")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="YYYY-MM-DD"):
        night_of(tien_shan, "20/11/2026")
