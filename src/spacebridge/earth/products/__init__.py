"""Products of the earth analyses: COGs, polygons, area statistics and STAC items with lineage.

Generic for every analysis (flood, fire, snow, ...): functions take georeferenced ``xarray`` rasters and plain
mappings, never analysis-specific objects. Where is a STAC item written? :func:`add_item_to_catalog` in
:mod:`.stac`. Every write is atomic.

The names are imported from their modules on first use (PEP 562), so that importing one module of the package
(a polygon-tracing worker process imports :mod:`._strips`) does not import xarray and pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacebridge.earth.products.cog import COG_MEDIA_TYPE, write_cog
    from spacebridge.earth.products.stac import (
        STAC_VERSION,
        add_item_to_catalog,
        asset_for_file,
        build_item,
        validate_stac,
    )
    from spacebridge.earth.products.stats import area_by_value, equal_area_crs_for, footprint_wgs84
    from spacebridge.earth.products.vectors import PolygonJob, polygonize, start_polygonize, write_vectors

_MODULES = {
    "COG_MEDIA_TYPE": "cog",
    "write_cog": "cog",
    "STAC_VERSION": "stac",
    "add_item_to_catalog": "stac",
    "asset_for_file": "stac",
    "build_item": "stac",
    "validate_stac": "stac",
    "area_by_value": "stats",
    "equal_area_crs_for": "stats",
    "footprint_wgs84": "stats",
    "PolygonJob": "vectors",
    "polygonize": "vectors",
    "start_polygonize": "vectors",
    "write_vectors": "vectors",
}

__all__ = [
    "COG_MEDIA_TYPE",
    "STAC_VERSION",
    "PolygonJob",
    "add_item_to_catalog",
    "area_by_value",
    "asset_for_file",
    "build_item",
    "equal_area_crs_for",
    "footprint_wgs84",
    "polygonize",
    "start_polygonize",
    "validate_stac",
    "write_cog",
    "write_vectors",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
