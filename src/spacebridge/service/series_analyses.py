"""The time-series analyses the runner watches: NDVI anomaly, snow cover and water area over an area.

Each reads the products of one collection over the area as a time stack (:mod:`.stack_reader`) and calls the
earth pillar's functions, which hold the science; this module only turns their outputs into area time series:

- ``ndvi-anomaly``: an NDVI collection (float, NaN or nodata where cloudy or invalid) through
  :func:`spacebridge.earth.drought.vegetation_condition` (maximum-value composites per month or season, per-pixel
  climatology, z-score, VCI after Kogan 1995). Variables per period: ``ndvi_anomaly_mean`` (mean z-score over
  the area's valid pixels), ``vci_mean``, ``ndvi_valid_fraction``.
- ``snow-cover``: a collection of Sen2Cor SCL rasters (``kind=scl``, snow = class 11 through
  :func:`spacebridge.earth.snow.snow_from_scl`) or of snow maps (``kind=snow``: 0 no snow, 1 snow, 255 unknown),
  then :func:`spacebridge.earth.snow.snow_cover_series`. Variables per date: ``snow_fraction`` (of the observed
  area), ``snow_km2``, ``snow_unknown_fraction``.
- ``water-area``: a collection of water maps (0 dry, 1 water, 255 unknown; by default the flood runs' own
  ``spacebridge-flood`` extents) through :func:`spacebridge.earth.water.water_area_series` and, with three or more
  usable dates, :func:`spacebridge.earth.water.water_trend`. Variables per date: ``water_area_km2``,
  ``water_unknown_fraction``.

Unknown pixels (cloud, nodata, outside the swath) are never counted as "no snow" or "dry": each date reports its
unknown fraction, and dates with no valid pixel give no value (a rule never sees a made-up zero).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from spacebridge.core.errors import SpacebridgeWarning
from spacebridge.core.provenance import InputRef, Lineage
from spacebridge.service.analyses import AnalysisInput, AnalysisOutput

__all__ = ["ndvi_anomaly", "snow_cover", "water_area"]

_UNKNOWN = 255


def _value(variable: str, when: Any, value: float, item_id: str | None = None) -> dict[str, Any] | None:
    if value is None or not math.isfinite(float(value)):
        return None
    iso = when if isinstance(when, str) else np.datetime_as_string(np.datetime64(when, "s")) + "Z"
    return {"variable": variable, "datetime": iso, "value": float(value), "item_id": item_id}


def _output(process: str, inp: AnalysisInput, stack: Any, values: list[dict[str, Any] | None], **extra: Any) -> Any:
    kept = tuple(v for v in values if v is not None)
    refs = tuple(
        InputRef(role="product", href=h, id=i, datetime_utc=t)
        for t, i, h in zip(stack.times, stack.item_ids, stack.hrefs, strict=True)
    )
    params = dict(inp.params)
    caught = tuple(extra.pop("warnings", ()))
    lineage = Lineage(process, refs, params, chosen=extra.pop("chosen", {}), warnings=caught)
    result = {"products": len(refs), "values": list(kept), "warnings": list(caught), **extra}
    return AnalysisOutput(values=kept, result=result, lineage=lineage.to_dict())


def _xr(stack: Any, data: np.ndarray) -> Any:
    import xarray as xr

    times = np.array([np.datetime64(t.replace("Z", "").replace("+00:00", ""), "ns") for t in stack.times])
    return xr.DataArray(data, dims=("time", "y", "x"), coords={"time": times})


def ndvi_anomaly(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.earth.drought import vegetation_condition
    from spacebridge.service.stack_reader import read_stack

    stack = read_stack(inp.products, inp.params.get("asset", "data"), inp.area["geometry"])
    ndvi = _xr(stack, stack.data.astype("float32"))
    valid = _xr(stack, np.isfinite(stack.data) & stack.inside)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpacebridgeWarning)
        result = vegetation_condition(
            ndvi,
            valid=valid,
            period=str(inp.params.get("period", "month")),
            min_years=int(inp.params.get("min_years", 10)),
        )
    inside = stack.inside
    values: list[dict[str, Any] | None] = []
    for i, when in enumerate(result.anomaly["time"].values):
        z = result.anomaly.values[i][inside]
        vci = result.vci.values[i][inside]
        seen = np.isfinite(z)
        values.append(_value("ndvi_valid_fraction", when, float(seen.mean()) if z.size else float("nan")))
        if seen.any():
            values.append(_value("ndvi_anomaly_mean", when, float(z[seen].mean())))
            if np.isfinite(vci).any():
                values.append(_value("vci_mean", when, float(np.nanmean(vci))))
    return _output(
        "service.ndvi-anomaly",
        inp,
        stack,
        values,
        chosen=dict(result.chosen),
        warnings=[str(w.message) for w in caught],
    )


def snow_cover(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.earth.snow import snow_cover_series, snow_from_scl
    from spacebridge.service.stack_reader import read_stack

    kind = str(inp.params.get("kind", "scl"))
    stack = read_stack(inp.products, inp.params.get("asset", "data"), inp.area["geometry"])
    if kind == "scl":
        snow = snow_from_scl(_xr(stack, stack.data))
    else:
        snow = _xr(stack, np.where(np.isfinite(stack.data), stack.data, _UNKNOWN).astype("uint8"))
    series = snow_cover_series(snow, pixel_area_m2=stack.pixel_area_m2, aoi=stack.inside)
    values: list[dict[str, Any] | None] = []
    for (when, row), item_id in zip(series.iterrows(), stack.item_ids, strict=True):
        values.append(_value("snow_fraction", when, row["snow_fraction"], item_id))
        if row["known_km2"] > 0:
            values.append(_value("snow_km2", when, row["snow_km2"], item_id))
        values.append(_value("snow_unknown_fraction", when, row["unknown_fraction"], item_id))
    chosen = {"kind": kind, "snow_from": "SCL class 11" if kind == "scl" else "snow map (1 snow, 255 unknown)"}
    return _output("service.snow-cover", inp, stack, values, chosen=chosen)


def water_area(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.earth.water import water_area_series, water_trend
    from spacebridge.service.stack_reader import read_stack

    stack = read_stack(inp.products, inp.params.get("asset", "extent"), inp.area["geometry"])
    codes = _xr(stack, np.where(np.isfinite(stack.data), stack.data, _UNKNOWN).astype("uint8"))
    limit = float(inp.params.get("max_unknown_fraction", 0.1))
    series = water_area_series(codes, pixel_area_m2=stack.pixel_area_m2, aoi=stack.inside, max_unknown_fraction=limit)
    values: list[dict[str, Any] | None] = []
    for (when, row), item_id in zip(series.iterrows(), stack.item_ids, strict=True):
        if row["known_km2"] > 0:
            values.append(_value("water_area_km2", when, row["water_km2"], item_id))
        values.append(_value("water_unknown_fraction", when, row["unknown_fraction"], item_id))
    trend = water_trend(series[series["usable"]]).to_dict() if int(series["usable"].sum()) >= 3 else None
    return _output("service.water-area", inp, stack, values, trend=trend)
