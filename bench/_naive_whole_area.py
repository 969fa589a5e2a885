"""The naive baseline of ``bench_scale.py``, run in a child process so that its memory can be watched and capped.

What a notebook does with a large area: ``odc.stac.load`` of every granule over the whole area (lazy, 2048 px
chunks), the index with xarray arithmetic, ``.compute()`` on dask's threaded scheduler, then one GeoTIFF written
with rasterio. Prints JSON lines: the task-graph size before computing, then seconds, graph size, output size.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import warnings

import numpy as np
import odc.stac
import pystac
import rasterio
from odc.geo.geobox import GeoBox
from pystac.extensions.projection import ProjectionExtension

SCALE = 1e-4  # Sentinel-2 L1C digital numbers to reflectance (the loader's rule for this product)


def granule_item(path: str) -> pystac.Item:
    with rasterio.open(path) as src:
        gbox = GeoBox.from_rio(src)
        epsg = src.crs.to_epsg()
    footprint = gbox.geographic_extent
    item = pystac.Item(path.rsplit("/", 1)[-1], footprint.json, list(footprint.boundingbox), dt.datetime(2019, 9, 18),
                       {})  # fmt: skip
    bands = [{"nodata": 0, "data_type": "int16"}] * 3
    item.add_asset(
        "data", pystac.Asset(path, media_type=pystac.MediaType.GEOTIFF, extra_fields={"raster:bands": bands})
    )
    ProjectionExtension.ext(item, add_if_missing=True).epsg = epsg
    asset = ProjectionExtension.ext(item.assets["data"])
    asset.transform = list(gbox.affine)[:6]
    asset.shape = list(gbox.shape)
    return item


def main(paths: list[str], out: str) -> None:
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    ds = odc.stac.load([granule_item(p) for p in paths], bands=["data.1", "data.3"], chunks={"x": 2048, "y": 2048},
                       groupby="solar_day").isel(time=0)  # fmt: skip
    green = ds["data.1"].where(ds["data.1"] != 0).astype("float32") * np.float32(SCALE)
    swir16 = ds["data.3"].where(ds["data.3"] != 0).astype("float32") * np.float32(SCALE)
    mndwi = (green - swir16) / (green + swir16)  # Xu (2006)
    tasks = len(mndwi.data.__dask_graph__())
    print(json.dumps({"graph_tasks": tasks}), flush=True)  # known even if the parent kills us over the memory cap
    values = mndwi.values  # the whole area in memory
    gbox = ds.odc.geobox
    profile = {
        "driver": "GTiff", "width": values.shape[1], "height": values.shape[0], "count": 1, "dtype": "float32",
        "crs": gbox.crs.to_wkt(), "transform": gbox.affine, "nodata": float("nan"), "tiled": True, "blockxsize": 512,
        "blockysize": 512, "compress": "ZSTD", "bigtiff": "YES",
    }  # fmt: skip
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(values, 1)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "graph_tasks": tasks, "output_bytes": int(values.nbytes)}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), sys.argv[2])
