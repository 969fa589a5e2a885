"""Runs: submit (idempotent), execute (here or on a Dask scheduler), record, recover after a crash.

A run's key is a hash of what it computes (analysis, area, parameters, inputs), so submitting the same work twice
returns the existing run. Execution claims the run (``queued -> running``, with this process as owner), runs the
analysis, upserts its products (idempotent), then records the outcome and the time-series values in one
transaction; the caller then evaluates the area's rules (:mod:`spacebridge.service.alerts`). A process killed
midway leaves the run ``running`` with a dead owner; :func:`recover` puts such runs back in the queue so that the
next start finishes them (products are upserted again under the same ids, nothing is recorded twice).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import SpacebridgeError
from spacebridge.core.geo import BBox
from spacebridge.service.analyses import AnalysisInput, AnalysisOutput, get_analysis, run_analysis
from spacebridge.service.geometry import validate_geometry
from spacebridge.service.stac_query import MAX_LIMIT, SearchQuery, parse_datetime

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store import Store

__all__ = ["execute", "owner_alive", "process_owner", "product_inputs", "recover", "submit"]

log = logging.getLogger(__name__)


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process ``host:pid`` still runs (owners on other hosts are assumed alive)."""
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def _key(analysis: str, area: dict[str, Any], params: dict[str, Any], inputs: list[str]) -> str:
    ident = {"analysis": analysis, "area": area.get("id") or area["geometry"], "params": params, "inputs": inputs}
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()


def _area(store: Store, area_id: int | None, geometry: dict[str, Any] | None) -> dict[str, Any]:
    if area_id is not None:
        return store.watch.area(area_id)
    facts = validate_geometry(geometry or {})
    return {
        "id": None,
        "geometry": facts.geometry,
        "bbox": [facts.west, facts.south, facts.east, facts.north],
        "area_km2": facts.area_km2,
    }


def _products(store: Store, area: dict[str, Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    page = store.catalog.search(
        SearchQuery(bbox=BBox(*area["bbox"]), collections=(params["collection"],), limit=MAX_LIMIT)
    )
    return sorted(page.items, key=lambda d: d["id"])


def product_inputs(
    store: Store, analysis: str, *, area_id: int | None = None, params: dict[str, Any] | None = None
) -> list[str]:
    """``collection/item`` ids a product analysis of the area would read now (empty for scene analyses)."""
    params = dict(params or {})
    spec = get_analysis(analysis, params, listing=True)
    if not spec.needs_collection:
        return []
    return [f"{d['collection']}/{d['id']}" for d in _products(store, _area(store, area_id, None), params)]


def submit(
    store: Store,
    analysis: str,
    *,
    area_id: int | None = None,
    geometry: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Create (or find) the run for this work; ``(run, created_now)``."""
    params = dict(params or {})
    spec = get_analysis(analysis, params)
    area = _area(store, area_id, geometry)
    inputs = [f"{d['collection']}/{d['id']}" for d in _products(store, area, params)] if spec.needs_collection else []
    full = {**params, "geometry": area["geometry"]} if area["id"] is None else params
    return store.watch.create_run(_key(analysis, area, params, inputs), analysis, area_id=area["id"], params=full)


def _run_analysis(settings: Settings, name: str, inp: AnalysisInput) -> AnalysisOutput:
    get_analysis(name, inp.params)
    if not settings.dask_address:
        return run_analysis(name, inp)
    from distributed import Client

    with Client(settings.dask_address, timeout=30, set_as_default=False) as client:
        out: AnalysisOutput = client.submit(run_analysis, name, inp, pure=False).result()
        return out


def execute(store: Store, settings: Settings, run_id: int, *, owner: str | None = None) -> dict[str, Any]:
    """Execute a queued run to the end and return its record (``succeeded`` or ``failed``)."""
    if not store.watch.claim_run(run_id, owner or process_owner()):
        return store.watch.run(run_id)
    run = store.watch.run(run_id)
    try:
        area = _area(store, run["area_id"], run["params"].get("geometry"))
        params = {k: v for k, v in run["params"].items() if k != "geometry"}
        spec = get_analysis(run["analysis"], params)
        products = tuple(_products(store, area, params)) if spec.needs_collection else ()
        out_dir = Path(settings.data_dir) / "runs" / str(run_id)
        out = _run_analysis(settings, run["analysis"], AnalysisInput(area, params, products, str(out_dir)))
        for doc in out.items:
            store.catalog.upsert_item(doc, run_id=run_id, collection_doc=_collection_stub(doc["collection"]))
        series = [{**v, "area_id": area["id"], "datetime": parse_datetime(v["datetime"])} for v in out.values]
        record = store.watch.finish_run(
            run_id,
            status="succeeded",
            result=out.result,
            lineage=out.lineage,
            series=series if area["id"] is not None else (),
        )
    except SpacebridgeError as exc:
        log.warning("run %d failed: %s", run_id, exc)
        return store.watch.finish_run(run_id, status="failed", error=str(exc))
    except Exception as exc:
        log.exception("run %d failed unexpectedly", run_id)
        return store.watch.finish_run(run_id, status="failed", error=f"internal error: {type(exc).__name__}: {exc}")
    return record


def _collection_stub(cid: str) -> dict[str, Any]:
    from spacebridge.service.ingest import synth_collection

    return synth_collection(cid, "")


def recover(store: Store) -> list[int]:
    """Re-queue runs left ``running`` by dead processes; return the ids of every queued run, oldest first."""
    for run in store.watch.stale_runs(owner_alive):
        log.warning("run %d was left running by a dead process; re-queued", run["id"])
        store.watch.requeue_run(run["id"])
    return sorted(r["id"] for r in store.watch.runs(status="queued", limit=10_000))
