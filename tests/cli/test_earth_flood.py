"""``spacebridge earth flood`` on the bundled Spain scenes, and each kind of bad input (exit code 2, no output)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import rasterio
from rasterio.warp import Resampling, calculate_default_transform, reproject

from spacebridge.cli.main import main

S2 = "flood-spain-2019/Spain_7370579_S2Hand.tif"
S1 = "flood-spain-2019/Spain_7370579_S1Hand.tif"
# Daya Nueva (town, rows 150-185, cols 195-245 of the chip; see tests/earth/flood/test_spain.py)
TOWN = [[-0.7640, 38.1149], [-0.7596, 38.1149], [-0.7596, 38.1118], [-0.7640, 38.1118], [-0.7640, 38.1149]]
# Flooded fields in the north-east (rows 150-200, cols 450-500)
FIELDS = [[-0.7414, 38.1153], [-0.7369, 38.1153], [-0.7369, 38.1108], [-0.7414, 38.1108], [-0.7414, 38.1153]]


def _polygon_file(path, ring):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "zone"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    ]}))  # fmt: skip
    return str(path)


def _run(*args: str) -> int:
    return main(["earth", "flood", *args])


def _outputs(out):
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) if out.exists() else []


@pytest.mark.slow
def test_optical_and_sar_give_every_product(examples_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run("--optical", str(examples_dir / S2), "--sar", str(examples_dir / S1), "--out", str(out)) == 0
    assert {"flood_extent.tif", "flood_likelihood.tif", "flood_class.tif", "flood.geojson", "flood.parquet",
            "stats.json", "catalog.json"} <= set(_outputs(out))  # fmt: skip
    stats = json.loads((out / "stats.json").read_text())
    assert stats["methods"] == ["optical-mndwi", "sar-vv", "sar-vh"]
    assert 2.0 < stats["water_km2"] < 10.0  # the chip is 20.6 km2; flooded fields cover a good part of it
    assert stats["flooded_km2"] is None
    assert "water" in capsys.readouterr().err


def test_help_explains_the_command(capsys):
    assert main(["earth", "flood", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("--optical", "--sar", "--pre-optical", "--reference-water", "unknown", "flood_extent.tif"):
        assert word in text


def test_no_scene_is_a_usage_error(tmp_path, capsys):
    assert _run("--out", str(tmp_path / "out")) == 2
    assert "at least one post-event scene" in capsys.readouterr().err


def test_missing_file_is_named(tmp_path, capsys):
    assert _run("--sar", str(tmp_path / "nope.tif"), "--out", str(tmp_path / "out")) == 2
    assert "--sar" in capsys.readouterr().err


def test_truncated_geotiff_is_a_clear_error_and_writes_nothing(examples_dir, tmp_path, capsys):
    bad = tmp_path / "truncated.tif"
    data = (examples_dir / S1).read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    assert _run("--sar", str(bad), "--out", str(out)) == 2
    err = capsys.readouterr().err.lower()
    assert "truncated" in err or "corrupt" in err
    assert _outputs(out) == []


def test_missing_band_is_named(examples_dir, tmp_path, capsys):
    src = examples_dir / S2
    two = tmp_path / "red_nir.tif"
    with rasterio.open(src) as s:
        profile = {**s.profile, "count": 2}
        with rasterio.open(two, "w", **profile) as d:
            d.write(s.read([4, 8]))
            d.descriptions = ("B4", "B8")
    assert _run("--optical", str(two), "--sensor", "sentinel-2-l1c", "--out", str(tmp_path / "out")) == 2
    assert "green" in capsys.readouterr().err


def _reprojected(src, dst, crs):
    with rasterio.open(src) as s:
        transform, width, height = calculate_default_transform(s.crs, crs, s.width, s.height, *s.bounds)
        profile = {**s.profile, "crs": crs, "transform": transform, "width": width, "height": height}
        with rasterio.open(dst, "w", **profile) as d:
            for i in range(1, s.count + 1):
                reproject(rasterio.band(s, i), rasterio.band(d, i), resampling=Resampling.nearest)
            d.descriptions = s.descriptions
    return dst


def test_scenes_on_different_crs_are_refused_unless_aligned(examples_dir, tmp_path, capsys):
    utm = _reprojected(examples_dir / S1, tmp_path / "s1_utm.tif", "EPSG:32630")
    out = tmp_path / "out"
    assert _run("--optical", str(examples_dir / S2), "--sar", str(utm), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "CRS" in err
    assert "--align" in err
    assert _outputs(out) == []


def test_scenes_that_do_not_overlap_are_refused(examples_dir, tmp_path, capsys):
    far = tmp_path / "s1_far.tif"
    shutil.copy(examples_dir / S1, far)
    with rasterio.open(far, "r+") as d:
        d.transform = (
            d.transform * d.transform.translation(0, 0)
            if False
            else rasterio.Affine(d.transform.a, 0, d.transform.c + 5.0, 0, d.transform.e, d.transform.f)
        )
    assert _run("--optical", str(examples_dir / S2), "--sar", str(far), "--align", "--out", str(tmp_path / "o")) == 2
    assert "overlap" in capsys.readouterr().err


def test_all_nodata_scene_is_refused(examples_dir, tmp_path, capsys):
    empty = tmp_path / "empty.tif"
    with rasterio.open(examples_dir / S2) as s, rasterio.open(empty, "w", **s.profile) as d:
        d.write(np.zeros((s.count, s.height, s.width), s.dtypes[0]))  # nodata is 0
        d.descriptions = s.descriptions
    assert _run("--optical", str(empty), "--out", str(tmp_path / "out")) == 2
    assert "no valid pixel" in capsys.readouterr().err


def test_aoi_outside_the_scene_is_refused(examples_dir, tmp_path, capsys):
    far = [[10.0, 50.0], [10.1, 50.0], [10.1, 50.1], [10.0, 50.1], [10.0, 50.0]]
    aoi = _polygon_file(tmp_path / "far.geojson", far)
    assert _run("--sar", str(examples_dir / S1), "--aoi", aoi, "--out", str(tmp_path / "out")) == 2
    assert "does not overlap" in capsys.readouterr().err


def test_unimodal_scene_falls_back_with_a_warning(examples_dir, tmp_path, capsys):
    """Cropped to the town only, MNDWI has no water mode: the static threshold 0.0 (Xu 2006) is used and said."""
    aoi = _polygon_file(tmp_path / "town.geojson", TOWN)
    out = tmp_path / "out"
    assert _run("--optical", str(examples_dir / S2), "--aoi", aoi, "--out", str(out)) == 0
    assert "static MNDWI threshold 0" in capsys.readouterr().err
    stats = json.loads((out / "stats.json").read_text())
    assert stats["fallbacks"] == ["optical-mndwi"]
    assert stats["thresholds"][0]["value"] == 0.0
    assert stats["water_km2"] < 0.01


@pytest.mark.slow
def test_reference_water_is_removed_from_the_flood(examples_dir, tmp_path):
    ref = _polygon_file(tmp_path / "ref.geojson", FIELDS)
    out = tmp_path / "out"
    assert _run("--sar", str(examples_dir / S1), "--reference-water", ref, "--out", str(out)) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["flooded_km2"] is not None
    assert 0.1 < stats["permanent_water_km2"] < 0.2  # most of the 0.39 x 0.50 km reference box is water
    assert stats["flooded_km2"] == pytest.approx(stats["water_km2"] - stats["permanent_water_km2"], abs=1e-6)


@pytest.mark.slow
def test_pre_event_scene_identical_to_post_means_no_flood(examples_dir, tmp_path):
    out = tmp_path / "out"
    assert _run("--sar", str(examples_dir / S1), "--pre-sar", str(examples_dir / S1), "--out", str(out)) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["change_methods"] == ["change-sar-vv", "change-sar-vh"]
    assert stats["flooded_km2"] < 0.01 * stats["water_km2"]


@pytest.mark.slow
def test_runs_on_a_local_dask_cluster(examples_dir, tmp_path):
    out = tmp_path / "out"
    assert _run("--sar", str(examples_dir / S1), "--workers", "2", "--out", str(out)) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert [t["method"] for t in stats["thresholds"]] == ["sar-vv", "sar-vh"]
    assert stats["water_km2"] > 1.0
