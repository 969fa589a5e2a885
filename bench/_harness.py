"""Shared helpers for the benchmarks: wall time, peak memory, ratio reporting.

Peak memory is the peak resident set size of this process plus its children, sampled every 20 ms by a
background thread (psutil); it can miss spikes shorter than the sampling period.
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil

OUT_DIR = Path(__file__).resolve().parent / "out"
T = TypeVar("T")


@dataclass
class Measurement:
    label: str
    seconds: float
    peak_rss_mib: float
    extra: dict[str, Any] = field(default_factory=dict)


class _PeakSampler(threading.Thread):
    def __init__(self, interval_s: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._halt = threading.Event()  # not `_stop`: that name is a method of Thread
        self._proc = psutil.Process(os.getpid())

    def _rss(self) -> int:
        total = 0
        try:
            total = self._proc.memory_info().rss
            for child in self._proc.children(recursive=True):
                with suppress(psutil.Error):
                    total += child.memory_info().rss
        except psutil.Error:
            pass
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_bytes = max(self.peak_bytes, self._rss())
            self._halt.wait(self.interval_s)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        self.peak_bytes = max(self.peak_bytes, self._rss())
        return self.peak_bytes


@contextmanager
def peak_memory() -> Iterator[_PeakSampler]:
    """Sample the peak RSS (this process and children) while the block runs."""
    sampler = _PeakSampler()
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()


def measure(label: str, fn: Callable[[], T], *, repeat: int = 1) -> tuple[Measurement, T]:
    """Run ``fn`` ``repeat`` times; keep the best wall time and the overall peak memory."""
    best = float("inf")
    result: T | None = None
    with peak_memory() as mem:
        for _ in range(repeat):
            start = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - start)
    return Measurement(label, best, mem.peak_bytes / 2**20), result  # type: ignore[return-value]


def machine() -> dict[str, Any]:
    return {
        "cpu": platform.processor() or platform.machine(),
        "logical_cpus": psutil.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
    }


def report(name: str, ours: Measurement, baseline: Measurement, **figures: Any) -> dict[str, Any]:
    """Print ours vs baseline (speed-up ratio) and save everything to ``bench/out/<name>.json``."""
    ratio = baseline.seconds / ours.seconds if ours.seconds > 0 else float("inf")
    print(f"[{name}] {ours.label}: {ours.seconds:.3f} s, peak {ours.peak_rss_mib:.0f} MiB")
    print(f"[{name}] {baseline.label} (baseline): {baseline.seconds:.3f} s, peak {baseline.peak_rss_mib:.0f} MiB")
    print(f"[{name}] speed-up vs baseline: {ratio:.2f}x")
    for key, value in figures.items():
        print(f"[{name}] {key}: {value}")
    payload = {
        "benchmark": name,
        "machine": machine(),
        "ours": asdict(ours),
        "baseline": asdict(baseline),
        "speedup": ratio,
        **figures,
    }
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2, default=str))
    return payload
