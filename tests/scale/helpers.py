"""Helpers for the scale-out tests: STAC items for the bundled real scenes, so odc-stac can load them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pystac
import rasterio
from odc.geo.geobox import GeoBox
from pystac.extensions.projection import ProjectionExtension


def local_item(path: Path, band: str, when: dt.datetime) -> pystac.Item:
    """A STAC item for one single-band GeoTIFF, with the projection fields odc-stac needs (test helper)."""
    with rasterio.open(path) as src:
        gbox = GeoBox.from_rio(src)
        epsg = src.crs.to_epsg()
    footprint = gbox.geographic_extent
    item = pystac.Item(path.stem, footprint.json, list(footprint.boundingbox), when, {})
    item.add_asset(band, pystac.Asset(str(path.resolve()), media_type=pystac.MediaType.GEOTIFF))
    ProjectionExtension.ext(item, add_if_missing=True).epsg = epsg
    asset = ProjectionExtension.ext(item.assets[band])
    asset.transform = list(gbox.affine)[:6]
    asset.shape = list(gbox.shape)
    return item
