"""Run the earth pillar's scene workflows for the service: flood (one event) and burn (a pre/post pair).

The scenes come from the run's parameters (filled by the watch pass from a scene source, see
:mod:`spacebridge.service.pairing`), cropped to the area. The products (COGs, polygons, statistics, STAC item)
are written by the earth workflows into a staging folder and published into the run's folder only when complete
(:func:`spacebridge.core.atomic.staged_output_dir`), so a run killed midway leaves nothing half-written behind.
Item ids get the area's id so that the same scene analysed for two areas makes two products.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from spacebridge.core.atomic import atomic_write_text, staged_output_dir
from spacebridge.service.analyses import AnalysisOutput

__all__ = [
    "BURN_VARIABLES",
    "FLOOD_VARIABLES",
    "absolute_assets",
    "aoi_file",
    "products_dir",
    "run_burn_on_pair",
    "run_flood_on_event",
    "scene_src",
]

FLOOD_VARIABLES = ("water_km2", "flooded_km2", "permanent_water_km2", "unknown_km2")
BURN_VARIABLES = ("burned_km2", "unknown_km2")


def absolute_assets(item: dict[str, Any], item_path: Path) -> dict[str, Any]:
    for asset in (item.get("assets") or {}).values():
        href = asset.get("href", "")
        if href and "://" not in href and not href.startswith("/"):
            asset["href"] = str((item_path.parent / href).resolve())
    return item


def scene_src(scene: Mapping[str, Any], out_dir: Path, name: str) -> str:
    """A path the loader opens: the scene's file, or its STAC item written next to the products."""
    src = scene["src"]
    if isinstance(src, dict):
        return str(atomic_write_text(out_dir / f"{name}-item.json", json.dumps(src)))
    return str(src)


def aoi_file(area: Mapping[str, Any], out_dir: Path) -> str:
    feature = {"type": "Feature", "properties": {}, "geometry": area["geometry"]}
    return str(atomic_write_text(out_dir / "aoi.geojson", json.dumps(feature)))


def products_dir(out_dir: Path) -> Path:
    """The run's products folder, without the staging folders an earlier, killed attempt of the run left in it.

    Only the process that claimed the run writes into its folder, so any staging folder found there is stale.
    """
    products = out_dir / "products"
    for stale in products.glob(".staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return products


def _staged(out_dir: Path, run: Callable[[Path], Any]) -> tuple[Any, dict[str, Any]]:
    """Run a workflow into a staging folder, publish it, return its result and its STAC item (absolute hrefs)."""
    with staged_output_dir(products_dir(out_dir)) as stage:
        products = run(stage)
        rel_item = Path(products.item).relative_to(stage)
    item_path = out_dir / "products" / rel_item
    return products, absolute_assets(json.loads(item_path.read_text()), item_path)


def _output(
    area: Mapping[str, Any], item: dict[str, Any], stats: Mapping[str, Any], when: str | None, names: tuple[str, ...],
    summary: dict[str, Any],
) -> AnalysisOutput:  # fmt: skip
    item["id"] = f"{item['id']}-area{area['id']}" if area.get("id") else item["id"]
    when = when or item["properties"].get("datetime")
    values = [
        {"variable": name, "datetime": when, "value": float(stats[name]), "item_id": item["id"]}
        for name in names
        if stats.get(name) is not None
    ]
    result = {**summary, **{k: v for k, v in stats.items() if k.endswith("_km2") or k in ("note", "warnings")}}
    lineage = item["properties"].get("spacebridge:lineage") or {}
    return AnalysisOutput(values=tuple(values), items=(item,), result=result, lineage=lineage)


def flood_scenes(params: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """``{"optical": scene, "sar": scene, "pre-optical": ..., "pre-sar": ...}`` from run parameters.

    ``params.scenes`` maps roles to scenes (a watch pass's events); a single ``params.scene`` with its ``role``
    is accepted too (runs started before events existed, and the API).
    """
    scenes = dict(params.get("scenes") or {})
    if not scenes and isinstance(params.get("scene"), Mapping):
        scene = params["scene"]
        scenes = {"sar" if scene.get("role") == "sar" else "optical": scene}
    return scenes


def run_flood_on_event(area: Mapping[str, Any], params: Mapping[str, Any], out_dir: Path) -> AnalysisOutput:
    """Map water and floods with every scene of the event (optical and/or SAR, pre-event ones) inside ``area``."""
    from spacebridge.earth.flood.workflow import FloodRequest, run_flood

    scenes = flood_scenes(params)
    out_dir.mkdir(parents=True, exist_ok=True)
    srcs = {role: scene_src(scene, out_dir, role) for role, scene in scenes.items()}
    request = FloodRequest(
        optical=srcs.get("optical"),
        sar=srcs.get("sar"),
        pre_optical=srcs.get("pre-optical"),
        pre_sar=srcs.get("pre-sar"),
        aoi=aoi_file(area, out_dir),
        align=len(srcs) > 1,  # scenes of different sensors are on different grids: onto the first post scene's
    )
    products, item = _staged(out_dir, lambda stage: run_flood(request, stage))
    ref = scenes.get("optical") or scenes["sar"]
    summary = {"scenes": {role: scene.get("id") for role, scene in scenes.items()}}
    return _output(area, item, products.statistics, ref.get("datetime_utc"), FLOOD_VARIABLES, summary)


def run_burn_on_pair(area: Mapping[str, Any], params: Mapping[str, Any], out_dir: Path) -> AnalysisOutput:
    """Burned area and severity between ``params.pre`` and ``params.post`` inside ``area``."""
    from spacebridge.earth.fire_workflow import BurnRequest, run_burn

    pre, post = params["pre"], params["post"]
    out_dir.mkdir(parents=True, exist_ok=True)
    pre_src, post_src = scene_src(pre, out_dir, "pre"), scene_src(post, out_dir, "post")
    request = BurnRequest(pre=pre_src, post=post_src, aoi=aoi_file(area, out_dir))
    products, item = _staged(out_dir, lambda stage: run_burn(request, stage))
    summary = {"pre": pre.get("id"), "post": post.get("id")}
    return _output(area, item, products.statistics, post.get("datetime_utc"), BURN_VARIABLES, summary)
