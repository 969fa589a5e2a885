"""A polygon-tracing worker process: reads a pickled list of strips on standard input, traces them one after the
other and writes their polygons on standard output (see :class:`spacebridge.earth.products.tracing.TraceJob`)."""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    from spacebridge.core.memory import tune_allocator
    from spacebridge.earth.products._strips import trace_strip

    tune_allocator()

    strips = pickle.load(sys.stdin.buffer)  # written by the parent process only
    pickle.dump([trace_strip(strip) for strip in strips], sys.stdout.buffer, protocol=5)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
