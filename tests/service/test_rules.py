import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacebridge.core.errors import InvalidInputError, OutOfRangeError
from spacebridge.service.rules import RuleSpec, decide

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def test_upward_rule_with_hysteresis():
    r = RuleSpec("flooded_km2", ">", 50.0, hysteresis=5.0)
    firing, events = False, []
    for v in [10, 51, 49, 52, 46, 44.9, 60]:
        d = decide(r, firing=firing, value=v)
        firing = d.firing
        events.append(d.event)
    assert events == [None, "open", None, None, None, "close", "open"]


def test_downward_rule_and_unknown_values():
    r = RuleSpec("ndvi_anomaly", "<", -1.5, hysteresis=0.3)
    assert decide(r, firing=False, value=-1.6).event == "open"
    assert decide(r, firing=True, value=-1.3).event is None
    assert decide(r, firing=True, value=-1.1).event == "close"
    assert decide(r, firing=True, value=math.nan) == decide(r, firing=True, value=math.nan)
    assert decide(r, firing=False, value=math.nan).event is None


@given(st.lists(values, min_size=1, max_size=40), values, st.floats(min_value=0, max_value=1e3))
def test_events_alternate_and_never_repeat(seq, threshold, band):
    """Whatever the sequence, opens and closes alternate, starting with an open (no duplicate alerts)."""
    r = RuleSpec("x", ">=", threshold, hysteresis=band)
    firing, events = False, []
    for v in seq:
        d = decide(r, firing=firing, value=v)
        firing = d.firing
        if d.event:
            events.append(d.event)
    assert events == ["open", "close"] * (len(events) // 2) + ["open"] * (len(events) % 2)


@given(st.lists(values, min_size=1, max_size=40), values, st.floats(min_value=0, max_value=1e3))
def test_no_alert_while_inside_the_band(seq, threshold, band):
    """A value between threshold - band and threshold never closes an open upward alert."""
    r = RuleSpec("x", ">", threshold, hysteresis=band)
    for v in seq:
        if threshold - band <= v <= threshold:
            assert decide(r, firing=True, value=v).event is None


def test_bad_rules_are_refused():
    with pytest.raises(InvalidInputError, match="operator"):
        RuleSpec("x", "=>", 1.0)
    with pytest.raises(OutOfRangeError, match="hysteresis"):
        RuleSpec("x", ">", 1.0, hysteresis=-1)


def test_tile_cache_is_bounded_and_counts():
    from spacebridge.service.tile_cache import TileCache

    cache = TileCache(max_bytes=10)
    calls = []

    def render(tag):
        calls.append(tag)
        return tag.encode() * 4

    assert cache.get_or_render("a", lambda: render("a")) == b"aaaa"
    assert cache.get_or_render("a", lambda: render("a")) == b"aaaa"
    cache.get_or_render("b", lambda: render("b"))
    cache.get_or_render("c", lambda: render("c"))  # 12 bytes > 10: the least recently used ("a") goes
    cache.get_or_render("a", lambda: render("a"))
    assert calls == ["a", "b", "c", "a"]
    assert cache.stats()["hits"] == 1
    assert cache.stats()["bytes"] <= 10
