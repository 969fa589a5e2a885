"""Earth observation: sensors, scene loading, spectral indices and the analyses built on them.

The public API of the pillar is listed in ``__all__`` (locked by ``tests/earth/test_public_api.py``). Heavy
libraries (xarray, dask, odc-stac, rasterio) are imported by the functions that need them, not at import time.
"""

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

__all__ = [
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
