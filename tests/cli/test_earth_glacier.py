"""``spacebridge earth glacier`` on real scenes: the Landsat 8 Gulf-coast crop (summer lowland, no ice) and the Spain
Sentinel-2 L1C scene with a block of clean-ice reflectance written into it (no scene with a glacier is bundled).

The ice block's top-of-atmosphere reflectances (blue 0.60, green 0.60, red 0.55, nir 0.45, swir16 0.03, swir22 0.02)
are those of clean glacier ice and fresh snow in the USGS spectral library (Kokaly et al. 2017): bright in the
visible and near infrared, dark at 1.6 um. Expected areas come from the geometry of the block, measured with
pyproj's geodesic polygon area, and from the written outlines re-measured in another equal-area CRS (EASE-Grid 2.0,
EPSG:6933): neither uses spacebridge's pixel areas.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import Geod

from ._earth_app import run_earth
from ._series import LANDSAT8, SPAIN_S2, outputs, polygon_file

_BANDS = {1: 6000, 2: 6000, 3: 5500, 7: 4500, 11: 300, 12: 200}  # 0-based band index (B2 B3 B4 B8 B11 B12) -> DN
_SIZE = 256
# Inside the upper-left 256 x 256 px of the Spain scene (-0.7819 to -0.7589 E, 38.1058 to 38.1288 N).
INSIDE_CROP = [[-0.7810, 38.1080], [-0.7600, 38.1080], [-0.7600, 38.1280], [-0.7810, 38.1280], [-0.7810, 38.1080]]


def _write(path: Path, base: dict, data: np.ndarray, *, shift_deg: float = 0.0) -> str:
    transform = base["profile"]["transform"]
    if shift_deg:
        transform = rasterio.Affine(transform.a, transform.b, transform.c + shift_deg, transform.d, transform.e,
                                    transform.f)  # fmt: skip
    with rasterio.open(path, "w", **{**base["profile"], "transform": transform, "compress": "deflate"}) as dst:
        dst.write(data)
        dst.descriptions = base["descriptions"]
        dst.update_tags(**base["tags"])
    return str(path)


def _ice(data: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    out = data.copy()
    for band, dn in _BANDS.items():
        out[band, rows, cols] = dn
    return out


@pytest.fixture(scope="module")
def spain(examples_dir: Path) -> dict:
    """The upper-left 256 x 256 px of the Spain L1C scene (EPSG:4326, about 9 m), bands and metadata."""
    window = rasterio.windows.Window(0, 0, _SIZE, _SIZE)
    with rasterio.open(examples_dir / SPAIN_S2) as src:
        data = src.read(window=window)
        profile = {**src.profile, "width": _SIZE, "height": _SIZE, "transform": src.window_transform(window)}
        return {"data": data, "profile": profile, "descriptions": src.descriptions, "tags": src.tags()}


def _box_km2(transform: rasterio.Affine, rows: slice, cols: slice) -> float:
    """Geodesic area (WGS 84 ellipsoid) of a block of pixels of a longitude/latitude grid."""
    west, north = transform * (cols.start, rows.start)
    east, south = transform * (cols.stop, rows.stop)
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter([west, east, east, west], [south, south, north, north])
    return abs(area) / 1e6


def _ease_km2(path: Path) -> float:
    outlines = gpd.read_file(path)
    return float(outlines.to_crs("EPSG:6933").area.sum() / 1e6) if len(outlines) else 0.0


@pytest.fixture(scope="module")
def landsat_years(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Landsat 8 crop (2015-08-04) standing for two summers: band files linked, the MTL's date set to 2015
    and 2016."""
    folder = tmp_path_factory.mktemp("landsat-years")
    crop = examples_dir / LANDSAT8
    for year in (2015, 2016):
        scene = folder / f"L8_{year}"
        scene.mkdir()
        for band in crop.glob("*.tif"):
            (scene / band.name).symlink_to(band)
        mtl = (crop / "l8_MTL.txt").read_text().replace("DATE_ACQUIRED = 2015-08-04", f"DATE_ACQUIRED = {year}-08-04")
        (scene / "l8_MTL.txt").write_text(mtl)
    return folder


@pytest.mark.slow
def test_no_glacier_on_a_summer_lowland_scene(landsat_years, tmp_path, capsys):
    out = tmp_path / "glacier"
    assert run_earth(["glacier", str(landsat_years), "--out", str(out)]) == 0
    assert "written to" in capsys.readouterr().out
    stats = json.loads((out / "stats.json").read_text())
    # Alabama-Florida coast (30.7 N) on 4 August 2015: fields, forest, water, no ice.
    assert all(a["glacier_km2"] == 0.0 and a["outlines"] == 0 for a in stats["areas"].values())
    assert all(a["unknown_km2"] > 0.0 for a in stats["areas"].values())  # BQA clouds are unknown
    assert stats["change"]["change_km2"] == 0.0
    assert stats["change"]["change_percent"] is None  # no glacier: no relative change
    assert stats["warnings"] == []  # August is the end of the ablation season in the north


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ratio", "ndsi"])
def test_area_change_equals_the_independently_measured_retreat(spain, tmp_path, capsys, method):
    before, after = slice(40, 200), slice(90, 200)
    cols = slice(60, 220)
    early = _write(tmp_path / "S2_20190820.tif", spain, _ice(spain["data"], before, cols))
    late = _write(tmp_path / "S2_20210825.tif", spain, _ice(spain["data"], after, cols))
    out = tmp_path / "glacier"
    code = run_earth(["glacier", early, late, "--sensor", "sentinel-2-l1c", "--no-cloud-mask", "--method", method,
                      "--out", str(out)])  # fmt: skip
    assert code == 0
    assert "change -" in capsys.readouterr().out
    assert {"glacier_2019-08-20.tif", "glacier_2021-08-25.tif", "glacier_outlines_2019-08-20.geojson",
            "glacier_outlines_2021-08-25.parquet", "glacier_series.csv", "glacier_series.png", "stats.json",
            "catalog.json"} <= outputs(out)  # fmt: skip
    stats = json.loads((out / "stats.json").read_text())
    assert stats["method"] == method
    change = stats["change"]
    # The outlines re-measured in EASE-Grid 2.0 give the same areas, and their difference is the change.
    ease = {d: _ease_km2(out / f"glacier_outlines_{d}.geojson") for d in ("2019-08-20", "2021-08-25")}
    assert change["area_before_km2"] == pytest.approx(ease["2019-08-20"], rel=1e-4)
    assert change["area_after_km2"] == pytest.approx(ease["2021-08-25"], rel=1e-4)
    assert change["change_km2"] == pytest.approx(ease["2021-08-25"] - ease["2019-08-20"], rel=1e-4)
    # The retreat is the 50-row strip of ice that melted: its geodesic area (a few bright pixels of the scene
    # itself, greenhouses and turbid water inside the strip, pass the ratio test too: 1 % tolerance).
    strip_km2 = _box_km2(spain["profile"]["transform"], slice(before.start, after.start), cols)
    assert change["change_km2"] == pytest.approx(-strip_km2, rel=0.01)
    assert change["unknown_km2"] == 0.0
    outlines = gpd.read_parquet(out / "glacier_outlines_2019-08-20.parquet")
    assert set(outlines["date"]) == {"2019-08-20"}
    assert outlines["area_m2"].min() >= 10_000.0  # the GLIMS minimum glacier area
    with rasterio.open(out / "glacier_2019-08-20.tif") as src:
        assert set(np.unique(src.read(1))) <= {0, 1}
    item = json.loads(next((out / "spacebridge-glacier").glob("glacier-*.json")).read_text())
    lineage = item["properties"]["spacebridge:lineage"]
    assert [i["role"] for i in lineage["inputs"]] == ["date-1", "date-2"]
    assert lineage["chosen"]["water_test"] == "nir > 0.11"
    assert {"glacier_outlines_2019-08-20", "glacier_outlines_2019-08-20-parquet", "stats"} <= set(item["assets"])


@pytest.mark.slow
def test_a_cloud_over_the_glacier_is_unknown_not_loss(spain, tmp_path):
    rows, cols, cloud = slice(40, 200), slice(60, 220), slice(40, 120)
    with_ice = _ice(spain["data"], rows, cols)
    clouded = with_ice.copy()
    clouded[:, cloud, cols] = 0  # no data over the upper half of the glacier at the second date
    early = _write(tmp_path / "S2_20190820.tif", spain, with_ice)
    late = _write(tmp_path / "S2_20210825.tif", spain, clouded)
    out = tmp_path / "glacier"
    assert run_earth(["glacier", early, late, "--sensor", "sentinel-2-l1c", "--no-cloud-mask", "--out", str(out)]) == 0
    stats = json.loads((out / "stats.json").read_text())
    hidden_km2 = _box_km2(spain["profile"]["transform"], cloud, cols)
    areas = stats["areas"]
    # The second date sees less ice, but only because half of it is hidden: no change where both dates see.
    seen_less_km2 = areas["2019-08-20"]["glacier_km2"] - areas["2021-08-25"]["glacier_km2"]
    assert seen_less_km2 == pytest.approx(hidden_km2, rel=0.01)
    assert stats["change"]["change_km2"] == 0.0
    # Unknown: the hidden block, and the specks under the minimum area cut by its edge (they may be larger).
    for unknown_km2 in (stats["change"]["unknown_km2"], areas["2021-08-25"]["unknown_km2"]):
        assert hidden_km2 <= unknown_km2 < hidden_km2 * 1.01


@pytest.mark.slow
def test_a_spring_scene_with_snow_maps_more_ice_and_is_flagged(spain, tmp_path):
    """Snow left from winter has the signature of ice: a March scene maps more 'glacier' than September and the
    date is flagged as outside the end of the ablation season (Paul et al. 2013)."""
    spring = _write(tmp_path / "S2_20200318.tif", spain, _ice(spain["data"], slice(20, 230), slice(20, 230)))
    autumn = _write(tmp_path / "S2_20200918.tif", spain, _ice(spain["data"], slice(80, 160), slice(80, 160)))
    out = tmp_path / "glacier"
    aoi = polygon_file(tmp_path / "aoi.geojson", INSIDE_CROP)
    code = run_earth(["glacier", spring, autumn, "--sensor", "sentinel-2-l1c", "--no-cloud-mask", "--aoi", aoi,
                      "--out", str(out)])  # fmt: skip
    assert code == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["areas"]["2020-03-18"]["glacier_km2"] > 5 * stats["areas"]["2020-09-18"]["glacier_km2"]
    # Outside the AOI is not 'unknown': the crop is clear and has data everywhere inside it.
    assert stats["areas"]["2020-03-18"]["unknown_km2"] == 0.0
    assert stats["change"]["unknown_km2"] == 0.0
    assert len(stats["warnings"]) == 1
    assert "2020-03-18" in stats["warnings"][0]
    assert "seasonal snow" in stats["warnings"][0]


def test_one_date_is_an_input_error(spain, tmp_path, capsys):
    only = _write(tmp_path / "S2_20190820.tif", spain, spain["data"])
    assert run_earth(["glacier", only, "--sensor", "sentinel-2-l1c", "--out", str(tmp_path / "o")]) == 2
    assert "at least 2 dates" in capsys.readouterr().err
    code = run_earth(["glacier", only, only, "--date", "2019-08-20", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "needs two dates" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_dates_that_do_not_overlap(spain, tmp_path, capsys):
    here = _write(tmp_path / "S2_20190820.tif", spain, spain["data"])
    away = _write(tmp_path / "S2_20210825.tif", spain, spain["data"], shift_deg=1.0)
    args = ["glacier", here, away, "--sensor", "sentinel-2-l1c", "--no-cloud-mask", "--out", str(tmp_path / "o")]
    assert run_earth(args) == 2
    assert "--align" in capsys.readouterr().err
    assert run_earth([*args, "--align"]) == 2
    assert "does not overlap" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_a_sensor_without_swir_names_the_substitutes(spain, tmp_path, capsys):
    scene = _write(tmp_path / "S2_20190820.tif", spain, spain["data"])
    code = run_earth(["glacier", scene, scene, "--sensor", "kazeosat-2", "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "swir16" in err
    assert "sentinel-2-l2a" in err
    assert "landsat-c2-l2" in err


def test_a_scene_without_swir16(examples_dir, tmp_path, capsys):
    chip = str(examples_dir / "fire-california" / "post_fire" / "HURST_20250107.tif")
    code = run_earth(["glacier", chip, chip, "--sensor", "sentinel-2-l2a", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "swir16 (B11" in capsys.readouterr().err


def test_help_names_the_method_and_the_products(capsys):
    assert run_earth(["glacier", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("Paul et al. 2002", "--date", "--min-area-m2", "unknown", "glacier_outlines"):
        assert word in text, word
