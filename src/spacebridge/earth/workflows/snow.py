"""The snow workflow: per-date snow maps, the snow-cover series of the AOI and the snow frequency.

Methods (``method``), all from :mod:`spacebridge.earth.snow`:

- ``scl``: Sen2Cor's snow class (SCL 11), for a series of SCL rasters (band description ``SCL``) or L2A scenes;
- ``snomap``: the MODIS-style rule (NDSI >= 0.4, nir > 0.11, green > 0.10) on scenes with green, swir16 and nir;
- ``lis``: the two-pass Let-It-Snow method with a DEM (``dem``: any raster, reprojected onto the grid) on scenes
  with green, red and swir16;
- ``auto``: ``scl`` for SCL rasters, else ``lis`` when a DEM is given, else ``snomap``.

Clouds are unknown (the scene's cloud mask with snow kept valid). Products: ``snow_<date>.tif`` for the date
mapped (``date``, default the last), ``snow_frequency.tif`` (share of the clear observations with snow),
``snow_series`` (per date and AOI polygon, a ``zone`` column: snow km², observed km², snow fraction of the observed
area, unknown fraction; CSV and Parquet) and ``snow_series.png`` (the whole AOI).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacebridge.earth.workflows.series import SeriesRequest

__all__ = ["COLLECTION_ID", "SnowRequest", "run_snow"]

log = logging.getLogger(__name__)

COLLECTION_ID = "spacebridge-snow"
_SNOW_COLOURS = {0: (120, 110, 90, 255), 1: (80, 170, 255, 255), 255: (0, 0, 0, 0)}
_METHODS = ("auto", "scl", "snomap", "lis")


@dataclass(frozen=True)
class SnowRequest:
    series: SeriesRequest
    method: str = "auto"
    dem: str | None = None
    date: str | None = None
    """Date to map (``YYYY-MM-DD``); default the last date."""


def _maps(series: Any, kind: str, method: str, dem: Any) -> tuple[Any, str]:
    """uint8 (time, y, x) snow maps and the method used."""
    import xarray as xr

    from spacebridge.earth import snow
    from spacebridge.earth.indices import compute_index

    if kind == "scl" or method == "scl":
        if "scl" not in series.data:
            from spacebridge.core.errors import CapabilityError

            raise CapabilityError("method 'scl' needs Sen2Cor SCL dates", hint="Use --method snomap or lis")
        maps = snow.snow_from_scl(series.data["scl"].where(series.valid, 0).compute())
        return maps.astype("uint8"), "scl"
    ndsi = compute_index("NDSI", series.data, valid=series.valid).compute()
    planes = []
    for i in range(ndsi.sizes["time"]):
        pick = {"time": i}
        ok = series.valid.isel(pick).compute()
        if method == "lis":
            red = series.data["red"].isel(pick).compute()
            planes.append(snow.let_it_snow(ndsi.isel(pick), red=red, dem_m=dem, valid=ok).snow)
        else:
            nir = series.data["nir"].isel(pick).compute() if "nir" in series.data else series.data["nir08"].isel(pick)
            planes.append(snow.modis_snow(ndsi.isel(pick), nir=nir, green=series.data["green"].isel(pick).compute(),
                                          valid=ok).snow)  # fmt: skip
    return xr.concat(planes, dim=ndsi["time"]).astype("uint8"), method


def _pick(times: Any, date: str | None) -> int:
    from spacebridge.earth.workflows.series import date_index

    return len(times) - 1 if date is None else date_index(times, date)


def run_snow(request: SnowRequest, out_dir: str | Path, *, step: Callable[[str], None] | None = None) -> Any:
    """Run the snow workflow and write its products into ``out_dir`` (module notes)."""
    from spacebridge.core.errors import InvalidInputError
    from spacebridge.core.provenance import Lineage
    from spacebridge.earth.areas import pixel_areas_m2
    from spacebridge.earth.load_series import open_raster_on
    from spacebridge.earth.series_products import ItemSpec, Layer, write_series_products
    from spacebridge.earth.snow import UNKNOWN, snow_cover_series
    from spacebridge.earth.tables import write_series_chart
    from spacebridge.earth.workflows.series import (
        date_label,
        inside_mask,
        open_for,
        per_zone,
        require_dates,
        require_valid,
        zones_of,
    )

    if request.method not in _METHODS:
        raise InvalidInputError(f"--method {request.method!r} is not one of {', '.join(_METHODS)}", name="method")
    say = step or (lambda label: log.info("%s", label))
    method = request.method
    if method == "auto":
        method = "lis" if request.dem else "snomap"
    indices = ("NDSI",)
    say("opening the time series")
    extra = {"snomap": ("nir", "nir08"), "lis": ("red",)}.get(method, ())
    series, kind = open_for(request.series, rasters={"scl": "scl"}, indices=indices, purpose=f" ({method} snow)",
                            keep_snow=True, extra_bands=extra)  # fmt: skip
    if kind == "scl":
        method = "scl"
    needed = {"snomap": ("nir", "green"), "lis": ("red",), "scl": ()}[method]
    lacking = [b for b in needed if b not in series.data and not (b == "nir" and "nir08" in series.data)]
    if lacking:
        from spacebridge.core.errors import CapabilityError

        raise CapabilityError(
            f"the {method} snow method needs the {', '.join(lacking)} band(s), which the scenes lack",
            hint="Use --method scl for SCL dates, or give a DEM (--dem) for Let-It-Snow, or scenes with the bands",
            missing=lacking,
        )
    require_dates(series, 2, "a snow-cover series")
    require_valid(series.valid, "snow mapping")
    dem = open_raster_on(request.dem, series.geobox, name="dem_m") if method == "lis" and request.dem else None
    say(f"mapping snow ({method})")
    maps, method = _maps(series, kind, method, dem)
    gbox = series.geobox
    areas = pixel_areas_m2(gbox)
    zones = inside_mask(zones_of(request.series.aoi), gbox)
    aoi = np.logical_or.reduce([z for _, z in zones])
    say("tabulating the series")
    table = snow_cover_series(maps, pixel_area_m2=areas, aoi=aoi)
    zone_table, outside = per_zone(lambda inside: snow_cover_series(maps, pixel_area_m2=areas, aoi=inside), zones)
    codes = maps.values
    clear = (codes != UNKNOWN).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frequency = np.where(clear > 0, (codes == 1).sum(axis=0) / clear, np.nan).astype("float32")
    k = _pick(maps["time"].values, request.date)
    label = date_label(maps["time"].values[k])
    snow_dates = [date_label(t) for t, v in zip(table.index, table["snow_km2"], strict=True) if v > 0]
    stats = {"method": method, "date_mapped": label, "n_dates": len(table), "snow_dates": snow_dates,
             "snow_km2": round(float(table["snow_km2"].iloc[k]), 6),
             "unknown_fraction": round(float(table["unknown_fraction"].iloc[k]), 6),
             "zones": [name for name, _ in zones], "zones_without_pixels": outside}  # fmt: skip
    lineage = Lineage("earth.snow", inputs=series.inputs, parameters={**request.series.parameters(),
                      "method": request.method, "dem": request.dem, "date": request.date},
                      chosen={"method": method, "input": kind, "date_mapped": label,
                              "masks": sorted({m["method"] for m in series.masks}),
                              "snow_kept_valid": True})  # fmt: skip
    layers = [
        Layer("snow", f"snow_{label}.tif", maps.isel(time=k), UNKNOWN, "snow: 0 no snow, 1 snow, 255 unknown",
              colormap=_SNOW_COLOURS),
        Layer("snow-frequency", "snow_frequency.tif", maps.isel(time=k).copy(data=frequency), float("nan"),
              "share of the clear observations with snow (0-1)", resampling="average"),
    ]  # fmt: skip

    def chart(path: Path) -> Path:
        return write_series_chart(table, path, columns={"snow_fraction": "snow / observed area"}, ylabel="fraction",
                                  title=f"Snow cover ({method})", bars="unknown_fraction",
                                  bars_label="unknown fraction")  # fmt: skip

    when = str(np.datetime_as_string(maps["time"].values[k], unit="s")) + "Z"
    return write_series_products(
        out_dir, collection_id=COLLECTION_ID, collection_title="Snow cover",
        collection_description="Snow maps, snow frequency and snow-cover series by spacebridge.",
        items=[ItemSpec(f"snow-{label}", when, layers, {"title": f"Snow {label}", "spacebridge:method": method})],
        tables={"snow_series": zone_table}, charts={"snow_series.png": chart}, statistics=stats, lineage=lineage,
        say=say,
    )  # fmt: skip
