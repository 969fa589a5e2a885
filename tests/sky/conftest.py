"""Shared fixtures for the sky tests: the authorities (astropy's full transforms, skyfield with DE421)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from spacebridge.sky import get_site, use_offline_iers


@pytest.fixture(scope="session")
def tien_shan():
    return get_site("tien-shan")


@pytest.fixture(scope="session")
def astropy_location(tien_shan):
    import astropy.units as u
    from astropy.coordinates import EarthLocation

    use_offline_iers()
    return EarthLocation.from_geodetic(
        tien_shan.longitude_deg * u.deg, tien_shan.latitude_deg * u.deg, tien_shan.height_m * u.m
    )


@pytest.fixture(scope="session")
def skyfield_env():
    """(timescale, de421 ephemeris) from the files shipped in skyfield-data; nothing is downloaded."""
    import skyfield_data
    from skyfield.api import Loader

    load = Loader(skyfield_data.get_skyfield_data_path(), expire=False)
    eph = load("de421.bsp")
    yield load.timescale(builtin=True), eph
    eph.close()


def to_skyfield(ts, times_utc):
    """skyfield Time for datetime64 UTC instants."""
    stamps = [t.astype("datetime64[us]").astype(dt.datetime).replace(tzinfo=dt.UTC) for t in np.atleast_1d(times_utc)]
    return ts.from_datetimes(stamps)
