"""Scale-out: a 16-tile national-grid job on 1 and 2 Dask workers, against a naive whole-area load.

Data (built in a temporary folder, deleted at the end, never committed): 16 Sentinel-2-like granules of
10980 x 10980 px at 10 m (4 x 4, 439 x 439 km, EPSG:32642, Kazakhstan's UTM zone 42), bands B3 (green), B8 (nir)
and B11 (swir16) as int16 ZSTD GeoTIFFs, each made by tiling the real Sentinel-2 L1C chip of the Spain 2019 flood
(512 x 512 px, Sen1Floods11) 22 x 22 times; a VRT mosaic of the granules is the job's input scene. 1.93e9 px per
band.

Job: MNDWI (Xu 2006) per tile of an anchored UTM grid whose 10980 px tiles coincide with the granules
(:class:`spacebridge.earth.job_analyses.IndexJob`, :func:`spacebridge.earth.jobs.run_tiled_job`): one task per
tile, each reading its tile in 2048 px chunks and writing a float32 COG and a STAC item.

Ours, run twice: ``--workers 1`` and ``--workers 2`` (LocalCluster, one thread per worker). Measured: wall time,
peak RSS of each worker process (sampled every 50 ms), the peak during the first quarter of the tiles against the
whole run (memory must not grow with the number of tiles), task-graph size.

Baseline, same data, same index, same machine, same run: what a notebook does -- ``odc.stac.load`` of the 16
granules over the whole area (2048 px chunks), MNDWI with xarray arithmetic, ``.compute()``, one GeoTIFF written
with rasterio; threaded scheduler. It runs in a child process watched every 50 ms and killed if its RSS passes
:data:`BASELINE_RSS_CAP_GIB` (the naive load needs the whole area in memory: 7.7 GB for the float32 result alone),
so that it cannot take the shared machine down.

The machine is shared (2 cores): run once, when nothing else heavy runs; the figures say what else was running
(load average).
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
from _harness import Measurement, machine, report

ROOT = Path(__file__).resolve().parents[1]
SCENE = ROOT / "examples" / "data" / "flood-spain-2019" / "Spain_7370579_S2Hand.tif"
N_PX = 10980
GRID = int(os.environ.get("SPACEBRIDGE_BENCH_SCALE_GRID", "4"))  # 4 x 4 granules (1 for a dry run)
BANDS = ("B3", "B8", "B11")
CRS = "EPSG:32642"
LEFT, TOP = 300000.0, 5000000.0
BASELINE_RSS_CAP_GIB = 10.0
NEEDED_GIB = 20.0


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


def run_ours(scene: Path, out: Path, workers: int) -> tuple[Measurement, dict[str, Any]]:
    from spacebridge.core.execution import execution
    from spacebridge.core.settings import Settings
    from spacebridge.earth.grid import TileGrid
    from spacebridge.earth.job_analyses import IndexJob
    from spacebridge.earth.jobs import run_tiled_job

    grid = TileGrid("utm42n", CRS, 10.0, N_PX, (LEFT, TOP - GRID * N_PX * 10.0))
    tiles = [grid.tile(ix, iy) for iy in range(GRID - 1, -1, -1) for ix in range(GRID)]
    job = IndexJob.of("MNDWI", scene, sensor="sentinel-2-l1c")
    settings = Settings(workers=workers, max_pixels=4_000_000_000)
    done_at: list[float] = []
    with execution(settings) as ex:
        pids = ex.client.run(os.getpid)
        sampler = WorkerMemory(pids)
        sampler.start()
        start = time.perf_counter()
        result = run_tiled_job(job, tiles, out, settings=settings, execution=ex,
                               progress=lambda d, n, t: done_at.append(time.perf_counter()))  # fmt: skip
        seconds = time.perf_counter() - start
        sampler.halt.set()
        sampler.join()
    quarter = done_at[len(done_at) // 4 - 1]
    peaks = sampler.peak_mib()
    figures = {
        "tiles": len(tiles),
        "graph_tasks": result.graph_tasks,
        "peak_rss_per_worker_mib": {k: round(v) for k, v in peaks.items()},
        "peak_rss_per_worker_first_quarter_mib": {k: round(v) for k, v in sampler.peak_mib(quarter).items()},
        "failed": dict(result.failed),
    }
    return Measurement(f"tiled job, {workers} worker(s)", seconds, max(peaks.values()), figures), figures


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
    info: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() and not killed else {}
    info.update({"killed_over_rss_cap": killed, "rss_cap_gib": BASELINE_RSS_CAP_GIB, "returncode": proc.returncode})
    return Measurement("naive odc.stac.load of the whole area + compute", seconds, peak / 2**20, info), info


def main() -> None:
    tmp_root = Path(os.environ.get("SPACEBRIDGE_BENCH_TMP", tempfile.gettempdir()))
    free_gib = shutil.disk_usage(tmp_root).free / 2**30
    if free_gib < NEEDED_GIB:
        sys.exit(
            f"bench_scale needs {NEEDED_GIB:.0f} GiB free in {tmp_root} (has {free_gib:.1f}); set SPACEBRIDGE_BENCH_TMP"
        )
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="spacebridge-bench-scale-", dir=tmp_root) as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        granules, scene = make_granules(folder)
        build_s = time.perf_counter() - t0
        print(f"[bench_scale] built {len(granules)} granules of {N_PX} px in {build_s:.0f} s "
              f"({sum(p.stat().st_size for p in granules) / 2**30:.1f} GiB)", flush=True)  # fmt: skip
        one, fig1 = run_ours(scene, folder / "out-1", 1)
        print(f"[bench_scale] 1 worker: {one.seconds:.1f} s {fig1}", flush=True)
        shutil.rmtree(folder / "out-1")
        two, fig2 = run_ours(scene, folder / "out-2", 2)
        print(f"[bench_scale] 2 workers: {two.seconds:.1f} s {fig2}", flush=True)
        shutil.rmtree(folder / "out-2")
        base, info = run_baseline(granules, folder / "naive.tif")
        print(f"[bench_scale] baseline: {base.seconds:.1f} s, peak {base.peak_rss_mib:.0f} MiB {info}", flush=True)
    report(
        "bench_scale",
        two,
        base,
        scaling_1_to_2_workers=round(one.seconds / two.seconds, 2),
        wall_s_1_worker=round(one.seconds, 1),
        wall_s_2_workers=round(two.seconds, 1),
        peak_rss_per_worker_mib_1_worker=fig1["peak_rss_per_worker_mib"],
        peak_rss_per_worker_mib_2_workers=fig2["peak_rss_per_worker_mib"],
        peak_rss_per_worker_first_quarter_mib_2_workers=fig2["peak_rss_per_worker_first_quarter_mib"],
        graph_tasks_ours=fig2["graph_tasks"],
        graph_tasks_baseline=info.get("graph_tasks"),
        baseline_killed_over_cap=info["killed_over_rss_cap"],
        pixels_per_band=GRID * GRID * N_PX * N_PX,
        build_s=round(build_s, 1),
        load_average_before=[round(x, 2) for x in load_before],
        load_average_after=[round(x, 2) for x in os.getloadavg()],
        machine=machine(),
    )


if __name__ == "__main__":
    main()
