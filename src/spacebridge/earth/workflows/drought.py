"""The drought workflow: NDVI series -> monthly (or seasonal) composites, climatology, anomaly, VCI, classes.

Dates are single-band NDVI rasters (band description ``NDVI``, NaN invalid) or scenes with red and nir (NDVI is
computed, clouds masked). The analysis is :func:`spacebridge.earth.drought.vegetation_condition`. One period is
mapped (``date``: ``YYYY-MM``; default the latest period with an observation): ``vci_<period>.tif``,
``ndvi_anomaly_<period>.tif`` (z-score) and ``drought_class_<period>.tif`` (Kogan classes, 255 unknown); with a
temperature series (``temperature``, :mod:`spacebridge.earth.workflows.temperature`) also ``tci_<period>.tif`` and
``vhi_<period>.tif``, the classes then coming from VHI and the table gaining the mean TCI and VHI; the table
``drought_series`` gives, per period and AOI polygon, the mean NDVI composite, its climatological mean, the mean
z-score and VCI, and the km² of each drought class (equal-area), with the chart ``drought_series.png``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacebridge.earth.workflows.series import SeriesRequest

__all__ = ["COLLECTION_ID", "DroughtRequest", "run_drought"]

log = logging.getLogger(__name__)

COLLECTION_ID = "spacebridge-drought"

_CLASS_COLOURS = {
    0: (60, 150, 60, 255), 1: (255, 230, 100, 255), 2: (250, 160, 40, 255), 3: (225, 70, 30, 255),
    4: (130, 20, 60, 255), 255: (0, 0, 0, 0),
}  # fmt: skip


@dataclass(frozen=True)
class DroughtRequest:
    series: SeriesRequest
    period: str = "month"
    """``"month"`` or ``"season"`` (DJF, MAM, JJA, SON)."""
    min_years: int = 10
    date: str | None = None
    """Period to map, ``YYYY-MM`` (its first month for seasons); default the latest with an observation."""
    temperature: tuple[str, ...] = ()
    """Brightness or land-surface temperature rasters in kelvin (files, folders): TCI, VHI, classes from VHI."""
    extra: dict[str, Any] = field(default_factory=dict)


def _pick_period(composites: Any, date: str | None) -> int:
    import pandas as pd

    from spacebridge.core.errors import InvalidInputError

    labels = pd.DatetimeIndex(composites["time"].values)
    if date is None:
        observed = np.flatnonzero(np.isfinite(composites.values).any(axis=(1, 2)))
        return int(observed[-1]) if len(observed) else len(labels) - 1
    wanted = pd.Timestamp(date)
    hits = np.flatnonzero((labels.year == wanted.year) & (labels.month == wanted.month))
    if not len(hits):
        raise InvalidInputError(
            f"--date {date}: no period of the series starts then",
            hint=f"Choose one of {', '.join(t.strftime('%Y-%m') for t in labels)}",
            name="date",
        )
    return int(hits[0])


def _table(result: Any, zones: list[tuple[str, np.ndarray]], area_m2: np.ndarray) -> Any:
    import pandas as pd

    from spacebridge.earth.drought import DROUGHT_CLASSES

    comp = result.composites.values
    months = pd.DatetimeIndex(result.composites["time"].values).month
    clim = result.climatology.mean.sel(period=list(months)).values
    z, vci, classes = result.anomaly.values, result.vci.values, result.classes.values
    health = {} if result.vhi is None else {"tci_mean": result.tci.values, "vhi_mean": result.vhi.values}
    rows = []
    for k, t in enumerate(result.composites["time"].values):
        for name, inside in zones:
            ok = inside & np.isfinite(comp[k])
            row: dict[str, Any] = {"time": pd.Timestamp(t), "zone": name,
                                   "ndvi_mean": float(np.nanmean(comp[k][ok])) if ok.any() else np.nan,
                                   "climatology_mean": float(np.nanmean(clim[k][ok])) if ok.any() else np.nan,
                                   "z_mean": float(np.nanmean(z[k][ok])) if np.isfinite(z[k][ok]).any() else np.nan,
                                   "vci_mean": float(np.nanmean(vci[k][ok])) if np.isfinite(vci[k][ok]).any()
                                   else np.nan}  # fmt: skip
            for column, values in health.items():
                row[column] = float(np.nanmean(values[k][ok])) if np.isfinite(values[k][ok]).any() else np.nan
            for code, cname, _, _ in DROUGHT_CLASSES:
                row[f"{cname}_km2"] = float(area_m2[inside & (classes[k] == code)].sum() / 1e6)
            row["unknown_km2"] = float(area_m2[inside & (classes[k] == 255)].sum() / 1e6)
            rows.append(row)
    return pd.DataFrame(rows).set_index("time")


def _chart(table: Any) -> Callable[[Path], Path]:
    def draw(path: Path) -> Path:
        from spacebridge.earth.tables import write_series_chart

        first = table[table["zone"] == table["zone"].iloc[0]]
        return write_series_chart(first, path, columns={"ndvi_mean": "NDVI (max-value composite)",
                                  "climatology_mean": "climatological mean"}, ylabel="NDVI",
                                  title=f"NDVI and its climatology ({first['zone'].iloc[0]})")  # fmt: skip

    return draw


def run_drought(request: DroughtRequest, out_dir: str | Path, *, step: Callable[[str], None] | None = None) -> Any:
    """Run the drought workflow and write its products into ``out_dir`` (module notes)."""
    import warnings

    from spacebridge.core.errors import SpacebridgeWarning
    from spacebridge.core.provenance import Lineage
    from spacebridge.earth.areas import pixel_areas_m2
    from spacebridge.earth.drought import DROUGHT_CLASSES, vegetation_condition
    from spacebridge.earth.indices import compute_index
    from spacebridge.earth.series_products import ItemSpec, Layer, write_series_products
    from spacebridge.earth.workflows.series import (
        date_label,
        inside_mask,
        open_for,
        require_dates,
        require_valid,
        zones_of,
    )

    say = step or (lambda label: log.info("%s", label))
    say("opening the time series")
    series, kind = open_for(request.series, rasters={"ndvi": "ndvi"}, indices=("NDVI",), purpose=" (drought)")
    require_dates(series, 2, "a drought analysis")
    ndvi = series.data["ndvi"] if kind == "ndvi" else compute_index("NDVI", series.data, valid=series.valid)
    require_valid(series.valid & ndvi.notnull(), "the drought analysis")
    say("compositing and building the climatology")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        temperature = None
        if request.temperature:
            from spacebridge.earth.workflows.temperature import open_temperature

            say("aligning the temperature series onto the NDVI grid")
            temperature = open_temperature(request.temperature, series, period=request.period)
        result = vegetation_condition(ndvi, valid=series.valid, period=request.period, min_years=request.min_years,
                                      bt_k=None if temperature is None else temperature.bt_k)  # fmt: skip
    notes = []
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if issubclass(w.category, SpacebridgeWarning):  # ours go to the lineage; third-party ones only pass through
            notes.append(str(w.message))
    k = _pick_period(result.composites, request.date)
    label = date_label(result.composites["time"].values[k])[:7]
    gbox = series.geobox
    areas = pixel_areas_m2(gbox)
    say("tabulating the series")
    table = _table(result, inside_mask(zones_of(request.series.aoi), gbox), areas)
    names = {c[0]: c[1] for c in DROUGHT_CLASSES}
    mapped = table[table.index == table.index.unique()[k]]
    stats = {
        "period_mapped": label, "period": request.period, "climatology_years": list(result.climatology.years),
        "classes_from": result.chosen["classes_from"], "n_dates": int(series.data.sizes["time"]),
        "n_periods": int(result.composites.sizes["time"]),
        "drought_km2": {names[c]: round(float(mapped[f"{names[c]}_km2"].sum()), 6) for c in names},
        "unknown_km2": round(float(mapped["unknown_km2"].sum()), 6), "warnings": notes,
    }  # fmt: skip
    chosen = {**result.chosen, "input": kind, "period_mapped": label,
              "masks": sorted({m["method"] for m in series.masks})}  # fmt: skip
    if temperature is not None:
        stats["temperature_dates"] = len(temperature.inputs)
        stats["periods_without_temperature"] = list(temperature.missing_periods)
        chosen["temperature"] = {"unit": "K", "onto": "the NDVI grid", "resampling": "bilinear",
                                 "composite": "period maximum", "vhi_weight_vci": 0.5}  # fmt: skip
    lineage = Lineage("earth.drought", inputs=series.inputs + (temperature.inputs if temperature else ()),
                      parameters={**request.series.parameters(), "period": request.period,
                                  "min_years": request.min_years, "date": request.date,
                                  "temperature": list(request.temperature)},
                      chosen=chosen, warnings=tuple(notes))  # fmt: skip
    layers = [
        Layer("vci", f"vci_{label}.tif", result.vci.isel(time=k), float("nan"), "Vegetation Condition Index 0-100 "
              "(Kogan 1995)", resampling="average"),
        Layer("ndvi-anomaly", f"ndvi_anomaly_{label}.tif", result.anomaly.isel(time=k), float("nan"),
              "NDVI z-score against the period's climatology", resampling="average"),
        Layer("drought-class", f"drought_class_{label}.tif", result.classes.isel(time=k), 255,
              "drought classes (Kogan 2002): 0 none, 1 mild, 2 moderate, 3 severe, 4 extreme; 255 unknown",
              colormap=_CLASS_COLOURS),
    ]  # fmt: skip
    if result.vhi is not None and result.tci is not None:
        layers += [
            Layer("tci", f"tci_{label}.tif", result.tci.isel(time=k), float("nan"),
                  "Temperature Condition Index 0-100 (Kogan 1995)", resampling="average"),
            Layer("vhi", f"vhi_{label}.tif", result.vhi.isel(time=k), float("nan"),
                  "Vegetation Health Index 0-100, 0.5 VCI + 0.5 TCI (Kogan 2001)", resampling="average"),
        ]  # fmt: skip
    when = str(np.datetime_as_string(result.composites["time"].values[k], unit="s")) + "Z"
    item = ItemSpec(f"drought-{label}", when, layers, {"title": f"Vegetation condition {label}",
                    "spacebridge:period": label})  # fmt: skip
    return write_series_products(
        out_dir, collection_id=COLLECTION_ID, collection_title="Vegetation condition and drought",
        collection_description="NDVI anomaly, VCI (TCI, VHI) and Kogan drought classes per period by spacebridge.",
        items=[item], tables={"drought_series": table}, charts={"drought_series.png": _chart(table)},
        statistics=stats, lineage=lineage, say=say,
    )  # fmt: skip
