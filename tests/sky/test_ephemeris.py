"""Sun, Moon and planets against astropy's get_body + AltAz and skyfield with DE421."""

import numpy as np
import pytest

from spacebridge.core.errors import NotFoundError
from spacebridge.sky.ephemeris import body_local, local_altaz_deg, moon_illumination, moon_local, sun_local
from spacebridge.sky.frames import observer_frames
from tests.sky.conftest import to_skyfield

TIMES = np.datetime64("2026-01-03T00:00", "ns") + np.arange(0, 400 * 86400, 86400 * 9.37).astype("timedelta64[s]")


def _sep_arcsec(alt1, az1, alt2, az2):
    a1, a2 = np.radians(alt1), np.radians(alt2)
    c = np.sin(a1) * np.sin(a2) + np.cos(a1) * np.cos(a2) * np.cos(np.radians(az1 - az2))
    return np.degrees(np.arccos(np.clip(c, -1, 1))) * 3600


@pytest.fixture(scope="module")
def frames(tien_shan):
    return observer_frames(tien_shan, TIMES)


def _astropy_body(name, location):
    from astropy.coordinates import AltAz, get_body
    from astropy.time import Time

    t = Time(TIMES, scale="utc")
    aa = get_body(name, t, location).transform_to(AltAz(obstime=t, location=location))
    return aa.alt.deg, aa.az.deg


def test_sun_matches_astropy_and_skyfield(frames, astropy_location, tien_shan, skyfield_env):
    alt, az = local_altaz_deg(sun_local(frames))
    assert _sep_arcsec(alt, az, *_astropy_body("sun", astropy_location)).max() < 2.0
    ts, eph = skyfield_env
    from skyfield.api import wgs84

    here = eph["earth"] + wgs84.latlon(tien_shan.latitude_deg, tien_shan.longitude_deg, elevation_m=tien_shan.height_m)
    sf_alt, sf_az, _ = here.at(to_skyfield(ts, TIMES)).observe(eph["sun"]).apparent().altaz()
    assert _sep_arcsec(alt, az, sf_alt.degrees, sf_az.degrees).max() < 5.0


def test_moon_matches_astropy_and_skyfield(frames, astropy_location, tien_shan, skyfield_env):
    unit, dist_au = moon_local(frames)
    alt, az = local_altaz_deg(unit)
    assert _sep_arcsec(alt, az, *_astropy_body("moon", astropy_location)).max() < 30.0  # moon98: ~10 arcsec
    ts, eph = skyfield_env
    from skyfield.api import wgs84

    here = eph["earth"] + wgs84.latlon(tien_shan.latitude_deg, tien_shan.longitude_deg, elevation_m=tien_shan.height_m)
    app = here.at(to_skyfield(ts, TIMES)).observe(eph["moon"]).apparent()
    sf_alt, sf_az, sf_dist = app.altaz()
    assert _sep_arcsec(alt, az, sf_alt.degrees, sf_az.degrees).max() < 30.0
    np.testing.assert_allclose(dist_au, sf_dist.au, rtol=1e-3)


def test_moon_illumination_matches_skyfield(frames, skyfield_env):
    from skyfield import almanac

    ts, eph = skyfield_env
    ref = almanac.fraction_illuminated(eph, "moon", to_skyfield(ts, TIMES))
    np.testing.assert_allclose(moon_illumination(frames), ref, atol=0.003)


@pytest.mark.parametrize("name", ["jupiter", "venus", "mars"])
def test_planets_match_astropy(name, frames, astropy_location):
    alt, az = local_altaz_deg(body_local(frames, name))
    assert _sep_arcsec(alt, az, *_astropy_body(name, astropy_location)).max() < 2.0


def test_unknown_body(frames):
    with pytest.raises(NotFoundError, match="jupiter"):
        body_local(frames, "vulcan")
