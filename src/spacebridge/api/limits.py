"""Request body size limit as a small ASGI middleware (before any parsing, so a huge body costs nothing)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimit"]


class _BodyTooLargeError(Exception):
    pass


class BodySizeLimit:
    """Answer 413 to requests whose body exceeds ``max_bytes`` (by ``Content-Length`` or as it streams in)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, int(declared))
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not started:
                await self._refuse(send, received)

    async def _refuse(self, send: Send, size: int) -> None:
        body: dict[str, Any] = {
            "code": "ResourceLimitError",
            "description": f"request body of {size} bytes or more exceeds the limit of {self.max_bytes} bytes",
            "type": "ResourceLimitError",
            "message": "request body too large",
            "hint": "Send a smaller body (simplify the geometry) or raise SPACEBRIDGE_MAX_REQUEST_BYTES",
            "context": {"limit_bytes": self.max_bytes, "size_bytes": size},
        }
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": data})
