"""Altitude and azimuth against astropy's full ICRS -> AltAz transform (the authority), to 1 arcsec."""

import numpy as np
import pytest

from spacebridge.sky.frames import altaz_deg, observer_frames, topocentric, use_offline_iers
from spacebridge.sky.targets import fixed_targets


def _random_case(seed, n_targets=200, n_times=40):
    rng = np.random.default_rng(seed)
    ra = rng.uniform(0, 360, n_targets)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n_targets)))
    start = np.datetime64("2024-01-01T00:00:00", "ns")
    offsets = np.sort(rng.uniform(0, 3 * 365 * 86400, n_times))  # 2024-2026, day and night
    times = start + (offsets * 1e9).astype("timedelta64[ns]")
    return ra, dec, times


def _astropy_altaz(ra, dec, times, location, **refraction):
    import astropy.units as u
    from astropy.coordinates import AltAz, SkyCoord
    from astropy.time import Time

    frame = AltAz(obstime=Time(times[None, :], scale="utc"), location=location, **refraction)
    coo = SkyCoord(ra[:, None] * u.deg, dec[:, None] * u.deg).transform_to(frame)
    return coo.alt.deg, coo.az.deg


def _sun_elongation_deg(unit_icrs, frames):
    """Angle between the targets and the Sun seen from the observer (ERFA's observer->Sun vector)."""
    return np.degrees(np.arccos(np.clip(unit_icrs @ frames.sun_dir.T, -1, 1)))


@pytest.mark.parametrize("seed", [1, 2])
def test_altitude_within_one_arcsec_of_astropy(seed, tien_shan, astropy_location):
    ra, dec, times = _random_case(seed)
    frames = observer_frames(tien_shan, times)
    unit = fixed_targets([str(i) for i in range(ra.size)], ra, dec).unit_vectors()
    alt, az = altaz_deg(*topocentric(frames, unit))
    ref_alt, ref_az = _astropy_altaz(ra, dec, times, astropy_location)
    # Light deflection by the Sun is not modelled: it exceeds 0.05 arcsec only within ~10 deg of the Sun.
    far = _sun_elongation_deg(unit, frames) > 10.0
    d_alt = np.abs(alt - ref_alt) * 3600
    d_az = np.abs((az - ref_az + 180) % 360 - 180) * np.cos(np.radians(ref_alt)) * 3600
    assert d_alt[far].max() < 0.1
    assert d_az[far].max() < 0.1
    assert d_alt.max() < 1.0  # everywhere but on the solar disc itself


def test_refraction_matches_astropy(tien_shan, astropy_location):
    import astropy.units as u

    ra, dec, times = _random_case(3, n_targets=100, n_times=20)
    pressure = tien_shan.standard_pressure_hpa
    frames = observer_frames(tien_shan, times, pressure_hpa=pressure, temperature_c=-5.0, relative_humidity=0.3)
    alt, _ = altaz_deg(*topocentric(frames, fixed_targets([str(i) for i in range(ra.size)], ra, dec).unit_vectors()))
    ref_alt, _ = _astropy_altaz(
        ra,
        dec,
        times,
        astropy_location,
        pressure=pressure * u.hPa,
        temperature=-5.0 * u.deg_C,
        relative_humidity=0.3,
        obswl=0.55 * u.micron,
    )
    up = ref_alt > 5.0
    assert np.abs(alt - ref_alt)[up].max() * 3600 < 1.0
    geometric, _ = altaz_deg(
        *topocentric(observer_frames(tien_shan, times), fixed_targets(["a"], [ra[0]], [dec[0]]).unit_vectors())
    )
    assert np.all(alt[0][up[0]] > geometric[0][up[0]])  # refraction lifts


def test_offline_iers_configuration():
    from astropy.utils import iers

    use_offline_iers()
    assert iers.conf.auto_download is False
    assert iers.conf.auto_max_age is None
