"""Grouping scenes into runs: flood events (S1 + S2 within days), pre-event references, burn pairs."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from spacebridge.service.pairing import burn_pairs, flood_events, pre_event
from spacebridge.service.scenes import SceneRef

SPAIN = (-1.0, 38.0, -0.5, 38.3)
ELSEWHERE = (60.0, 45.0, 61.0, 46.0)


def ref(sid, role, day, bbox=SPAIN, sensor=None, hour=10):
    when = None if day is None else (dt.datetime(2019, 9, 1, hour, tzinfo=dt.UTC) + dt.timedelta(days=day)).isoformat()
    sensor = sensor or ("sentinel-1-grd" if role == "sar" else "sentinel-2-l2a")
    return SceneRef(sid, f"/scenes/{sid}.tif", bbox, when, role, "/scenes", sensor)


def test_an_s2_and_an_s1_scene_of_the_same_event_make_one_run():
    s2, s1 = ref("s2", "optical", 17), ref("s1", "sar", 16, hour=6)
    assert flood_events([s2, s1], window_days=3) == [{"optical": s2, "sar": s1}]
    assert flood_events([s2, s1], window_days=1) == [{"sar": s1}, {"optical": s2}]  # 28 h apart
    far = ref("s1-far", "sar", 16, bbox=ELSEWHERE)
    assert flood_events([s2, far], window_days=3) == [{"sar": far}, {"optical": s2}]
    undated = ref("s1-undated", "sar", None)
    assert flood_events([s2, undated], window_days=3) == [{"optical": s2}, {"sar": undated}]


def test_closest_pairs_first_and_each_scene_once():
    s2a, s2b = ref("s2a", "optical", 10), ref("s2b", "optical", 12)
    s1 = ref("s1", "sar", 11, hour=12)  # 26 h after s2a, 22 h before s2b: s2b is its partner
    events = flood_events([s2a, s2b, s1], window_days=3)
    assert {"optical": s2b, "sar": s1} in events
    assert {"optical": s2a} in events
    assert len(events) == 2


@st.composite
def scenes(draw):
    n = draw(st.integers(0, 8))
    out = []
    for i in range(n):
        role = draw(st.sampled_from(["optical", "sar"]))
        day = draw(st.one_of(st.none(), st.integers(0, 20)))
        bbox = draw(st.sampled_from([SPAIN, ELSEWHERE]))
        out.append(ref(f"{role}-{i}", role, day, bbox=bbox, hour=draw(st.integers(0, 23))))
    return out


@given(scenes(), st.floats(0, 10))
def test_every_scene_is_in_exactly_one_event_and_pairs_are_close(refs, window):
    events = flood_events(refs, window_days=window)
    members = [r for e in events for r in e.values()]
    assert sorted(r.id for r in members) == sorted(r.id for r in refs)
    for e in events:
        assert set(e) <= {"optical", "sar"}
        if len(e) == 2:
            a = dt.datetime.fromisoformat(e["optical"].datetime_utc)
            b = dt.datetime.fromisoformat(e["sar"].datetime_utc)
            assert abs((a - b).total_seconds()) <= window * 86400
            assert e["optical"].bbox == e["sar"].bbox  # overlapping footprints only
    assert flood_events(list(reversed(refs)), window_days=window) == events  # order of listing does not matter


def test_pre_event_is_the_oldest_same_role_scene_in_the_window():
    old, dry, wet, now = (ref(f"s1-{d}", "sar", d) for d in (0, 10, 20, 25))
    assert pre_event(now, [old, dry, wet, now], pre_event_days=20) == dry
    assert pre_event(now, [old, dry, wet, now], pre_event_days=0) is None
    assert pre_event(dry, [old, dry, wet, now], pre_event_days=5) is None
    assert pre_event(now, [ref("s2", "optical", 10), now], pre_event_days=20) is None


def test_burn_pairs_are_consecutive_optical_scenes_of_one_sensor():
    a, b, c = ref("a", "optical", 0), ref("b", "optical", 30), ref("c", "optical", 60)
    landsat = ref("l", "optical", 50, sensor="landsat-c2-l2")
    assert burn_pairs([c, landsat, a, b, ref("s1", "sar", 40)], max_gap_days=90) == [(a, b), (b, c)]
    assert burn_pairs([a, c], max_gap_days=45) == []
    assert burn_pairs([a, ref("x", "optical", 30, bbox=ELSEWHERE)], max_gap_days=90) == []
