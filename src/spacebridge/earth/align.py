"""Grids: refuse silent mixing of inputs on different grids, and align one scene onto another explicitly.

Pure functions over loaded scenes (no file access): ``check_same_grid`` raises :class:`GridMismatchError`,
``align_to`` reprojects lazily with odc-geo onto the reference grid.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import GridMismatchError

if TYPE_CHECKING:
    import xarray as xr
    from odc.geo.geobox import GeoBox

    from spacebridge.earth.load import Scene

__all__ = ["align_to", "check_same_grid"]


def _geobox(obj: Any) -> GeoBox:
    return obj.geobox if hasattr(obj, "valid") else obj.odc.geobox


def check_same_grid(first: Scene | xr.Dataset, second: Scene | xr.Dataset) -> None:
    """Raise :class:`GridMismatchError` unless both are on the same grid (same CRS, transform and shape)."""
    a, b = _geobox(first), _geobox(second)
    if a == b:
        return
    what = "CRSs" if a.crs != b.crs else "grids"
    raise GridMismatchError(
        f"the inputs are on different {what}: {a.crs} {a.shape} vs {b.crs} {b.shape}",
        hint="Align one onto the other explicitly with align_to(second, first) (or open it with geobox=...)",
        first_crs=str(a.crs),
        second_crs=str(b.crs),
    )


def align_to(scene: Scene, reference: Scene | GeoBox, *, resampling: str = "nearest") -> Scene:
    """``scene`` reprojected onto the grid of ``reference`` (lazily); pixels outside ``scene`` are invalid.

    Raises :class:`GridMismatchError` if the two do not overlap at all.
    """
    target: GeoBox = _geobox(reference) if hasattr(reference, "valid") else reference
    if target.crs is None or scene.geobox.crs is None:
        raise GridMismatchError("a grid without CRS cannot be aligned", hint="Give georeferenced inputs")
    if not scene.geobox.extent.to_crs(target.crs).intersects(target.extent):
        raise GridMismatchError(
            "the scenes do not overlap: nothing to align",
            hint="Check that both inputs cover the same place",
            scene=scene.id,
        )
    import xarray as xr

    measured = list(scene.radiometry)
    data = xr.Dataset(
        {
            str(name): var.odc.reproject(target, resampling=resampling if name in measured else "nearest")
            for name, var in scene.data.data_vars.items()
        },
        attrs=scene.data.attrs,
    )
    inside = scene.valid.astype("uint8").odc.reproject(target, resampling="nearest", dst_nodata=0) == 1
    valid = functools.reduce(lambda a, b: a & b, (data[k].notnull() for k in measured), inside)
    valid.name = "valid"
    return dataclasses.replace(scene, data=data, valid=valid)
