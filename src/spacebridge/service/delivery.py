"""Deliver alerts: webhooks (HTTP POST signed with HMAC-SHA256 of the body) and e-mail (SMTP).

Each pass claims the due deliveries from the store, tries each a few times with exponential back-off, and stores
the outcome: delivered, pending with the next attempt time (back-off doubling up to ``retry_max_s``), or failed
after ``max_attempts``. A receiver that is down or times out costs a retry, never a lost record.

Webhook requests carry ``X-Spacebridge-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` (the scheme GitHub
uses for its webhooks) and ``X-Spacebridge-Delivery: <id>`` so that receivers can verify and de-duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store import Store

__all__ = ["DeliveryPolicy", "PassReport", "deliver_due", "sign"]

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Spacebridge-Signature"


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try. Times in seconds."""

    tries_per_pass: int = 3
    first_wait_s: float = 0.5
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    max_attempts: int = 8
    lease_s: float = 300.0
    timeout_s: float = 10.0

    def retry_at(self, attempts: int, now: dt.datetime) -> dt.datetime | None:
        """When to try again after ``attempts`` failed attempts; ``None`` when out of attempts."""
        if attempts >= self.max_attempts:
            return None
        delay = min(self.retry_base_s * 2 ** max(attempts - 1, 0), self.retry_max_s)
        return now + dt.timedelta(seconds=delay)


@dataclass(frozen=True)
class PassReport:
    delivered: int
    retrying: int
    failed: int


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>`` HMAC-SHA256 of ``body`` with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(alert: dict[str, Any]) -> bytes:
    return json.dumps({"event": "alert.opened", "alert": alert}, default=str, sort_keys=True).encode()


def _post(delivery: dict[str, Any], timeout_s: float) -> None:
    import httpx

    body = payload(delivery["alert"])
    headers = {
        "Content-Type": "application/json",
        "X-Spacebridge-Delivery": str(delivery["id"]),
        "User-Agent": "spacebridge-alerts",
    }
    if delivery.get("secret"):
        headers[SIGNATURE_HEADER] = sign(delivery["secret"], body)
    try:
        resp = httpx.post(delivery["target"], content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:  # connection refused, timeout, protocol error: one failed attempt
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise OSError(f"receiver answered HTTP {resp.status_code}")


def _mail(delivery: dict[str, Any], settings: Settings, timeout_s: float) -> None:
    if not settings.smtp_host:
        raise OSError("no SMTP server configured (set SPACEBRIDGE_SMTP_HOST)")
    alert = delivery["alert"]
    msg = EmailMessage()
    msg["From"] = settings.smtp_sender
    msg["To"] = delivery["target"]
    msg["Subject"] = f"[spacebridge] alert {alert.get('id')}: {alert.get('message', '')[:120]}"
    msg.set_content(json.dumps(alert, default=str, indent=2, sort_keys=True))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout_s) as smtp:
        smtp.send_message(msg)


def _try(delivery: dict[str, Any], settings: Settings, policy: DeliveryPolicy) -> str | None:
    """Up to ``tries_per_pass`` attempts with back-off; ``None`` on success, else the last error."""
    wait_s, error = policy.first_wait_s, None
    for attempt in range(policy.tries_per_pass):
        try:
            if delivery["channel"] == "webhook":
                _post(delivery, policy.timeout_s)
            else:
                _mail(delivery, settings, policy.timeout_s)
            return None
        except OSError as exc:  # includes smtplib.SMTPException and socket timeouts
            error = str(exc) or type(exc).__name__
            log.info("delivery %s attempt %d failed: %s", delivery["id"], attempt + 1, error)
        if attempt + 1 < policy.tries_per_pass:
            time.sleep(wait_s)
            wait_s *= 2
    return error


def deliver_due(
    store: Store, settings: Settings, *, policy: DeliveryPolicy | None = None, now: dt.datetime | None = None
) -> PassReport:
    """Send every due delivery once (with in-pass retries) and store the outcomes."""
    policy = policy or DeliveryPolicy(timeout_s=settings.webhook_timeout_s)
    now = now or dt.datetime.now(dt.UTC)
    counts = {"delivered": 0, "pending": 0, "failed": 0}
    for delivery in store.alerts.claim_due(now, lease_s=policy.lease_s):
        error = _try(delivery, settings, policy)
        retry_at = None if error is None else policy.retry_at(delivery["attempts"] + 1, dt.datetime.now(dt.UTC))
        status = store.alerts.record_attempt(delivery["id"], ok=error is None, error=error, retry_at=retry_at)
        counts[status] = counts.get(status, 0) + 1
    return PassReport(counts["delivered"], counts["pending"], counts["failed"])
