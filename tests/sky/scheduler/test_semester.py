"""Semester planning: eligible nights only, capacity and time shares respected, clear-sky priors."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from spacebridge.core.errors import ConfigurationError, InvalidInputError, NotFoundError
from spacebridge.sky.requests import Constraints, Proposal, Request, RequestSet, Target
from spacebridge.sky.scheduler.plan import plan_night
from spacebridge.sky.scheduler.semester import ClearSkyPrior, SemesterOptions, load_clear_sky, plan_semester

START = dt.date(2026, 11, 20)
END = dt.date(2026, 11, 29)


def _request(key, ra, dec, hours, priority, proposal, twilight="astronomical", moon=30.0):
    c = Constraints(2.0, moon, twilight)
    return Request(key, Target(key, ra, dec), hours * 3600.0, priority, c, proposal_id=proposal)


REQUESTS = (
    _request("m31", 10.68, 41.27, 3.0, 9, "kz"),
    _request("m33", 23.46, 30.66, 2.0, 7, "kz"),
    _request("m1", 83.63, 22.01, 2.5, 8, "fr"),
    _request("m42", 83.82, -5.39, 1.5, 6, "fr"),
    _request("m81", 148.89, 69.07, 4.0, 5, "kz"),
    _request("vega", 279.23, 38.78, 0.5, 3, "fr", twilight="nautical"),
    _request("south", 10.0, -80.0, 0.5, 10, "fr"),
)
PROPOSALS = (Proposal("kz", "Kazakhstan", 0.6), Proposal("fr", "France", 0.4))


@pytest.fixture(scope="module")
def plan():
    before = copy.deepcopy(REQUESTS)
    result = plan_semester(REQUESTS, "tien-shan", START, END, proposals=PROPOSALS)
    assert before == REQUESTS
    return result


@pytest.mark.slow
def test_assigned_nights_really_fit_the_block(plan):
    by_key = {r.key: r for r in REQUESTS}
    assert set(plan.assigned) | set(plan.unassigned) == set(by_key)
    for key, night in plan.assigned.items():  # the night scheduler alone on that night must fit the block
        single = RequestSet("tien-shan", night, (by_key[key],))
        assert [b.request.key for b in plan_night(single).scheduled] == [key], (key, night)


def test_capacity_value_and_reasons(plan):
    assert plan.unassigned["south"].startswith("never observable")
    assert len(plan.nights) == 10
    for slot in plan.nights:
        assert slot.planned_h <= slot.dark_h * SemesterOptions().fill_factor + 1e-9
        assert slot.clear_fraction == load_clear_sky()["tien-shan"].monthly_fraction[10]
        assert 10.0 < slot.dark_h < 13.0  # nautical dusk to dawn in late November
    expected = sum(
        slot.clear_fraction * r.priority * r.duration_s / 3600
        for slot in plan.nights
        for r in REQUESTS
        if r.key in slot.requests
    )
    assert plan.expected_value == pytest.approx(expected)
    assert set(plan.expected_hours_by_partner) == {"Kazakhstan", "France"}


def test_time_share_caps_a_partner():
    tiny = (Proposal("kz", "Kazakhstan", 0.99), Proposal("fr", "France", 0.001))
    result = plan_semester(REQUESTS[:4], "tien-shan", START, START + dt.timedelta(days=1), proposals=tiny)
    assert result.unassigned["m1"].startswith("time share: partner 'France'")
    assert "m31" in result.assigned


def test_priors_and_errors(tmp_path):
    priors = load_clear_sky()
    assert set(priors) == {"tien-shan", "assy-turgen", "kamenskoe"}
    assert all(len(p.monthly_fraction) == 12 for p in priors.values())
    assert "assumption" in priors["tien-shan"].source
    assert ClearSkyPrior("x", tuple([0.5] * 11 + [0.9]), "").fraction(dt.date(2026, 12, 1)) == 0.9
    bad = tmp_path / "bad.yaml"
    bad.write_text("sites:\n  tien-shan: [0.5, 0.5]\n")
    with pytest.raises(ConfigurationError, match="12 monthly fractions"):
        load_clear_sky(bad)
    with pytest.raises(InvalidInputError, match="ends"):
        plan_semester(REQUESTS, "tien-shan", END, START)
    with pytest.raises(NotFoundError, match="no clear-sky prior"):
        from spacebridge.sky.sites import Site

        site = Site("elsewhere", "x", 40.0, 20.0, 0.0, "UTC", (0.0, 360.0), (0.0, 0.0), ())
        plan_semester(REQUESTS, site, START, START)
