"""RFC 7946 Feature texts, written by GEOS: the one formatter of the GeoJSON files (``write_vectors`` and the
polygon tracing workers), so that both write byte-identical features.

Shells are counter-clockwise and holes clockwise (RFC 7946, section 3.1.6); the coordinates are WGS 84 longitude
and latitude, as GEOS writes them (full double precision).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["feature_texts"]


def feature_texts(wgs84: np.ndarray, properties: Iterable[Mapping[str, Any]]) -> list[str]:
    """One ``{"type": "Feature", ...}`` text per geometry of ``wgs84`` (shapely geometries in WGS 84 lon/lat).

    Examples
    --------
    >>> import shapely
    >>> feature_texts(np.array([shapely.box(0, 0, 1, 1)]), [{"value": 1}])[0][:48]
    '{"type": "Feature", "properties": {"value": 1}, '
    """
    import shapely

    shapes = shapely.to_geojson(shapely.orient_polygons(wgs84, exterior_cw=False))
    return [
        '{"type": "Feature", "properties": ' + json.dumps(dict(p), default=float) + ', "geometry": ' + str(s) + "}"
        for p, s in zip(properties, shapes, strict=True)
    ]
