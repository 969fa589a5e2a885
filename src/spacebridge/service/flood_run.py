"""Run the earth pillar's flood workflow for the service: one scene, cropped to an area, products staged.

The products (COGs, polygons, statistics, STAC item) are written by :mod:`spacebridge.earth.flood` into a staging
folder and published into the run's folder only when complete (:func:`spacebridge.core.atomic.staged_output_dir`),
so a run killed midway leaves nothing half-written behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacebridge.core.atomic import atomic_write_text, staged_output_dir
from spacebridge.core.errors import CapabilityError

__all__ = ["run_flood_on_scene"]


def _absolute_assets(item: dict[str, Any], item_path: Path) -> dict[str, Any]:
    for asset in (item.get("assets") or {}).values():
        href = asset.get("href", "")
        if href and "://" not in href and not href.startswith("/"):
            asset["href"] = str((item_path.parent / href).resolve())
    return item


def run_flood_on_scene(area: dict[str, Any], params: dict[str, Any], out_dir: Path) -> Any:
    """Map water and floods on ``params['scene']`` inside ``area``; return an ``AnalysisOutput``."""
    from spacebridge.service.analyses import AnalysisOutput

    try:
        from spacebridge.earth.flood.workflow import FloodRequest, run_flood
    except ModuleNotFoundError as exc:  # pragma: no cover - the earth flood workflow ships with the package
        raise CapabilityError("the flood workflow (spacebridge.earth.flood.workflow) is not installed") from exc
    scene = params["scene"]
    out_dir.mkdir(parents=True, exist_ok=True)
    aoi = atomic_write_text(
        out_dir / "aoi.geojson", json.dumps({"type": "Feature", "properties": {}, "geometry": area["geometry"]})
    )
    src = scene["src"]
    if isinstance(src, dict):
        src = str(atomic_write_text(out_dir / "scene-item.json", json.dumps(src)))
    sar = scene.get("role") == "sar"
    request = FloodRequest(optical=None if sar else src, sar=src if sar else None, aoi=str(aoi))
    with staged_output_dir(out_dir / "products") as stage:
        products = run_flood(request, stage)
        rel_item = products.item.relative_to(stage)
    item_path = out_dir / "products" / rel_item
    item = _absolute_assets(json.loads(item_path.read_text()), item_path)
    item["id"] = f"{item['id']}-area{area['id']}" if area.get("id") else item["id"]
    stats = products.statistics
    when = scene.get("datetime_utc") or item["properties"].get("datetime")
    values = [
        {"variable": name, "datetime": when, "value": float(stats[name]), "item_id": item["id"]}
        for name in ("water_km2", "flooded_km2", "unknown_km2")
        if stats.get(name) is not None
    ]
    result = {k: v for k, v in stats.items() if k.endswith("_km2") or k in ("note", "warnings")}
    lineage = item["properties"].get("spacebridge:lineage") or {"process": "earth.flood", "scene": scene.get("id")}
    return AnalysisOutput(
        values=tuple(values), items=(item,), result={"scene": scene.get("id"), **result}, lineage=lineage
    )
