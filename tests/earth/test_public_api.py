"""Lock the public API of the earth pillar: changing it must be a deliberate edit of this list."""

import spacebridge.earth as earth

EXPECTED = [
    "Band",
    "Sensor",
    "SpectralIndex",
    "check_analysis",
    "check_index",
    "compute_index",
    "compute_index_raw",
    "compute_indices",
    "db_to_linear",
    "get_index",
    "get_sensor",
    "linear_to_db",
    "list_indices",
    "list_sensors",
]


def test_all_is_locked():
    assert sorted(earth.__all__) == EXPECTED


def test_every_name_resolves():
    for name in earth.__all__:
        assert getattr(earth, name) is not None
