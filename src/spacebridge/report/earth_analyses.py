"""Demo section: burned area and severity (HURST 2025 and the other bundled fires), NDVI anomaly and snow series.

Runs the burn workflow on the HURST pre/post Sentinel-2 scenes (products under ``earth-analyses/burn-hurst``),
compares every bundled fire's burned extent with its official CAL FIRE perimeter (IoU), and runs the drought and
snow workflows on the Slovenian NDVI and SCL series (:mod:`spacebridge.report.earth_series`). Each part shows its
lineage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from spacebridge.report.build import DemoContext, Section
from spacebridge.report.earth_series import drought_part, snow_part

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
        burn=hurst, fires=fires, drought=drought_part(ctx.data_dir, out), snow=snow_part(ctx.data_dir, out)
    )
    products = tuple(
        str(p.relative_to(ctx.out_dir))
        for p in sorted(out.rglob("*"))
        if p.suffix in {".tif", ".json", ".png"} and "series" not in p.relative_to(out).parts[:1]
    )
    return Section(
        title="Earth: burned area, vegetation condition and snow",
        html=html,
        anchor="earth-analyses",
        summary=f"HURST burned {hurst['burned_km2']} km² (IoU {hurst['iou']} with the CAL FIRE perimeter)",
        products=products,
    )
