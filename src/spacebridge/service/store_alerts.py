"""Alerts and their deliveries in the database: apply an observation to the rules, claim due deliveries.

Everything that changes alert state happens in one transaction per area: the rule state, the alert (unique
``dedup_key``) and one delivery row per target are committed together or not at all. Deliveries are claimed with
a lease (``status='sending'`` until ``next_attempt_at``) so that a process dying mid-send leaves them to be retried,
never lost and never sent twice by two live processes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from spacebridge.service.models import Alert, Delivery, Rule, RuleState, SeriesValue
from spacebridge.service.rules import RuleSpec, decide, dedup_key
from spacebridge.service.store_catalog import as_utc

if TYPE_CHECKING:
    from spacebridge.service.store import Store

__all__ = ["AlertStore", "alert_dict"]


def alert_dict(a: Alert, deliveries: list[Delivery] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.id,
        "rule_id": a.rule_id,
        "area_id": a.area_id,
        "value": a.value,
        "threshold": a.threshold,
        "message": a.message,
        "observed_at": as_utc(a.observed_at),
        "opened_at": as_utc(a.opened_at),
        "closed_at": as_utc(a.closed_at),
    }
    if deliveries is not None:
        out["deliveries"] = [
            {
                "id": d.id,
                "channel": d.channel,
                "target": d.target,
                "status": d.status,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "delivered_at": as_utc(d.delivered_at),
            }
            for d in deliveries
        ]
    return out


def _message(rule: Rule, value: float, when: dt.datetime) -> str:
    return (
        f"{rule.name}: {rule.variable} = {value:.4g} {rule.op} {rule.threshold:g} "
        f"(area {rule.area_id}, observed {when.isoformat()})"
    )


class AlertStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def catch_up(self, area_id: int) -> list[dict[str, Any]]:
        """Apply every stored value newer than each rule's last observation, in time order; return opened alerts.

        Evaluation is derived from the stored time series, so it is idempotent and resumable: values recorded by
        a run that died before evaluating are evaluated at the next call, and none is evaluated twice.
        """

        def work(s: Session) -> list[dict[str, Any]]:
            opened = []
            rules = s.scalars(select(Rule).where(Rule.area_id == area_id, Rule.enabled.is_(True)).order_by(Rule.id))
            for rule in rules:
                state = s.get(RuleState, rule.id)
                stmt = select(SeriesValue).where(SeriesValue.area_id == area_id, SeriesValue.variable == rule.variable)
                if state is not None and state.last_datetime is not None:
                    stmt = stmt.where(SeriesValue.datetime > state.last_datetime)
                for v in s.scalars(stmt.order_by(SeriesValue.datetime)):
                    alert = self._apply(s, rule, v.value, as_utc(v.datetime) or v.datetime)
                    if alert is not None:
                        opened.append(alert)
            return opened

        return self._store.transact(work)

    def _apply(self, s: Session, rule: Rule, value: float, when: dt.datetime) -> dict[str, Any] | None:
        state = s.get(RuleState, rule.id)
        if state is None:
            state = RuleState(rule_id=rule.id, firing=False)
            s.add(state)
        last = as_utc(state.last_datetime)
        if last is not None and when <= last:
            return None  # an observation already seen (or older): de-duplicated
        spec = RuleSpec(rule.variable, rule.op, rule.threshold, rule.hysteresis)
        decision = decide(spec, firing=state.firing, value=value)
        state.firing, state.last_value, state.last_datetime = decision.firing, value, when
        if decision.event == "close" and state.open_alert_id is not None:
            alert = s.get(Alert, state.open_alert_id)
            if alert is not None:
                alert.closed_at = when
            state.open_alert_id = None
            return None
        if decision.event != "open":
            return None
        key = dedup_key(rule.id, when, "open")
        if s.scalar(select(Alert.id).where(Alert.dedup_key == key)) is not None:
            return None
        alert = Alert(
            rule_id=rule.id,
            area_id=rule.area_id,
            dedup_key=key,
            value=value,
            threshold=rule.threshold,
            message=_message(rule, value, when),
            observed_at=when,
        )
        s.add(alert)
        s.flush()
        state.open_alert_id = alert.id
        for hook in rule.channels.get("webhooks", []):
            s.add(Delivery(alert_id=alert.id, channel="webhook", target=hook["url"], secret=hook.get("secret")))
        for address in rule.channels.get("emails", []):
            s.add(Delivery(alert_id=alert.id, channel="email", target=address))
        s.flush()
        return alert_dict(alert)

    def alerts(self, *, area_id: int | None = None, open_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        stmt = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if area_id is not None:
            stmt = stmt.where(Alert.area_id == area_id)
        if open_only:
            stmt = stmt.where(Alert.closed_at.is_(None))

        def work(s: Session) -> list[dict[str, Any]]:
            out = []
            for a in s.scalars(stmt):
                ds = list(s.scalars(select(Delivery).where(Delivery.alert_id == a.id).order_by(Delivery.id)))
                out.append(alert_dict(a, ds))
            return out

        return self._store.transact(work)

    def claim_due(self, now: dt.datetime, *, lease_s: float, limit: int = 50) -> list[dict[str, Any]]:
        """Deliveries due now (pending, or sending with an expired lease), leased to the caller."""

        def work(s: Session) -> list[dict[str, Any]]:
            due = and_(Delivery.next_attempt_at <= now, or_(Delivery.status == "pending", Delivery.status == "sending"))
            rows = list(s.scalars(select(Delivery).where(due).order_by(Delivery.id).limit(limit)))
            out = []
            for d in rows:
                alert = s.get(Alert, d.alert_id)
                d.status, d.next_attempt_at = "sending", now + dt.timedelta(seconds=lease_s)
                out.append(
                    {
                        "id": d.id,
                        "channel": d.channel,
                        "target": d.target,
                        "secret": d.secret,
                        "attempts": d.attempts,
                        "alert": alert_dict(alert) if alert else {},
                    }
                )
            return out

        return self._store.transact(work)

    def record_attempt(self, delivery_id: int, *, ok: bool, error: str | None, retry_at: dt.datetime | None) -> str:
        """Store the outcome of one attempt; ``retry_at=None`` after a failure means give up. Returns the status."""

        def work(s: Session) -> str:
            d = s.get(Delivery, delivery_id)
            if d is None:
                return "missing"
            d.attempts += 1
            d.last_error = error
            if ok:
                d.status, d.delivered_at = "delivered", dt.datetime.now(dt.UTC)
            elif retry_at is None:
                d.status = "failed"
            else:
                d.status, d.next_attempt_at = "pending", retry_at
            return d.status

        return self._store.transact(work)
