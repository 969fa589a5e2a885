"""Throughput of an ACM link over the distribution of propagation conditions.

A link budget evaluated at several percentages of time p (the attenuation exceeded p % of an average year,
ITU-R P.618) gives the Es/N0 that the link falls below p % of the time. With adaptive coding and modulation the
throughput follows Es/N0, so:

- the throughput *at a target availability* a (%) is the ACM throughput at p = 100 − a;
- the *availability* of the link is the largest a at which the most robust MODCOD still closes, found by
  interpolating the margin linearly in log(p) between evaluated percentages;
- the *availability-weighted mean throughput* integrates the throughput over the distribution. Between two
  evaluated percentages p_i > p_{i+1} the attenuation lies between A(p_i) and A(p_{i+1}), so the throughput is
  at least R(p_{i+1}); above the largest p it is at least R(p_max); below the smallest p it is counted as zero.
  The result is therefore a *lower bound* (conservative), tight when the percentages are dense.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from spacebridge.connect.modcod import EsN0Db, ModcodTable
from spacebridge.core.errors import InvalidInputError

__all__ = ["link_availability_percent", "mean_throughput_mbps", "throughput_mbps"]

FloatArray = npt.NDArray[np.float64]


def throughput_mbps(
    esn0_db: EsN0Db | FloatArray,
    *,
    table: ModcodTable,
    symbol_rate_msps: npt.ArrayLike,
    implementation_margin_db: float = 0.0,
) -> FloatArray:
    """Information throughput (Mbit/s) ACM delivers at each Es/N0: symbol rate × best spectral efficiency."""
    efficiency = table.spectral_efficiency(esn0_db, implementation_margin_db=implementation_margin_db)
    return np.asarray(symbol_rate_msps, dtype=np.float64) * efficiency


def _check_percentages(p_percent: Sequence[float]) -> FloatArray:
    p = np.asarray(p_percent, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(np.diff(p) >= 0) or p[0] > 100.0 or p[-1] <= 0.0:
        raise InvalidInputError(
            f"percentages of time {list(p_percent)} must be strictly decreasing within (0, 100]",
            hint="Give e.g. [50, 5, 1, 0.5, 0.1, 0.05]",
            name="p_percent",
            value=list(p_percent),
        )
    return p


def mean_throughput_mbps(
    p_percent: Sequence[float],
    throughput_at_p_mbps: FloatArray,
) -> FloatArray:
    """Lower bound of the time-averaged throughput (Mbit/s) from throughputs at decreasing percentages.

    Parameters
    ----------
    p_percent
        Percentages of time, strictly decreasing (e.g. ``[50, 5, 1, 0.1]``).
    throughput_at_p_mbps
        Throughput when the attenuation is the one exceeded ``p`` % of the time; last axis follows ``p_percent``.

    Examples
    --------
    >>> float(mean_throughput_mbps([50.0, 1.0], np.array([100.0, 40.0])))
    69.6
    """
    p = _check_percentages(p_percent)
    rates = np.asarray(throughput_at_p_mbps, dtype=np.float64)
    if rates.shape[-1] != p.size:
        raise InvalidInputError(
            f"throughput has {rates.shape[-1]} values on its last axis for {p.size} percentages",
            name="throughput_at_p_mbps",
        )
    weights = -np.diff(np.concatenate([[100.0], p])) / 100.0  # time between consecutive percentages
    # throughput over (p_i, p_{i-1}] is at least R(p_i): the i-th weight goes with the i-th rate,
    # except the first interval (p_0, 100], credited with R(p_0).
    return np.asarray(rates @ weights, dtype=np.float64)


def link_availability_percent(
    p_percent: Sequence[float],
    margin_db: FloatArray,
) -> FloatArray:
    """Availability (%) at which a margin crosses zero, interpolated linearly in log(p).

    ``margin_db`` (last axis follows the decreasing ``p_percent``) is Es/N0 minus the requirement of the most
    robust MODCOD (plus implementation margin). Where the margin is negative at every p the availability is
    at most ``100 − p_max`` and 0 is returned; where it is positive at every p, ``100 − p_min`` (a lower bound).
    """
    p = _check_percentages(p_percent)
    margin = np.asarray(margin_db, dtype=np.float64)
    log_p = np.log10(p)
    closes = margin >= 0.0
    # last index (along decreasing p) where the link still closes, assuming margin decreases as p decreases
    n_close = np.sum(np.cumprod(closes, axis=-1), axis=-1)
    out = np.where(n_close == p.size, 100.0 - p[-1], 0.0)
    partial = (n_close > 0) & (n_close < p.size)
    if np.any(partial):
        i = n_close[partial] - 1
        m = margin[partial]
        m_hi = np.take_along_axis(m, i[:, None], axis=-1)[:, 0]
        m_lo = np.take_along_axis(m, (i + 1)[:, None], axis=-1)[:, 0]
        frac = m_hi / np.where(m_hi - m_lo > 0, m_hi - m_lo, 1.0)
        log_cross = log_p[i] + frac * (log_p[i + 1] - log_p[i])
        out[partial] = 100.0 - 10.0**log_cross
    return out
