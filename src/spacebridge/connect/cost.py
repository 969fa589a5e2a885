"""Costs of connecting a settlement with one system: CAPEX, OPEX, annualised cost, per user and per Mbit/s.

Per settlement: terminals = max(1, ⌈subscribers / subscribers per terminal⌉);
CAPEX = terminals × (terminal + installation) + site (local distribution: mast, Wi-Fi, power);
OPEX per year = terminals × (12 × subscription + maintenance) + 12 × bandwidth used (MHz) × capacity price.
The annualised cost is CAPEX × CRF + OPEX with the capital recovery factor
CRF = r (1 + r)^n / ((1 + r)^n − 1) over the terminal lifetime n at discount rate r (the standard annuity
formula of engineering economics).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.connect.scenario import Costs

__all__ = ["CostBreakdown", "capital_recovery_factor", "settlement_costs"]

FloatArray = npt.NDArray[np.float64]


def capital_recovery_factor(rate: float, years: int) -> float:
    """Annuity factor turning a present cost into equal yearly payments; 1/years when ``rate`` is 0.

    Examples
    --------
    >>> round(capital_recovery_factor(0.08, 7), 5)
    0.19207
    """
    if rate == 0.0:
        return 1.0 / years
    growth = (1.0 + rate) ** years
    return rate * growth / (growth - 1.0)


@dataclass(frozen=True)
class CostBreakdown:
    terminals: FloatArray
    capex_usd: FloatArray
    opex_usd_year: FloatArray
    annual_usd: FloatArray
    """CAPEX annualised over the terminal lifetime, plus OPEX."""
    cost_per_user_usd_year: FloatArray
    """Annualised cost per subscriber (NaN without subscribers)."""
    cost_per_mbps_usd_year: FloatArray
    """Annualised cost per Mbit/s of busy-hour throughput served (NaN when nothing is served)."""


def settlement_costs(
    subscribers: FloatArray,
    served_mbps: FloatArray,
    bandwidth_mhz: FloatArray,
    costs: Costs,
    *,
    discount_rate: float,
) -> CostBreakdown:
    """Costs of every settlement on one system (see the module docstring)."""
    terminals = np.maximum(1.0, np.ceil(subscribers / costs.subscribers_per_terminal))
    capex = terminals * (costs.terminal_usd + costs.installation_usd) + costs.site_usd
    opex = (
        terminals * (12.0 * costs.subscription_usd_month + costs.maintenance_usd_year)
        + 12.0 * bandwidth_mhz * costs.capacity_usd_per_mhz_month
    )
    annual = capex * capital_recovery_factor(discount_rate, costs.lifetime_years) + opex
    with np.errstate(divide="ignore", invalid="ignore"):
        per_user = np.where(subscribers > 0, annual / subscribers, np.nan)
        per_mbps = np.where(served_mbps > 0, annual / served_mbps, np.nan)
    return CostBreakdown(terminals, capex, opex, annual, per_user, per_mbps)
