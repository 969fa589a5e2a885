"""Krisciunas & Schaefer (1991) sky brightness: the paper's defining relations and limits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacebridge.sky.brightness import mag_to_nanolambert, nanolambert_to_mag, sky_brightness_v_mag_arcsec2


def test_moonless_zenith_is_the_dark_sky_value():
    assert sky_brightness_v_mag_arcsec2(90.0, -5.0, 120.0, 1.0) == pytest.approx(21.587)


def test_dark_sky_brightens_with_airmass_as_eq2():
    """Eq. 2 at Z = 60 deg: B = B_zen 10^(-0.4 k (X - 1)) X with X = (1 - 0.96 sin^2 Z)^-1/2."""
    x = (1 - 0.96 * np.sin(np.radians(60.0)) ** 2) ** -0.5
    expected = nanolambert_to_mag(mag_to_nanolambert(21.587) * 10 ** (-0.4 * 0.172 * (x - 1)) * x)
    assert sky_brightness_v_mag_arcsec2(30.0, -5.0, 90.0, 1.0) == pytest.approx(float(expected))


def test_unit_conversion_eq1():
    """Eq. 1: the paper's dark Mauna Kea zenith sky, B_zen = 79.0 nL, is V = 21.587 mag/arcsec^2."""
    assert mag_to_nanolambert(21.587) == pytest.approx(79.0, abs=0.05)


def test_full_moon_sky_is_several_magnitudes_brighter():
    bright = sky_brightness_v_mag_arcsec2(60.0, 50.0, 45.0, 1.0)
    new = sky_brightness_v_mag_arcsec2(60.0, 50.0, 45.0, 0.0)
    assert 17.0 < bright < 19.0  # full-Moon skies of 17-19 V mag/arcsec^2 (K&S fig. 4)
    assert new > 21.0
    assert np.isnan(sky_brightness_v_mag_arcsec2(-1.0, 50.0, 45.0, 1.0))


@given(st.floats(5, 90), st.floats(1, 90), st.floats(10, 180), st.floats(0, 1), st.floats(0, 1))
def test_moonlight_only_brightens(alt, moon_alt, sep, lit, more):
    dark = sky_brightness_v_mag_arcsec2(alt, -10.0, sep, lit)
    lit_sky = sky_brightness_v_mag_arcsec2(alt, moon_alt, sep, lit)
    brighter_moon = sky_brightness_v_mag_arcsec2(alt, moon_alt, sep, max(lit, more))
    assert lit_sky <= dark + 1e-9
    assert brighter_moon <= lit_sky + 1e-9
