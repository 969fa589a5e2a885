"""The application factory: ``create_app(settings)`` wires the store, limits, error table, routes and web page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from spacebridge import __version__
from spacebridge.api.errors import install_error_handlers
from spacebridge.api.limits import BodySizeLimit
from spacebridge.core.settings import Settings
from spacebridge.service.store import Store
from spacebridge.service.tile_cache import TileCache
from spacebridge.web import STATIC_DIR

__all__ = ["REQUEST_THREADS", "create_app", "worker_app"]

log = logging.getLogger(__name__)

REQUEST_THREADS = 16
"""Threads that run the blocking parts of requests (database queries, tile renders) in one server process.

AnyIO's default is 40. Queries and renders are CPU-bound and hold the GIL most of the time, so more threads than
this only queue for it, and each needs a database connection of the store's pool (decision 0412)."""


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, ingest: bool = True, migrate: bool = True
) -> FastAPI:
    """Build the API.

    Parameters
    ----------
    settings
        Run-time settings (``Settings.from_env()`` when omitted).
    store
        An open store (tests); by default opened and migrated from ``settings``.
    ingest
        Register the products of the STAC catalogs found under ``settings.data_dir`` at start-up.
    migrate
        Bring the database schema up to date when opening the store (off in the workers of ``serve --workers``,
        whose parent did it once).
    """
    from spacebridge.api.routes import connect, health, runs, series, sky, stac, tiles, watch, web
    from spacebridge.api.run_queue import RunQueue
    from spacebridge.service.ingest import ingest_folder

    settings = settings or Settings.from_env()
    store = store or Store.from_settings(settings, migrate=migrate)
    if ingest:
        report = ingest_folder(store, settings.data_dir)
        log.info("start-up ingest: %s", report)

    run_queue = RunQueue(store, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS  # this event loop's limiter
        run_queue.resume()
        try:
            yield
        finally:
            run_queue.shutdown()

    app = FastAPI(
        title="spacebridge",
        version=__version__,
        description="Monitoring service: watched areas, rules, runs, alerts, a STAC API of the products and map "
        "tiles. Reading is open; every write needs 'Authorization: Bearer <key>'.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.run_queue = run_queue
    app.state.tile_cache = TileCache()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    for module in (health, stac, watch, runs, series, tiles, web, connect, sky):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def worker_app() -> FastAPI:
    """App factory of one worker process of ``spacebridge serve --workers N`` (``uvicorn ... --factory``).

    The parent exported its settings as ``SPACEBRIDGE_*`` variables and has already migrated the database and
    ingested the data folder, so a worker does neither (N workers racing through the same migrations would fail).
    """
    return create_app(Settings.from_env(), ingest=False, migrate=False)
