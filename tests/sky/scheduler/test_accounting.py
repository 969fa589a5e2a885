"""Partner time-share accounting."""

from __future__ import annotations

import datetime as dt

import pytest

from spacebridge.sky.requests import Constraints, Proposal, Request, RequestSet, Target
from spacebridge.sky.scheduler.accounting import partner_usage


def test_usage_per_partner_sums_proposals_and_balances():
    c = Constraints(2.0, 30.0, "astronomical")
    reqs = tuple(
        Request(f"r{k}", Target("t", 0.0, 0.0), dur, 1.0, c, proposal_id=prop)
        for k, (dur, prop) in enumerate([(3600, "kz1"), (1800, "kz2"), (1800, "fr"), (900, None), (7200, "fr")])
    )
    proposals = (Proposal("kz1", "KZ", 0.3), Proposal("kz2", "KZ", 0.2), Proposal("fr", "FR", 0.5))
    rs = RequestSet("tien-shan", dt.date(2026, 11, 27), reqs, proposals=proposals)
    usage = {u.partner: u for u in partner_usage(rs, reqs[:4])}
    assert set(usage) == {"KZ", "FR", "(no proposal)"}
    assert usage["KZ"].share == pytest.approx(0.5)
    assert usage["KZ"].used_h == pytest.approx(1.5)
    assert usage["FR"].requested_h == pytest.approx(2.5)
    assert usage["FR"].used_fraction == pytest.approx(0.5 / 2.25)
    assert usage["KZ"].balance == pytest.approx(1.5 / 2.25 - 0.5)
    assert sum(u.used_fraction for u in usage.values()) == pytest.approx(1.0)
    assert all(u.used_fraction == 0 for u in partner_usage(rs, ()))
