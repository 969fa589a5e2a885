"""A bounded, thread-safe cache of rendered tiles (PNG bytes), keyed by file, modification time and request.

Rendering a tile costs tens of milliseconds (read, resample, colour, PNG encode); a map view asks for the same
tiles again and again, and so do many users looking at the same product. The cache holds at most ``max_bytes``
of PNGs, least recently used first out. A product file rewritten in place has a new modification time and so new
keys: stale tiles are never served.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

__all__ = ["TileCache"]


class TileCache:
    def __init__(self, max_bytes: int = 128 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def peek(self, key: Hashable) -> bytes | None:
        """The cached tile, or ``None`` (counted as a hit when found)."""
        with self._lock:
            png = self._items.get(key)
            if png is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return png

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        with self._lock:
            png = self._items.get(key)
            if png is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return png
            self.misses += 1
        png = render()  # outside the lock: renders run in parallel; a duplicate render is harmless
        with self._lock:
            if key not in self._items and len(png) <= self.max_bytes:
                self._items[key] = png
                self._bytes += len(png)
                while self._bytes > self.max_bytes:
                    _, old = self._items.popitem(last=False)
                    self._bytes -= len(old)
        return png

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"tiles": len(self._items), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}
