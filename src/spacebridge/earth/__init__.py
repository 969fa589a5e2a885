"""Earth observation: sensors, scene loading, spectral indices and the analyses built on them.

The public API of the pillar is listed in ``__all__`` (locked by ``tests/earth/test_public_api.py``). The loader
(xarray, dask, odc-stac, rasterio) is imported on first use of its names, so ``import spacebridge.earth`` stays
light.
"""

from typing import TYPE_CHECKING, Any

from spacebridge.earth.indices import (
    SpectralIndex,
    compute_index,
    compute_index_raw,
    compute_indices,
    get_index,
    list_indices,
)
from spacebridge.earth.sensors import (
    Band,
    Sensor,
    check_analysis,
    check_index,
    db_to_linear,
    get_sensor,
    linear_to_db,
    list_sensors,
)

if TYPE_CHECKING:
    from spacebridge.earth.load import Scene, align_to, check_same_grid, open_scene, search_scenes

__all__ = [
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

_LAZY = {"Scene", "align_to", "check_same_grid", "open_scene", "search_scenes"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from spacebridge.earth import load

        return getattr(load, name)
    raise AttributeError(f"module 'spacebridge.earth' has no attribute {name!r}")
