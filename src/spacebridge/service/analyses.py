"""The analyses a run can execute, behind one small interface.

An analysis is a function ``AnalysisInput -> AnalysisOutput``: plain data in and out (picklable, so it runs the
same in this process or on a Dask worker), no database access. The runner gathers the inputs from the store and
records the outputs.

- ``zonal-stats``: for each product of a collection over the area, the mean of its values over the valid pixels
  inside the area and the valid fraction (:func:`spacebridge.service.readings.zonal_mean`); variables
  ``<collection>.mean`` and ``<collection>.valid_fraction``.
- ``flood``: the earth pillar's flood workflow (:func:`spacebridge.earth.flood.workflow.run_flood`) on one scene
  (``params.scene``: ``id``, ``src``, ``role``, ``datetime_utc``) cropped to the area; variables ``water_km2``,
  ``flooded_km2`` (when flood and permanent water can be told apart) and ``unknown_km2`` from its statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacebridge.core.errors import InvalidInputError, NotFoundError, NoValidDataError
from spacebridge.core.provenance import InputRef, Lineage

__all__ = ["ANALYSES", "Analysis", "AnalysisInput", "AnalysisOutput", "get_analysis"]


@dataclass(frozen=True)
class AnalysisInput:
    area: dict[str, Any]
    """``geometry`` (GeoJSON), ``bbox``, ``area_km2`` and ``id`` (``None`` for an ad-hoc geometry)."""
    params: dict[str, Any]
    products: tuple[dict[str, Any], ...] = ()
    """STAC items of the service's catalogue over the area (product analyses)."""
    out_dir: str = ""


@dataclass(frozen=True)
class AnalysisOutput:
    values: tuple[dict[str, Any], ...] = ()
    """``{variable, datetime (ISO 8601 UTC), value, item_id}`` for the area's time series."""
    items: tuple[dict[str, Any], ...] = ()
    """New STAC items (with ``collection``) of products written under ``out_dir``."""
    result: dict[str, Any] = field(default_factory=dict)
    lineage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    name: str
    run: Callable[[AnalysisInput], AnalysisOutput]
    needs_collection: bool
    description: str
    needs_scene: bool = False


def _zonal_stats(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.service.readings import zonal_mean

    collection = inp.params["collection"]
    asset_key = inp.params.get("asset", "data")
    values: list[dict[str, Any]] = []
    refs = []
    for doc in inp.products:
        asset = (doc.get("assets") or {}).get(asset_key)
        when = doc["properties"].get("datetime") or doc["properties"].get("start_datetime")
        if asset is None or when is None:
            continue
        mean, frac = zonal_mean(asset["href"], inp.area["geometry"])
        refs.append(InputRef(role="product", href=asset["href"], id=doc["id"], datetime_utc=when))
        values.append(
            {"variable": f"{collection}.valid_fraction", "datetime": when, "value": frac, "item_id": doc["id"]}
        )
        if mean is not None:
            values.append({"variable": f"{collection}.mean", "datetime": when, "value": mean, "item_id": doc["id"]})
    if not refs:
        raise NoValidDataError(
            f"no product of collection {collection!r} with asset {asset_key!r} covers the area",
            hint="Pick a collection whose products overlap the area (see /stac/collections)",
            collection=collection,
        )
    lineage = Lineage("service.zonal-stats", tuple(refs), {"collection": collection, "asset": asset_key})
    return AnalysisOutput(
        values=tuple(values), result={"products": len(refs), "values": values}, lineage=lineage.to_dict()
    )


def _flood(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.service.flood_run import run_flood_on_scene

    return run_flood_on_scene(inp.area, inp.params, Path(inp.out_dir))


ANALYSES: dict[str, Analysis] = {
    "zonal-stats": Analysis(
        "zonal-stats", _zonal_stats, True, "Mean and valid fraction of each product of a collection over the area."
    ),
    "flood": Analysis(
        "flood", _flood, False, "Water and flood extent of one scene over the area (earth.flood).", needs_scene=True
    ),
}


def get_analysis(name: str, params: dict[str, Any]) -> Analysis:
    """The analysis ``name``, with its parameters checked."""
    analysis = ANALYSES.get(name)
    if analysis is None:
        raise NotFoundError(
            f"analysis {name!r} is unknown", hint=f"Available: {', '.join(sorted(ANALYSES))}", analysis=name
        )
    if analysis.needs_scene and not (isinstance(params.get("scene"), dict) and params["scene"].get("src")):
        raise InvalidInputError(
            f"analysis {name!r} needs params.scene with at least 'src' (a scene file or STAC item)",
            hint="The watch runner fills it from the scene source; give {'scene': {'src': PATH, 'role': 'sar'}}",
            field="params.scene",
        )
    if analysis.needs_collection and not isinstance(params.get("collection"), str):
        raise InvalidInputError(
            f"analysis {name!r} needs params.collection (a collection id)",
            hint="See /stac/collections",
            field="params.collection",
        )
    return analysis
