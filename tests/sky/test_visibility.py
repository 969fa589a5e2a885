"""The targets x times grid against astropy (altitude, hour angle, airmass, Moon separation)."""

import numpy as np
import pytest

from spacebridge.core.errors import InvalidInputError, NoValidDataError
from spacebridge.sky import compute_visibility, fixed_targets, get_site, night_of, time_grid
from spacebridge.sky.visibility import airmass_kasten_young


@pytest.fixture(scope="module")
def grid(tien_shan):
    rng = np.random.default_rng(7)
    n = 300
    targets = fixed_targets(
        [f"t{i}" for i in range(n)], rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    )
    return compute_visibility(tien_shan, targets, night="2026-11-24", step_s=900, bodies=["jupiter"])


def _astropy_frame(grid, location, cls):
    from astropy.time import Time

    return cls(obstime=Time(grid.times_utc[None, :], scale="utc"), location=location)


def test_grid_against_astropy(grid, astropy_location):
    import astropy.units as u
    from astropy.coordinates import AltAz, HADec, SkyCoord, get_body
    from astropy.time import Time

    n = grid.shape[0] - 1
    coo = SkyCoord(grid.ra_deg[:n, None] * u.deg, grid.dec_deg[:n, None] * u.deg)
    altaz = coo.transform_to(_astropy_frame(grid, astropy_location, AltAz))
    assert np.abs(grid.altitude_deg[:n] - altaz.alt.deg).max() * 3600 < 1.0
    hadec = coo.transform_to(_astropy_frame(grid, astropy_location, HADec))
    d_ha = (grid.hour_angle_h[:n] - hadec.ha.hour + 12) % 24 - 12
    assert np.abs(d_ha * np.cos(np.radians(grid.dec_deg[:n, None]))).max() * 15 * 3600 < 1.0
    up = altaz.alt.deg > 1
    np.testing.assert_allclose(grid.airmass[:n][up], altaz.secz[up], rtol=1e-5)
    assert np.all(np.isinf(grid.airmass[:n][altaz.alt.deg <= 0]))
    moon = get_body("moon", Time(grid.times_utc, scale="utc"), astropy_location)
    moon_aa = moon.transform_to(AltAz(obstime=Time(grid.times_utc, scale="utc"), location=astropy_location))
    sep = altaz.separation(moon_aa[None, :]).deg
    assert np.abs(grid.moon_separation_deg[:n] - sep).max() < 30 / 3600
    np.testing.assert_allclose(grid.moon_altitude_deg, moon_aa.alt.deg, atol=30 / 3600)
    jup = get_body("jupiter", Time(grid.times_utc, scale="utc"), astropy_location).transform_to(moon_aa.frame)
    assert np.abs(grid.altitude_deg[n] - jup.alt.deg).max() * 3600 < 2.0
    assert np.isnan(grid.ra_deg[n])
    assert grid.target_ids[n] == "jupiter"


def test_grid_spans_the_dark_night(grid):
    start, end = night_of(grid.site, "2026-11-24").bounds("astronomical")
    assert grid.times_utc[0] == start
    assert grid.times_utc[-1] <= end < grid.times_utc[-1] + np.timedelta64(900, "s")
    assert np.all(grid.sun_altitude_deg <= -18.0 + 1e-6)
    assert ((grid.moon_illumination >= 0) & (grid.moon_illumination <= 1)).all()


def test_target_that_never_rises(tien_shan):
    grid = compute_visibility(tien_shan, fixed_targets(["south-pole"], [0.0], [-80.0]), night="2026-11-24")
    assert np.all(grid.altitude_deg < 0)


def test_no_darkness_raises(tien_shan):
    helsinki = type(tien_shan)(**{**tien_shan.__dict__, "latitude_deg": 60.17, "timezone": "Europe/Helsinki"})
    with pytest.raises(NoValidDataError, match="no astronomical darkness"):
        compute_visibility(helsinki, fixed_targets(["a"], [0.0], [0.0]), night="2026-06-21")


def test_explicit_times_and_bad_arguments(tien_shan):
    times = time_grid(np.datetime64("2026-11-24T15:00"), np.datetime64("2026-11-24T16:00"), 600)
    assert times.size == 7
    grid = compute_visibility(get_site("assy-turgen"), fixed_targets(["a"], [0.0], [0.0]), times_utc=times)
    assert grid.shape == (1, 7)
    with pytest.raises(InvalidInputError, match="night or times_utc"):
        compute_visibility(tien_shan, fixed_targets(["a"], [0.0], [0.0]))
    with pytest.raises(InvalidInputError, match="step_s"):
        time_grid(times[0], times[-1], 0)


def test_kasten_young_airmass():
    """Kasten & Young (1989): their fit is within 0.5 % of the tabulated air mass (1 at the zenith, 38.09 at
    the horizon, 1.995 at 30 deg altitude)."""
    np.testing.assert_allclose(airmass_kasten_young([90.0, 0.001]), [1.0, 38.09], rtol=5e-3)
    assert airmass_kasten_young(30.0) == pytest.approx(1.995, abs=2e-3)
