"""Planning scenarios: every assumption of a plan, named, documented and defaulted, read from YAML.

The default scenario ships with the package (``connect/data/default_scenario.yaml``, commented key by key).
A user file is merged over it: mappings merge key by key (unless their ``kind`` differs), lists replace;
a system in the user's ``systems`` list whose ``id`` matches a default system inherits that system's values
for the keys it leaves out. Unknown keys, wrong types and out-of-range values raise
:class:`ConfigurationError` naming the key path (``systems[2].costs.terminal_usd``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from spacebridge.connect.constellations import ONEWEB_LIKE, STARLINK_LIKE, WalkerShell
from spacebridge.connect.eirp import BeamEirp, ContourEirp, EirpModel, FlatEirp
from spacebridge.connect.linkbudget import Terminal
from spacebridge.core.errors import ConfigurationError

__all__ = [
    "Costs",
    "DemandSpec",
    "Interference",
    "RolloutSpec",
    "Scenario",
    "SystemSpec",
    "default_scenario",
    "load_scenario",
    "scenario_from_dict",
]


@dataclass(frozen=True)
class DemandSpec:
    persons_per_household: float = 3.5
    take_up: float = 0.30
    busy_hour_concurrency: float = 0.20
    busy_hour_rate_mbps: float = 4.0
    facility_demand_mbps: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Costs:
    terminal_usd: float
    installation_usd: float
    site_usd: float
    subscribers_per_terminal: int
    subscription_usd_month: float
    capacity_usd_per_mhz_month: float
    maintenance_usd_year: float
    lifetime_years: int


@dataclass(frozen=True)
class Interference:
    adjacent_spacing_deg: float | None = 2.0
    """Orbital spacing of the adjacent GEO satellites on both sides, degrees (``None``: ignored)."""
    adjacent_eirp_delta_db: float = 0.0
    """Adjacent satellites' EIRP minus ours, dB."""
    xpol_ci_db: float = 25.0
    """Cross-polarisation C/I (antenna and satellite isolation), dB."""
    other_ci_db: float = 25.0
    """Everything else (intermodulation, adjacent channel), dB."""
    gateway_esn0_db: float = 20.0
    """Es/N0 of the feeder-link hop of a transparent transponder, dB."""


@dataclass(frozen=True)
class SystemSpec:
    id: str
    label: str
    kind: Literal["geo", "leo"]
    downlink_freq_ghz: float
    uplink_freq_ghz: float
    eirp: EirpModel
    satellite_gt_dbk: float
    carrier_bandwidth_mhz: float
    carriers_per_beam: int
    roll_off: float
    return_symbol_rate_msps: float
    terminal: Terminal
    costs: Costs
    interference: Interference = Interference()
    tau_deg: float = 0.0
    slot_lon_deg: float | None = None
    shell: WalkerShell | None = None
    elevation_quantile: float = 0.10
    cell_km: float | None = None
    modcods: Literal["dvb-s2", "dvb-s2x"] = "dvb-s2x"
    implementation_margin_db: float = 1.0


@dataclass(frozen=True)
class RolloutSpec:
    yearly_budget_usd: float = 15e6
    years: int = 10
    method: Literal["greedy", "exact"] = "greedy"
    facility_weight_people: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Finance:
    discount_rate: float = 0.08


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    design_availability_percent: float
    availability_targets_percent: tuple[float, ...]
    mean_throughput_p_percent: tuple[float, ...]
    min_elevation_deg: float
    return_link_at: Literal["design", "all"]
    demand: DemandSpec
    finance: Finance
    rollout: RolloutSpec
    systems: tuple[SystemSpec, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The merged YAML mapping the scenario was built from (written next to every plan)."""


_SHELLS = {"starlink-like": STARLINK_LIKE, "oneweb-like": ONEWEB_LIKE}
MAX_YEARS = 100
"""Longest rollout horizon, years (each year is one budget round)."""
MAX_LIST = 20
"""Most systems, availability targets or mean-throughput percentages (each one costs link budgets)."""


def _fail(path: str, message: str, hint: str = "Fix the scenario file", **context: Any) -> ConfigurationError:
    return ConfigurationError(f"scenario key {path!r}: {message}", hint=hint, key=path, **context)


def _convert(value: Any, tp: Any, path: str) -> Any:  # noqa: C901 - one branch per supported type
    if tp == EirpModel:
        return _eirp(value, path)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _convert(value, option, path)
            except ConfigurationError as exc:
                errors.append(exc.message)
        raise _fail(path, "; ".join(errors))
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise _fail(path, f"{value!r} is not one of {list(typing.get_args(tp))}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise _fail(path, f"expected a list, got {value!r}")
        return tuple(_convert(v, typing.get_args(tp)[0], f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (Mapping, dict) or tp is Mapping:
        if not isinstance(value, Mapping):
            raise _fail(path, f"expected a mapping, got {value!r}")
        return {str(k): _convert(v, typing.get_args(tp)[1], f"{path}.{k}") for k, v in value.items()}
    if tp is WalkerShell:
        if isinstance(value, str):
            if value not in _SHELLS:
                raise _fail(path, f"unknown shell {value!r}", hint=f"Use one of {sorted(_SHELLS)} or a mapping")
            return _SHELLS[value]
        return _dataclass(WalkerShell, value, path)
    if dataclasses.is_dataclass(tp):
        return _dataclass(tp, value, path)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, f"expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, f"expected an integer, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _fail(path, f"expected text, got {value!r}")
        return value
    raise _fail(path, f"unsupported type {tp!r}")  # pragma: no cover - a bug in the dataclasses above


def _dataclass(cls: Any, value: Any, path: str) -> Any:
    if not isinstance(value, Mapping):
        raise _fail(path, f"expected a mapping, got {value!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name != "raw"}
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise _fail(f"{path}.{unknown[0]}" if path else unknown[0], "unknown key",
                    hint=f"Known keys here: {sorted(known)}")  # fmt: skip
    kwargs = {}
    for name, f in known.items():
        sub = f"{path}.{name}" if path else name
        if name in value:
            kwargs[name] = _convert(value[name], hints[name], sub)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _fail(sub, "is required", hint="Add it to the scenario (see the default scenario)")
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise _fail(path or cls.__name__, str(exc)) from exc


def _eirp(value: Any, path: str) -> EirpModel:
    if not isinstance(value, Mapping) or "kind" not in value:
        raise _fail(path, "expected a mapping with a 'kind' (flat, beam or contours)")
    body = {k: v for k, v in value.items() if k != "kind"}
    if value["kind"] == "flat":
        return _dataclass(FlatEirp, body, path)
    if value["kind"] == "beam":
        return _dataclass(BeamEirp, body, path)
    if value["kind"] == "contours":
        import json

        file = body.get("file")
        if not isinstance(file, str) or not Path(file).is_file():
            raise _fail(f"{path}.file", f"EIRP contour file {file!r} does not exist")
        features = json.loads(Path(file).read_text(encoding="utf-8")).get("features", [])
        return ContourEirp.from_geojson(features, level_property=str(body.get("level_property", "eirp_dbw")))
    raise _fail(f"{path}.kind", f"unknown EIRP kind {value['kind']!r}", hint="Use flat, beam or contours")


def _merge(base: Any, over: Any) -> Any:
    if (
        isinstance(base, Mapping)
        and isinstance(over, Mapping)
        and base.get("kind", over.get("kind")) == over.get("kind", base.get("kind"))
    ):  # a mapping of another kind (e.g. a beam EIRP over a flat one) replaces instead of merging
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over


def _validate(s: Scenario) -> None:
    checks = [
        ("design_availability_percent", 50.0 <= s.design_availability_percent < 100.0, "in [50, 100)"),
        ("availability_targets_percent", all(50.0 <= a < 100.0 for a in s.availability_targets_percent)
         and len(s.availability_targets_percent) > 0, "a non-empty list of values in [50, 100)"),
        ("mean_throughput_p_percent", all(0.001 <= p <= 50.0 for p in s.mean_throughput_p_percent),
         "values in [0.001, 50] (percent of time)"),
        ("min_elevation_deg", 0.0 < s.min_elevation_deg < 90.0, "in (0, 90)"),
        ("demand.take_up", 0.0 <= s.demand.take_up <= 1.0, "in [0, 1]"),
        ("demand.busy_hour_concurrency", 0.0 <= s.demand.busy_hour_concurrency <= 1.0, "in [0, 1]"),
        ("demand.persons_per_household", s.demand.persons_per_household > 0, "positive"),
        ("rollout.yearly_budget_usd", s.rollout.yearly_budget_usd > 0, "positive"),
        ("rollout.years", 0 < s.rollout.years <= MAX_YEARS, f"in [1, {MAX_YEARS}]"),
        ("availability_targets_percent", len(s.availability_targets_percent) <= MAX_LIST, f"at most {MAX_LIST} values"),
        ("mean_throughput_p_percent", len(s.mean_throughput_p_percent) <= MAX_LIST, f"at most {MAX_LIST} values"),
        ("systems", 0 < len(s.systems) <= MAX_LIST and len({x.id for x in s.systems}) == len(s.systems),
         f"a non-empty list of at most {MAX_LIST} systems with unique ids"),
    ]  # fmt: skip
    for i, sys in enumerate(s.systems):
        p = f"systems[{i}]"
        checks += [
            (f"{p}.downlink_freq_ghz", 4.0 <= sys.downlink_freq_ghz <= 55.0,
             "in [4, 55] GHz, the validity range of ITU-R P.618-14"),
            (f"{p}.uplink_freq_ghz", 4.0 <= sys.uplink_freq_ghz <= 55.0,
             "in [4, 55] GHz, the validity range of ITU-R P.618-14"),
            (f"{p}.slot_lon_deg", sys.kind != "geo" or sys.slot_lon_deg is not None, "required for a GEO system"),
            (f"{p}.shell", sys.kind != "leo" or sys.shell is not None, "required for a LEO system"),
            (f"{p}.eirp", sys.kind != "leo" or isinstance(sys.eirp, FlatEirp),
             "a flat EIRP for a LEO system (beams follow the settlements)"),
            (f"{p}.elevation_quantile", 0.0 < sys.elevation_quantile < 1.0, "in (0, 1)"),
            (f"{p}.costs.subscribers_per_terminal", sys.costs.subscribers_per_terminal >= 1, ">= 1"),
            (f"{p}.costs.lifetime_years", sys.costs.lifetime_years >= 1, ">= 1"),
            (f"{p}.carriers_per_beam", sys.carriers_per_beam >= 1, ">= 1"),
        ]  # fmt: skip
    for key, ok, valid in checks:
        if not ok:
            raise _fail(key, f"must be {valid}")


def scenario_from_dict(data: Mapping[str, Any], *, base: Mapping[str, Any] | None = None) -> Scenario:
    """Build a scenario from a mapping merged over ``base`` (the default scenario unless given)."""
    base = _default_mapping() if base is None else base
    merged = _merge(base, {k: v for k, v in data.items() if k != "systems"})
    if "systems" in data:
        defaults = {s["id"]: s for s in base.get("systems", [])}
        if not isinstance(data["systems"], list):
            raise _fail("systems", "expected a list of systems")
        merged["systems"] = [
            _merge(defaults.get(s["id"], {}) if isinstance(s.get("id"), str) else {}, s)
            if isinstance(s, Mapping)
            else s
            for s in data["systems"]
        ]
    scenario: Scenario = _dataclass(Scenario, merged, "")
    scenario = dataclasses.replace(scenario, raw=merged)
    _validate(scenario)
    return scenario


def _default_mapping() -> dict[str, Any]:
    import yaml

    text = files("spacebridge.connect").joinpath("data/default_scenario.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def default_scenario() -> Scenario:
    """The scenario shipped with the package."""
    return scenario_from_dict({})


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML scenario file and merge it over the default scenario."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"scenario file {path} does not exist", hint="Check the path", path=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"scenario file {path} is not valid YAML: {exc}", path=str(path)) from exc
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"scenario file {path} must hold a mapping of keys", path=str(path))
    return scenario_from_dict(data)
