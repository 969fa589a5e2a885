"""The process's memory: glibc's allocator tuned for array work, freed memory given back between phases, and
pages faulted in ahead of time.

Give freed heap memory back to the operating system between the phases of a long run (flood, polygons):

glibc's allocator raises its mmap threshold after large blocks are freed (up to 32 MB), so the per-chunk arrays of
a dask computation (a 2048 x 2048 float32 chunk is 16 MB) end up on the heap of each worker thread's arena, and
freed chunks stay in the process's resident memory. On a full Sentinel-2 tile that kept about 0.7 GB resident after
the reading pass, on top of the arrays still in use. ``malloc_trim(0)`` returns the free pages (the fix dask's
documentation gives for the same symptom, "Memory not released back to the OS"). Elsewhere than glibc it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from typing import Any

__all__ = ["touch_pages", "trim_memory", "tune_allocator"]

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018  (absent outside glibc)
    except (OSError, AttributeError):
        return None
    return libc


def trim_memory() -> None:
    """Return the heap's free pages to the operating system (glibc ``malloc_trim``); a no-op elsewhere."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 2**20
"""Blocks below this come from the heap (glibc's largest allowed value on 64-bit; its default is 128 kB)."""
TRIM_THRESHOLD_BYTES = 256 * 2**20
"""Free memory at the top of a heap is kept up to this size between :func:`trim_memory` calls."""


def tune_allocator() -> bool:
    """Make glibc keep freed array memory for reuse instead of returning it page by page; once per process.

    By default glibc maps every block of 128 kB or more (a 1024 x 1024 float32 chunk is 4 MB) straight from the
    kernel and unmaps it when freed; its dynamic threshold raises that limit only partly, and heaps are trimmed as
    soon as 128 kB lie free at the top. A chunked computation then faults in fresh zeroed pages for nearly every
    temporary array. On the flood mapping pass of a Sentinel-2 tile (2 threads, 2-core VM) that was 510 000-680 000
    page faults and 4.0-4.6 s of system time; with a 32 MB mmap threshold and a 256 MB trim threshold, 280 000-370 000
    faults and 2.1-2.8 s, and the pass took 9.2-11.1 s instead of 11.4-12.3 s, peak unchanged (decision 0112).
    Memory freed between phases still goes back to the system through :func:`trim_memory`, which the pipelines call.

    This is process configuration, like logging: the batch commands of the command line and the polygon workers
    call it at start-up; library users may call it too. The API server does not: a long-running process would keep
    up to the trim threshold of freed memory in each of its heaps between trims. Values given in the environment
    (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES``) win: nothing is changed then
    (dask's nanny exports ``MALLOC_TRIM_THRESHOLD_`` for its workers, into the environment of the process that
    starts it too). Returns whether the thresholds were set (False outside glibc).
    """
    import os

    if any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")):
        return False
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    ok = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and ok
    return bool(ok)


def touch_pages(arrays: list[Any], *, threads: int = 2) -> None:
    """Write zeros through freshly allocated C-contiguous numpy arrays, in ``threads`` threads.

    The first write to a page faults it in; on a virtual machine that returns freed memory to its host this costs
    about 2 s per GB when done one page at a time with ``ndarray.fill``, and 0.15-0.27 s for 360 MB with
    ``memset`` in two threads (ctypes releases the GIL during the call), measured on the 2-core sandbox.
    """
    from concurrent.futures import ThreadPoolExecutor

    from spacebridge.core.errors import InvalidInputError

    parts = []
    for a in arrays:
        if not a.flags.c_contiguous:
            raise InvalidInputError(
                "touch_pages writes through C-contiguous arrays only", hint="Pass freshly allocated np.empty arrays"
            )
        if a.nbytes == 0:
            continue
        step = -(-a.nbytes // threads)
        parts += [(a.ctypes.data + start, min(step, a.nbytes - start)) for start in range(0, a.nbytes, step)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda part: ctypes.memset(part[0], 0, part[1]), parts))
