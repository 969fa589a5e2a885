"""Demo parts: the Slovenian NDVI anomaly and snow series, through the ``earth drought`` and ``earth snow`` workflows.

The eo-learn arrays are first written as dated GeoTIFFs (:mod:`spacebridge.report.slovenia`) under
``earth-analyses/series/``, the folders a user passes to the commands; the workflows then write their products
(COGs, CSV/Parquet series, charts, STAC items with the lineage) under ``earth-analyses/drought-slovenia`` and
``earth-analyses/snow-slovenia``, exactly as ``spacebridge earth drought|snow`` would.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["drought_part", "snow_part"]


def _lineage(item: Path) -> str:
    """The item's lineage for display, its per-date inputs summarised (first and last of them)."""
    lineage = json.loads(item.read_text())["properties"]["spacebridge:lineage"]
    inputs = lineage.get("inputs", [])
    if len(inputs) > 2:
        lineage["inputs"] = [inputs[0], f"... {len(inputs) - 2} more dates ...", inputs[-1]]
    lineage["parameters"]["src"] = [Path(s).name for s in lineage["parameters"].get("src", [])]
    return json.dumps(lineage, indent=2, default=str)


def _run(run: Any, request: Any, out: Path) -> tuple[dict[str, Any], dict[str, Path], Path]:
    """Run a workflow into ``out`` (staged); its statistics, files and first STAC item at their published paths."""
    from spacebridge.core.atomic import staged_output_dir
    from spacebridge.core.errors import DegradedResultWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegradedResultWarning)  # recorded in stats.json and the lineage
        with staged_output_dir(out) as stage:
            products = run(request, stage)
    files = {key: out / path.relative_to(stage) for key, path in products.files.items()}
    return products.statistics, files, out / products.items[0].relative_to(stage)


def _anomaly_chart(table: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = table.index.values
    z = np.nan_to_num(table["z_mean"].to_numpy(dtype=float))
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    a1.plot(t, table["climatology_mean"], color="0.5", label="climatological mean of the month")
    a1.plot(t, table["ndvi_mean"], "o-", color="green", label="monthly NDVI (max-value composite)")
    a1.set_ylabel("NDVI")
    a1.legend(fontsize=8)
    a2.bar(t, z, width=np.timedelta64(20, "D"), color=np.where(z < 0, "firebrick", "seagreen"))
    a2.axhline(0, color="black", linewidth=0.5)
    a2.set_ylabel("z-score")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def drought_part(data_dir: Path, out: Path) -> dict[str, Any]:
    """Run the drought workflow on the 68-date NDVI series; the template's values."""
    import pandas as pd

    from spacebridge.earth.workflows.drought import DroughtRequest, run_drought
    from spacebridge.earth.workflows.series import SeriesRequest
    from spacebridge.report.slovenia import write_ndvi_series

    folder = write_ndvi_series(data_dir, out / "series" / "slovenia-ndvi")
    stats, files, item = _run(run_drought, DroughtRequest(SeriesRequest((str(folder),))), out / "drought-slovenia")
    table = pd.read_parquet(files["drought_series-parquet"]).set_index("time")
    _anomaly_chart(table, out / "ndvi_anomaly.png")
    return {
        "png": "earth-analyses/ndvi_anomaly.png",
        "years": ", ".join(str(y) for y in stats["climatology_years"]),
        "warning": " ".join(w[:1].upper() + w[1:] + "." for w in stats["warnings"]),
        "folder": folder.relative_to(out.parent).as_posix(),
        "lineage": _lineage(item),
    }


def snow_part(data_dir: Path, out: Path) -> dict[str, Any]:
    """Run the snow workflow on the 36-date SCL series; the template's values."""
    from spacebridge.earth.workflows.series import SeriesRequest
    from spacebridge.earth.workflows.snow import SnowRequest, run_snow
    from spacebridge.report.slovenia import write_scl_series

    folder = write_scl_series(data_dir, out / "series" / "slovenia-scl")
    request = SnowRequest(SeriesRequest((str(folder),)), date="2017-01-11")
    stats, _, item = _run(run_snow, request, out / "snow-slovenia")
    dates = stats["snow_dates"]
    summer = [d for d in dates if 5 <= int(d[5:7]) <= 9]
    return {
        "png": "earth-analyses/snow-slovenia/snow_series.png",
        "dates": ", ".join(dates),
        "summer": ", ".join(summer) if summer else "none",
        "folder": folder.relative_to(out.parent).as_posix(),
        "lineage": _lineage(item),
    }
