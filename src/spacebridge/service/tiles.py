"""Map tiles, legends and pixel values of product COGs (rio-tiler).

A legend is chosen per asset: the asset's ``classification:classes`` (STAC classification extension) when present;
otherwise a uint8 raster with a colour table is drawn in its own colours (class names read from the asset's
description, e.g. "0 dry, 1 flood water"), a uint8 raster whose values are all 0/1 as dry/water classes, and
anything else as a continuous colour map stretched between the 2nd and 98th percentiles read from the file's
smallest overview (cheap). Legends are cached per file (path and modification time). Nodata pixels are transparent.

rio-tiler is imported at module level on purpose: the tile server calls this module from many threads at once,
and concurrent first imports of ``rio_tiler.io`` inside functions fail with circular-import errors.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rio_tiler.colormap import InvalidColorMapName, cmap
from rio_tiler.errors import PointOutsideBounds, TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.utils import render

from spacebridge.core.errors import InvalidInputError, NotFoundError, OutOfRangeError

__all__ = ["Legend", "file_version", "legend_for", "parse_rescale", "pixel_value", "render_tile"]

_CLASS_COLOURS = {0: (210, 210, 200, 90), 1: (20, 90, 220, 230)}
_CLASS_NAMES = {0: "dry / not detected", 1: "water / detected"}


@dataclass(frozen=True)
class Legend:
    kind: str
    """``"classes"`` or ``"continuous"``."""
    colormap_name: str | None = None
    rescale: tuple[float, float] | None = None
    classes: tuple[tuple[int, str, tuple[int, int, int, int]], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "colormap": self.colormap_name,
            "rescale": list(self.rescale) if self.rescale else None,
            "classes": [{"value": v, "name": n, "rgba": list(c)} for v, n, c in self.classes],
        }


def _local_path(href: str) -> Path:
    path = Path(href)
    if not path.is_file():
        raise NotFoundError(f"product file {path.name!r} is missing on the server", hint="Re-ingest the products")
    return path


def file_version(asset: dict[str, Any]) -> float:
    """Modification time of the asset's file (part of tile cache keys); 404 if the file is gone."""
    return _local_path(asset["href"]).stat().st_mtime


def _hex_rgba(hint: str | None, default: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    if not hint or len(hint) != 6:
        return default
    return (int(hint[0:2], 16), int(hint[2:4], 16), int(hint[4:6], 16), 230)


def _class_names(description: str) -> dict[int, str]:
    """``{0: "dry", 1: "flood water"}`` from a description such as ``"0 dry, 1 flood water, 255 unknown"``."""
    return {int(m.group(1)): m.group(2).strip() for m in re.finditer(r"(\d+)\s+([^,;:()]+)", description)}


@functools.lru_cache(maxsize=512)
def _inferred(path: str, _mtime: float, description: str) -> Legend:
    with rasterio.open(path) as src:
        step = max(1, max(src.width, src.height) // 256)
        data = src.read(1, out_shape=(max(1, src.height // step), max(1, src.width // step)), masked=True)
        dtype = src.dtypes[0]
        try:
            embedded = {int(k): tuple(v) for k, v in src.colormap(1).items()}
        except ValueError:  # no colour table
            embedded = {}
    values = np.asarray(data.compressed(), dtype="float64")
    values = values[np.isfinite(values)]
    present = {int(v) for v in np.unique(values)} if dtype == "uint8" else set()
    names = _class_names(description)
    if embedded and dtype == "uint8" and present:
        shown = sorted(present | (set(names) - {255}))
        return Legend(
            "classes",
            classes=tuple((v, names.get(v, str(v)), embedded.get(v, (128, 128, 128, 255))) for v in shown),
        )
    if dtype == "uint8" and present and present <= {0, 1}:
        return Legend("classes", classes=tuple((v, names.get(v, _CLASS_NAMES[v]), _CLASS_COLOURS[v]) for v in (0, 1)))
    if values.size == 0:
        return Legend("continuous", "viridis", (0.0, 1.0))
    lo, hi = (float(v) for v in np.percentile(values, [2, 98]))
    return Legend("continuous", "viridis", (lo, hi if hi > lo else lo + 1.0))


def legend_for(asset: dict[str, Any]) -> Legend:
    """The legend of a product asset (see the module docstring for the rules)."""
    classes = asset.get("classification:classes")
    if classes:
        return Legend(
            "classes",
            classes=tuple(
                (
                    int(c["value"]),
                    str(c.get("description") or c.get("name", c["value"])),
                    _hex_rgba(c.get("color_hint"), _CLASS_COLOURS.get(int(c["value"]), (128, 128, 128, 200))),
                )
                for c in classes
                if not c.get("nodata")
            ),
        )
    path = _local_path(asset["href"])
    return _inferred(str(path), path.stat().st_mtime, str(asset.get("description") or ""))


def parse_rescale(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise InvalidInputError(f"rescale {text!r} is not 'min,max'", field="rescale", value=text) from exc
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InvalidInputError(f"rescale {text!r} needs finite min < max", field="rescale", value=text)
    return lo, hi


def _empty_png(size: int) -> bytes:

    return render(
        np.zeros((1, size, size), dtype="uint8"), mask=np.zeros((size, size), dtype="uint8"), img_format="PNG"
    )


def render_tile(
    asset: dict[str, Any],
    z: int,
    x: int,
    y: int,
    *,
    colormap_name: str | None = None,
    rescale: tuple[float, float] | None = None,
    tilesize: int = 256,
) -> bytes:
    """A PNG web-mercator tile of band 1 of the asset's COG; transparent outside the product."""

    if not (0 <= z <= 24 and 0 <= x < 2**z and 0 <= y < 2**z):
        raise OutOfRangeError(
            f"tile {z}/{x}/{y} does not exist",
            hint="Need 0 <= x, y < 2**z, z <= 24",
            field="tile",
            value=f"{z}/{x}/{y}",
        )
    legend = legend_for(asset)
    path = _local_path(asset["href"])
    try:
        with Reader(str(path)) as src:
            img = src.tile(x, y, z, tilesize=tilesize, indexes=1)
    except TileOutsideBounds:
        return _empty_png(tilesize)
    if legend.kind == "classes" and colormap_name is None:
        return _render_classes(img, {v: c for v, _n, c in legend.classes})
    try:
        colormap: Any = cmap.get(colormap_name or legend.colormap_name or "viridis")
    except InvalidColorMapName as exc:
        raise InvalidInputError(
            f"colormap {colormap_name!r} is unknown",
            hint="Try viridis, blues, rdylgn",
            field="colormap",
            value=colormap_name,
        ) from exc
    lo, hi = rescale or legend.rescale or (0.0, 1.0)
    img.rescale(in_range=((lo, hi),))
    return img.render(img_format="PNG", colormap=colormap)


def _render_classes(img: Any, colormap: dict[int, tuple[int, int, int, int]]) -> bytes:

    return render(img.data.astype("uint8"), mask=img.mask, img_format="PNG", colormap=colormap)


def pixel_value(asset: dict[str, Any], lon: float, lat: float) -> float | None:
    """Band-1 value at a point, ``None`` where nodata or outside the product."""

    try:
        with Reader(str(_local_path(asset["href"]))) as src:
            pt = src.point(lon, lat, indexes=1)
    except PointOutsideBounds:
        return None
    value = float(pt.data[0])
    if bool(pt.mask[0] == 0) or not math.isfinite(value):
        return None
    return value
