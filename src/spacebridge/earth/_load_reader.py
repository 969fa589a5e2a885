"""Reading helpers of the loader: an odc-stac reader that reports corrupt files clearly, lazy decoding to
float32 reflectance or dB, cheap checks at open, and AOI parsing."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from odc.loader import RioDriver, RioReader

from spacebridge.core.errors import CorruptRasterError, InvalidAOIError, MalformedInputError
from spacebridge.core.geo import BBox
from spacebridge.earth._expr import Decoding, decode_array


def _corrupt(uri: str, exc: BaseException) -> CorruptRasterError:
    return CorruptRasterError(
        f"reading {uri!r} failed: {exc}",
        hint="The file is truncated or corrupt (or a remote read failed); download or export it again",
        path=uri,
    )


class _SafeReader(RioReader):
    """odc-loader's rasterio reader, with read errors turned into :class:`CorruptRasterError`."""

    def read(self, cfg: Any, dst_geobox: Any, *, dst: Any = None, selection: Any = None) -> Any:
        try:
            return super().read(cfg, dst_geobox, dst=dst, selection=selection)
        except CorruptRasterError:
            raise
        except Exception as exc:  # rasterio raises RasterioIOError, CPLE_* or plain OSError depending on GDAL
            raise _corrupt(str(getattr(self._src, "uri", "?")), exc) from exc


class SafeRioDriver(RioDriver):
    """A reader driver for ``odc.stac.load(driver=...)`` that wraps compute-time read errors."""

    def open(self, src: Any, ctx: Any) -> _SafeReader:
        return _SafeReader(src, ctx)


def _decode_block(block: np.ndarray, decoding: Decoding, to_db: bool) -> np.ndarray:
    out = decode_array(block, decoding)
    if to_db:
        positive = out > 0
        out = np.where(positive, 10.0 * np.log10(np.where(positive, out, 1.0)), np.nan).astype(np.float32)
    return out


def decode_lazy(data: Any, decoding: Decoding, *, to_db: bool = False) -> Any:
    """A float32 DataArray of physical values from stored values, lazily (one task per chunk)."""
    import dask.array as da

    if isinstance(data.data, da.Array):
        decoded = da.map_blocks(_decode_block, data.data, decoding, to_db, dtype=np.float32)
    else:
        decoded = _decode_block(np.asarray(data.data), decoding, to_db)
    return data.copy(data=decoded)


def check_readable(paths: Sequence[str]) -> None:
    """Read the last block of every band of each file: a truncated file fails here, at open."""
    import rasterio
    from rasterio.windows import Window

    for path in paths:
        try:
            with rasterio.open(path) as src:
                for i in range(1, src.count + 1):
                    bh, bw = src.block_shapes[i - 1]
                    row = (src.height - 1) // bh * bh
                    col = (src.width - 1) // bw * bw
                    src.read(i, window=Window(col, row, min(bw, src.width - col), min(bh, src.height - row)))
        except CorruptRasterError:
            raise
        except Exception as exc:
            raise _corrupt(path, exc) from exc


def _geojson_geometry(obj: Mapping[str, Any]) -> Any:
    from shapely.geometry import shape
    from shapely.ops import unary_union

    kind = obj.get("type")
    if kind == "FeatureCollection":
        return unary_union([shape(f["geometry"]) for f in obj.get("features", [])])
    if kind == "Feature":
        return shape(obj["geometry"])
    return shape(obj)


def parse_aoi(aoi: Any) -> Any:
    """An AOI as an odc-geo Geometry in EPSG:4326: bbox (west, south, east, north), GeoJSON dict, or file path.

    GeoJSON is in WGS 84 longitude/latitude by definition (RFC 7946).
    """
    from odc.geo.geom import Geometry
    from shapely.geometry import box

    if isinstance(aoi, BBox):
        geom = box(aoi.west, aoi.south, aoi.east, aoi.north)
    elif isinstance(aoi, Sequence) and not isinstance(aoi, str) and len(aoi) in (4, 6):
        b = BBox.from_sequence([float(v) for v in aoi])
        geom = box(b.west, b.south, b.east, b.north)
    elif isinstance(aoi, str | Path):
        path = Path(aoi)
        if not path.exists():
            raise InvalidAOIError(
                f"AOI file {str(aoi)!r} does not exist", hint="Give a GeoJSON file path", aoi=str(aoi)
            )
        try:
            geom = _geojson_geometry(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MalformedInputError(
                f"AOI file {str(aoi)!r} is not GeoJSON: {exc}", hint="Give a GeoJSON geometry/Feature", aoi=str(aoi)
            ) from exc
    elif isinstance(aoi, Mapping):
        try:
            geom = _geojson_geometry(aoi)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidAOIError(f"AOI is not a GeoJSON geometry: {exc}", hint="Give a GeoJSON geometry") from exc
    else:
        raise InvalidAOIError(
            f"AOI {aoi!r} is neither a bbox, a GeoJSON mapping nor a file",
            hint="Give (west, south, east, north) in degrees, a GeoJSON geometry or a .geojson path",
            aoi=repr(aoi)[:80],
        )
    if geom.is_empty or not geom.is_valid or geom.area == 0 or not math.isfinite(geom.area):
        raise InvalidAOIError(
            "AOI is empty or not a valid polygon", hint="Give a valid, non-empty polygon", aoi=geom.wkt[:80]
        )
    return Geometry(geom, crs="EPSG:4326")
