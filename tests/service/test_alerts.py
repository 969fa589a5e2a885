import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json

import pytest

from spacebridge.core.settings import Settings
from spacebridge.service.alerts import evaluate_and_deliver
from spacebridge.service.delivery import DeliveryPolicy, deliver_due
from spacebridge.service.geometry import validate_geometry
from spacebridge.service.store import Store
from tests.service.receivers import Behaviour, free_port, smtp_receiver, webhook_receiver

SQUARE = {"type": "Polygon", "coordinates": [[[-1, 38], [-0.8, 38], [-0.8, 38.2], [-1, 38.2], [-1, 38]]]}
FAST = DeliveryPolicy(tries_per_pass=2, first_wait_s=0.05, retry_base_s=0.0, max_attempts=5, timeout_s=1.0)


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


def _t(day):
    return dt.datetime(2019, 9, day, tzinfo=dt.UTC)


def _area_with_rule(store, channels):
    area = store.watch.add_area("Vega Baja", validate_geometry(SQUARE))
    store.watch.add_rule(
        area["id"], name="flood", variable="flooded_km2", op=">", threshold=50.0, hysteresis=5.0, channels=channels
    )
    return area["id"]


def _observe(store, area_id, day, value):
    store.watch.add_values([{"area_id": area_id, "variable": "flooded_km2", "datetime": _t(day), "value": value}])


def test_alert_opens_once_and_closes_with_hysteresis(store):
    area_id = _area_with_rule(store, {})
    for day, value in [(1, 10.0), (2, 60.0), (3, 48.0), (4, 55.0)]:
        _observe(store, area_id, day, value)
    opened = store.alerts.catch_up(area_id)
    assert [a["value"] for a in opened] == [60.0]
    assert store.alerts.catch_up(area_id) == []  # de-duplicated: evaluated values are not evaluated again
    _observe(store, area_id, 5, 40.0)
    _observe(store, area_id, 6, 70.0)
    opened = store.alerts.catch_up(area_id)
    assert [a["value"] for a in opened] == [70.0]
    alerts = store.alerts.alerts(area_id=area_id)
    assert len(alerts) == 2
    assert alerts[1]["closed_at"] == _t(5)
    assert alerts[0]["closed_at"] is None


def test_webhook_is_signed_and_delivered_and_state_stored(store):
    with webhook_receiver() as (url, beh):
        area_id = _area_with_rule(store, {"webhooks": [{"url": url, "secret": "s3cret"}]})
        _observe(store, area_id, 2, 60.0)
        result = evaluate_and_deliver(store, Settings(), policy=FAST)
    assert result.deliveries.delivered == 1
    (got,) = beh.received
    expected = "sha256=" + hmac.new(b"s3cret", got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Spacebridge-Signature"] == expected
    assert got["json"]["alert"]["value"] == 60.0
    (alert,) = store.alerts.alerts()
    assert alert["deliveries"][0]["status"] == "delivered"
    assert alert["deliveries"][0]["attempts"] == 1


def test_receiver_answering_503_first_is_retried_within_the_pass(store):
    with webhook_receiver(behaviour=Behaviour(fail_first=1)) as (url, beh):
        area_id = _area_with_rule(store, {"webhooks": [{"url": url}]})
        _observe(store, area_id, 2, 60.0)
        result = evaluate_and_deliver(store, Settings(), policy=FAST)
    assert result.deliveries.delivered == 1
    assert beh.calls == 2


def test_receiver_down_at_first_gets_it_on_a_later_pass(store):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    area_id = _area_with_rule(store, {"webhooks": [{"url": url}]})
    _observe(store, area_id, 2, 60.0)
    first = evaluate_and_deliver(store, Settings(), policy=FAST)
    assert (first.deliveries.delivered, first.deliveries.retrying) == (0, 1)
    (alert,) = store.alerts.alerts()
    assert alert["deliveries"][0]["status"] == "pending"
    assert "Connect" in alert["deliveries"][0]["last_error"]
    with webhook_receiver(port=port) as (_, beh):
        later = deliver_due(store, Settings(), policy=FAST, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert later.delivered == 1
    assert len(beh.received) == 1
    assert store.alerts.alerts()[0]["deliveries"][0]["attempts"] == 2


def test_receiver_that_times_out_keeps_the_delivery_pending_then_failed(store):
    policy = DeliveryPolicy(tries_per_pass=1, retry_base_s=0.0, max_attempts=2, timeout_s=0.3)
    with webhook_receiver(behaviour=Behaviour(delay_s=1.0)) as (url, _beh):
        area_id = _area_with_rule(store, {"webhooks": [{"url": url}]})
        _observe(store, area_id, 2, 60.0)
        first = evaluate_and_deliver(store, Settings(), policy=policy)
        assert first.deliveries.retrying == 1
        second = deliver_due(store, Settings(), policy=policy, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        assert second.failed == 1
    (alert,) = store.alerts.alerts()
    assert alert["deliveries"][0]["status"] == "failed"
    assert "Timeout" in alert["deliveries"][0]["last_error"]
    assert alert["value"] == 60.0  # the alert itself is kept


def test_email_through_a_real_smtp_server(store):
    with smtp_receiver() as (port, messages):
        area_id = _area_with_rule(store, {"emails": ["duty@example.org"]})
        _observe(store, area_id, 2, 60.0)
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="alerts@spacebridge.test")
        result = evaluate_and_deliver(store, settings, policy=FAST)
    assert result.deliveries.delivered == 1
    (msg,) = messages
    assert msg.rcpt_tos == ["duty@example.org"]
    parsed = email.message_from_bytes(msg.content, policy=email.policy.default)
    assert parsed["Subject"].startswith("[spacebridge] alert")
    assert json.loads(parsed.get_content())["value"] == 60.0


def test_a_lease_left_by_a_dead_process_is_retried(store):
    with webhook_receiver() as (url, beh):
        area_id = _area_with_rule(store, {"webhooks": [{"url": url}]})
        _observe(store, area_id, 2, 60.0)
        store.alerts.catch_up(area_id)
        now = dt.datetime.now(dt.UTC)
        claimed = store.alerts.claim_due(now, lease_s=60)  # a process claims it, then dies
        assert len(claimed) == 1
        assert deliver_due(store, Settings(), policy=FAST, now=now).delivered == 0  # leased: not sent twice
        later = deliver_due(store, Settings(), policy=FAST, now=now + dt.timedelta(seconds=61))
    assert later.delivered == 1
    assert len(beh.received) == 1
