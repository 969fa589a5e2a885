"""Real local receivers on loopback for delivery tests: an HTTP webhook server and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Behaviour:
    fail_first: int = 0
    """Answer 503 to this many requests before answering 200."""
    delay_s: float = 0.0
    """Sleep this long before answering (to make the client time out)."""
    received: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0


@contextmanager
def webhook_receiver(port: int | None = None, behaviour: Behaviour | None = None) -> Iterator[tuple[str, Behaviour]]:
    beh = behaviour or Behaviour()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            beh.calls += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if beh.delay_s:
                time.sleep(beh.delay_s)
            if beh.calls <= beh.fail_first:
                self.send_response(503)
                self.end_headers()
                return
            beh.received.append({"headers": dict(self.headers), "body": body, "json": json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    port = port or free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/hook", beh
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def smtp_receiver() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    messages: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            messages.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, messages
    finally:
        controller.stop()
