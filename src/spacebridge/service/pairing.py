"""Which scenes a watched analysis combines into one run: flood events, pre-event references, burn pairs.

Pure functions of :class:`~spacebridge.service.scenes.SceneRef` lists (footprints and acquisition times, no
pixels), so that a pass makes the same groups from the same scenes every time (runs are keyed by their inputs).

- **Flood events.** A Sentinel-2 (optical) and a Sentinel-1 (SAR) scene whose footprints overlap and whose
  acquisition times are at most ``window_days`` apart are one event: one run whose ensemble votes with every
  method of both (as ``spacebridge earth flood --optical A --sar B`` does). Candidate pairs are taken closest in
  time first and each scene joins at most one event (a greedy matching, deterministic by ties on ids). Scenes
  without an acquisition time are never paired. The default window of 3 days follows the Sen1Floods11 practice of
  pairing "coincident" Sentinel-1 and Sentinel-2 acquisitions within days of each other (Bonafilia et al. 2020).
- **Pre-event references** (flood change detection, opt-in with ``pre_event_days``): for a scene, the *oldest*
  earlier scene of the same role and overlapping footprint within ``pre_event_days``. The oldest, not the latest,
  so that a flood lasting less than the window is measured against the same dry reference on every scene (the
  latest would be flooded already, and the flooded area would drop while the water stays).
- **Burn pairs**: each optical scene (post-fire) with the latest earlier optical scene of the same sensor over
  the same footprint within ``max_gap_days`` (pre-fire): the burned area since the previous observation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from spacebridge.service.scenes import SceneRef

__all__ = ["burn_pairs", "flood_events", "pre_event"]


def _time(ref: SceneRef) -> dt.datetime | None:
    if not ref.datetime_utc:
        return None
    when = dt.datetime.fromisoformat(ref.datetime_utc.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _overlap(a: SceneRef, b: SceneRef) -> bool:
    aw, as_, ae, an = a.bbox
    bw, bs, be, bn = b.bbox
    return aw < be and bw < ae and as_ < bn and bs < an


def _days(a: dt.datetime, b: dt.datetime) -> float:
    return abs((a - b).total_seconds()) / 86400.0


def flood_events(refs: Sequence[SceneRef], *, window_days: float = 3.0) -> list[dict[str, SceneRef]]:
    """Groups ``{"optical": ref, "sar": ref}`` (either may be absent), oldest first; see the module docstring."""
    optical = [r for r in refs if r.role == "optical"]
    sar = [r for r in refs if r.role == "sar"]
    candidates = []
    for o in optical:
        for s in sar:
            to, ts = _time(o), _time(s)
            if to is not None and ts is not None and _days(to, ts) <= window_days and _overlap(o, s):
                candidates.append((_days(to, ts), o.id, s.id, o, s))
    paired: set[tuple[str, str]] = set()
    events: list[dict[str, SceneRef]] = []
    for _gap, _oid, _sid, o, s in sorted(candidates, key=lambda c: c[:3]):
        if (o.source, o.id) in paired or (s.source, s.id) in paired:
            continue
        paired |= {(o.source, o.id), (s.source, s.id)}
        events.append({"optical": o, "sar": s})
    events += [{r.role: r} for r in refs if (r.source, r.id) not in paired and r.role in ("optical", "sar")]
    return sorted(
        events, key=lambda e: min((_time(r) or dt.datetime.max.replace(tzinfo=dt.UTC), r.id) for r in e.values())
    )


def pre_event(ref: SceneRef, refs: Sequence[SceneRef], *, pre_event_days: float) -> SceneRef | None:
    """The oldest earlier scene of ``ref``'s role overlapping it within ``pre_event_days``, or ``None``."""
    when = _time(ref)
    if when is None or pre_event_days <= 0:
        return None
    earlier = [
        (t, r.id, r)
        for r in refs
        if r.role == ref.role
        and (t := _time(r)) is not None
        and t < when
        and _days(when, t) <= pre_event_days
        and _overlap(r, ref)
    ]
    return min(earlier, key=lambda c: c[:2])[2] if earlier else None


def burn_pairs(refs: Sequence[SceneRef], *, max_gap_days: float = 90.0) -> list[tuple[SceneRef, SceneRef]]:
    """``(pre, post)`` pairs of optical scenes, oldest post first; see the module docstring."""
    optical = sorted(((t, r.id, r) for r in refs if r.role == "optical" and (t := _time(r)) is not None),
                     key=lambda c: c[:2])  # fmt: skip
    pairs = []
    for i, (t_post, _id, post) in enumerate(optical):
        before = [
            (t, r) for t, _rid, r in optical[:i]
            if t < t_post and r.sensor == post.sensor and _days(t_post, t) <= max_gap_days and _overlap(r, post)
        ]  # fmt: skip
        if before:
            pairs.append((before[-1][1], post))
    return pairs
