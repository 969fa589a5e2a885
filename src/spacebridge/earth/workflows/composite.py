"""The composite workflow: cloud-masked median (or maximum-NDVI) composites of a scene series, per period.

Dates are scenes of a registered sensor (bands as given, by default every measurement band), each cloud-masked
with its own quality band or s2cloudless (:mod:`spacebridge.earth.scene_masks`). The composites are
:func:`spacebridge.earth.composite.median_composite` (per-band median of the clear observations, Flood 2013) or
:func:`~spacebridge.earth.composite.max_ndvi_composite` (every band from the date of highest NDVI, Holben 1986).

Products, per period (``period``: a pandas offset alias, ``1MS`` months by default): one COG per band
``composite_<start>_<band>.tif`` (float32 reflectance, NaN where no clear observation) and ``count_<start>.tif``
(uint16 number of clear observations), one STAC item per period; the table ``composite_periods`` (dates per
period, observed share of the area, mean count) and its chart, ``stats.json``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacebridge.earth.workflows.series import SeriesRequest

__all__ = ["COLLECTION_ID", "CompositeRequest", "run_composite"]

log = logging.getLogger(__name__)

COLLECTION_ID = "spacebridge-composite"
_METHODS = ("median", "max-ndvi")


@dataclass(frozen=True)
class CompositeRequest:
    series: SeriesRequest
    period: str = "1MS"
    method: str = "median"
    band_names: Sequence[str] | None = None
    """Bands to composite (common names); default every measurement band of the scenes."""


def _open(request: CompositeRequest) -> Any:
    from spacebridge.core.errors import CapabilityError
    from spacebridge.earth.load import open_scene
    from spacebridge.earth.load_series import open_series
    from spacebridge.earth.workflows.series import sources

    s = request.series
    srcs = sources(s)
    bands: Any = s.bands or (list(request.band_names) if request.band_names else None)
    probe = open_scene(srcs[0], sensor=s.sensor, bands=bands, aoi=s.aoi, validate=False)
    names = [str(v) for v in probe.data.data_vars]
    if request.method == "max-ndvi" and not {"red", "nir"} <= set(names) | ({"nir"} if "nir08" in names else set()):
        raise CapabilityError(
            f"max-NDVI compositing needs the red and nir bands; the first scene has {', '.join(names)}",
            hint="Add red and nir to --bands, or use --method median",
            missing=sorted({"red", "nir"} - set(names)),
        )
    return open_series(srcs, sensor=probe.sensor.id, bands=bands or names, aoi=s.aoi, align=s.align,
                       cloud_mask=s.cloud_mask)  # fmt: skip


def run_composite(request: CompositeRequest, out_dir: str | Path, *, step: Callable[[str], None] | None = None) -> Any:
    """Run the composite workflow and write its products into ``out_dir`` (module notes)."""
    import pandas as pd

    from spacebridge.core.errors import InvalidInputError
    from spacebridge.core.provenance import Lineage
    from spacebridge.earth.composite import max_ndvi_composite, median_composite, period_groups
    from spacebridge.earth.indices import compute_index
    from spacebridge.earth.series_products import ItemSpec, Layer, write_series_products
    from spacebridge.earth.tables import write_series_chart
    from spacebridge.earth.workflows.series import date_label, require_valid

    if request.method not in _METHODS:
        raise InvalidInputError(f"--method {request.method!r} is not one of {', '.join(_METHODS)}", name="method")
    say = step or (lambda label: log.info("%s", label))
    say("opening the time series")
    series = _open(request)
    require_valid(series.valid, "the composite")
    say(f"compositing ({request.method}, {request.period})")
    if request.method == "median":
        comp = median_composite(series.data, valid=series.valid, period=request.period)
    else:
        ndvi = compute_index("NDVI", series.data, valid=series.valid)
        comp = max_ndvi_composite(series.data, ndvi=ndvi, valid=series.valid, period=request.period)
    count = comp.count.compute()
    labels, groups = period_groups(series.times, request.period)
    rows = [{"time": t, "n_dates": int((groups == g).sum()),
             "observed_fraction": float((count.values[g] > 0).mean()),
             "mean_count": float(count.values[g].mean())} for g, t in enumerate(labels)]  # fmt: skip
    table = pd.DataFrame(rows).set_index("time")
    items = []
    for g, t in enumerate(labels):
        label = date_label(t)
        layers = [Layer(str(b), f"composite_{label}_{b}.tif", comp.data[b].isel(time=g), float("nan"),
                        f"{request.method} composite of {b} from {label} ({request.period})", resampling="average")
                  for b in comp.data.data_vars]  # fmt: skip
        layers.append(Layer("count", f"count_{label}.tif", count.isel(time=g), None,
                            "clear observations per pixel (0: none)"))  # fmt: skip
        when = str(np.datetime_as_string(np.datetime64(t, "s"))) + "Z"
        props = {"title": f"Composite {label}", "spacebridge:period": request.period,
                 "spacebridge:n_dates": rows[g]["n_dates"]}  # fmt: skip
        items.append(ItemSpec(f"composite-{label}", when, layers, props))
    stats = {"method": request.method, "period": request.period, "n_dates": int(series.data.sizes["time"]),
             "periods": [date_label(t) for t in labels], "bands": [str(b) for b in comp.data.data_vars],
             "observed_fraction": {date_label(t): round(float((count.values[g] > 0).mean()), 6)
                                   for g, t in enumerate(labels)}}  # fmt: skip
    lineage = Lineage("earth.composite", inputs=series.inputs, parameters={**request.series.parameters(),
                      "period": request.period, "method": request.method}, chosen={**comp.describe(),
                      "masks": sorted({m["method"] for m in series.masks}),
                      "aligned": list(series.aligned)})  # fmt: skip

    def chart(path: Path) -> Path:
        return write_series_chart(
            table, path, columns={"observed_fraction": "share of the area observed"}, ylabel="fraction",
            title=f"Clear observations per period ({request.period})",
        )  # fmt: skip

    return write_series_products(
        out_dir, collection_id=COLLECTION_ID, collection_title="Cloud-masked composites",
        collection_description="Per-period median or maximum-NDVI composites by spacebridge.", items=items,
        tables={"composite_periods": table}, charts={"composite_periods.png": chart}, statistics=stats,
        lineage=lineage, say=say,
    )  # fmt: skip
