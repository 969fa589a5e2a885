"""Alerting: evaluate an area's rules on its stored time series, then deliver what is due.

The pieces: :mod:`~spacebridge.service.rules` decides (pure, hysteresis), :mod:`~spacebridge.service.store_alerts`
records alerts and deliveries atomically with de-duplication, :mod:`~spacebridge.service.delivery` sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacebridge.service.delivery import DeliveryPolicy, PassReport, deliver_due

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store import Store

__all__ = ["AlertPass", "evaluate_and_deliver"]


@dataclass(frozen=True)
class AlertPass:
    opened: tuple[dict[str, Any], ...]
    deliveries: PassReport


def evaluate_and_deliver(
    store: Store, settings: Settings, area_ids: list[int] | None = None, *, policy: DeliveryPolicy | None = None
) -> AlertPass:
    """Evaluate the rules of ``area_ids`` (default: every area), then send every due delivery."""
    ids = area_ids if area_ids is not None else [a["id"] for a in store.watch.areas()]
    opened: list[dict[str, Any]] = []
    for area_id in ids:
        opened += store.alerts.catch_up(area_id)
    return AlertPass(tuple(opened), deliver_due(store, settings, policy=policy))
