"""Atomic file writes: write to a temporary file in the destination folder, then rename.

A reader never sees a half-written file, and a failure leaves the destination as it was. For commands that
write several files into an output folder, :func:`staged_output_dir` stages them in a hidden sibling folder
and moves them into place only when everything succeeded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "staged_output_dir"]


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not supported on every filesystem
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the process's umask (read without changing it)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    mask = os.umask(0o022)  # no /proc (macOS): read it by setting it, and put it back at once
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; rename it onto ``dest`` if the block succeeds.

    The temporary file keeps ``dest``'s suffix (or ``suffix``) so that drivers choosing a format by
    extension (GDAL, pyarrow) behave. On error the temporary file is removed and ``dest`` is untouched. The file
    gets ``dest``'s mode when it replaces one, else the mode a new file gets (``mkstemp``'s 0o600 would make
    products unreadable to the other users of a shared server).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "a.txt").read_text()
    'hello'
    """
    dest_path = Path(dest)
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=dest_path.parent, prefix=f".{dest_path.name}.", suffix=suffix or dest_path.suffix or ".tmp"
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        mode = dest_path.stat().st_mode & 0o7777 if dest_path.exists() else _new_file_mode()
        with contextlib.suppress(FileNotFoundError):  # the writer may have removed it (then: nothing to rename)
            os.chmod(tmp, mode)
        os.replace(tmp, dest_path)
        _fsync_dir(dest_path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(dest: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``dest`` atomically and return the destination path."""
    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(dest)


def atomic_write_text(dest: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``dest`` atomically and return the destination path."""
    return atomic_write_bytes(dest, text.encode(encoding))


@contextlib.contextmanager
def staged_output_dir(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Stage a command's outputs and publish them into ``out_dir`` only if the whole block succeeds.

    Files written into the yielded folder are moved into ``out_dir`` one by one with :func:`os.replace`
    (atomic per file, same filesystem). Existing files in ``out_dir`` that the command does not produce are
    left alone. On error the staging folder is deleted and ``out_dir`` is unchanged.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    try:
        yield stage
        for src in sorted(stage.rglob("*")):
            if src.is_dir():
                continue
            target = out / src.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, target)
        _fsync_dir(out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
