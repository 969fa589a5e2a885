"""Liveness and readiness: ``/health`` answers 200 when the database answers, 503 otherwise."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from spacebridge import __version__
from spacebridge.api.deps import StoreDep

__all__ = ["router"]

router = APIRouter(tags=["service"])


@router.get("/health", summary="Service and database health")
def health(request: Request, store: StoreDep) -> dict[str, Any]:
    store.ping()
    return {
        "status": "ok",
        "version": __version__,
        "database": store.dialect,
        "items": store.catalog.count(),
        "tile_cache": request.app.state.tile_cache.stats(),
    }
