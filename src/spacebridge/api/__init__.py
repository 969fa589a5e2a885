"""The HTTP API of the monitoring service (FastAPI): ``create_app(settings)`` builds it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["create_app"]

if TYPE_CHECKING:
    from fastapi import FastAPI

    from spacebridge.core.settings import Settings


def create_app(settings: Settings | None = None, **kwargs: Any) -> FastAPI:
    """Build the application (imported lazily so that ``import spacebridge.api`` stays light)."""
    from spacebridge.api.app import create_app as _create

    return _create(settings, **kwargs)
