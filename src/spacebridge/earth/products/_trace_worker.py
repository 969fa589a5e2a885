"""A polygon-tracing worker process: reads one pickled strip on standard input, writes its polygons on standard
output (see :class:`spacebridge.earth.products.tracing.TraceJob`)."""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    from spacebridge.earth.products._strips import trace_strip

    strip = pickle.load(sys.stdin.buffer)  # written by the parent process only
    pickle.dump(trace_strip(strip), sys.stdout.buffer, protocol=5)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
