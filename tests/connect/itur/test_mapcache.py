"""The converted-map cache: location from an explicit argument, atomic and concurrent builds, repairs, fallback."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from spacebridge.connect.itur import mapcache, p839
from spacebridge.core.settings import Settings

SMALL = ("p839/h0", "p453/nwet_50", "p1510/t_annual")  # maps that convert in well under a second


@pytest.fixture(autouse=True)
def _fresh_memo():
    """Each test sees the disk, not the process memo of an earlier test."""
    mapcache._load_cached.cache_clear()
    mapcache._fallback_dir.cache_clear()
    yield
    mapcache._load_cached.cache_clear()
    mapcache._fallback_dir.cache_clear()


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The system temporary directory, redirected into the test's folder."""
    root = tmp_path / "system-tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if p.name != ".lock"]


def test_location_comes_from_the_argument_not_from_spacebridge_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("SPACEBRIDGE_ITUR_CACHE", str(tmp_path / "ignored"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    name = f"itur-maps-{mapcache.itur_version()}-f{mapcache.PACK_FORMAT}"
    assert mapcache.pack_dir(tmp_path / "given") == tmp_path / "given" / name
    assert mapcache.pack_dir() == tmp_path / "xdg" / "spacebridge" / name
    assert Settings.from_env({"SPACEBRIDGE_ITUR_CACHE": "/data/itur"}).itur_cache == Path("/data/itur")
    assert Settings().itur_cache is None


def test_first_use_converts_atomically_and_matches_the_source(tmp_path):
    grid = mapcache.load("p839/h0", tmp_path)
    pack = mapcache.pack_dir(tmp_path)
    assert grid.folder == pack
    meta = json.loads((pack / "p839" / "h0.json").read_text())
    assert meta["recommendation"] == "P.839-4"
    assert meta["shape"] == list(grid.values.shape)
    assert isinstance(grid.values, np.memmap)
    assert _leftovers(pack) == []
    # the same values as the map the rest of the suite uses, read through the model function
    np.testing.assert_array_equal(
        p839.isotherm_0c_height_km([43.2, 51.1], [76.9, 71.4], maps_dir=tmp_path),
        p839.isotherm_0c_height_km([43.2, 51.1], [76.9, 71.4]),
    )


def test_damaged_map_is_converted_again(tmp_path, caplog):
    good = np.array(mapcache.load("p453/nwet_50", tmp_path).values)
    npy = mapcache.pack_dir(tmp_path) / "p453" / "nwet_50.npy"
    npy.write_bytes(npy.read_bytes()[:1000])  # truncated, as by a crash of a non-atomic writer
    mapcache._load_cached.cache_clear()
    with caplog.at_level(logging.WARNING, logger=mapcache.__name__):
        again = mapcache.load("p453/nwet_50", tmp_path)
    assert "damaged" in caplog.text
    np.testing.assert_array_equal(again.values, good)


def test_sidecar_that_disagrees_with_the_values_is_repaired(tmp_path):
    mapcache.load("p839/h0", tmp_path)
    sidecar = mapcache.pack_dir(tmp_path) / "p839" / "h0.json"
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "shape": [1, 1]}))
    mapcache._load_cached.cache_clear()
    assert list(mapcache.load("p839/h0", tmp_path).values.shape) == meta["shape"]
    assert json.loads(sidecar.read_text())["shape"] == meta["shape"]


def test_unwritable_folder_falls_back_to_a_private_temporary_folder(tmp_path, private_tmp, caplog):
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("not a folder")  # mkdir under it fails, as in a read-only home
    with caplog.at_level(logging.WARNING, logger=mapcache.__name__):
        grid = mapcache.load("p839/h0", blocker / "cache")
    assert grid.folder.is_relative_to(private_tmp)
    assert "SPACEBRIDGE_ITUR_CACHE" in caplog.text
    assert "cannot write" in caplog.text
    assert oct(grid.folder.parent.stat().st_mode & 0o777) == "0o700"


def test_permission_denied_falls_back_but_a_complete_read_only_pack_is_used_in_place(
    tmp_path, private_tmp, monkeypatch
):
    ready = tmp_path / "ready"
    mapcache.load("p839/h0", ready)  # a complete pack, e.g. built into an image
    pack = mapcache.pack_dir(ready)
    real_mkstemp = tempfile.mkstemp

    def refuse(*args, **kwargs):
        if Path(kwargs.get("dir", "")).is_relative_to(pack):
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    mapcache._load_cached.cache_clear()
    assert mapcache.load("p839/h0", ready).folder == pack  # present maps: read in place, nothing written
    assert mapcache.load("p453/nwet_50", ready).folder.is_relative_to(private_tmp)  # missing map: converted aside


def test_concurrent_builders_share_one_consistent_pack(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "from spacebridge.connect.itur import mapcache\n"
        f"keys = {SMALL!r}\n"
        "print(*[float(np.asarray(mapcache.load(k, sys.argv[1]).values).sum()) for k in keys])\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err.decode()[-2000:] for _, err in outputs]
    sums = {out.decode().strip() for out, _ in outputs}
    assert len(sums) == 1
    pack = mapcache.pack_dir(tmp_path)
    expected = [float(np.asarray(mapcache.load(k, tmp_path).values).sum()) for k in SMALL]
    assert [float(x) for x in sums.pop().split()] == expected
    assert sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*.npy")) == sorted(f"{k}.npy" for k in SMALL)
    assert _leftovers(pack) == []


def test_unknown_map_is_a_clear_error(tmp_path):
    with pytest.raises(LookupError, match="unknown ITU-R map 'p999/x'"):
        mapcache.load("p999/x", tmp_path)
