"""Demo section: burned area and severity (HURST 2025 and the other bundled fires), NDVI anomaly and snow series.

Runs the burn workflow on the HURST pre/post Sentinel-2 scenes (products under ``earth-analyses/burn-hurst``),
compares every bundled fire's burned extent with its official CAL FIRE perimeter (IoU), and charts the Slovenian
NDVI anomaly and SCL snow series. Each part shows its lineage.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from spacebridge.report.build import DemoContext, Section

__all__ = ["run"]

FIRES = ("HURST_20250107", "LIDIA_20250108", "DOVE_20241019", "CLEAR_20240626")


def _perimeter(ctx: DemoContext, name: str) -> np.ndarray:
    import rasterio

    with rasterio.open(ctx.data_dir / "fire-california" / "masks" / f"{name}.tif") as src:
        return src.read(1) > 0


def _burn(ctx: DemoContext, name: str, out: Path) -> tuple[Any, np.ndarray, np.ndarray]:
    import rasterio

    from spacebridge.earth.fire_workflow import BurnRequest, run_burn

    base = ctx.data_dir / "fire-california"
    request = BurnRequest(pre=str(base / "pre_fire" / f"{name}.tif"), post=str(base / "post_fire" / f"{name}.tif"),
                          sensor="sentinel-2-l2a")  # fmt: skip
    products = run_burn(request, out)
    with rasterio.open(products.files["extent"]) as src:
        extent = src.read(1)
    with rasterio.open(products.files["severity"]) as src:
        severity = src.read(1)
    return products, extent, severity


def _iou(extent: np.ndarray, perimeter: np.ndarray) -> float:
    burned = extent == 1
    return float((burned & perimeter).sum() / (burned | perimeter).sum())


def _severity_png(severity: np.ndarray, perimeter: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from spacebridge.earth.fire_products import SEVERITY_COLOURS

    codes = [0, 1, 2, 3, 4, 5, 6]
    cmap = ListedColormap([np.array(SEVERITY_COLOURS[c][:3]) / 255 for c in codes])
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(np.ma.masked_equal(severity, 255), cmap=cmap, vmin=-0.5, vmax=6.5, interpolation="nearest")
    ax.contour(perimeter.astype(float), levels=[0.5], colors="black", linewidths=1)
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _series(ctx: DemoContext) -> tuple[Any, Any]:
    import xarray as xr

    base = ctx.data_dir / "timeseries-slovenia"
    tp = base / "TestEOPatch"
    ndvi = np.load(tp / "data" / "NDVI.npy")[..., 0]
    valid = np.load(tp / "mask" / "IS_VALID.npy")[..., 0] & ~np.load(tp / "mask" / "CLM.npy")[..., 0].astype(bool)
    times = np.array(json.loads((tp / "timestamps.json").read_text()), dtype="datetime64[ns]")
    dims = ("time", "y", "x")
    series = (xr.DataArray(ndvi, dims=dims, coords={"time": times}), xr.DataArray(valid, dims=dims))
    sp = base / "TestEOPatch_c70dbc5_scl"
    scl_times = np.array(json.loads((sp / "timestamps.json").read_text()), dtype="datetime64[ns]")
    scl = xr.DataArray(np.load(sp / "SCL.npy")[..., 0], dims=dims, coords={"time": scl_times})
    return series, scl


def _drought(ctx: DemoContext, out: Path) -> dict[str, Any]:
    import matplotlib.pyplot as plt

    from spacebridge.core.errors import DegradedResultWarning
    from spacebridge.earth.drought import vegetation_condition

    (ndvi, valid), _ = _series(ctx)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegradedResultWarning)
        result = vegetation_condition(ndvi, valid=valid)
    comp = result.composites.mean(("y", "x"))
    months = comp["time"].dt.month.values
    clim_mean = result.climatology.mean.mean(("y", "x")).sel(period=months).values
    clim_std = result.climatology.std.mean(("y", "x")).sel(period=months).values
    z = result.anomaly.mean(("y", "x")).values
    t = comp["time"].values
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    a1.fill_between(t, clim_mean - clim_std, clim_mean + clim_std, color="0.85", label="climatology ± 1 std")
    a1.plot(t, clim_mean, color="0.5")
    a1.plot(t, comp.values, "o-", color="green", label="monthly NDVI (max-value composite)")
    a1.set_ylabel("NDVI")
    a1.legend(fontsize=8)
    a2.bar(
        t,
        np.nan_to_num(z),
        width=np.timedelta64(20, "D"),
        color=np.where(np.nan_to_num(z) < 0, "firebrick", "seagreen"),
    )
    a2.axhline(0, color="black", linewidth=0.5)
    a2.set_ylabel("z-score")
    fig.tight_layout()
    fig.savefig(out / "ndvi_anomaly.png", dpi=100)
    plt.close(fig)
    return {
        "png": "earth-analyses/ndvi_anomaly.png",
        "years": ", ".join(str(y) for y in result.climatology.years),
        "warning": " ".join(str(w.message).capitalize() + "." for w in caught),
        "lineage": json.dumps(dict(result.chosen), indent=2),
    }


def _snow(ctx: DemoContext, out: Path) -> dict[str, Any]:
    import matplotlib.pyplot as plt

    from spacebridge.earth.snow import snow_cover_series, snow_from_scl

    _, scl = _series(ctx)
    series = snow_cover_series(snow_from_scl(scl), pixel_area_m2=100.0)
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(series.index, series["snow_fraction"].fillna(0), width=4, color="steelblue", label="snow / observed")
    ax.plot(series.index, series["unknown_fraction"], "x", color="0.4", label="unknown fraction")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "snow_series.png", dpi=100)
    plt.close(fig)
    dates = series.index[series["snow_km2"] > 0].strftime("%Y-%m-%d").tolist()
    lineage = {"process": "earth.snow", "method": "Sen2Cor SCL class 11", "unknown": "SCL 0,1,3,8,9,10",
               "pixel_area_m2": 100.0, "dates": len(series)}  # fmt: skip
    return {
        "png": "earth-analyses/snow_series.png",
        "dates": ", ".join(dates),
        "lineage": json.dumps(lineage, indent=2),
    }


def run(ctx: DemoContext) -> Section:
    out = ctx.out_dir / "earth-analyses"
    out.mkdir(parents=True, exist_ok=True)
    fires = []
    hurst: dict[str, Any] = {}
    for name in FIRES:
        products, extent, severity = _burn(ctx, name, out / f"burn-{name.split('_')[0].lower()}")
        perimeter = _perimeter(ctx, name)
        stats = products.statistics
        px_km2 = stats["mean_pixel_area_m2"] / 1e6
        row = {"name": name.split("_")[0], "offset": f"{stats['chosen']['dnbr_offset']:+.3f}",
               "burned": f"{stats['burned_km2']:.2f}", "perimeter": f"{perimeter.sum() * px_km2:.2f}",
               "iou": f"{_iou(extent, perimeter):.2f}"}  # fmt: skip
        fires.append(row)
        if name.startswith("HURST"):
            _severity_png(severity, perimeter, out / "hurst_severity.png")
            item = json.loads(products.item.read_text())
            table = item["properties"]["spacebridge:lineage"]
            classes = [
                {"name": c["name"], "range": f"{c['lower'] * 1000:+.0f} to {c['upper'] * 1000:+.0f}",
                 "km2": f"{stats['area_km2_by_class'][c['name']]:.3f}"}
                for c in sorted(stats["severity_table"]["classes"], key=lambda c: c["lower"])
            ]  # fmt: skip
            hurst = {"offset": row["offset"], "mmu_ha": stats["chosen"]["min_mapping_unit_px"] * px_km2 * 100,
                     "burned_km2": row["burned"], "perimeter_km2": row["perimeter"], "iou": row["iou"],
                     "png": "earth-analyses/hurst_severity.png", "classes": classes,
                     "lineage": json.dumps(table, indent=2, default=str)}  # fmt: skip
            hurst["mmu_ha"] = f"{hurst['mmu_ha']:.2f}"
    env = Environment(loader=PackageLoader("spacebridge.report", "templates"), autoescape=select_autoescape(["j2"]))
    html = env.get_template("earth_analyses_section.html.j2").render(
        burn=hurst, fires=fires, drought=_drought(ctx, out), snow=_snow(ctx, out)
    )
    products = tuple(
        str(p.relative_to(ctx.out_dir)) for p in sorted(out.rglob("*")) if p.suffix in {".tif", ".json", ".png"}
    )
    return Section(
        title="Earth: burned area, vegetation condition and snow",
        html=html,
        anchor="earth-analyses",
        summary=f"HURST burned {hurst['burned_km2']} km² (IoU {hurst['iou']} with the CAL FIRE perimeter)",
        products=products,
    )
