"""Demo section: flood and water mapping on the bundled Sentinel-2 / Sentinel-1 scenes of the 2019 Segura flood.

Runs the same workflow as ``spacebridge earth flood`` (:func:`spacebridge.earth.flood.workflow.run_flood`) into
``flood/`` under the report folder, then draws a true-colour quicklook, the water overlay, the likelihood map and
each method's vote and histogram (matplotlib, Agg backend), and shows the statistics, thresholds and lineage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from spacebridge.report.build import DemoContext, Section

__all__ = ["run"]

_S2 = "Spain_7370579_S2Hand.tif"
_S1 = "Spain_7370579_S1Hand.tif"


def _save(fig: Any, path: Path) -> None:
    from spacebridge.core.atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")


def _published(products: Any, stage: Path, dest: Path) -> Any:
    """The products' paths after the staging folder was published into ``dest``."""
    from dataclasses import fields, replace

    moved = {
        f.name: dest / Path(getattr(products, f.name)).relative_to(stage)
        for f in fields(products)
        if isinstance(getattr(products, f.name), Path)
    }
    return replace(products, **moved)


def _true_colour(src: Path) -> np.ndarray:
    from spacebridge.earth.load import open_scene

    scene = open_scene(src, bands=["red", "green", "blue"])
    rgb = np.stack([scene.data[b].values for b in ("red", "green", "blue")], axis=-1)
    lo, hi = np.nanpercentile(rgb, 2), np.nanpercentile(rgb, 98)
    return np.clip((rgb - lo) / (hi - lo), 0, 1)


def _figures(folder: Path, products: Any, rgb: np.ndarray, flood_dir: Path) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import rasterio

    with rasterio.open(products.extent) as src:
        extent = src.read(1)
    with rasterio.open(products.likelihood) as src:
        lik = src.read(1).astype("float32")
    names: dict[str, str] = {}

    def single(name: str, draw: Any) -> None:
        fig, ax = plt.subplots(figsize=(4.2, 4.2))
        draw(ax)
        ax.set_axis_off()
        _save(fig, flood_dir / name)
        plt.close(fig)
        names[name] = f"{folder.name}/{name}"

    single("quicklook.png", lambda ax: ax.imshow(rgb))
    overlay = rgb.copy()
    overlay[extent == 1] = 0.35 * overlay[extent == 1] + 0.65 * np.array([0.05, 0.35, 0.95])
    overlay[extent == 255] = 0.5
    single("overlay.png", lambda ax: ax.imshow(overlay))

    def draw_likelihood(ax: Any) -> None:
        im = ax.imshow(np.where(lik == 255, np.nan, lik), cmap="Blues", vmin=0, vmax=100)
        plt.colorbar(im, ax=ax, fraction=0.046, label="water likelihood (%)")

    single("likelihood.png", draw_likelihood)
    return names


def _votes_figure(flood_dir: Path, thresholds: list[dict[str, Any]], votes: dict[str, np.ndarray],
                  values: dict[str, np.ndarray]) -> None:  # fmt: skip
    import matplotlib.pyplot as plt

    n = len(thresholds)
    fig, axes = plt.subplots(2, n, figsize=(4.0 * n, 7.0), squeeze=False)
    for i, t in enumerate(thresholds):
        axes[0, i].imshow(votes[t["method"]], cmap="Blues", vmin=0, vmax=1)
        axes[0, i].set_title(t["method"])
        axes[0, i].set_axis_off()
        v = values[t["method"]]
        axes[1, i].hist(v[np.isfinite(v)], bins=150, color="0.45")
        axes[1, i].axvline(t["value"], color="crimson", label=f"threshold {t['value']:g} {t['unit']}")
        axes[1, i].set_xlabel(f"{t['variable']} ({t['unit']})")
        axes[1, i].legend(fontsize=8)
    fig.tight_layout()
    _save(fig, flood_dir / "votes.png")
    plt.close(fig)


def _method_values(s2: Path, s1: Path) -> dict[str, np.ndarray]:
    """The variables the methods thresholded (MNDWI, Lee-filtered VV and VH), for the histograms."""
    from spacebridge.earth import compute_index
    from spacebridge.earth.flood import lee_filter_db
    from spacebridge.earth.load import open_scene

    opt = open_scene(s2, bands=["green", "swir16"])
    sar = open_scene(s1)
    return {
        "optical-mndwi": np.asarray(compute_index("MNDWI", opt.data, valid=opt.valid).values),
        "sar-vv": np.asarray(lee_filter_db(sar.data["vv"], valid=sar.valid).values),
        "sar-vh": np.asarray(lee_filter_db(sar.data["vh"], valid=sar.valid).values),
    }


def run(ctx: DemoContext) -> Section:
    from spacebridge.core.atomic import staged_output_dir
    from spacebridge.earth.flood.workflow import FloodRequest, run_flood

    data = ctx.data_dir / "flood-spain-2019"
    s2, s1 = data / _S2, data / _S1
    flood_dir = ctx.out_dir / "flood"
    with staged_output_dir(flood_dir) as stage:
        products = run_flood(FloodRequest(optical=str(s2), sar=str(s1)), stage)
    products = _published(products, stage, flood_dir)
    stats = products.statistics
    names = _figures(flood_dir, products, _true_colour(s2), flood_dir)
    values = _method_values(s2, s1)
    votes = {t["method"]: (values[t["method"]] < t["value"]) if t["water_side"] == "below"
             else (values[t["method"]] > t["value"]) for t in stats["thresholds"]}  # fmt: skip
    _votes_figure(flood_dir, stats["thresholds"], votes, values)
    item_rel = next(p for p in (flood_dir / "spacebridge-flood").glob("*.json") if p.name != "collection.json")
    item = json.loads(item_rel.read_text())
    thresholds = [
        {**t, "ashman_d": "n/a" if t["ashman_d"] is None else f"{t['ashman_d']:.2f}",
         "vote": f"{100 * stats['votes'].get(t['method'], 0):.1f} %"}
        for t in stats["thresholds"]
    ]  # fmt: skip
    env = Environment(loader=PackageLoader("spacebridge.report", "templates"), autoescape=select_autoescape(["j2"]))
    html = env.get_template("earth_flood_section.html.j2").render(
        chip="Spain_7370579", area_km2=f"{stats['water_km2'] + stats['dry_km2'] + stats['unknown_km2']:.1f}",
        s2_date="2019-09-18", s1_date="2019-09-17", quicklook=names["quicklook.png"], overlay=names["overlay.png"],
        likelihood=names["likelihood.png"], votes="flood/votes.png", stats=stats, thresholds=thresholds,
        flooded="undetermined (no pre-event scene)" if stats["flooded_km2"] is None else f"{stats['flooded_km2']} km²",
        item=str(item_rel.relative_to(ctx.out_dir)), catalog="flood/catalog.json",
        lineage=json.dumps(item["properties"]["spacebridge:lineage"], indent=2),
    )  # fmt: skip
    files = sorted(p for p in flood_dir.rglob("*") if p.is_file())
    return Section(
        title="Earth: flood and water mapping (Segura, Spain, 2019)",
        html=html,
        anchor="earth-flood",
        summary=(
            f"{stats['water_km2']:.2f} km² of water found by {len(stats['methods'])} methods "
            f"({', '.join(stats['methods'])}); {stats['unknown_km2']:.2f} km² unknown."
        ),
        products=tuple(str(p.relative_to(ctx.out_dir)) for p in files),
    )
