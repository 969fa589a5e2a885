"""``spacebridge earth zonal``: per-unit statistics of a product, with AOI units and bad inputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ._earth_app import run_earth


@pytest.fixture
def aoi(tmp_path, examples_dir):
    """Two polygons over the HURST chip (west and east halves)."""
    import rasterio

    with rasterio.open(examples_dir / "fire-california" / "masks" / "HURST_20250107.tif") as src:
        left, bottom, right, top = src.bounds
    mid = (left + right) / 2

    def ring(x0, x1):
        return [[[x0, bottom], [x1, bottom], [x1, top], [x0, top], [x0, bottom]]]

    features = [
        {"type": "Feature", "properties": {"name": n}, "geometry": {"type": "Polygon", "coordinates": ring(x0, x1)}}
        for n, x0, x1 in (("west", left, mid), ("east", mid, right))
    ]
    path = tmp_path / "aoi.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_zonal_areas_of_a_class_product(aoi, tmp_path, examples_dir):
    product = examples_dir / "fire-california" / "masks" / "HURST_20250107.tif"  # 0 outside, 1 inside perimeter
    out = tmp_path / "z"
    code = run_earth(["zonal", str(product), "--units", str(aoi), "--classes", "0=outside,1=inside", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out / "zonal.csv")
    assert list(table["name"]) == ["west", "east"]
    assert (table["inside_km2"] + table["outside_km2"]).tolist() == pytest.approx(table["area_km2"].tolist())
    # The CAL FIRE perimeter (799 acres = 3.23 km²) lies in the chip; the two halves share it.
    assert table["inside_km2"].sum() == pytest.approx(3.37, rel=0.05)
    assert (out / "zonal.parquet").is_file()
    assert (out / "zonal.png").stat().st_size > 1000


def test_zonal_bad_kind_is_an_input_error(aoi, tmp_path, examples_dir, capsys):
    product = examples_dir / "fire-california" / "masks" / "HURST_20250107.tif"
    code = run_earth(["zonal", str(product), "--units", str(aoi), "--kind", "mean", "--out", str(tmp_path / "z")])
    assert code == 2
    assert "--kind" in capsys.readouterr().err


def test_zonal_units_elsewhere_are_an_input_error(tmp_path, examples_dir, capsys):
    product = examples_dir / "fire-california" / "masks" / "HURST_20250107.tif"
    code = run_earth(["zonal", str(product), "--level", "oblast", "--out", str(tmp_path / "z")])  # Kazakhstan
    assert code == 2
    assert "no unit overlaps" in capsys.readouterr().err
