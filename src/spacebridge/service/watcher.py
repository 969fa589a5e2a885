"""One watch pass: recover, find new inputs over each area, run the watched analyses, evaluate, deliver.

Each area's ``analyses`` mapping says what to watch: ``{"zonal-stats": {"collection": "spacebridge-flood"}}``
(or ``ndvi-anomaly``, ``snow-cover``, ``water-area``) watches the products of a collection in the service's own
catalogue; ``{"flood": {"source": ...}}`` (or ``burn``) watches the scenes of a scene source (a folder, a static
STAC catalog or a STAC API; the pass's default source when the area gives none), grouped into runs by the
analysis (:mod:`spacebridge.service.pairing`: flood events, burn pairs). Runs are keyed by their inputs, so a
pass repeated over the same inputs creates nothing, and a product analysis reruns when its collection grows.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import ConfigurationError, SpacebridgeError
from spacebridge.core.geo import BBox
from spacebridge.service.alerts import evaluate_and_deliver
from spacebridge.service.analyses import Grouper, get_analysis
from spacebridge.service.runner import execute, product_inputs, recover, submit
from spacebridge.service.scenes import list_scenes

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store import Store

__all__ = ["WatchReport", "watch_pass"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchReport:
    submitted: int
    succeeded: int
    failed: int
    alerts_opened: int
    delivered: int
    problems: tuple[str, ...]


def _submit_scenes(
    store: Store, area: dict[str, Any], name: str, group: Grouper, opts: dict[str, Any], source: str | None,
    search: dict[str, Any],
) -> int:  # fmt: skip
    where = opts.pop("source", None) or source
    if where is None:
        raise ConfigurationError(
            f"{name} needs a scene source", hint="Give --source, or the area's option source=...", area=area["id"]
        )
    collections = opts.pop("collections", None) or search.get("collections")
    if isinstance(collections, str):
        collections = collections.split()
    refs = list_scenes(
        where,
        bbox=BBox(*area["bbox"]),
        datetime=opts.pop("datetime", None) or search.get("datetime"),
        collections=collections,
    )
    for ref in refs:
        store.watch.mark_scene(ref.source, ref.id, str(ref.src if isinstance(ref.src, str) else ref.id), None)
    return sum(submit(store, name, area_id=area["id"], params=params)[1] for params in group(refs, opts))


def _submit_area(
    store: Store, area: dict[str, Any], *, scenes: bool, source: str | None, problems: list[str],
    search: dict[str, Any],
) -> int:  # fmt: skip
    """Submit the area's scene analyses (``scenes``) or its product analyses; return how many runs are new."""
    created = 0
    for name, options in (area.get("analyses") or {}).items():
        opts = dict(options or {})
        try:
            spec = get_analysis(name, opts, listing=True)
            if (spec.group is not None) != scenes:
                continue
            if spec.group is not None:
                created += _submit_scenes(store, area, name, spec.group, opts, source, search)
            elif product_inputs(store, name, area_id=area["id"], params=opts):  # nothing to analyse yet: no run
                created += submit(store, name, area_id=area["id"], params=opts)[1]
        except SpacebridgeError as exc:
            problems.append(f"area {area['id']} {name}: {exc}")
    return created


def _execute_queued(store: Store, settings: Settings, say: Callable[[str], None], problems: list[str]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    for run_id in sorted(r["id"] for r in store.watch.runs(status="queued", limit=10_000)):
        say(f"run {run_id}")
        run = execute(store, settings, run_id)
        outcome[run["status"]] += 1
        if run["status"] == "failed":
            problems.append(f"run {run_id} ({run['analysis']}): {run['error']}")
    return outcome


def watch_pass(
    store: Store,
    settings: Settings,
    *,
    source: str | None = None,
    collections: list[str] | None = None,
    datetime: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> WatchReport:
    """Run one pass over every watched area; see the module docstring.

    Scene analyses run first, then the product analyses, so that a product analysis of this pass sees the products
    the scene runs just made (e.g. ``water-area`` over the new flood extents). ``source``, ``collections`` and
    ``datetime`` are the defaults for areas whose options do not name their own (``collections`` is required by
    STAC API sources).
    """
    say = progress or (lambda msg: log.info("%s", msg))
    problems: list[str] = []
    recover(store)
    search = {"collections": collections, "datetime": datetime}
    submitted = 0
    outcome: Counter[str] = Counter()
    for scenes in (True, False):
        submitted += sum(
            _submit_area(store, area, scenes=scenes, source=source, problems=problems, search=search)
            for area in store.watch.areas()
        )
        outcome += _execute_queued(store, settings, say, problems)
    alerts = evaluate_and_deliver(store, settings)
    return WatchReport(
        submitted,
        outcome["succeeded"],
        outcome["failed"],
        len(alerts.opened),
        alerts.deliveries.delivered,
        tuple(problems),
    )
