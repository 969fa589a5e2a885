"""Night-sky brightness in V with scattered moonlight: Krisciunas & Schaefer (1991, PASP 103, 1033).

Hand-written because no maintained library ships the model vectorised (astroplan has none). Equations, with the
paper's numbering:

- air mass for scattering, eq. 3: ``X(Z) = (1 - 0.96 sin^2 Z)^-1/2``;
- dark sky at zenith distance Z, eq. 2: ``B_sky = B_zen 10^(-0.4 k (X - 1)) X``;
- Moon illuminance, eq. 20: ``I* = 10^(-0.4 (3.84 + 0.026 |a| + 4e-9 a^4))`` (phase angle ``a`` in deg);
- scattering function, eq. 21: ``f(rho) = 10^5.36 (1.06 + cos^2 rho) + 10^(6.15 - rho / 40)`` (rho in deg);
- moonlight, eq. 15: ``B_moon = f(rho) I* 10^(-0.4 k X(Z_moon)) (1 - 10^(-0.4 k X(Z)))``;
- nanolamberts <-> V mag/arcsec^2, eq. 1: ``B = 34.08 exp(20.7233 - 0.92104 V)``.

Defaults are the paper's Mauna Kea values: ``k = 0.172`` mag/airmass and a dark zenith sky of 21.587 V
mag/arcsec^2. The paper quotes an accuracy of 8-23 % in brightness; the scattering law is not valid within about
10 deg of the Moon (rho is clipped to 10 deg here). Twilight is not modelled: use a twilight constraint.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["mag_to_nanolambert", "nanolambert_to_mag", "sky_brightness_v_mag_arcsec2"]

FloatArray = npt.NDArray[np.float64]


def nanolambert_to_mag(b_nl: npt.ArrayLike) -> FloatArray:
    """V mag/arcsec^2 of a surface brightness in nanolamberts (K&S eq. 1 inverted)."""
    return (20.7233 - np.log(np.asarray(b_nl, dtype=np.float64) / 34.08)) / 0.92104


def mag_to_nanolambert(v_mag_arcsec2: npt.ArrayLike) -> FloatArray:
    """Nanolamberts of a V surface brightness (K&S eq. 1)."""
    return 34.08 * np.exp(20.7233 - 0.92104 * np.asarray(v_mag_arcsec2, dtype=np.float64))


def _scattering_airmass(zenith_deg: FloatArray) -> FloatArray:
    s = np.sin(np.radians(np.clip(zenith_deg, 0.0, 90.0)))
    return 1.0 / np.sqrt(1.0 - 0.96 * s * s)


def sky_brightness_v_mag_arcsec2(
    altitude_deg: npt.ArrayLike,
    moon_altitude_deg: npt.ArrayLike,
    moon_separation_deg: npt.ArrayLike,
    moon_illumination: npt.ArrayLike,
    *,
    extinction_v_mag: float = 0.172,
    dark_sky_v_mag_arcsec2: float = 21.587,
) -> FloatArray:
    """V-band sky brightness (mag/arcsec^2, larger is darker) toward targets, arrays broadcast together.

    Parameters
    ----------
    altitude_deg
        Target altitude (deg); at or below the horizon the result is NaN.
    moon_altitude_deg, moon_separation_deg
        Moon altitude and Moon-target distance (deg). No moonlight while the Moon is below the horizon.
    moon_illumination
        Lit fraction of the Moon's disc (0-1); the phase angle is ``arccos(2 f - 1)``.
    extinction_v_mag
        V extinction coefficient k (mag per air mass).
    dark_sky_v_mag_arcsec2
        Moonless sky at the zenith.

    Examples
    --------
    >>> round(float(sky_brightness_v_mag_arcsec2(90.0, -10.0, 90.0, 1.0)), 3)
    21.587
    """
    alt = np.asarray(altitude_deg, dtype=np.float64)
    moon_alt = np.asarray(moon_altitude_deg, dtype=np.float64)
    rho = np.clip(np.asarray(moon_separation_deg, dtype=np.float64), 10.0, 180.0)
    phase_deg = np.degrees(np.arccos(np.clip(2.0 * np.asarray(moon_illumination, dtype=np.float64) - 1.0, -1, 1)))
    k = extinction_v_mag
    x_target = _scattering_airmass(90.0 - alt)
    b_zen = mag_to_nanolambert(dark_sky_v_mag_arcsec2)
    b_dark = b_zen * 10.0 ** (-0.4 * k * (x_target - 1.0)) * x_target
    illuminance = 10.0 ** (-0.4 * (3.84 + 0.026 * phase_deg + 4e-9 * phase_deg**4))
    cos_rho = np.cos(np.radians(rho))
    scatter = 10.0**5.36 * (1.06 + cos_rho * cos_rho) + 10.0 ** (6.15 - rho / 40.0)
    x_moon = _scattering_airmass(90.0 - moon_alt)
    b_moon = scatter * illuminance * 10.0 ** (-0.4 * k * x_moon) * (1.0 - 10.0 ** (-0.4 * k * x_target))
    b_moon = np.where(moon_alt > 0.0, b_moon, 0.0)
    return np.where(alt > 0.0, nanolambert_to_mag(b_dark + b_moon), np.nan)
