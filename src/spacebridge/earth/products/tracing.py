"""Class rasters traced into pixel-edge polygons with their equal-area areas, in parallel strips when large.

Each polygon is one 4-connected patch of one class: ``rasterio.features.shapes`` (GDAL's polygonizer) traces the
pixel edges of the class raster itself, which gives exactly one polygon per patch (holes for the patches of other
values inside it). GDAL's polygonizer holds the GIL and runs on one core: on the 80 000 patches of a 10980 x 10980
px Sentinel-2 tile it takes 5-6 s, and building, repairing and measuring the polygons about 4 s more. Large
rasters are therefore cut into horizontal strips traced in worker processes, one per core, while the caller goes
on (e.g. writing its COGs); a patch that a cut splits is joined again afterwards. This joining is hand-written
because no library joins the pieces of a raster polygonized in tiles; it is short and exact:

- every strip is traced in pixel coordinates and then moved to the grid's CRS with GDAL's own formula
  (``x = c + col * a + row * b``, ``y = f + col * d + row * e``) applied to the whole row index, so the vertices of
  a cut are equal bit for bit on both sides of it;
- two pieces are the same patch when they have the same class and share a pixel edge on the cut (4-connectivity:
  touching at a corner is not enough). One pixel of each run of such edges is located in the pieces of both sides
  (an STR-tree point query), and the pieces are grouped with a union-find (a patch may cross several cuts);
- each group is merged with GEOS's union (not its faster coverage union, which needs the shared edges to have the
  same vertices: a piece's edge along a cut often spans several of the other side's), and the merged polygon's
  area is measured again.

The vertices a cut leaves in the middle of a straight edge are dropped (``shapely.simplify`` with a zero
tolerance), so the result equals the polygons of a single trace (tested against it on real and random rasters).
The workers also project the polygons to WGS 84 and, when asked, write their GeoJSON Feature texts, so that the
caller's process has only the joined patches left to do.

Areas: on a north-up WGS 84 longitude/latitude grid a polygon's edges follow meridians and parallels, and its
area on the ellipsoid is computed exactly from them (Green's theorem with Snyder's authalic ``q``; against the
geodesic area of densified 1° cells: 1e-11). On other grids it is the polygon's area in the Lambert azimuthal
equal-area CRS of the grid (:func:`spacebridge.earth.products.stats.equal_area_crs_for`, the CRS of the area
statistics); projected grids (UTM) have their edges projected as they are (against the exact sum of each patch's
pixel areas, 79 000 patches: at most 1.1e-7 per patch, 1.1e-8 in total), other geographic grids have them split
into segments of at most 32 pixels first (3e-6 and 5e-8).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE
from typing import Any

import numpy as np

from spacebridge.earth.products._strips import Strip, StripOut, grid_of, trace_strip

__all__ = ["PARALLEL_MIN_PX", "TraceJob", "Traced", "start_trace"]

log = logging.getLogger(__name__)

PARALLEL_MIN_PX = 30_000_000
"""Rasters from this size up are traced in parallel strips (below it, starting the workers costs more than it
saves: about 1 s per worker process)."""
_MAX_WORKERS = 4
_COPY_BYTES = 1 << 24


@dataclass(frozen=True)
class Traced:
    """The polygons of a trace: class values, areas in m², and the polygons in WGS 84 (EPSG:4326) as WKB with
    their bounds and geometry types (:attr:`geometry` decodes them)."""

    values: np.ndarray
    areas_m2: np.ndarray
    wkb: list[bytes]
    bounds: np.ndarray
    types: np.ndarray

    @property
    def geometry(self) -> np.ndarray:
        """shapely Polygons (or MultiPolygons where a repair split one), WGS 84."""
        import shapely

        return np.asarray(shapely.from_wkb(self.wkb), dtype=object).reshape(-1)


class _Worker:
    """Strips traced one after the other by a fresh Python process (``python -m
    spacebridge.earth.products._trace_worker``).

    A plain subprocess rather than ``multiprocessing``: its "spawn" start method imports the caller's main module
    again in every worker, which re-runs a script that lacks the ``if __name__ == "__main__"`` guard; and "fork"
    is unsafe in a process that runs threads (dask, GDAL). The strips' pixels go through ``.npy`` files (no copy
    held here), the strips' descriptions in and the polygons out as pickles over the worker's standard input and
    output, written and read by a thread of this process.
    """

    def __init__(self, strips: list[Strip], folder: Path) -> None:
        import dataclasses

        import spacebridge

        sent = []
        for strip in strips:
            path = folder / f"strip{strip.row0}.npy"
            np.save(path, strip.data)
            sent.append(dataclasses.replace(strip, data=strip.data[:0], data_path=str(path)))
        root = str(Path(spacebridge.__file__).resolve().parents[1])  # the worker imports the same package
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        command = [sys.executable, "-m", "spacebridge.earth.products._trace_worker"]
        self._proc = subprocess.Popen(command, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=env)
        self._output: tuple[bytes, bytes] | None = None
        self._outs: list[StripOut] | None = None
        self._thread = threading.Thread(target=self._talk, args=(pickle.dumps(sent, protocol=5),), daemon=True)
        self._thread.start()

    def _talk(self, payload: bytes) -> None:
        with contextlib.suppress(OSError, ValueError):  # killed by close(): result() reports it
            self._output = self._proc.communicate(payload)

    def result(self) -> list[StripOut]:
        if self._outs is None:
            self._thread.join()
            if self._output is None or self._proc.returncode != 0:
                err = self._output[1].decode(errors="replace").strip().splitlines()[-3:] if self._output else []
                raise OSError(f"exit status {self._proc.returncode}: {' '.join(err) or 'no output'}")
            self._outs = pickle.loads(self._output[0])
            self._output = None
        return self._outs

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._thread.join()


class TraceJob:
    """Polygons being traced (in worker processes for large rasters); :meth:`result` waits for them.

    With ``features=True`` the GeoJSON Feature texts are made by the workers too, into temporary files that
    :meth:`write_geojson` copies into the FeatureCollection; :meth:`close` removes them.
    """

    def __init__(
        self, data: np.ndarray, wanted: np.ndarray, gbox: Any, names: Mapping[int, str], cuts: list[int], *,
        workers: int, features: bool,
    ) -> None:  # fmt: skip
        self._data, self._wanted, self._cuts, self._names = data, wanted, cuts, dict(names)
        self._grid = grid_of(gbox)
        self._tmp = Path(tempfile.mkdtemp(prefix="spacebridge-polygons-")) if features or workers > 1 else None
        # the folder goes when the job is closed, or else when it is garbage-collected
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._tmp, True) if self._tmp is not None else None
        self._features = features
        bounds = [0, *cuts, len(data)]
        self._strips = [
            Strip(data[r0:r1], r0, wanted, self._grid, self._names,
                  str(self._tmp / f"strip{k}.txt") if features and self._tmp is not None else None)
            for k, (r0, r1) in enumerate(itertools.pairwise(bounds))
        ]  # fmt: skip
        self._workers: list[_Worker | None] = []
        self._owner: list[tuple[int, int]] = []  # (worker, position in its strips) of each strip
        self._result: tuple[Traced, list[tuple[int, int, int]], dict[int, bytes]] | None = None
        groups = np.array_split(np.arange(len(self._strips)), max(1, min(workers, len(self._strips))))
        for w, group in enumerate(groups):
            self._owner += [(w, i) for i in range(len(group))]
            worker = None
            if workers > 1 and self._tmp is not None:  # a folder always exists with workers (see above)
                try:
                    worker = _Worker([self._strips[k] for k in group], self._tmp)
                except OSError as exc:  # no usable interpreter (embedded Python...): these strips are traced here
                    log.warning("cannot start a polygon worker (%s); tracing in this process", exc)
            self._workers.append(worker)

    def _strip_result(self, k: int) -> StripOut:
        w, i = self._owner[k]
        worker = self._workers[w]
        if worker is not None:
            try:
                return worker.result()[i]
            except OSError as exc:  # the worker died (killed, out of memory...): trace its strips here
                log.warning("a polygon worker failed (%s); tracing its strips in this process", exc)
                self._workers[w] = None
        return trace_strip(self._strips[k])

    def close(self) -> None:
        """Stop the workers and remove the temporary files; the job cannot be used afterwards."""
        for worker in self._workers:
            if worker is not None:
                worker.kill()
        if self._cleanup is not None:
            self._cleanup()

    def _collect(self) -> tuple[Traced, list[tuple[int, int, int]], dict[int, bytes]]:
        import shapely

        from spacebridge.earth.products._cuts import join

        outs = [self._strip_result(k) for k in range(len(self._strips))]
        self._workers = [None] * len(self._workers)
        values = np.concatenate([o.values for o in outs])
        areas = np.concatenate([o.areas_m2 for o in outs])
        wkb = [w for o in outs for w in o.wkb]
        bounds = np.concatenate([o.bounds for o in outs])
        types = np.concatenate([o.types for o in outs])
        texts = [  # where each polygon's text is: (strip, offset, size)
            (k, int(end - size), int(size))
            for k, o in enumerate(outs)
            for end, size in zip(np.cumsum(o.feature_sizes), o.feature_sizes, strict=True)
        ]
        merged_texts: dict[int, bytes] = {}
        if self._cuts:
            joined = join(outs, self._data, self._wanted, self._cuts, self._grid, self._names, self._features)
            for i, (area, geom, text) in joined.merged.items():
                areas[i], wkb[i], merged_texts[i] = area, shapely.to_wkb(geom), text
                bounds[i], types[i] = shapely.bounds(geom), shapely.get_type_id(geom)
            keep = np.flatnonzero(joined.keep)
            values, areas, bounds, types = values[keep], areas[keep], bounds[keep], types[keep]
            wkb = [wkb[i] for i in keep]
            merged_texts = {int(np.searchsorted(keep, i)): t for i, t in merged_texts.items()}
            texts = [texts[i] for i in keep]
        return Traced(values, areas, wkb, bounds, types), texts, merged_texts

    def _collected(self) -> tuple[Traced, list[tuple[int, int, int]], dict[int, bytes]]:
        if self._result is None:
            self._result = self._collect()
        return self._result

    def result(self) -> Traced:
        """The polygons (values, areas in m², WGS 84 geometry), joined across the cuts."""
        return self._collected()[0]

    def write_geojson(self, fh: Any) -> None:
        """Write the Features (made with ``features=True``) as an RFC 7946 FeatureCollection into a binary file."""
        if not self._features:
            from spacebridge.core.errors import InvalidInputError

            raise InvalidInputError(
                "this trace was started without the GeoJSON texts",
                hint="Start it with features=True (start_polygonize(..., geojson=True)) to write GeoJSON",
            )
        _, texts, merged = self._collected()
        fh.write(b'{"type": "FeatureCollection", "features": [')
        with contextlib.ExitStack() as stack:
            sources = [stack.enter_context(open(s.features_path or os.devnull, "rb")) for s in self._strips]
            run: list[int] = []  # [strip, start, end) of consecutive texts of one file, copied in one go

            def flush() -> None:
                if run:
                    sources[run[0]].seek(run[1])
                    fh.write(sources[run[0]].read(run[2] - run[1]))
                    run.clear()

            for i, (k, offset, size) in enumerate(texts):
                skip = 1 if i == 0 else 0  # ",\n" before every feature but the first: "\n"
                text = merged.get(i)
                if text is not None:
                    flush()
                    fh.write(text[skip:])
                elif run and run[0] == k and run[2] == offset and run[2] - run[1] < _COPY_BYTES:
                    run[2] = offset + size
                else:
                    flush()
                    run.extend((k, offset + skip, offset + size))
            flush()
        fh.write(b"\n]}\n")


def _default_workers(size_px: int) -> int:
    # a daemonic process is e.g. a Dask worker, whose cores are already busy with the cluster's tasks
    if size_px < PARALLEL_MIN_PX or multiprocessing.current_process().daemon:
        return 1
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere every core counts
    cores = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(_MAX_WORKERS, cores))


def start_trace(
    data: np.ndarray,
    wanted: np.ndarray,
    gbox: Any,
    *,
    names: Mapping[int, str] | None = None,
    workers: int | None = None,
    strips: int | None = None,
    features: bool = False,
) -> TraceJob:
    """Start tracing the 4-connected patches of ``data`` whose value is in ``wanted``.

    Parameters
    ----------
    data
        2-D class raster (a type ``rasterio.features.shapes`` traces: uint8, uint16, int16, int32, float32).
    wanted
        Values to trace, of ``data``'s type.
    gbox
        The raster's odc-geo ``GeoBox``.
    names
        Class name of each value (the ``class`` property of the GeoJSON features); default: the value.
    workers
        Worker processes (more than 1: one per strip); default: one per core (at most 4) for rasters of
        ``PARALLEL_MIN_PX`` pixels and more, none (trace in this process) below that or inside a daemonic process
        (e.g. a Dask worker).
    strips
        Horizontal strips to trace separately; default: two per worker (each worker traces its strips one after
        the other: half the polygonizer's memory), one without workers.
    features
        Also make the GeoJSON Feature texts (for :meth:`TraceJob.write_geojson`).
    """
    n_workers = _default_workers(data.size) if workers is None else max(1, workers)
    default_strips = 2 * n_workers if n_workers > 1 else 1
    n_strips = max(1, min(strips if strips is not None else default_strips, len(data)))
    cuts = [round(k * len(data) / n_strips) for k in range(1, n_strips)]
    labels = dict(names) if names is not None else {int(v): str(v) for v in wanted}
    n_workers = min(n_workers, n_strips)
    return TraceJob(data, wanted, gbox, labels, cuts, workers=n_workers, features=features)
