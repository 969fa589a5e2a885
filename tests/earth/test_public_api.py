"""Lock the public API of the earth pillar: changing it must be a deliberate edit of this list."""

import spacebridge.earth as earth

EXPECTED = [
    "Band",
    "Scene",
    "Sensor",
    "SpectralIndex",
    "align_to",
    "check_analysis",
    "check_index",
    "check_same_grid",
    "compute_index",
    "compute_index_raw",
    "compute_indices",
    "db_to_linear",
    "get_index",
    "get_sensor",
    "linear_to_db",
    "list_indices",
    "list_sensors",
    "open_scene",
    "search_scenes",
]


def test_all_is_locked():
    assert sorted(earth.__all__) == EXPECTED


def test_every_name_resolves():
    for name in earth.__all__:
        assert getattr(earth, name) is not None


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, spacebridge.earth; print(any(m in sys.modules for m in ('xarray', 'odc.stac', 'rasterio')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
