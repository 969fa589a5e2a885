"""Per-settlement forward and return links of one system, over percentages of time, with ACM.

For every settlement that sees the satellite above the minimum elevation (GEO) or whose latitude has coverage
(LEO, at the serving elevation exceeded ``1 − elevation_quantile`` of the time), the forward link is evaluated
at every percentage of the forward ladder (availability targets and the extra mean-throughput percentages) and
the return link at the design availability (or at every target). Propagation comes through
:func:`spacebridge.connect.propagation.path_attenuation`, one vectorised call per link direction.

Availability of a LEO link is the link availability times the latitude's coverage fraction (outages from
coverage gaps and from fades taken as independent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from spacebridge.connect.acm import link_availability_percent, mean_throughput_mbps, throughput_mbps
from spacebridge.connect.constellations import (
    EARTH_RADIUS_WGS72_KM,
    ElevationStats,
    ecef_positions_km,
    serving_elevation_stats,
    walker_satellites,
)
from spacebridge.connect.geometry import GEO_RADIUS_KM, geo_look_angles
from spacebridge.connect.linkbudget import combine_cnir_db, link_budget, off_axis_gain_dbi
from spacebridge.connect.modcod import ModcodTable, dvbs2_table, dvbs2x_table, symbol_rate_msps
from spacebridge.connect.propagation import AttenuationModel, PathAttenuation, SitePropagation, path_attenuation
from spacebridge.connect.scenario import Scenario, SystemSpec
from spacebridge.core.errors import ConfigurationError

if TYPE_CHECKING:
    from spacebridge.connect.itur.mapcache import MapsDir

__all__ = ["SystemLinks", "evaluate_system", "leo_elevation_stats"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
LEO_EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
"""Epoch of the synthetic Walker shells (statistics do not depend on it)."""
LEO_STEP_MIN = 2.0
"""Time step of the serving-elevation statistics, minutes."""


@dataclass(frozen=True)
class SystemLinks:
    """Link results of one system for every settlement (NaN / False where the satellite is not usable)."""

    system_id: str
    usable: BoolArray
    """Geometry allows a link: elevation above the minimum (GEO) or covered latitude (LEO)."""
    elevation_deg: FloatArray
    slant_range_km: FloatArray
    skew_deg: FloatArray
    coverage_fraction: FloatArray
    eirp_dbw: FloatArray
    p_percent: tuple[float, ...]
    """Forward-link percentages of time, decreasing."""
    esn0_db: FloatArray
    """Forward Es/(N0+I0), shape (settlement, percentage)."""
    carrier_rate_mbps: FloatArray
    """Throughput of one forward carrier with ACM, shape (settlement, percentage)."""
    mean_carrier_rate_mbps: FloatArray
    availability_percent: FloatArray
    """Availability at which the most robust MODCOD still closes (forward; LEO times coverage)."""
    return_rate_mbps: dict[float, FloatArray]
    """Return-link throughput per availability target evaluated."""
    symbol_rate_msps: float
    versions: dict[str, str] = field(default_factory=dict)

    def rate_at(self, availability_percent: float) -> FloatArray:
        return self.carrier_rate_mbps[:, self.p_percent.index(round(100.0 - availability_percent, 6))]

    def feasible_at(self, availability_percent: float, *, design_percent: float) -> BoolArray:
        """Forward closes at the availability, the return closes (at it, or at the design availability when
        only that was evaluated), and for LEO the coverage fraction reaches it."""
        ret = self.return_rate_mbps.get(availability_percent, self.return_rate_mbps[design_percent])
        cover_ok = self.coverage_fraction * 100.0 >= availability_percent
        return self.usable & (self.rate_at(availability_percent) > 0) & (ret > 0) & cover_ok


def leo_elevation_stats(system: SystemSpec, lat_deg: FloatArray) -> ElevationStats:
    """Serving-elevation statistics of a LEO system's shell over the settlements' latitudes (1° steps)."""
    if system.shell is None:
        raise ConfigurationError(f"LEO system {system.id!r} has no shell", hint="Set the system's 'shell' key",
                                 key="shell")  # fmt: skip
    lats = np.abs(lat_deg)
    grid = np.arange(np.floor(lats.min()), np.ceil(lats.max()) + 1.0, 1.0) if lats.size else np.array([0.0])
    period_min = 2 * np.pi * np.sqrt((EARTH_RADIUS_WGS72_KM + system.shell.altitude_km) ** 3 / 398600.8) / 60.0
    # One orbital period in 2-minute steps x 24 longitudes: about 1,100 samples per latitude.
    times = [LEO_EPOCH + dt.timedelta(minutes=float(m)) for m in np.arange(0.0, period_min, LEO_STEP_MIN)]
    positions = ecef_positions_km(walker_satellites(system.shell, epoch_utc=LEO_EPOCH), times)
    return serving_elevation_stats(positions, grid, min_elevation_deg=system.shell.min_elevation_deg)


def _table(system: SystemSpec) -> ModcodTable:
    return dvbs2x_table() if system.modcods == "dvb-s2x" else dvbs2_table()


def _adjacent_ci_db(system: SystemSpec, lat: FloatArray, lon: FloatArray) -> FloatArray | None:
    """C/I from the two adjacent GEO satellites through the terminal's off-axis discrimination (RR App. 8)."""
    spacing = system.interference.adjacent_spacing_deg
    if system.kind != "geo" or spacing is None or system.slot_lon_deg is None:
        return None
    from spacebridge.connect.geometry import geodetic_to_ecef_km

    site = geodetic_to_ecef_km(lat, lon)

    def direction(slot: float) -> FloatArray:
        s = np.radians(slot)
        vec = np.array([GEO_RADIUS_KM * np.cos(s), GEO_RADIUS_KM * np.sin(s), 0.0]) - site
        return vec / np.linalg.norm(vec, axis=-1, keepdims=True)

    wanted = direction(system.slot_lon_deg)
    term = system.terminal
    g_max = float(off_axis_gain_dbi(0.0, term.diameter_m, system.downlink_freq_ghz, term.efficiency))
    terms = []
    for sign in (-1.0, 1.0):
        cos_t = np.sum(wanted * direction(system.slot_lon_deg + sign * spacing), axis=-1)
        theta = np.degrees(np.arccos(np.clip(cos_t, -1.0, 1.0)))
        gain = off_axis_gain_dbi(theta, term.diameter_m, system.downlink_freq_ghz, term.efficiency)
        terms.append(g_max - gain - system.interference.adjacent_eirp_delta_db)
    return combine_cnir_db(*terms)


def _geometry(
    system: SystemSpec, scenario: Scenario, lat: FloatArray, lon: FloatArray
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    n = lat.size
    if system.kind == "geo" and system.slot_lon_deg is not None:
        la = geo_look_angles(lat, lon, system.slot_lon_deg)
        s = np.radians(system.slot_lon_deg)
        sat = np.array([GEO_RADIUS_KM * np.cos(s), GEO_RADIUS_KM * np.sin(s), 0.0])
        eirp = system.eirp.eirp_at(lat, lon, sat)
        skew = la.skew_deg if la.skew_deg is not None else np.full(n, np.nan)
        usable = (la.elevation_deg >= scenario.min_elevation_deg) & np.isfinite(eirp)
        return usable, la.elevation_deg, la.slant_range_km, skew, np.ones(n), eirp
    stats = leo_elevation_stats(system, lat)
    shell = system.shell
    if shell is None:  # leo_elevation_stats raised already; for the type checker
        raise ConfigurationError(f"LEO system {system.id!r} has no shell", key="shell")
    el = stats.elevation_at(lat, system.elevation_quantile)
    cover = stats.coverage_at(lat)
    re = 6378.137  # spherical Earth for the slant range to a circular shell
    rng = np.sqrt((re + shell.altitude_km) ** 2 - (re * np.cos(np.radians(el))) ** 2) - re * np.sin(np.radians(el))
    eirp = system.eirp.eirp_at(lat, lon, np.zeros(3))
    usable = (el >= shell.min_elevation_deg) & (cover > 0) & np.isfinite(eirp)
    return usable, el, rng, np.full(n, np.nan), cover, eirp


def _attenuation(
    sites: SitePropagation | None,
    model: AttenuationModel | None,
    idx: npt.NDArray[np.intp],
    lat: FloatArray,
    lon: FloatArray,
    freq_ghz: float,
    el: FloatArray,
    p: tuple[float, ...],
    system: SystemSpec,
) -> PathAttenuation:
    term = system.terminal
    if model is None and sites is not None:
        return sites.attenuation(freq_ghz, el[idx], p, diameter_m=term.diameter_m, efficiency=term.efficiency,
                                 tau_deg=system.tau_deg, index=idx)  # fmt: skip
    return path_attenuation(lat[idx, None], lon[idx, None], freq_ghz, el[idx, None], np.array(p)[None, :],
                            diameter_m=term.diameter_m, efficiency=term.efficiency, tau_deg=system.tau_deg,
                            model=model)  # fmt: skip


def evaluate_system(
    system: SystemSpec,
    scenario: Scenario,
    lat_deg: FloatArray,
    lon_deg: FloatArray,
    *,
    model: AttenuationModel | None = None,
    sites: SitePropagation | None = None,
    maps_dir: MapsDir = None,
) -> SystemLinks:
    """Forward and return links of ``system`` for every settlement (see the module docstring).

    Propagation: ``model`` when given (any callable like :func:`spacebridge.connect.itur.total_attenuation`),
    else ``sites`` (a :class:`SitePropagation` of these settlements, shared between systems), else a new one
    reading the ITU-R maps from ``maps_dir`` (``Settings.itur_cache``).
    """
    lat, lon = np.asarray(lat_deg, dtype=np.float64), np.asarray(lon_deg, dtype=np.float64)
    usable, el, rng, skew, cover, eirp = _geometry(system, scenario, lat, lon)
    targets = scenario.availability_targets_percent
    ladder = tuple(sorted({*scenario.mean_throughput_p_percent, *(round(100.0 - a, 6) for a in targets)},
                          reverse=True))  # fmt: skip
    table = _table(system)
    rs = float(symbol_rate_msps(system.carrier_bandwidth_mhz, system.roll_off))
    n, k = lat.size, len(ladder)
    esn0 = np.full((n, k), np.nan)
    rates = np.zeros((n, k))
    term, inter = system.terminal, system.interference
    idx = np.flatnonzero(usable)
    versions: dict[str, str] = {}
    ret_targets = targets if scenario.return_link_at == "all" else (scenario.design_availability_percent,)
    return_rate = {a: np.zeros(n) for a in ret_targets}
    if idx.size:
        if model is None and sites is None:
            sites = SitePropagation(lat, lon, maps_dir=maps_dir)
        u_rng = rng[idx, None]
        fwd = _attenuation(sites, model, idx, lat, lon, system.downlink_freq_ghz, el, ladder, system)
        versions = dict(fwd.versions)
        adj = _adjacent_ci_db(system, lat[idx], lon[idx])
        budget = link_budget(
            eirp_dbw=eirp[idx, None], slant_range_km=u_rng, freq_ghz=system.downlink_freq_ghz,
            attenuation_db=fwd.total_db, gt_dbk=term.gt_dbk(system.downlink_freq_ghz, fwd.excl_scint_db),
            symbol_rate_msps=rs, other_losses_db=term.losses_db,
            interference_ci_db=(None if adj is None else adj[:, None], inter.xpol_ci_db, inter.other_ci_db),
            other_hop_esn0_db=inter.gateway_esn0_db,
        )  # fmt: skip
        esn0[idx] = budget.esn0_db
        rates[idx] = throughput_mbps(budget.esn0_db, table=table, symbol_rate_msps=rs,
                                     implementation_margin_db=system.implementation_margin_db)  # fmt: skip
        p_ret = tuple(round(100.0 - a, 6) for a in ret_targets)
        up = _attenuation(sites, model, idx, lat, lon, system.uplink_freq_ghz, el, p_ret, system)
        ret = link_budget(
            eirp_dbw=term.eirp_dbw(system.uplink_freq_ghz), slant_range_km=u_rng, freq_ghz=system.uplink_freq_ghz,
            attenuation_db=up.total_db, gt_dbk=system.satellite_gt_dbk, symbol_rate_msps=system.return_symbol_rate_msps,
            interference_ci_db=(inter.other_ci_db,), other_hop_esn0_db=inter.gateway_esn0_db,
        )  # fmt: skip
        ret_rates = throughput_mbps(ret.esn0_db, table=table, symbol_rate_msps=system.return_symbol_rate_msps,
                                    implementation_margin_db=system.implementation_margin_db)  # fmt: skip
        for j, a in enumerate(ret_targets):
            return_rate[a][idx] = ret_rates[:, j]
    margin = np.where(np.isfinite(esn0), esn0 - table.min_required_esn0_db - system.implementation_margin_db, -1.0)
    availability = np.where(usable, link_availability_percent(ladder, margin) * cover, 0.0)
    return SystemLinks(
        system.id, usable, el, rng, skew, cover, eirp, ladder, esn0, rates,
        np.where(usable, mean_throughput_mbps(ladder, rates), 0.0), availability, return_rate, rs, versions,
    )  # fmt: skip
