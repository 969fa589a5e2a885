"""Executes runs in background threads of the API process (one at a time by default)."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from spacebridge.core.errors import ServiceUnavailableError
from spacebridge.core.settings import Settings
from spacebridge.service.alerts import evaluate_and_deliver
from spacebridge.service.runner import execute, process_owner, recover
from spacebridge.service.store import Store

__all__ = ["RunQueue"]

log = logging.getLogger(__name__)


class RunQueue:
    def __init__(self, store: Store, settings: Settings, *, workers: int = 1) -> None:
        self._store = store
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="spacebridge-run")
        self._owner = process_owner()

    def schedule(self, run_id: int) -> Future[object]:
        return self._pool.submit(self._execute, run_id)

    def _execute(self, run_id: int) -> object:
        try:
            run = execute(self._store, self._settings, run_id, owner=self._owner)
            if run["status"] == "succeeded" and run["area_id"] is not None:
                evaluate_and_deliver(self._store, self._settings, [run["area_id"]])
            return run
        except Exception:  # a failure to even record the outcome: logged, the run stays recoverable
            log.exception("run %d could not be executed", run_id)
            raise

    def resume(self) -> list[int]:
        """Re-queue runs of dead processes and schedule every queued run (called at start-up)."""
        try:
            ids = recover(self._store)
        except ServiceUnavailableError as exc:  # serve reads; the runs are recovered at the next start or pass
            log.warning("could not recover interrupted runs: %s", exc)
            return []
        for run_id in ids:
            self.schedule(run_id)
        return ids

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
