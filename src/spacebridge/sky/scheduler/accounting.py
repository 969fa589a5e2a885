"""Partner time-share accounting: how the observed time splits between the partners against their shares.

Each :class:`~spacebridge.sky.requests.Proposal` belongs to a partner and holds a share of the telescope time; a
partner's share is the sum over its proposals. Requests without a proposal count under ``"(no proposal)"`` with no
share. Time is the block durations (slews are the observatory's overhead, not charged), as LCO charges it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacebridge.sky.requests import Request, RequestSet

__all__ = ["PartnerUsage", "partner_usage"]

NO_PROPOSAL = "(no proposal)"


@dataclass(frozen=True)
class PartnerUsage:
    """One partner's time: its share, the hours it used and requested, and its balance."""

    partner: str
    share: float
    """Allocated fraction of the time (sum over the partner's proposals)."""
    used_h: float
    requested_h: float
    used_fraction: float
    """Fraction of all scheduled time that went to this partner."""

    @property
    def balance(self) -> float:
        """``used_fraction - share``: positive when the partner got more than its share."""
        return self.used_fraction - self.share


def partner_usage(request_set: RequestSet, scheduled: Iterable[Request]) -> tuple[PartnerUsage, ...]:
    """Usage per partner for the ``scheduled`` requests of ``request_set``, partners sorted by name.

    Examples
    --------
    >>> from spacebridge.sky.requests import Constraints, Proposal, Request, RequestSet, Target
    >>> import datetime as dt
    >>> c = Constraints(2.0, 30.0, "astronomical")
    >>> a = Request("a", Target("a", 0, 0), 3600, 1, c, proposal_id="p")
    >>> reqs = (a, Request("b", Target("b", 0, 0), 1800, 1, c))
    >>> rs = RequestSet("tien-shan", dt.date(2026, 11, 27), reqs, proposals=(Proposal("p", "KZ", 0.6),))
    >>> [(u.partner, u.used_h, round(u.used_fraction, 3)) for u in partner_usage(rs, reqs)]
    [('(no proposal)', 0.5, 0.333), ('KZ', 1.0, 0.667)]
    """
    partner_of = {p.id: p.partner for p in request_set.proposals}
    shares: dict[str, float] = {}
    for p in request_set.proposals:
        shares[p.partner] = shares.get(p.partner, 0.0) + p.time_share
    requested: dict[str, float] = {}
    for r in request_set.requests:
        who = partner_of.get(r.proposal_id or "", NO_PROPOSAL)
        requested[who] = requested.get(who, 0.0) + r.duration_s / 3600.0
    used: dict[str, float] = {}
    for r in scheduled:
        who = partner_of.get(r.proposal_id or "", NO_PROPOSAL)
        used[who] = used.get(who, 0.0) + r.duration_s / 3600.0
    total = sum(used.values())
    names = sorted(set(shares) | set(requested))
    return tuple(
        PartnerUsage(
            partner=name,
            share=shares.get(name, 0.0),
            used_h=used.get(name, 0.0),
            requested_h=requested.get(name, 0.0),
            used_fraction=used.get(name, 0.0) / total if total > 0 else 0.0,
        )
        for name in names
    )
