"""A small local STAC catalog of product COGs made from the bundled real Sentinel-1 scene (Spain 2019).

The 'products' are the VV backscatter in dB (float32) and a water mask (uint8: 0 dry, 1 water, 255 unknown) from a
fixed -18 dB threshold; they stand in for the earth pillar's products in service tests (any COG must tile).
Two items per collection, the second with values shifted, so that time series have two points.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pystac
import rasterio
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

S1 = Path(__file__).resolve().parents[2] / "examples" / "data" / "flood-spain-2019" / "Spain_7370579_S1Hand.tif"


def _write_cog(path: Path, data: np.ndarray, profile: dict, nodata: float) -> None:
    tmp = path.with_suffix(".tmp.tif")
    prof = {**profile, "count": 1, "dtype": data.dtype.name, "nodata": nodata, "driver": "GTiff"}
    with rasterio.open(tmp, "w", **prof) as dst:
        dst.write(data, 1)
    cog_translate(tmp, path, cog_profiles.get("deflate"), quiet=True, overview_level=2)
    tmp.unlink()


def make_catalog(root: Path) -> Path:
    """Write ``root/catalog.json`` with collections ``test-vv`` and ``test-water``; return its path."""
    root.mkdir(parents=True, exist_ok=True)
    with rasterio.open(S1) as src:
        vv = src.read(1).astype("float32")
        profile = src.profile
        bounds = src.bounds
    vv[~np.isfinite(vv)] = np.nan
    cat = pystac.Catalog("test-products", "products made from the Spain 2019 Sentinel-1 scene")
    for cid, kind in (("test-vv", "vv"), ("test-water", "water")):
        coll = pystac.Collection(
            cid,
            f"{kind} test products",
            pystac.Extent(pystac.SpatialExtent([list(bounds)]), pystac.TemporalExtent([[None, None]])),
        )
        cat.add_child(coll)
        for day, shift_db in (("2019-09-17", 0.0), ("2019-09-29", 3.0)):
            values = vv + shift_db
            if kind == "vv":
                data, nodata = np.where(np.isnan(values), -9999.0, values).astype("float32"), -9999.0
            else:
                data = np.where(np.isnan(values), 255, (values < -18.0).astype("uint8")).astype("uint8")
                nodata = 255
            iid = f"{kind}-{day}"
            cog = root / cid / iid / f"{kind}.tif"
            cog.parent.mkdir(parents=True, exist_ok=True)
            _write_cog(cog, data, profile, nodata)
            geom = {
                "type": "Polygon",
                "coordinates": [
                    [
                        [bounds.left, bounds.bottom],
                        [bounds.right, bounds.bottom],
                        [bounds.right, bounds.top],
                        [bounds.left, bounds.top],
                        [bounds.left, bounds.bottom],
                    ]
                ],
            }
            when = dt.datetime.fromisoformat(f"{day}T18:00:00+00:00")
            it = pystac.Item(iid, geom, list(bounds), when, {})
            it.add_asset("data", pystac.Asset(str(cog), media_type=pystac.MediaType.COG, roles=["data"]))
            coll.add_item(it)
    cat.normalize_hrefs(str(root))
    cat.make_all_asset_hrefs_relative()
    cat.save(pystac.CatalogType.SELF_CONTAINED)
    return root / "catalog.json"
