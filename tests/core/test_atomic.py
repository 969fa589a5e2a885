import os
import stat

import pytest

from spacebridge.core.atomic import atomic_path, atomic_write_text, staged_output_dir


def test_atomic_write_replaces_whole_file(tmp_path):
    dest = tmp_path / "a.json"
    atomic_write_text(dest, "one")
    atomic_write_text(dest, "two")
    assert dest.read_text() == "two"
    assert os.listdir(tmp_path) == ["a.json"]


def test_failure_leaves_destination_untouched(tmp_path):
    dest = tmp_path / "a.txt"
    dest.write_text("original")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("boom")
    assert dest.read_text() == "original"
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_temporary_keeps_suffix(tmp_path):
    with atomic_path(tmp_path / "x.tif") as tmp:
        assert tmp.suffix == ".tif"
        tmp.write_bytes(b"x")


def test_staged_output_publishes_only_on_success(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError), staged_output_dir(out) as stage:
        (stage / "a.tif").write_text("a")
        raise ValueError("analysis failed")
    assert list(out.iterdir()) == []

    with staged_output_dir(out) as stage:
        (stage / "a.tif").write_text("a")
        (stage / "sub").mkdir()
        (stage / "sub" / "b.json").write_text("{}")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "a.tif",
        "sub/b.json",
    ]
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_atomic_files_get_the_mode_of_a_new_file_or_of_the_file_they_replace(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    path = atomic_write_text(tmp_path / "new.json", "{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    os.chmod(path, 0o640)
    atomic_write_text(path, "[]")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == "[]"
