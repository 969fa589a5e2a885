"""One watch pass: recover, find new inputs over each area, run the watched analyses, evaluate, deliver.

Each area's ``analyses`` mapping says what to watch: ``{"zonal-stats": {"collection": "spacebridge-flood"}}``
watches new products of a collection in the service's own catalogue; ``{"flood": {"source": ...}}`` watches new
scenes of a scene source (a folder, a static STAC catalog or a STAC API; the pass's default source when the area
gives none). Runs are keyed by their inputs, so a pass repeated over the same inputs creates nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import SpacebridgeError
from spacebridge.core.geo import BBox
from spacebridge.service.alerts import evaluate_and_deliver
from spacebridge.service.analyses import get_analysis
from spacebridge.service.runner import execute, recover, submit
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


def _submit_area(
    store: Store, area: dict[str, Any], source: str | None, problems: list[str], search: dict[str, Any]
) -> int:
    created = 0
    for name, options in (area.get("analyses") or {}).items():
        opts = dict(options or {})
        try:
            spec = get_analysis(name, {**opts, "scene": {"src": "?"}} if name == "flood" else opts)
            if not spec.needs_scene:
                created += submit(store, name, area_id=area["id"], params=opts)[1]
                continue
            where = opts.pop("source", None) or source
            if where is None:
                problems.append(f"area {area['id']}: {name} needs a scene source (--source or options.source)")
                continue
            collections = opts.pop("collections", None) or search.get("collections")
            if isinstance(collections, str):
                collections = collections.split()
            for ref in list_scenes(
                where,
                bbox=BBox(*area["bbox"]),
                datetime=opts.pop("datetime", None) or search.get("datetime"),
                collections=collections,
            ):
                store.watch.mark_scene(ref.source, ref.id, str(ref.src if isinstance(ref.src, str) else ref.id), None)
                scene = {"id": ref.id, "src": ref.src, "role": ref.role, "datetime_utc": ref.datetime_utc}
                created += submit(store, name, area_id=area["id"], params={**opts, "scene": scene})[1]
        except SpacebridgeError as exc:
            problems.append(f"area {area['id']} {name}: {exc}")
    return created


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

    ``source``, ``collections`` and ``datetime`` are the defaults for areas whose options do not name their own
    (``collections`` is required by STAC API sources).
    """
    say = progress or (lambda msg: log.info("%s", msg))
    problems: list[str] = []
    recover(store)
    submitted = sum(
        _submit_area(store, area, source, problems, {"collections": collections, "datetime": datetime})
        for area in store.watch.areas()
    )
    queued = sorted(r["id"] for r in store.watch.runs(status="queued", limit=10_000))
    outcome = {"succeeded": 0, "failed": 0}
    for run_id in queued:
        say(f"run {run_id}")
        run = execute(store, settings, run_id)
        outcome[run["status"]] = outcome.get(run["status"], 0) + 1
        if run["status"] == "failed":
            problems.append(f"run {run_id} ({run['analysis']}): {run['error']}")
    alerts = evaluate_and_deliver(store, settings)
    return WatchReport(
        submitted,
        outcome["succeeded"],
        outcome["failed"],
        len(alerts.opened),
        alerts.deliveries.delivered,
        tuple(problems),
    )
