"""Tiled jobs in this process (threaded scheduler): tiled equals untiled, resume by content hash, fail fast."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np
import pytest
import rasterio

from spacebridge.core.errors import InvalidInputError, ResourceLimitError
from spacebridge.core.settings import Settings
from spacebridge.earth import compute_index
from spacebridge.earth.grid import grid_on
from spacebridge.earth.job_analyses import IndexJob
from spacebridge.earth.jobs import run_tiled_job
from spacebridge.earth.load import open_scene
from spacebridge.earth.products import validate_stac
from spacebridge.earth.tiling import HASH_PROPERTY


@pytest.fixture(scope="module")
def ndwi_job(spain_s2):
    return IndexJob.of("NDWI", spain_s2, chunks_px=100)  # chunks that do not divide the tiles


@pytest.fixture(scope="module")
def untiled_ndwi(spain_s2):
    """McFeeters (1996) NDWI of the whole chip in one piece, the way a single-process user computes it."""
    scene = open_scene(spain_s2, bands=["green", "nir"])
    return compute_index("NDWI", scene.data, valid=scene.valid).values


@pytest.fixture(scope="module")
def tiles(spain_s2):
    scene = open_scene(spain_s2, bands=["green"])
    grid = grid_on(scene.geobox, tile_px=256)
    return grid.tiles(scene.geobox.extent)


def _read(path):
    with rasterio.open(path) as src:
        return src.read(1)


def test_tiled_index_equals_untiled_and_resumes_by_hash(tmp_path, ndwi_job, tiles, untiled_ndwi):
    seen: list[tuple[int, int, str]] = []
    report = run_tiled_job(ndwi_job, tiles, tmp_path, progress=lambda d, n, t: seen.append((d, n, t)))
    assert len(tiles) == 4
    assert sorted(report.computed) == sorted(t.id for t in tiles)
    assert report.skipped == ()
    assert [d for d, _, _ in seen] == [1, 2, 3, 4]
    assert report.graph_tasks == 4  # one task per tile
    mosaic = _read(report.mosaics[f"{tiles[0].grid.name}/ndwi"])
    assert np.array_equal(mosaic, untiled_ndwi, equal_nan=True)
    coll = json.loads(report.collection.read_text())
    validate_stac(coll)
    assert sum(1 for link in coll["links"] if link["rel"] == "item") == 4
    item = json.loads((tmp_path / "index-ndwi" / f"{tiles[0].id}.json").read_text())
    digest = item["properties"][HASH_PROPERTY]
    assert len(digest) == 64

    again = run_tiled_job(ndwi_job, tiles, tmp_path)
    assert again.computed == ()
    assert sorted(again.skipped) == sorted(t.id for t in tiles)

    # a damaged tile (same size, other bytes) is recomputed, the others are not
    cog = tmp_path / "index-ndwi" / tiles[2].id / "ndwi.tif"
    data = bytearray(cog.read_bytes())
    data[-100] ^= 0xFF
    cog.write_bytes(bytes(data))
    before = {t.id: (tmp_path / "index-ndwi" / t.id / "ndwi.tif").stat().st_mtime_ns for t in tiles}
    third = run_tiled_job(ndwi_job, tiles, tmp_path)
    assert third.computed == (tiles[2].id,)
    for t in tiles:
        changed = (tmp_path / "index-ndwi" / t.id / "ndwi.tif").stat().st_mtime_ns != before[t.id]
        assert changed == (t.id == tiles[2].id)
    assert np.array_equal(_read(report.mosaics[f"{tiles[0].grid.name}/ndwi"]), untiled_ndwi, equal_nan=True)


def test_changed_parameters_change_the_hash(tmp_path, spain_s2, tiles):
    run_tiled_job(IndexJob.of("SAVI", spain_s2, L=0.5), tiles[:1], tmp_path)
    report = run_tiled_job(IndexJob.of("SAVI", spain_s2, L=0.25), tiles[:1], tmp_path)
    assert report.computed == (tiles[0].id,)


def test_requests_over_the_pixel_budget_fail_before_any_work(tmp_path, ndwi_job, tiles):
    out = tmp_path / "out"
    with pytest.raises(ResourceLimitError, match=r"covers 4 tile\(s\), 262,144 pixels per band") as e:
        run_tiled_job(ndwi_job, tiles, out, settings=Settings(max_pixels=200_000))
    assert e.value.context["max_pixels"] == 200_000
    assert not out.exists()


def test_graphs_over_the_limit_are_refused_before_submission(tmp_path, ndwi_job, tiles):
    with pytest.raises(ResourceLimitError, match="would submit 4 tasks, more than the limit of 3"):
        run_tiled_job(ndwi_job, tiles, tmp_path, max_graph_tasks=3)
    assert not list((tmp_path / "index-ndwi").glob("*.json"))


def test_duplicate_and_missing_tiles_are_clear_errors(tmp_path, ndwi_job, tiles):
    with pytest.raises(InvalidInputError, match="appear twice"):
        run_tiled_job(ndwi_job, [tiles[0], tiles[0]], tmp_path)
    with pytest.raises(InvalidInputError, match="the job has no tile"):
        run_tiled_job(ndwi_job, [], tmp_path)


@dataclass(frozen=True)
class _FailsOnOneTile:
    """The NDWI job, except that one tile raises (a corrupt input block, say)."""

    inner: IndexJob
    bad_tile_origin: tuple[float, float]

    def __getattr__(self, name):
        return getattr(self.inner, name)

    @property
    def name(self):
        return self.inner.name

    @property
    def layers(self):
        return self.inner.layers

    @property
    def scope(self):
        return "tile"

    @property
    def halo_px(self):
        return 0

    def compute(self, geobox, plan):
        if (geobox.affine.c, geobox.affine.f) == self.bad_tile_origin:
            raise OSError("read error in block (simulated)")
        return self.inner.compute(geobox, plan)


def test_a_failing_tile_keeps_the_others_and_a_rerun_redoes_only_it(tmp_path, ndwi_job, tiles, untiled_ndwi):
    bad = tiles[1]
    flaky = _FailsOnOneTile(ndwi_job, (bad.geobox.affine.c, bad.geobox.affine.f))
    with pytest.raises(OSError, match="simulated") as e:
        run_tiled_job(flaky, tiles, tmp_path)
    assert any(bad.id in note for note in e.value.__notes__)
    done = sorted(p.stem for p in (tmp_path / "index-ndwi").glob("*.json") if p.stem != "collection")
    assert done == sorted(t.id for t in tiles if t != bad)
    report = run_tiled_job(ndwi_job, tiles, tmp_path)
    assert report.computed == (bad.id,)
    assert np.array_equal(_read(report.mosaics[f"{bad.grid.name}/ndwi"]), untiled_ndwi, equal_nan=True)
    assert os.path.exists(report.collection)
