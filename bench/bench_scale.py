"""Scale-out: a 16-tile national-grid job on 1 and 2 Dask workers, against a naive whole-area load.

Data (built in a temporary folder, deleted at the end, never committed): 16 Sentinel-2-like granules of
10980 x 10980 px at 10 m (4 x 4, 439 x 439 km, EPSG:32642, Kazakhstan's UTM zone 42), bands B3 (green), B8 (nir)
and B11 (swir16) as int16 ZSTD GeoTIFFs, each made by tiling the real Sentinel-2 L1C chip of the Spain 2019 flood
(512 x 512 px, Sen1Floods11) 22 x 22 times; a VRT mosaic of the granules is the job's input scene. 1.93e9 px per
band: the two bands the job reads are 7.2 GiB as int16, its float32 output 7.2 GiB, against a worker memory limit
of :data:`WORKER_MEMORY_LIMIT` (2 GiB).

Job: MNDWI (Xu 2006) per tile of an anchored UTM grid whose 10980 px tiles coincide with the granules
(:class:`spacebridge.earth.job_analyses.IndexJob`, :func:`spacebridge.earth.jobs.run_tiled_job`): one task per
tile, each reading its tile in 2048 px chunks and writing a float32 COG and a STAC item.

Ours runs on a LocalCluster (one thread and a 2 GiB memory limit per worker, which the nanny enforces by
restarting the worker). On the 16 tiles with 2 workers it gives the memory figures: peak RSS of each worker
process (sampled every 50 ms), the peak during the first quarter of the tiles against the whole run (memory must
not grow with the number of tiles), whether a worker was restarted, task-graph size. On the 4 tiles of the
north-west quarter it runs with 1 and with 2 workers (scaling).

Baseline, same data, same index, same machine, same run: what a notebook does -- ``odc.stac.load`` of the
granules over the whole area (2048 px chunks), MNDWI with xarray arithmetic, ``.compute()``, one GeoTIFF written
with rasterio; dask's threaded scheduler on all cores. It runs in a child process watched every 50 ms and killed
if its RSS passes :data:`BASELINE_RSS_CAP_GIB`, so that it cannot take the shared machine down. On the 16
granules it needs the whole area in memory (twice, while dask concatenates the chunks) and is expected to hit the
cap; so the speed comparison is made on the 2 x 2 granules of the north-west quarter, where it fits: the naive
load there against our job on the same 4 tiles with 2 workers. (Wall time of the 1-worker run on all 16 tiles is
left out to keep the run under an hour on the shared 2-core machine: 4 tiles measure the scaling as well.)

The machine is shared (2 cores): run once, when nothing else heavy runs; the figures say what else was running
(load average). ``SPACEBRIDGE_BENCH_SCALE_GRID=1`` is a dry run on one granule.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import rasterio
from affine import Affine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Measurement, report

ROOT = Path(__file__).resolve().parents[1]
SCENE = ROOT / "examples" / "data" / "flood-spain-2019" / "Spain_7370579_S2Hand.tif"
N_PX = 10980
GRID = int(os.environ.get("SPACEBRIDGE_BENCH_SCALE_GRID", "4"))  # 4 x 4 granules (1 for a dry run)
BANDS = ("B3", "B8", "B11")
CRS = "EPSG:32642"
LEFT, TOP = 300000.0, 5000000.0
BASELINE_RSS_CAP_GIB = 8.0
WORKER_MEMORY_LIMIT = "2GiB"
NEEDED_GIB = 16.0  # 6.4 GiB of granules, up to 6 GiB of tile COGs, the naive GeoTIFF (ZSTD)


def make_granules(folder: Path) -> tuple[list[Path], Path]:
    """16 granules tiled from the real chip, and a VRT mosaic of them (the job's input)."""
    with rasterio.open(SCENE) as src:
        names = list(src.descriptions)
        chip = {b: src.read(names.index(b) + 1) for b in BANDS}
    paths = []
    for gy in range(GRID):
        for gx in range(GRID):
            path = folder / f"granule_{gy}{gx}.tif"
            transform = Affine(10.0, 0.0, LEFT + gx * N_PX * 10.0, 0.0, -10.0, TOP - gy * N_PX * 10.0)
            profile = {
                "driver": "GTiff", "width": N_PX, "height": N_PX, "count": len(BANDS), "dtype": "int16",
                "crs": CRS, "transform": transform, "nodata": 0, "tiled": True, "blockxsize": 512,
                "blockysize": 512, "compress": "ZSTD", "zstd_level": 1, "predictor": 2, "bigtiff": "IF_SAFER",
            }  # fmt: skip
            flip = (gy + gx) % 2 == 1  # mirror every other granule so that neighbours differ
            with rasterio.open(path, "w", **profile) as dst:
                for i, b in enumerate(BANDS, 1):
                    dst.set_band_description(i, b)
                for r0 in range(0, N_PX, 512):
                    h = min(512, N_PX - r0)
                    for i, b in enumerate(BANDS, 1):
                        src_band = chip[b][:, ::-1] if flip else chip[b]
                        rows = np.take(src_band, np.arange(r0, r0 + h) % 512, axis=0)
                        dst.write(np.take(rows, np.arange(N_PX) % 512, axis=1), i,
                                  window=rasterio.windows.Window(0, r0, N_PX, h))  # fmt: skip
            paths.append(path)
    return paths, write_input_vrt(folder / "mosaic.vrt", paths)


def write_input_vrt(path: Path, granules: list[Path]) -> Path:
    size = GRID * N_PX
    wkt = rasterio.crs.CRS.from_string(CRS).to_wkt()
    bands = []
    for i, b in enumerate(BANDS, 1):
        sources = []
        for k, g in enumerate(granules):
            gy, gx = divmod(k, GRID)
            sources.append(
                f'<SimpleSource><SourceFilename relativeToVRT="1">{g.name}</SourceFilename><SourceBand>{i}'
                f'</SourceBand><SrcRect xOff="0" yOff="0" xSize="{N_PX}" ySize="{N_PX}"/><DstRect xOff="{gx * N_PX}" '
                f'yOff="{gy * N_PX}" xSize="{N_PX}" ySize="{N_PX}"/></SimpleSource>'
            )
        bands.append(
            f'<VRTRasterBand dataType="Int16" band="{i}"><Description>{b}</Description><NoDataValue>0</NoDataValue>'
            + "".join(sources)
            + "</VRTRasterBand>"
        )
    path.write_text(
        f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}"><SRS>{wkt}</SRS>'
        f"<GeoTransform>{LEFT}, 10.0, 0.0, {TOP}, 0.0, -10.0</GeoTransform>{''.join(bands)}</VRTDataset>"
    )
    return path


class WorkerMemory(threading.Thread):
    """Peak RSS of each process in ``pids``, sampled every 50 ms, with the time of each sample."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.samples: dict[str, list[tuple[float, int]]] = {name: [] for name in pids}
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            now = time.perf_counter()
            for name, proc in self.procs.items():
                with contextlib.suppress(psutil.Error):
                    self.samples[name].append((now, proc.memory_info().rss))
            self.halt.wait(0.05)

    def peak_mib(self, until: float | None = None) -> dict[str, float]:
        return {
            name: max((rss for t, rss in s if until is None or t <= until), default=0) / 2**20
            for name, s in self.samples.items()
        }


def run_ours(scene: Path, out: Path, workers: int, blocks: int = GRID) -> tuple[Measurement, dict[str, Any]]:
    """Our tiled job over the north-west ``blocks`` x ``blocks`` granules, on a LocalCluster of ``workers``."""
    from spacebridge.core.execution import execution
    from spacebridge.core.settings import Settings
    from spacebridge.earth.grid import TileGrid
    from spacebridge.earth.job_analyses import IndexJob
    from spacebridge.earth.jobs import run_tiled_job

    grid = TileGrid("utm42n", CRS, 10.0, N_PX, (LEFT, TOP - GRID * N_PX * 10.0))
    tiles = [grid.tile(ix, iy) for iy in range(GRID - 1, GRID - 1 - blocks, -1) for ix in range(blocks)]
    job = IndexJob.of("MNDWI", scene, sensor="sentinel-2-l1c")
    settings = Settings(workers=workers, max_pixels=4_000_000_000)
    done_at: list[float] = []
    with execution(settings, memory_limit=WORKER_MEMORY_LIMIT) as ex:
        client = ex.client
        if client is None:
            raise RuntimeError("workers=N must start a LocalCluster")
        pids = client.run(os.getpid)
        sampler = WorkerMemory(pids)
        sampler.start()
        start = time.perf_counter()
        result = run_tiled_job(job, tiles, out, settings=settings, execution=ex,
                               progress=lambda d, n, t: done_at.append(time.perf_counter()))  # fmt: skip
        seconds = time.perf_counter() - start
        sampler.halt.set()
        sampler.join()
        restarted = set(client.run(os.getpid).values()) != set(pids.values())
    quarter = done_at[max(len(done_at) // 4 - 1, 0)]
    peaks = sampler.peak_mib()
    figures = {
        "tiles": len(tiles),
        "graph_tasks": result.graph_tasks,
        "worker_memory_limit": WORKER_MEMORY_LIMIT,
        "peak_rss_per_worker_mib": {k: round(v) for k, v in peaks.items()},
        "peak_rss_per_worker_first_quarter_mib": {k: round(v) for k, v in sampler.peak_mib(quarter).items()},
        "worker_restarted": restarted,
        "failed": dict(result.failed),
    }
    return Measurement(
        f"tiled job, {len(tiles)} tiles, {workers} worker(s)", seconds, max(peaks.values()), figures
    ), figures


def run_baseline(granules: list[Path], out: Path) -> tuple[Measurement, dict[str, Any]]:
    """The naive whole-area job in a child process, killed if its RSS passes the cap."""
    script = Path(__file__).resolve().parent / "_naive_whole_area.py"
    proc = subprocess.Popen([sys.executable, str(script), json.dumps([str(p) for p in granules]), str(out)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    watched = psutil.Process(proc.pid)
    peak, killed = 0, False
    start = time.perf_counter()
    while proc.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [watched, *watched.children(recursive=True)])
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        if rss > BASELINE_RSS_CAP_GIB * 2**30:
            proc.kill()
            killed = True
            break
        time.sleep(0.05)
    stdout, _ = proc.communicate()
    seconds = time.perf_counter() - start
    info: dict[str, Any] = {}
    for line in stdout.splitlines():
        with contextlib.suppress(ValueError):
            info.update(json.loads(line))
    info.update({"killed_over_rss_cap": killed, "rss_cap_gib": BASELINE_RSS_CAP_GIB, "returncode": proc.returncode})
    label = f"naive odc.stac.load of {len(granules)} granule(s) + compute" + (" (killed at the cap)" if killed else "")
    return Measurement(label, seconds, peak / 2**20, info), info


def _quarter(granules: list[Path]) -> list[Path]:
    half = GRID // 2
    return [g for k, g in enumerate(granules) if k // GRID < half and k % GRID < half]


def main() -> None:
    tmp_root = Path(os.environ.get("SPACEBRIDGE_BENCH_TMP", tempfile.gettempdir()))
    free_gib = shutil.disk_usage(tmp_root).free / 2**30
    if free_gib < NEEDED_GIB * GRID * GRID / 16:
        sys.exit(
            f"bench_scale needs {NEEDED_GIB:.0f} GiB free in {tmp_root} (has {free_gib:.1f}); set SPACEBRIDGE_BENCH_TMP"
        )
    load_before = os.getloadavg()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="spacebridge-bench-scale-", dir=tmp_root) as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        granules, scene = make_granules(folder)
        build_s = time.perf_counter() - t0
        print(f"[bench_scale] built {len(granules)} granules of {N_PX} px in {build_s:.0f} s "
              f"({sum(p.stat().st_size for p in granules) / 2**30:.1f} GiB)", flush=True)  # fmt: skip
        whole_ours, fig = run_ours(scene, folder / "out-all", 2)
        print(f"[bench_scale] {whole_ours.label}: {whole_ours.seconds:.1f} s {fig}", flush=True)
        shutil.rmtree(folder / "out-all")
        whole, info = run_baseline(granules, folder / "naive.tif")
        print(
            f"[bench_scale] {whole.label}: {whole.seconds:.1f} s, peak {whole.peak_rss_mib:.0f} MiB {info}", flush=True
        )
        (folder / "naive.tif").unlink(missing_ok=True)
        blocks = max(GRID // 2, 1)
        runs = {}
        for workers in (1, 2):
            runs[workers], fig_q = run_ours(scene, folder / f"out-q{workers}", workers, blocks=blocks)
            print(f"[bench_scale] {runs[workers].label}: {runs[workers].seconds:.1f} s {fig_q}", flush=True)
            shutil.rmtree(folder / f"out-q{workers}")
        base_q, info_q = run_baseline(_quarter(granules) if GRID >= 2 else granules, folder / "naive-q.tif")
        print(f"[bench_scale] {base_q.label}: {base_q.seconds:.1f} s, peak {base_q.peak_rss_mib:.0f} MiB {info_q}",
              flush=True)  # fmt: skip
        figures = {
            "tiles": GRID * GRID,
            "pixels_per_band": GRID * GRID * N_PX * N_PX,
            "worker_memory_limit": WORKER_MEMORY_LIMIT,
            "all_tiles_2_workers_s": round(whole_ours.seconds, 1),
            "all_tiles_peak_rss_per_worker_mib": fig["peak_rss_per_worker_mib"],
            "all_tiles_peak_rss_per_worker_first_quarter_mib": fig["peak_rss_per_worker_first_quarter_mib"],
            "all_tiles_worker_restarted": fig["worker_restarted"],
            "graph_tasks_ours": fig["graph_tasks"],
            "graph_tasks_naive_whole_area": info.get("graph_tasks"),
            "naive_whole_area": {
                "seconds": round(whole.seconds, 1),
                "peak_rss_mib": round(whole.peak_rss_mib),
                **info,
            },
            "quarter_tiles": blocks * blocks,
            "quarter_wall_s_1_worker": round(runs[1].seconds, 1),
            "quarter_wall_s_2_workers": round(runs[2].seconds, 1),
            "scaling_1_to_2_workers": round(runs[1].seconds / runs[2].seconds, 2),
            "quarter_peak_rss_per_worker_mib": [
                runs[1].extra["peak_rss_per_worker_mib"],
                runs[2].extra["peak_rss_per_worker_mib"],
            ],
            "quarter_naive": {
                "seconds": round(base_q.seconds, 1),
                "peak_rss_mib": round(base_q.peak_rss_mib),
                **info_q,
            },
            "build_s": round(build_s, 1),
        }
    report(
        "bench_scale",
        runs[2],
        base_q,
        **figures,
        load_average_before=[round(x, 2) for x in load_before],
        load_average_after=[round(x, 2) for x in os.getloadavg()],
    )


if __name__ == "__main__":
    main()
