"""Products of the earth analyses: COGs, polygons, area statistics and STAC items with lineage.

Generic for every analysis (flood, fire, snow, ...): functions take georeferenced ``xarray`` rasters and plain
mappings, never analysis-specific objects. Where is a STAC item written? :func:`add_item_to_catalog` in
:mod:`.stac`. Every write is atomic.
"""

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
