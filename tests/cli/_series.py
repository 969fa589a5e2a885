"""Time series of real data for the time-series command tests (written once per session into a temp folder).

The Slovenian eo-learn arrays become dated GeoTIFFs through the demo's adapter (:mod:`spacebridge.report.slovenia`);
the Spain Sentinel-2 L1C scene, linked under three dated names, and the Landsat 8 crop, linked as two scene
folders, stand for reflectance series of one place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SPAIN_S2 = "flood-spain-2019/Spain_7370579_S2Hand.tif"
LANDSAT8 = "sensor-crops/landsat8"
# The middle of the Spain L1C scene (Orihuela), lon/lat ring: an AOI for STAC API searches.
ORIHUELA = [[-0.770, 38.095], [-0.748, 38.095], [-0.748, 38.117], [-0.770, 38.117], [-0.770, 38.095]]


@pytest.fixture(scope="session")
def ndvi_series(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from spacebridge.report.slovenia import write_ndvi_series

    return write_ndvi_series(examples_dir, tmp_path_factory.mktemp("slovenia") / "ndvi")


@pytest.fixture(scope="session")
def scl_series(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from spacebridge.report.slovenia import write_scl_series

    return write_scl_series(examples_dir, tmp_path_factory.mktemp("slovenia") / "scl")


@pytest.fixture(scope="session")
def spain_series(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Spain L1C scene under three dated names (2019-09-18, 09-28, 10-08)."""
    folder = tmp_path_factory.mktemp("spain")
    for date in ("20190918", "20190928", "20191008"):
        (folder / f"S2_{date}.tif").symlink_to(examples_dir / SPAIN_S2)
    return folder


@pytest.fixture(scope="session")
def landsat_series(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Landsat 8 crop (band files + MTL, 2015-08-04) as two scene sub-folders of one folder."""
    folder = tmp_path_factory.mktemp("landsat")
    for name in ("L8_first", "L8_second"):
        (folder / name).symlink_to(examples_dir / LANDSAT8, target_is_directory=True)
    return folder


def polygon_file(path: Path, ring: list[list[float]], name: str = "zone") -> str:
    """A one-polygon GeoJSON file (lon, lat ring)."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    ]}))  # fmt: skip
    return str(path)


def outputs(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} if out.exists() else set()
