"""FastAPI dependencies: the store, the settings, and the API-key check for writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from spacebridge.core.settings import Settings
from spacebridge.service.store import Store

__all__ = ["MAX_ID", "IdPath", "SettingsDep", "StoreDep", "WriterDep", "base_url"]

MAX_ID = 2**31 - 1
"""Largest row id (PostgreSQL INTEGER); larger ids in requests are a 422, not a database overflow."""
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]

_bearer = HTTPBearer(auto_error=False, description="An API key made by 'spacebridge keys create'.")


# ``async`` on purpose: FastAPI runs plain ``def`` dependencies in the thread pool, so every request (even a tile
# answered from the cache) would first wait for a free worker thread, behind the searches and renders holding them.
async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_key(store: StoreDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The name of the API key of the request; 401 without a valid ``Authorization: Bearer`` key."""
    return store.check_key(credentials.credentials if credentials else None)


WriterDep = Annotated[str, Depends(require_key)]


def base_url(request: Request) -> str:
    """The service root URL as the client sees it, without a trailing slash."""
    return str(request.base_url).rstrip("/")
