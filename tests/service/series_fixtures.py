"""STAC catalogs of real per-date rasters for the time-series analyses, from the bundled Slovenian EOPatches.

- ``slovenia-ndvi``: the 68-date NDVI series 2015-2017 (eo-learn ``TestEOPatch``), NaN where its validity mask
  is false or its cloud mask is set (``IS_VALID & ~CLM``), as float32 GeoTIFFs.
- ``slovenia-scl``: the 36-date Sen2Cor SCL series 2016-12 to 2017-12 (``TestEOPatch_c70dbc5_scl``), uint8 with
  0 (SCL "no data") as nodata.

The grid is the patch's ``bbox.geojson`` (EPSG:32633, 100 x 101 pixels of about 10 m). The SCL patch ships no
bbox of its own; it has the same shape and is the same eo-learn test patch, so it gets the same grid.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pystac
import rasterio
from pyproj import Transformer
from rasterio.transform import from_bounds

from tests.conftest import EXAMPLES

BASE = EXAMPLES / "timeseries-slovenia"


def _bounds() -> tuple[float, float, float, float]:
    ring = json.loads((BASE / "TestEOPatch" / "bbox.geojson").read_text())["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def patch_polygon(shrink_m: float = 50.0) -> dict:
    """The patch's footprint in lon/lat, ``shrink_m`` inside its edges."""
    left, bottom, right, top = _bounds()
    to_geo = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True)
    corners = [(left, bottom), (right, bottom), (right, top), (left, top), (left, bottom)]
    ring = [
        to_geo.transform(x + (shrink_m if x == left else -shrink_m), y + (shrink_m if y == bottom else -shrink_m))
        for x, y in corners
    ]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def _write(path: Path, data: np.ndarray, nodata: float) -> None:
    left, bottom, right, top = _bounds()
    height, width = data.shape
    profile = {
        "driver": "GTiff", "height": height, "width": width, "count": 1, "dtype": data.dtype.name, "nodata": nodata,
        "crs": "EPSG:32633", "transform": from_bounds(left, bottom, right, top, width, height),
    }  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def _times(folder: Path) -> list[dt.datetime]:
    return [
        dt.datetime.fromisoformat(t).replace(tzinfo=dt.UTC)
        for t in json.loads((folder / "timestamps.json").read_text())
    ]


def make_series_catalog(root: Path) -> Path:
    """Write ``root/catalog.json`` with collections ``slovenia-ndvi`` and ``slovenia-scl``; return its path."""
    tp, sp = BASE / "TestEOPatch", BASE / "TestEOPatch_c70dbc5_scl"
    ndvi = np.load(tp / "data" / "NDVI.npy")[..., 0]
    valid = np.load(tp / "mask" / "IS_VALID.npy")[..., 0] & ~np.load(tp / "mask" / "CLM.npy")[..., 0].astype(bool)
    scl = np.load(sp / "SCL.npy")[..., 0]
    left, bottom, right, top = _bounds()
    to_geo = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True)
    w, s = to_geo.transform(left, bottom)
    e, n = to_geo.transform(right, top)
    geom = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
    cat = pystac.Catalog("slovenia-series", "Slovenian EOPatch series (eo-learn test data, MIT)")
    ndvi_planes = [np.where(v, x, np.nan).astype("float32") for x, v in zip(ndvi, valid, strict=True)]
    scl_planes = [np.nan_to_num(x, nan=0).astype("uint8") for x in scl]
    layers = (
        ("slovenia-ndvi", _times(tp), ndvi_planes, float("nan")),
        ("slovenia-scl", _times(sp), scl_planes, 0),
    )
    for cid, times, planes, nodata in layers:
        coll = pystac.Collection(
            cid, cid, pystac.Extent(pystac.SpatialExtent([[w, s, e, n]]), pystac.TemporalExtent([[None, None]]))
        )
        cat.add_child(coll)
        for when, plane in zip(times, planes, strict=True):
            iid = f"{cid}-{when:%Y%m%dT%H%M%S}"
            tif = root / cid / f"{iid}.tif"
            _write(tif, plane, nodata)
            item = pystac.Item(iid, geom, [w, s, e, n], when, {})
            item.add_asset("data", pystac.Asset(str(tif), media_type=pystac.MediaType.GEOTIFF, roles=["data"]))
            coll.add_item(item)
    cat.normalize_hrefs(str(root))
    cat.make_all_asset_hrefs_relative()
    cat.save(pystac.CatalogType.SELF_CONTAINED)
    return root / "catalog.json"
