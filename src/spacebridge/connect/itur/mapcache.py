"""The on-disk cache of converted ITU-R digital maps: where it lives, how it is built, how it is read.

The ``itur`` package ships the maps as compressed ``.npz``; decompressing them costs seconds (3.3 s for the
P.1511 topography alone). On first use each map is converted once into an uncompressed ``.npy`` plus a JSON
sidecar (grid, Recommendation, source) in a *pack folder*; later loads memory-map the ``.npy``, so only the
pages the interpolation touches are read.

Where: ``<maps_dir>/itur-maps-<itur version>-f<pack format>``. ``maps_dir`` is an explicit argument of every
model function (the CLI and the API pass ``Settings.itur_cache``, i.e. ``$SPACEBRIDGE_ITUR_CACHE``); when it
is ``None`` the user cache folder of the XDG convention is used (``$XDG_CACHE_HOME/spacebridge``, else
``~/.cache/spacebridge``). Nothing here reads spacebridge's own environment variables.

Robustness (decision 0261):

- every file is written atomically (temporary file in the same folder, then rename), the ``.npy`` before its
  sidecar, so a reader that finds a sidecar finds a complete map;
- concurrent builders (pytest-xdist workers, Dask workers) are safe because of that; on POSIX they also take
  an advisory lock on ``<pack>/.lock`` so that one converts while the others wait and then reuse its files;
- a damaged map (truncated, unreadable, shape different from its sidecar) is converted again;
- a pack folder that cannot be written (read-only home, container) is still used for the maps it holds;
  missing maps are converted into a private folder (0700, owned by the user) under the system temporary
  directory instead, with one logged warning naming both folders and the setting to change.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from spacebridge.connect.itur.maps import MAPS, FloatArray, Grid, MapSpec
from spacebridge.core.atomic import atomic_path, atomic_write_text
from spacebridge.core.errors import DataError, NotFoundError

__all__ = ["PACK_FORMAT", "MapsDir", "build_pack", "default_cache_root", "load", "load_in", "pack_dir"]

log = logging.getLogger(__name__)

PACK_FORMAT = 1
"""Version of the pack layout; part of the pack folder's name."""

MapsDir = str | os.PathLike[str] | None
"""Type of the ``maps_dir`` argument: the cache folder, or ``None`` for :func:`default_cache_root`."""


@cache
def itur_version() -> str:
    """Version of the installed ``itur`` package ("missing" when absent); read once per process."""
    try:
        return version("itur")
    except PackageNotFoundError:
        return "missing"


def default_cache_root() -> Path:
    """The user cache folder for spacebridge (XDG base directory convention), or a temporary one without a home."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory can be determined
            return _private_temp_root()
    return Path(base) / "spacebridge"


def pack_dir(maps_dir: MapsDir = None) -> Path:
    """The pack folder under ``maps_dir`` (default :func:`default_cache_root`), named for itur and the format."""
    root = Path(maps_dir) if maps_dir is not None else default_cache_root()
    return root / f"itur-maps-{itur_version()}-f{PACK_FORMAT}"


def load(key: str, maps_dir: MapsDir = None) -> Grid:
    """The map ``key`` (see :data:`~spacebridge.connect.itur.maps.MAPS`), memory-mapped, converted on first use."""
    return load_in(key, pack_dir(maps_dir))


def load_in(key: str, folder: Path) -> Grid:
    """The map ``key`` from the pack folder ``folder`` (memoised per process)."""
    return _load_cached(key, str(folder))


def build_pack(keys: Sequence[str] | None = None, *, maps_dir: MapsDir = None) -> Path:
    """Convert the maps ``keys`` (default: all) under ``maps_dir`` now; return the folder that holds them."""
    grids = [load(key, maps_dir) for key in (keys or list(MAPS))]
    return grids[-1].folder if grids else pack_dir(maps_dir)


def _lookup(key: str) -> MapSpec:
    try:
        return MAPS[key]
    except KeyError:
        raise NotFoundError(
            f"unknown ITU-R map {key!r}", hint="Use one of spacebridge.connect.itur.maps.MAPS", key=key
        ) from None


@cache
def _load_cached(key: str, folder: str) -> Grid:
    spec = _lookup(key)
    grid = _read(spec, Path(folder))
    if grid is not None:
        return grid
    source = cache(lambda: _source(spec))  # read from itur at most once, and only if a conversion is needed
    try:
        return _build_in(spec, Path(folder), source)
    except OSError as exc:  # read-only or full file system, a folder we may not write, ...
        fallback = _fallback_dir(Path(folder), exc.strerror or type(exc).__name__)
    return _build_in(spec, fallback, source)


def _build_in(spec: MapSpec, folder: Path, source: Callable[[], tuple[FloatArray, dict[str, object]]]) -> Grid:
    """Convert the map into ``folder`` unless another process did while we waited for the lock; read it."""
    folder.mkdir(parents=True, exist_ok=True)
    with _build_lock(folder):
        grid = _read(spec, folder)
        if grid is None:
            values, meta = source()
            log.info("writing ITU-R map %s (%s) into %s", spec.key, spec.recommendation, folder)
            stem = folder / spec.key
            with atomic_path(stem.with_suffix(".npy")) as tmp:
                np.save(tmp, values, allow_pickle=False)
            atomic_write_text(stem.with_suffix(".json"), json.dumps(meta, indent=1))  # last: marks it complete
            grid = _read(spec, folder)
    if grid is None:
        raise DataError(
            f"the converted ITU-R map {spec.key!r} in {folder} is unreadable right after conversion",
            hint="Check the disk, or point SPACEBRIDGE_ITUR_CACHE at another folder",
            key=spec.key,
            folder=str(folder),
        )
    return grid


def _read(spec: MapSpec, folder: Path) -> Grid | None:
    """The converted map in ``folder``; ``None`` when it is absent or damaged (it is then converted again)."""
    stem = folder / spec.key
    try:
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        values = np.load(stem.with_suffix(".npy"), mmap_mode="r", allow_pickle=False)
        grid = Grid(values, float(meta["lat0_deg"]), float(meta["lon0_deg"]), float(meta["step_deg"]), spec, folder)
        intact = list(values.shape) == meta["shape"] and values.dtype == np.float64
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:  # truncated .npy, bad JSON, missing key
        log.warning("converted ITU-R map %s is damaged (%s); converting it again", stem, exc)
        return None
    if not intact:
        log.warning("converted ITU-R map %s does not match its sidecar; converting it again", stem)
        return None
    return grid


def _itur_data_dir() -> Path:
    spec = importlib.util.find_spec("itur")  # locates the package without importing it (import costs 2 s)
    if spec is None or not spec.submodule_search_locations:
        raise NotFoundError(
            "the ITU-R digital maps are not available: the 'itur' package is not installed",
            hint="Install spacebridge with the connect extra: pip install 'spacebridge[connect]'",
            package="itur",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read_npz(path: Path) -> FloatArray:
    try:
        with np.load(path) as archive:
            return np.asarray(archive[archive.files[0]], dtype=np.float64)
    except (OSError, ValueError) as exc:
        raise DataError(
            f"the ITU-R data file {path} of the itur package is unreadable: {exc}",
            hint="Reinstall the itur package: pip install --force-reinstall itur",
            path=str(path),
        ) from exc


def _source(spec: MapSpec) -> tuple[FloatArray, dict[str, object]]:
    """The map's values (rows in increasing latitude) and its sidecar, read from the itur package."""
    log.info("converting ITU-R map %s (%s) from itur", spec.key, spec.recommendation)
    data_dir = _itur_data_dir()
    values = _read_npz(data_dir / spec.source)
    lats = _read_npz(data_dir / spec.lat_source)[:, 0]
    lons = _read_npz(data_dir / spec.lon_source)[0, :]
    lat0 = float(lats.min()) if spec.lat0_deg is None else spec.lat0_deg
    lon0 = float(lons.min()) if spec.lon0_deg is None else spec.lon0_deg
    if lats[0] > lats[-1]:  # stored north to south: flip to increasing latitude
        values = values[::-1]
    values = np.ascontiguousarray(values)
    meta: dict[str, object] = {
        "key": spec.key,
        "recommendation": spec.recommendation,
        "source": f"itur {itur_version()}: itur/data/{spec.source}",
        "lat0_deg": round(lat0, 9),
        "lon0_deg": round(lon0, 9),
        "step_deg": spec.step_deg,
        "shape": list(values.shape),
    }
    return values, meta


@cache
def _fallback_dir(folder: Path, reason: str) -> Path:
    """A private folder under the temporary directory for the maps ``folder`` cannot take (warns once)."""
    fallback = _private_temp_root() / folder.name
    fallback.mkdir(parents=True, exist_ok=True)
    log.warning(
        "cannot write the ITU-R map cache in %s (%s); converting the maps into %s instead, which the system may "
        "clear. Set SPACEBRIDGE_ITUR_CACHE (or pass maps_dir) to a writable folder to keep them: about 320 MB, "
        "built once in about 5 s.",
        folder,
        reason,
        fallback,
    )
    return fallback


def _private_temp_root() -> Path:
    """``<tmp>/spacebridge-<uid>``, created private (0700); a fresh folder if that name is not ours."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    root = Path(tempfile.gettempdir()) / (f"spacebridge-{uid}" if uid is not None else "spacebridge")
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    info = root.lstat()
    if stat.S_ISDIR(info.st_mode) and (uid is None or info.st_uid == uid):
        return root
    return Path(tempfile.mkdtemp(prefix="spacebridge-"))  # someone else's folder or a link: do not trust it


@contextlib.contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """An advisory exclusive lock on ``folder/.lock`` (POSIX); a no-op elsewhere or if it cannot be taken."""
    try:
        import fcntl
    except ImportError:  # Windows: atomic renames alone keep concurrent builds correct
        yield
        return
    try:
        handle = open(folder / ".lock", "a+b")  # noqa: SIM115 - held for the duration of the block
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
