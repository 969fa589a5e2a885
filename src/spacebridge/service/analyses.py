"""The analyses a run can execute, behind one small interface.

An analysis is a function ``AnalysisInput -> AnalysisOutput``: plain data in and out (picklable, so it runs the
same in this process or on a Dask worker), no database access. The runner gathers the inputs from the store and
records the outputs. Two kinds of inputs:

- **Scenes** from a scene source (``needs_scene``): the watch pass lists the new scenes over an area and the
  analysis's ``group`` function turns them into runs (:mod:`spacebridge.service.pairing`):

  - ``flood``: the flood workflow (:mod:`spacebridge.earth.flood.workflow`) on one event: an optical and/or a SAR
    scene acquired within ``window_days`` (default 3) of each other, and with ``pre_event_days`` a pre-event
    scene of each for change detection. Variables ``water_km2``, ``flooded_km2`` (when flood and permanent water
    can be told apart: with a pre-event scene), ``permanent_water_km2``, ``unknown_km2``.
  - ``burn``: the burn workflow (:mod:`spacebridge.earth.fire_workflow`) on each optical scene and the previous
    one of the same sensor within ``max_gap_days`` (default 90). Variables ``burned_km2``, ``unknown_km2``.
  - ``index``: a spectral index (``index``, e.g. ``NDVI``) on each scene whose sensor can compute it
    (:mod:`spacebridge.service.index_run`). Variables ``<index>_mean`` and ``<index>_valid_fraction``
    (``ndvi_mean``...).

- **Products** of a collection of the service's catalogue over the area (``needs_collection``):

  - ``zonal-stats``: mean and valid fraction of each product (:func:`spacebridge.service.readings.zonal_mean`);
    variables ``<collection>.mean`` and ``<collection>.valid_fraction``.
  - ``ndvi-anomaly``, ``snow-cover``, ``water-area``: the time-series analyses of
    :mod:`spacebridge.service.series_analyses`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import InvalidInputError, NotFoundError, NoValidDataError, SpacebridgeWarning
from spacebridge.core.provenance import InputRef, Lineage

if TYPE_CHECKING:
    from spacebridge.service.scenes import SceneRef

__all__ = [
    "ANALYSES",
    "Analysis",
    "AnalysisInput",
    "AnalysisOutput",
    "Grouper",
    "check_rule_variable",
    "get_analysis",
    "run_analysis",
    "scene_sources",
    "watched_variables",
]


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


Grouper = Callable[["Sequence[SceneRef]", dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Analysis:
    name: str
    run: Callable[[AnalysisInput], AnalysisOutput]
    needs_collection: bool
    description: str
    needs_scene: bool = False
    group: Grouper | None = None
    """Scene analyses: listed scenes and the area's options -> the parameters of each run."""
    scene_keys: tuple[str, ...] = ()
    """Scene analyses: the parameters that hold scenes (each ``{id, src, role, datetime_utc}`` or role -> scene)."""
    variables: tuple[str, ...] = ()
    """Time-series variables the analysis records (what rules can watch)."""


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
    from spacebridge.service.scene_runs import run_flood_on_event

    return run_flood_on_event(inp.area, inp.params, Path(inp.out_dir))


def _burn(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.service.scene_runs import run_burn_on_pair

    return run_burn_on_pair(inp.area, inp.params, Path(inp.out_dir))


def _index(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.service.index_run import run_index_on_scene

    return run_index_on_scene(inp.area, inp.params, Path(inp.out_dir))


def _ndvi_anomaly(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.service.series_analyses import ndvi_anomaly

    return ndvi_anomaly(inp)


def _snow_cover(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.service.series_analyses import snow_cover

    return snow_cover(inp)


def _water_area(inp: AnalysisInput) -> AnalysisOutput:
    from spacebridge.service.series_analyses import water_area

    return water_area(inp)


def _days(opts: dict[str, Any], name: str, default: float) -> float:
    raw = opts.pop(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if not value >= 0:
        raise InvalidInputError(
            f"option {name}={raw!r} is not a number of days >= 0", hint=f"e.g. {name}={default:g}", field=name
        )
    return value


def _flood_groups(refs: Sequence[SceneRef], opts: dict[str, Any]) -> list[dict[str, Any]]:
    from spacebridge.service.pairing import flood_events, pre_event

    window = _days(opts, "window_days", 3.0)
    pre_days = _days(opts, "pre_event_days", 0.0)
    runs = []
    for event in flood_events(refs, window_days=window):
        scenes = {role: ref.as_params() for role, ref in event.items()}
        for role, ref in event.items():
            pre = pre_event(ref, refs, pre_event_days=pre_days)
            if pre is not None:
                scenes[f"pre-{role}"] = pre.as_params()
        runs.append({**opts, "scenes": scenes})
    return runs


def _burn_groups(refs: Sequence[SceneRef], opts: dict[str, Any]) -> list[dict[str, Any]]:
    from spacebridge.service.pairing import burn_pairs

    gap = _days(opts, "max_gap_days", 90.0)
    return [
        {**opts, "pre": pre.as_params(), "post": post.as_params()} for pre, post in burn_pairs(refs, max_gap_days=gap)
    ]


def _index_name(opts: Mapping[str, Any]) -> str:
    from spacebridge.earth.indices import get_index

    name = opts.get("index")
    if not isinstance(name, str) or not name:
        raise InvalidInputError(
            f"analysis 'index' needs params.index (a spectral index name), got {name!r}",
            hint="e.g. index=NDVI (NDWI, MNDWI, NBR, NDSI, EVI...)",
            field="params.index",
        )
    return get_index(name).name


def _index_groups(refs: Sequence[SceneRef], opts: dict[str, Any]) -> list[dict[str, Any]]:
    """One run per scene whose sensor can compute the index (a SAR scene is no NDVI scene: no run, no failure)."""
    from spacebridge.core.errors import CapabilityError
    from spacebridge.earth.sensors import check_index

    name = _index_name(opts)
    runs = []
    for ref in refs:
        try:
            if ref.sensor:
                check_index(ref.sensor, name)
        except CapabilityError:
            continue
        runs.append({**opts, "index": name, "scene": ref.as_params()})
    return runs


_SERIES = ("ndvi_anomaly_mean", "vci_mean", "ndvi_valid_fraction")
ANALYSES: dict[str, Analysis] = {
    "zonal-stats": Analysis(
        "zonal-stats",
        _zonal_stats,
        True,
        "Mean and valid fraction of each product of a collection over the area.",
        variables=("<collection>.mean", "<collection>.valid_fraction"),
    ),
    "flood": Analysis(
        "flood",
        _flood,
        False,
        "Water and flood extent of one event (optical and SAR scenes within days) over the area (earth.flood).",
        needs_scene=True,
        group=_flood_groups,
        scene_keys=("scenes", "scene"),
        variables=("water_km2", "flooded_km2", "permanent_water_km2", "unknown_km2"),
    ),
    "burn": Analysis(
        "burn",
        _burn,
        False,
        "Burned area and severity between an optical scene and the previous one (earth.fire).",
        needs_scene=True,
        group=_burn_groups,
        scene_keys=("pre", "post"),
        variables=("burned_km2", "unknown_km2"),
    ),
    "index": Analysis(
        "index",
        _index,
        False,
        "A spectral index (params.index, e.g. NDVI) on each new scene: its area mean and valid fraction, and a COG.",
        needs_scene=True,
        group=_index_groups,
        scene_keys=("scene",),
        variables=("<index>_mean", "<index>_valid_fraction"),
    ),
    "ndvi-anomaly": Analysis(
        "ndvi-anomaly",
        _ndvi_anomaly,
        True,
        "NDVI anomaly (z-score) and VCI per month from a collection of NDVI products (earth.drought).",
        variables=_SERIES,
    ),
    "snow-cover": Analysis(
        "snow-cover",
        _snow_cover,
        True,
        "Snow fraction of the observed area per date from SCL rasters or snow maps (earth.snow).",
        variables=("snow_fraction", "snow_km2", "snow_unknown_fraction"),
    ),
    "water-area": Analysis(
        "water-area",
        _water_area,
        True,
        "Water area per date and its trend from water maps, e.g. the flood runs' extents (earth.water).",
        variables=("water_area_km2", "water_unknown_fraction"),
    ),
}
_COLLECTION_DEFAULTS = {"water-area": "spacebridge-flood"}


def run_analysis(name: str, inp: AnalysisInput) -> AnalysisOutput:
    """Run analysis ``name``, recording the degraded-result warnings it raises in its result.

    A threshold fallback or an assumed calibration is part of the answer, so it is kept with the run
    (``result["warnings"]``) rather than printed to a log nobody reads. Module-level, so that a Dask worker can
    run it. ``warnings.catch_warnings`` is process-wide: two analyses running at once in one process may see each
    other's warnings (the analyses' own statistics keep theirs too).
    """
    spec = ANALYSES[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpacebridgeWarning)
        out = spec.run(inp)
    ours = [str(w.message) for w in caught if issubclass(w.category, SpacebridgeWarning)]
    for w in caught:
        if not issubclass(w.category, SpacebridgeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not ours:
        return out
    known = list(out.result.get("warnings") or [])
    result = {**out.result, "warnings": known + [m for m in dict.fromkeys(ours) if m not in known]}
    return AnalysisOutput(out.values, out.items, result, out.lineage)


def scene_sources(analysis: Analysis, params: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(field, src)`` of every scene in the parameters of a scene analysis (``src`` ``None`` where missing)."""
    found = []
    for key in analysis.scene_keys:
        value = params.get(key)
        if not isinstance(value, Mapping):
            continue
        scenes = {f"{key}.{role}": s for role, s in value.items()} if key == "scenes" else {key: value}
        found += [(f"params.{k}.src", s.get("src") if isinstance(s, Mapping) else None) for k, s in scenes.items()]
    return found


def watched_variables(analyses: Mapping[str, Any]) -> list[str]:
    """The series variables an area's watched analyses record (``<index>`` and ``<collection>`` filled in)."""
    found: list[str] = []
    for name, options in analyses.items():
        spec = ANALYSES.get(name)
        if spec is None:
            continue
        opts = dict(options or {})
        fill = {"<index>": str(opts.get("index", "")).lower(), "<collection>": str(opts.get("collection", ""))}
        if name in _COLLECTION_DEFAULTS:
            fill["<collection>"] = str(opts.get("collection", _COLLECTION_DEFAULTS[name]))
        for variable in spec.variables:
            for placeholder, value in fill.items():
                variable = variable.replace(placeholder, value)
            found.append(variable)
    return list(dict.fromkeys(found))


def check_rule_variable(area: Mapping[str, Any], variable: str, *, recorded: bool = False) -> None:
    """Refuse a rule on a variable that the area's watched analyses never record (a typo would never alert).

    ``recorded``: the area already has values of ``variable`` (e.g. from runs started through the API), which is
    accepted too. An area that watches nothing accepts any variable.
    """
    known = watched_variables(area.get("analyses") or {})
    if not known or variable in known or recorded:
        return
    raise InvalidInputError(
        f"variable {variable!r} is not recorded by the analyses area {area.get('id')} watches",
        hint=f"Its analyses record: {', '.join(known)}",
        field="variable",
        value=variable,
        known=known,
    )


def get_analysis(name: str, params: dict[str, Any], *, listing: bool = False) -> Analysis:
    """The analysis ``name``, with its parameters checked (``listing``: options of a watched area, no scenes yet)."""
    analysis = ANALYSES.get(name)
    if analysis is None:
        raise NotFoundError(
            f"analysis {name!r} is unknown", hint=f"Available: {', '.join(sorted(ANALYSES))}", analysis=name
        )
    if analysis.needs_collection and name in _COLLECTION_DEFAULTS:
        params.setdefault("collection", _COLLECTION_DEFAULTS[name])
    if analysis.needs_scene and not listing:
        srcs = [src for _field, src in scene_sources(analysis, params)]
        if not srcs or not all(srcs) or (name == "burn" and len(srcs) != 2):
            keys = " and ".join(f"params.{k}" for k in analysis.scene_keys[:2])
            raise InvalidInputError(
                f"analysis {name!r} needs scenes with at least 'src' (a scene file or STAC item) in {keys}",
                hint="The watch runner fills them from the scene source; e.g. {'scene': {'src': PATH, 'role': 'sar'}}"
                if name in ("flood", "index")
                else "The watch runner fills them; e.g. {'pre': {'src': PATH}, 'post': {'src': PATH}}",
                field=f"params.{analysis.scene_keys[0]}",
            )
    if name == "index":
        _index_name(params)
    if analysis.needs_collection and not isinstance(params.get("collection"), str):
        raise InvalidInputError(
            f"analysis {name!r} needs params.collection (a collection id)",
            hint="See /stac/collections",
            field="params.collection",
        )
    return analysis
