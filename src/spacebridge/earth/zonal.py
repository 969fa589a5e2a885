"""Zonal statistics of any product over polygons (districts, oblasts, AOIs), with equal-area areas.

Class products (burn severity, snow, water, drought classes) get the area of each class per unit and the unknown
area and fraction; continuous products (dNBR, NDVI anomaly, VCI) get the area-weighted mean, standard
deviation, minimum, median, maximum and the valid and unknown fractions. Areas are per-pixel equal-area areas
(:mod:`spacebridge.earth.areas`); a pixel belongs to the unit containing its centre.

Kazakhstan's 2024 administrative units (20 oblast-level units and 224 districts, with KATO codes, OCHA P-codes
and Kazakh, Russian and English names; geokz, CC BY 4.0) are the default units: :func:`default_units_path`
finds them in the source tree's ``examples/data`` like the demo does; any GeoJSON/GeoPackage can be given.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from spacebridge.core.errors import ConfigurationError, InvalidAOIError, InvalidInputError, NoValidDataError

__all__ = ["UNIT_FIELDS", "default_units_path", "read_units", "zonal_table"]

_UNIT_FILES: Mapping[str, str] = {
    "oblast": "kaz_adm1_2024_geokz.geojson",
    "district": "kaz_adm2_2024_geokz_simplified.geojson",
}

#: Identifier and name fields kept from the units, when present (geokz schema).
UNIT_FIELDS: tuple[str, ...] = (
    "KATO", "ADM1_PCODE", "ADM1_EN", "ADM1_KK", "ADM1_RU", "ADM2_PCODE", "ADM2_EN", "ADM2_KK", "ADM2_RU", "name", "id"
)  # fmt: skip


def default_units_path(level: Literal["oblast", "district"] = "district", data_dir: Path | None = None) -> Path:
    """The bundled Kazakhstan units file of ``level`` (``examples/data/kazakhstan/boundaries``)."""
    if level not in _UNIT_FILES:
        raise InvalidInputError(f"level={level!r} is not 'oblast' or 'district'", name="level", value=level)
    base = data_dir or Path(__file__).resolve().parents[3] / "examples" / "data"
    path = base / "kazakhstan" / "boundaries" / _UNIT_FILES[level]
    if not path.is_file():
        raise ConfigurationError(
            f"the default units {path} are not there",
            hint="Run from a source checkout, or give the units file explicitly (--units FILE)",
            path=str(path),
        )
    return path


def read_units(path: str | Path | None = None, *, level: Literal["oblast", "district"] = "district") -> Any:
    """Read polygons (GeoDataFrame) from ``path``, or Kazakhstan's bundled units of ``level``."""
    import geopandas as gpd

    source = Path(path) if path is not None else default_units_path(level)
    if not source.is_file():
        raise InvalidInputError(f"units file {source} does not exist", hint="Give a GeoJSON or GeoPackage file")
    gdf = gpd.read_file(source)
    if gdf.empty or gdf.crs is None:
        raise InvalidAOIError(f"units file {source} has no polygons or no CRS", hint="Give polygons with a CRS")
    return gdf


def _zone_raster(units: Any, gbox: Any) -> np.ndarray:
    """Zone number (1..n, 0 outside every unit) of each pixel centre."""
    from rasterio.features import rasterize
    from shapely.geometry import box

    gdf = units.to_crs(gbox.crs.to_wkt())
    extent = box(*gbox.boundingbox)
    shapes = [(geom, i + 1) for i, geom in enumerate(gdf.geometry) if geom is not None and geom.intersects(extent)]
    if not shapes:
        raise InvalidAOIError(
            "no unit overlaps the product",
            hint="Check the units and the product cover the same place",
            raster_bounds=list(gbox.boundingbox),
        )
    return rasterize(shapes, out_shape=gbox.shape, transform=gbox.transform, fill=0, dtype="int32")


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, q * cum[-1])])


def _continuous_row(v: np.ndarray, a: np.ndarray) -> dict[str, float]:
    ok = np.isfinite(v)
    total = a.sum()
    row = {"area_km2": total / 1e6, "valid_km2": a[ok].sum() / 1e6, "unknown_fraction": 1 - a[ok].sum() / total}
    if ok.any():
        w, x = a[ok], v[ok]
        mean = float(np.average(x, weights=w))
        row.update(mean=mean, std=float(np.sqrt(np.average((x - mean) ** 2, weights=w))), min=float(x.min()),
                   median=_weighted_quantile(x, w, 0.5), max=float(x.max()))  # fmt: skip
    else:
        row.update(mean=np.nan, std=np.nan, min=np.nan, median=np.nan, max=np.nan)
    return row


def zonal_table(
    product: xr.DataArray,
    units: Any,
    *,
    kind: Literal["categorical", "continuous"] = "categorical",
    classes: Mapping[int, str] | None = None,
    unknown_value: int = 255,
    fields: tuple[str, ...] = UNIT_FIELDS,
) -> Any:
    """A pandas DataFrame with one row per unit overlapping the product.

    Parameters
    ----------
    product
        2-D georeferenced raster (class codes, or continuous values with NaN unknown).
    units
        GeoDataFrame of polygons in any CRS (e.g. :func:`read_units`).
    kind
        ``"categorical"``: area (km²) per class of ``classes``, unknown km² and fraction; ``"continuous"``:
        area-weighted statistics.
    classes
        ``{code: name}`` for categorical products (default: every code found except ``unknown_value``).
    """
    import pandas as pd

    from spacebridge.earth.areas import geobox_of, pixel_areas_m2

    if kind not in ("categorical", "continuous"):
        raise InvalidInputError(f"kind={kind!r} is not 'categorical' or 'continuous'", name="kind", value=kind)
    gbox = geobox_of(product)
    zones = _zone_raster(units, gbox)
    areas = pixel_areas_m2(gbox)
    values = np.asarray(product.values)
    if kind == "categorical" and classes is None:
        classes = {int(c): str(c) for c in np.unique(values[zones > 0]) if c != unknown_value}
    keep = [f for f in fields if f in units.columns]
    rows = []
    for i, (_, unit) in enumerate(units.iterrows()):
        inside = zones == i + 1
        if not inside.any():
            continue
        row: dict[str, Any] = {f: unit[f] for f in keep}
        v, a = values[inside], areas[inside]
        if kind == "continuous":
            row.update(_continuous_row(v.astype("float64"), a))
        else:
            total = a.sum()
            row["area_km2"] = total / 1e6
            for code, name in (classes or {}).items():
                row[f"{name}_km2"] = a[v == code].sum() / 1e6
            unknown = a[v == unknown_value].sum()
            row["unknown_km2"], row["unknown_fraction"] = unknown / 1e6, unknown / total
        rows.append(row)
    if not rows:
        raise NoValidDataError("no unit contains a pixel centre of the product", hint="Use smaller pixels or units")
    return pd.DataFrame(rows)
