"""Satellite link budgets: terminal G/T, rain-induced sky noise, C/N0, Es/N0 and interference.

Every function is vectorised over numpy arrays (sites, percentages of time) and works in decibels unless a
name says otherwise. The formulas are the standard ones; references per function:

- free-space loss and antenna gain: ITU-R P.525-4 eq. (6); gain of a circular aperture η(πDf/c)².
- receiver noise temperature from the noise figure: T = T0 (F − 1), T0 = 290 K (ITU-R P.372, IEEE).
- sky noise temperature under attenuation A (excluding scintillation): ITU-R P.618-14 §3,
  T_sky = T_mr (1 − 10^(−A/10)) + T_c 10^(−A/10), T_mr = 275 K by default, T_c = 2.7 K.
- carrier to noise density: C/N0 = EIRP − L_fs − A + G/T − k, k = −228.6 dBW/(K·Hz).
- C/(N+I) from independent noise and interference terms: 1/(C/(N+I)) = Σ 1/(C/X_k) in linear units.
- off-axis gain of the terminal for adjacent-satellite interference: the reference earth-station pattern of
  the ITU Radio Regulations, Appendix 8, Annex III.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.connect.modcod import EsN0Db
from spacebridge.core.errors import OutOfRangeError
from spacebridge.core.units import BOLTZMANN_DBW_K_HZ, SPEED_OF_LIGHT_M_S

__all__ = [
    "COSMIC_BACKGROUND_K",
    "DEFAULT_MEAN_RADIATING_TEMP_K",
    "LinkBudget",
    "Terminal",
    "antenna_gain_dbi",
    "combine_cnir_db",
    "esn0_from_cn0",
    "free_space_loss_db",
    "link_budget",
    "off_axis_gain_dbi",
    "receiver_noise_temperature_k",
    "sky_noise_temperature_k",
]

FloatArray = npt.NDArray[np.float64]
T0_K = 290.0
COSMIC_BACKGROUND_K = 2.7
"""Cosmic background temperature used by ITU-R P.618-14 §3 (K)."""
DEFAULT_MEAN_RADIATING_TEMP_K = 275.0
"""Atmospheric mean radiating temperature when no local data is available, ITU-R P.618-14 §3 (K)."""


def _positive(name: str, value: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr) & (arr > 0)):
        raise OutOfRangeError(
            f"{name} must be positive and finite, got {arr.ravel()[~(np.isfinite(arr) & (arr > 0)).ravel()][:3]}",
            hint=f"Check the units of {name}",
            name=name,
        )
    return arr


def free_space_loss_db(distance_km: npt.ArrayLike, freq_ghz: npt.ArrayLike) -> FloatArray:
    """Free-space basic transmission loss 20·log10(4πd/λ) (ITU-R P.525-4 eq. 6), dB.

    Examples
    --------
    >>> round(float(free_space_loss_db(38000.0, 12.0)), 2)
    205.63
    """
    d = _positive("distance_km", distance_km)
    f = _positive("freq_ghz", freq_ghz)
    return 20.0 * np.log10(4.0 * np.pi * d * 1e3 * f * 1e9 / SPEED_OF_LIGHT_M_S)


def antenna_gain_dbi(diameter_m: npt.ArrayLike, freq_ghz: npt.ArrayLike, efficiency: npt.ArrayLike) -> FloatArray:
    """On-axis gain of a circular aperture, 10·log10(η (πDf/c)²), dBi.

    Examples
    --------
    >>> round(float(antenna_gain_dbi(0.75, 12.0, 0.65)), 2)
    37.62
    """
    d = _positive("diameter_m", diameter_m)
    f = _positive("freq_ghz", freq_ghz)
    eta = _positive("efficiency", efficiency)
    if np.any(eta > 1.0):
        raise OutOfRangeError(
            "antenna efficiency must be in (0, 1]",
            hint="Give a fraction such as 0.65",
            name="efficiency",
            value=float(np.max(eta)),
        )
    return 10.0 * np.log10(eta * (np.pi * d * f * 1e9 / SPEED_OF_LIGHT_M_S) ** 2)


def receiver_noise_temperature_k(noise_figure_db: npt.ArrayLike) -> FloatArray:
    """Equivalent noise temperature of a receiver with noise figure F: T0 (10^(F/10) − 1), K."""
    nf = np.asarray(noise_figure_db, dtype=np.float64)
    if np.any(nf < 0):
        raise OutOfRangeError("noise figure must be >= 0 dB", name="noise_figure_db", value=float(np.min(nf)))
    return T0_K * (10.0 ** (nf / 10.0) - 1.0)


def sky_noise_temperature_k(
    attenuation_db: npt.ArrayLike, *, mean_radiating_temp_k: npt.ArrayLike = DEFAULT_MEAN_RADIATING_TEMP_K
) -> FloatArray:
    """Sky brightness temperature seen through an atmosphere attenuating by ``attenuation_db`` (ITU-R P.618-14 §3).

    ``attenuation_db`` is the total atmospheric attenuation *excluding* scintillation (gas + cloud + rain).

    Examples
    --------
    >>> round(float(sky_noise_temperature_k(3.0)), 1)
    138.5
    """
    transmissivity = 10.0 ** (-np.asarray(attenuation_db, dtype=np.float64) / 10.0)
    return np.asarray(mean_radiating_temp_k) * (1.0 - transmissivity) + COSMIC_BACKGROUND_K * transmissivity


def combine_cnir_db(*ratios_db: npt.ArrayLike | None) -> FloatArray:
    """Aggregate C/(N+I) of independent noise and interference terms (C/N, C/I...), dB; ``None`` terms skipped."""
    inverse = sum(10.0 ** (-np.asarray(r, dtype=np.float64) / 10.0) for r in ratios_db if r is not None)
    return -10.0 * np.log10(np.asarray(inverse, dtype=np.float64))


def esn0_from_cn0(cn0_dbhz: npt.ArrayLike, symbol_rate_msps: npt.ArrayLike) -> EsN0Db:
    """Es/N0 (dB) of a carrier with C/N0 (dB-Hz) at a symbol rate (Msymbol/s): C/N0 − 10·log10(Rs)."""
    rs = _positive("symbol_rate_msps", symbol_rate_msps)
    return EsN0Db(np.asarray(cn0_dbhz, dtype=np.float64) - 10.0 * np.log10(rs * 1e6))


def off_axis_gain_dbi(off_axis_deg: npt.ArrayLike, diameter_m: float, freq_ghz: float, efficiency: float) -> FloatArray:
    """Reference earth-station antenna gain at ``off_axis_deg`` (ITU Radio Regulations Appendix 8, Annex III).

    Main lobe Gmax − 2.5·10⁻³ (Dφ/λ)², first side lobe G1 = 2 + 15·log10(D/λ), then 32 − 25·log10(φ)
    (D/λ ≥ 100) or 52 − 10·log10(D/λ) − 25·log10(φ) (D/λ < 100), and the back-lobe floor beyond 48°.
    """
    phi = np.abs(np.asarray(off_axis_deg, dtype=np.float64))
    d_over_lambda = diameter_m * freq_ghz * 1e9 / SPEED_OF_LIGHT_M_S
    g_max = float(antenna_gain_dbi(diameter_m, freq_ghz, efficiency))
    g1 = 2.0 + 15.0 * np.log10(d_over_lambda)
    phi_m = 20.0 / d_over_lambda * np.sqrt(max(g_max - g1, 0.0))
    main = g_max - 2.5e-3 * (d_over_lambda * phi) ** 2
    with np.errstate(divide="ignore"):
        log_phi = np.log10(np.maximum(phi, 1e-9))
    if d_over_lambda >= 100.0:
        phi_r = 15.85 * d_over_lambda**-0.6
        side = np.where(phi < 48.0, 32.0 - 25.0 * log_phi, -10.0)
    else:
        phi_r = 100.0 / d_over_lambda
        side = np.where(
            phi < 48.0, 52.0 - 10.0 * np.log10(d_over_lambda) - 25.0 * log_phi, 10.0 - 10.0 * np.log10(d_over_lambda)
        )
    return np.where(phi < phi_m, main, np.where(phi < phi_r, g1, side))


@dataclass(frozen=True)
class Terminal:
    """A user terminal (VSAT dish or flat panel), receive and transmit sides."""

    diameter_m: float
    """Equivalent aperture diameter, m."""
    efficiency: float = 0.65
    """Aperture efficiency (0-1]."""
    noise_figure_db: float = 1.0
    """LNB noise figure, dB."""
    ground_noise_k: float = 30.0
    """Ground and spillover contribution to the antenna noise temperature, K."""
    tx_power_w: float = 3.0
    """Power amplifier output for the return link, W."""
    losses_db: float = 0.5
    """Pointing, feed and polarisation losses, dB."""

    def gain_dbi(self, freq_ghz: npt.ArrayLike) -> FloatArray:
        return antenna_gain_dbi(self.diameter_m, freq_ghz, self.efficiency)

    def system_noise_k(self, attenuation_excl_scint_db: npt.ArrayLike) -> FloatArray:
        """System noise temperature: sky (P.618 §3) + ground spillover + receiver."""
        sky = sky_noise_temperature_k(attenuation_excl_scint_db)
        return sky + self.ground_noise_k + receiver_noise_temperature_k(self.noise_figure_db)

    def gt_dbk(self, freq_ghz: npt.ArrayLike, attenuation_excl_scint_db: npt.ArrayLike = 0.0) -> FloatArray:
        """Figure of merit G/T (dB/K) with the sky noise of the given attenuation."""
        return self.gain_dbi(freq_ghz) - 10.0 * np.log10(self.system_noise_k(attenuation_excl_scint_db))

    def eirp_dbw(self, freq_ghz: npt.ArrayLike) -> FloatArray:
        return 10.0 * np.log10(self.tx_power_w) + self.gain_dbi(freq_ghz) - self.losses_db


@dataclass(frozen=True)
class LinkBudget:
    """One direction of a link, per site (and per percentage of time when arrays carry that axis)."""

    eirp_dbw: FloatArray
    free_space_loss_db: FloatArray
    atmospheric_loss_db: FloatArray
    gt_dbk: FloatArray
    cn0_dbhz: FloatArray
    esn0_thermal_db: EsN0Db
    """Es/N0 from thermal noise only."""
    esn0_db: EsN0Db
    """Es/(N0+I0): thermal noise combined with every interference term and the other hop."""


def link_budget(
    *,
    eirp_dbw: npt.ArrayLike,
    slant_range_km: npt.ArrayLike,
    freq_ghz: npt.ArrayLike,
    attenuation_db: npt.ArrayLike,
    gt_dbk: npt.ArrayLike,
    symbol_rate_msps: npt.ArrayLike,
    other_losses_db: npt.ArrayLike = 0.0,
    interference_ci_db: tuple[npt.ArrayLike | None, ...] = (),
    other_hop_esn0_db: npt.ArrayLike | None = None,
) -> LinkBudget:
    """Budget of one hop: C/N0 = EIRP − L_fs − A − losses + G/T − k, then Es/N0 with interference.

    ``attenuation_db`` is the total atmospheric attenuation (P.618 total, scintillation included); the G/T
    should already include the matching sky-noise rise (:meth:`Terminal.gt_dbk` for the forward link).
    ``interference_ci_db`` are carrier-to-interference ratios (adjacent satellites, cross-polarisation,
    intermodulation) and ``other_hop_esn0_db`` the Es/N0 of the other hop of a transparent transponder,
    all combined with :func:`combine_cnir_db`.
    """
    fsl = free_space_loss_db(slant_range_km, freq_ghz)
    atm = np.asarray(attenuation_db, dtype=np.float64)
    cn0 = (
        np.asarray(eirp_dbw, dtype=np.float64)
        - fsl
        - atm
        - np.asarray(other_losses_db)
        + np.asarray(gt_dbk, dtype=np.float64)
        - BOLTZMANN_DBW_K_HZ
    )
    thermal = esn0_from_cn0(cn0, symbol_rate_msps)
    total = combine_cnir_db(thermal, *interference_ci_db, other_hop_esn0_db)
    return LinkBudget(
        eirp_dbw=np.broadcast_to(np.asarray(eirp_dbw, dtype=np.float64), cn0.shape),
        free_space_loss_db=fsl,
        atmospheric_loss_db=atm,
        gt_dbk=np.broadcast_to(np.asarray(gt_dbk, dtype=np.float64), cn0.shape),
        cn0_dbhz=cn0,
        esn0_thermal_db=thermal,
        esn0_db=EsN0Db(total),
    )
