"""Satellite connectivity planning: geometry, link budgets, DVB-S2/S2X ACM, demand, cost and rollout.

Propagation lives in the sub-package :mod:`spacebridge.connect.itur` (its own ``__all__``). The planning API
is listed in ``__all__`` here and imported on first access, so importing :mod:`spacebridge.connect` is cheap.
The modules behind it:

- :mod:`~spacebridge.connect.geometry`: GEO look angles, slant range, polarisation skew; KazSat presets.
- :mod:`~spacebridge.connect.constellations`: Walker shells and TLEs with SGP4; serving-elevation statistics.
- :mod:`~spacebridge.connect.linkbudget`: terminal G/T, sky noise, C/N0, Es/N0, interference.
- :mod:`~spacebridge.connect.modcod`: DVB-S2 / DVB-S2X MODCOD tables and ACM selection.
- :mod:`~spacebridge.connect.acm`: throughput at an availability, availability-weighted mean throughput.
- :mod:`~spacebridge.connect.settlements`, :mod:`~spacebridge.connect.scenario`: inputs (files, defaults).
- :mod:`~spacebridge.connect.plan` (with ``links``, ``demand``, ``cost``, ``rollout``): the plan;
  :mod:`~spacebridge.connect.products`: writing it.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> module holding it. Modules are imported on first access, so importing
# spacebridge.connect stays cheap (PEP 562).
_LAZY: dict[str, str] = {
    "link_availability_percent": "spacebridge.connect.acm",
    "mean_throughput_mbps": "spacebridge.connect.acm",
    "throughput_mbps": "spacebridge.connect.acm",
    "ElevationStats": "spacebridge.connect.constellations",
    "ONEWEB_LIKE": "spacebridge.connect.constellations",
    "STARLINK_LIKE": "spacebridge.connect.constellations",
    "WalkerShell": "spacebridge.connect.constellations",
    "ecef_positions_km": "spacebridge.connect.constellations",
    "satellites_from_tle": "spacebridge.connect.constellations",
    "serving_elevation_stats": "spacebridge.connect.constellations",
    "walker_satellites": "spacebridge.connect.constellations",
    "KAZSAT_2": "spacebridge.connect.geometry",
    "KAZSAT_3": "spacebridge.connect.geometry",
    "LookAngles": "spacebridge.connect.geometry",
    "OrbitalSlot": "spacebridge.connect.geometry",
    "geo_look_angles": "spacebridge.connect.geometry",
    "get_slot": "spacebridge.connect.geometry",
    "LinkBudget": "spacebridge.connect.linkbudget",
    "Terminal": "spacebridge.connect.linkbudget",
    "antenna_gain_dbi": "spacebridge.connect.linkbudget",
    "combine_cnir_db": "spacebridge.connect.linkbudget",
    "esn0_from_cn0": "spacebridge.connect.linkbudget",
    "free_space_loss_db": "spacebridge.connect.linkbudget",
    "link_budget": "spacebridge.connect.linkbudget",
    "off_axis_gain_dbi": "spacebridge.connect.linkbudget",
    "sky_noise_temperature_k": "spacebridge.connect.linkbudget",
    "EbN0Db": "spacebridge.connect.modcod",
    "EsN0Db": "spacebridge.connect.modcod",
    "ModCod": "spacebridge.connect.modcod",
    "ModcodTable": "spacebridge.connect.modcod",
    "dvbs2_table": "spacebridge.connect.modcod",
    "dvbs2x_table": "spacebridge.connect.modcod",
    "ebn0_from_esn0": "spacebridge.connect.modcod",
    "esn0_from_ebn0": "spacebridge.connect.modcod",
    "symbol_rate_msps": "spacebridge.connect.modcod",
    "Plan": "spacebridge.connect.plan",
    "make_plan": "spacebridge.connect.plan",
    "write_plan": "spacebridge.connect.products",
    "plan_rollout": "spacebridge.connect.rollout",
    "Scenario": "spacebridge.connect.scenario",
    "default_scenario": "spacebridge.connect.scenario",
    "load_scenario": "spacebridge.connect.scenario",
    "Settlements": "spacebridge.connect.settlements",
    "read_settlements": "spacebridge.connect.settlements",
    "synthetic_settlements": "spacebridge.connect.settlements",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spacebridge.connect' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
