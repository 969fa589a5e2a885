"""The one table from domain exceptions to HTTP status codes, and the handler that applies it.

Routes never build error responses themselves: they let :mod:`spacebridge.core.errors` exceptions propagate and
this module turns them into ``{"code", "description", "type", "message", "hint", "context"}`` JSON (``code`` and
``description`` are the STAC API error fields). The first matching row wins, so subclasses come first.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from spacebridge.core.errors import (
    AuthenticationError,
    CapabilityError,
    ConfigurationError,
    ConflictError,
    DataError,
    InvalidInputError,
    NotFoundError,
    ResourceLimitError,
    ServiceUnavailableError,
    SpacebridgeError,
)

__all__ = ["ERROR_STATUS", "install_error_handlers", "status_for"]

ERROR_STATUS: tuple[tuple[type[SpacebridgeError], int], ...] = (
    (AuthenticationError, 401),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ResourceLimitError, 413),
    (InvalidInputError, 422),
    (DataError, 422),
    (CapabilityError, 422),
    (ServiceUnavailableError, 503),
    (ConfigurationError, 500),
    (SpacebridgeError, 500),
)
"""Exception class -> HTTP status; the first row the exception is an instance of applies."""

_EXTRA_HEADERS = {401: {"WWW-Authenticate": "Bearer"}, 503: {"Retry-After": "5"}}


def status_for(exc: SpacebridgeError) -> int:
    for cls, status in ERROR_STATUS:
        if isinstance(exc, cls):
            return status
    return 500  # pragma: no cover - SpacebridgeError is the last row


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, SpacebridgeError):  # pragma: no cover - registered for SpacebridgeError only
        raise exc
    status = status_for(exc)
    body = {"code": type(exc).__name__, "description": str(exc), **exc.to_dict()}
    return JSONResponse(body, status_code=status, headers=_EXTRA_HEADERS.get(status))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SpacebridgeError, _handle)
