"""Cloud-masked monthly median composite over a 24-date stack of 4096 x 4096 px, against xarray's median.

The stack is built in a temporary folder from the real bundled scenes: the eight pre/post-fire Sentinel-2 L2A
chips (bands B2 B3 B4 B8, reflectance x 10^4) tiled to 4096 x 4096 with a random shift per date, and the real
eo-learn cloud masks (CLM) of the Slovenian series tiled the same way; 24 dates, two per month over 2024, as
tiled (1024 px) ZSTD GeoTIFFs (uint16 bands, pixel-interleaved, nodata 0; uint8 mask). Both ours and the baseline
read the same files lazily with rioxarray (dask chunks of 1024 x 1024, all bands), decode them the same way
(float32 reflectance, NaN for nodata, as ``earth.load`` does) with the same mask, and stream the 12 monthly
composites of the 4 bands to raw float32 files; only the reduction differs: ``earth.composite.median_composite``
vs xarray's ``.resample(time="1MS").median()``. After both runs every band of every month is compared bit for bit
(NaN equal to NaN). Dask threaded scheduler, the same for both: 3 threads on the 2 cores (reads and writes wait
on I/O; 3 measured faster than 2 or 4 here, and 4 costs about 300 MiB more: one GDAL block buffer per thread and
open file), GDAL decoding threads 2, GDAL block cache 128 MB.

The output sink (``_RawTarget``) stores whole 1024 px tiles, one ``pwrite`` each, through ``O_DIRECT`` when the
file system allows it (reported as ``sink_direct_io``). Before decision 0154 it wrote one 4 KiB row per system
call through the page cache, which cost 5 to 7 CPU-seconds of kernel time for the 3.2 GB of output on this
machine, as much as the composite itself: that was the sink, not the composite, and it was charged to both.

Throughput counts input pixels as dates x rows x columns (one pixel = one location on one date, all four bands;
band-values separately). It is reported per core in two ways: per wall-second divided by the cores this process
may use (``cores``, not the number of threads), and per CPU-second actually used by this process (user + system,
all threads), which stays meaningful on a machine shared with other jobs. The load average is recorded before
ours, after ours and after the baseline. Ours runs first, so that the baseline's memory does not inflate our peak.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GDAL_CACHEMAX", "128")  # MB; GDAL's default (5 % of RAM) would count as our memory
os.environ.setdefault("GDAL_NUM_THREADS", "2")  # GDAL's decoding threads (about 15 % less wall time here, both sides)

import dask
import numpy as np
import pandas as pd
import psutil
import rasterio
import xarray as xr
from rasterio.transform import from_origin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure, report
from spacebridge.earth.composite import median_composite

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
SIZE = int(os.environ.get("BENCH_COMPOSITE_SIZE", "4096"))  # smaller only for quick trials
N_DATES = 24
BANDS = ("B2", "B3", "B4", "B8")
CHUNK = 1024
CORES = len(os.sched_getaffinity(0))  # the per-core figures divide by the cores this process may use
THREADS = int(os.environ.get("BENCH_COMPOSITE_THREADS", "3"))  # dask threads, for both ours and the baseline


def _tile(chip: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
    reps = (SIZE // chip.shape[-2] + 2, SIZE // chip.shape[-1] + 2)
    big = np.tile(chip, (1,) * (chip.ndim - 2) + reps)
    dy, dx = shift
    return big[..., dy : dy + SIZE, dx : dx + SIZE]


def build_stack(folder: Path) -> list[tuple[pd.Timestamp, Path, Path]]:
    rng = np.random.default_rng(42)
    chips = []
    for kind in ("pre_fire", "post_fire"):
        for path in sorted((DATA / "fire-california" / kind).glob("*.tif")):
            with rasterio.open(path) as src:
                names = list(src.descriptions)
                chips.append(np.stack([src.read(names.index(b) + 1) for b in BANDS]).astype("uint16"))
    clm = np.load(DATA / "timeseries-slovenia" / "TestEOPatch" / "mask" / "CLM.npy")[..., 0].astype(bool)
    clm = clm[clm.mean(axis=(1, 2)) < 0.9]  # dates that are not fully clouded
    dates = pd.date_range("2024-01-01", periods=12, freq="MS")
    times = [d + pd.Timedelta(days=days) for d in dates for days in (4, 19)]
    transform = from_origin(500_000, 5_000_000, 10, 10)
    profile = {
        "driver": "GTiff", "width": SIZE, "height": SIZE, "crs": "EPSG:32633", "transform": transform,
        "tiled": True, "blockxsize": CHUNK, "blockysize": CHUNK, "compress": "zstd", "zstd_level": 1,
        "predictor": 2,
    }  # fmt: skip
    out = []
    for i, t in enumerate(times):
        shift = tuple(int(v) for v in rng.integers(0, 200, 2))
        bands = _tile(chips[i % len(chips)], shift)
        cloud = _tile(clm[i % len(clm)], shift)
        valid = (~cloud).astype("uint8")
        bpath, mpath = folder / f"scene_{i:02d}.tif", folder / f"mask_{i:02d}.tif"
        with rasterio.open(bpath, "w", count=len(BANDS), dtype="uint16", nodata=0, **profile) as dst:
            dst.write(bands)
            dst.descriptions = BANDS
        with rasterio.open(mpath, "w", count=1, dtype="uint8", **profile) as dst:
            dst.write(valid[np.newaxis])
        out.append((t, bpath, mpath))
    return out


def _to_reflectance(dn: np.ndarray) -> np.ndarray:
    """uint16 DN x 10^4 to float32 reflectance, NaN for the nodata value 0 (what the loader does)."""
    out = np.multiply(dn, np.float32(1e-4), dtype="float32")  # cast and scale in one pass
    np.copyto(out, np.float32(np.nan), where=dn == 0)
    return out


def open_stack(files: list[tuple[pd.Timestamp, Path, Path]]) -> tuple[xr.Dataset, xr.DataArray]:
    import rioxarray

    chunks = {"band": -1, "y": CHUNK, "x": CHUNK}
    scenes = [rioxarray.open_rasterio(b, chunks=chunks, lock=False) for _, b, _ in files]
    masks = [rioxarray.open_rasterio(m, chunks=chunks, lock=False).isel(band=0, drop=True) for _, _, m in files]
    times = pd.DatetimeIndex([t for t, _, _ in files], name="time")
    raw = xr.concat(scenes, dim=times)
    stack = xr.apply_ufunc(_to_reflectance, raw, dask="parallelized", output_dtypes=["float32"])
    ds = xr.Dataset({b: stack.sel(band=i + 1, drop=True) for i, b in enumerate(BANDS)})
    valid = xr.concat(masks, dim=times).astype(bool)
    return ds, valid


class _RawTarget:
    """A float32 file of whole tiles, written with direct I/O: a sink that keeps nothing in this process's memory.

    Each (date, tile row, tile column) tile of ``tile`` x ``tile`` px is stored contiguously at its own offset
    (like a tiled GeoTIFF or a Zarr store without codec; edge tiles padded), so a block costs one system call.
    The file is opened with ``O_DIRECT`` where the file system allows it: the bytes go to the disk without being
    copied into the page cache, which otherwise costs the writing thread about 1.5 CPU-seconds per GB here.
    """

    _local = threading.local()

    def __init__(self, path: Path, shape: tuple[int, ...], tile: int) -> None:
        self.path, self.shape, self.tile = path, shape, tile
        _, ny, nx = shape
        self.tiles = (-(-ny // tile), -(-nx // tile))
        flags = os.O_CREAT | os.O_RDWR | os.O_TRUNC
        try:
            self.fd = os.open(path, flags | getattr(os, "O_DIRECT", 0))
            self.direct = hasattr(os, "O_DIRECT")
        except OSError:  # e.g. tmpfs
            self.fd, self.direct = os.open(path, flags), False
        os.ftruncate(self.fd, shape[0] * self.tiles[0] * self.tiles[1] * tile * tile * 4)

    def _buffer(self) -> np.ndarray:
        """This thread's page-aligned tile buffer (direct I/O needs aligned memory; reused, so never refaulted)."""
        buf = getattr(self._local, "buf", None)
        if buf is None or buf.shape != (self.tile, self.tile):
            self._local.mm = mmap.mmap(-1, self.tile * self.tile * 4)
            buf = self._local.buf = np.frombuffer(self._local.mm, dtype="float32").reshape(self.tile, self.tile)
        return buf

    def _offset(self, t: int, ty: int, tx: int) -> int:
        return ((t * self.tiles[0] + ty) * self.tiles[1] + tx) * self.tile * self.tile * 4

    def __setitem__(self, key: tuple[slice, ...], value: np.ndarray) -> None:
        t0, y0, x0 = (k.start or 0 for k in key)
        _, h, w = value.shape
        n = self.tile
        if y0 % n or x0 % n:
            raise ValueError(f"block at {(y0, x0)} px does not start on a {n} px tile")
        buf = self._buffer()
        for t in range(value.shape[0]):
            for by in range(0, h, n):
                for bx in range(0, w, n):
                    part = value[t, by : by + n, bx : bx + n]
                    if part.shape != (n, n):  # an edge tile is padded, as in a tiled GeoTIFF
                        buf.fill(0)
                    buf[: part.shape[0], : part.shape[1]] = part
                    os.pwrite(self.fd, buf.data, self._offset(t0 + t, (y0 + by) // n, (x0 + bx) // n))

    def read(self, t: slice) -> np.ndarray:
        nt, ny, nx = self.shape
        (tny, tnx), n = self.tiles, self.tile
        raw = np.memmap(self.path, dtype="float32", mode="r", shape=(nt, tny, tnx, n, n))[t]
        return np.ascontiguousarray(raw.transpose(0, 1, 3, 2, 4)).reshape(-1, tny * n, tnx * n)[:, :ny, :nx]


def _store(ds: xr.Dataset, folder: Path) -> dict[str, _RawTarget]:
    """Stream every band to a raw file, block by block, without holding the result in memory."""
    import dask.array as dsa

    folder.mkdir(exist_ok=True)
    targets = {str(n): _RawTarget(folder / f"{n}.f32", da.shape, CHUNK) for n, da in ds.data_vars.items()}
    sources = [ds[n].transpose("time", ...).data.astype("float32") for n in targets]
    try:
        dsa.store(sources, list(targets.values()), lock=False)
    finally:
        for t in targets.values():
            os.close(t.fd)
    return targets


def _with_cpu(fn: Any) -> tuple[Any, float]:
    """Run ``fn`` and return its result and the CPU seconds (user + system, all threads) this process used."""
    proc = psutil.Process()
    before = proc.cpu_times()
    result = fn()
    after = proc.cpu_times()
    return result, (after.user - before.user) + (after.system - before.system)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-composite-"))
    try:
        start = time.perf_counter()
        files = build_stack(tmp)
        print(f"[composite] built the {N_DATES}-date stack in {time.perf_counter() - start:.1f} s")
        ds, valid = open_stack(files)
        n_pixels = N_DATES * SIZE * SIZE
        n_values = n_pixels * len(BANDS)

        outputs: dict[str, dict[str, _RawTarget]] = {}

        def ours() -> None:
            comp = median_composite(ds, valid=valid, period="1MS")
            outputs["ours"] = _store(comp.data, tmp / "ours")

        def baseline() -> None:
            outputs["baseline"] = _store(ds.where(valid).resample(time="1MS").median(), tmp / "baseline")

        with dask.config.set(scheduler="threads", num_workers=THREADS):
            load = {"before_ours": os.getloadavg()[0]}
            ours_m, ours_cpu = _with_cpu(lambda: measure("earth.composite.median_composite", ours)[0])
            load["after_ours"] = os.getloadavg()[0]
            base_m, base_cpu = _with_cpu(lambda: measure("xarray resample().median()", baseline)[0])
            load["after_baseline"] = os.getloadavg()[0]
        identical = all(
            np.array_equal(outputs["ours"][band].read(slice(t, t + 1)), outputs["baseline"][band].read(slice(t, t + 1)),
                           equal_nan=True)
            for band in BANDS for t in range(N_DATES // 2)
        )  # fmt: skip
        per_core = n_pixels / ours_m.seconds / CORES / 1e6
        per_cpu_s = n_pixels / ours_cpu / 1e6
        figures = {
            "stack": f"{N_DATES} dates x {SIZE} x {SIZE} px x {len(BANDS)} bands, monthly -> 12 composites",
            "ours_mpix_per_s_per_core_wall": round(per_core, 1),
            "ours_mpix_per_cpu_second": round(per_cpu_s, 1),
            "ours_cpu_seconds": round(ours_cpu, 1),
            "ours_band_values_mpix_per_cpu_second": round(n_values / ours_cpu / 1e6, 1),
            "baseline_mpix_per_s_per_core_wall": round(n_pixels / base_m.seconds / CORES / 1e6, 1),
            "baseline_mpix_per_cpu_second": round(n_pixels / base_cpu / 1e6, 1),
            "load_average_1min": {k: round(v, 1) for k, v in load.items()},
            "target": ">= 20 Mpix/s per core, peak <= 2048 MiB",
            "meets_target_wall": per_core >= 20 and ours_m.peak_rss_mib <= 2048,
            "meets_target_per_cpu_second": per_cpu_s >= 20 and ours_m.peak_rss_mib <= 2048,
            "results_identical_to_baseline": identical,
            "cores": CORES,
            "dask_threads": THREADS,
            "sink_direct_io": all(t.direct for t in outputs["ours"].values()),
        }
        payload = report("composite", ours_m, base_m, **figures)
        print(json.dumps({k: payload[k] for k in ("speedup",)}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
