"""A route class whose 422 answers stay valid JSON when the refused input holds NaN or infinities.

Python's JSON parser accepts ``NaN`` and ``Infinity`` in a body; pydantic refuses them (``allow_inf_nan=False``),
but FastAPI's default 422 answer echoes the input, which strict JSON cannot encode, and the answer becomes a 500.
Routes built with :class:`JSONSafeRoute` answer the same ``{"detail": [...]}`` with such values as strings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

__all__ = ["JSONSafeRoute"]


class JSONSafeRoute(APIRoute):
    """An :class:`~fastapi.routing.APIRoute` answering validation errors with non-finite numbers as strings."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def safe(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return JSONResponse({"detail": _json_safe(jsonable_encoder(exc.errors()))}, status_code=422)

        return safe


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
