"""Water and flood mapping from optical and SAR scenes, following published methods.

Where is a flood threshold chosen? In :mod:`spacebridge.earth.flood.thresholds` (split-based search for bimodal
tiles, Otsu, static fallback), for the methods listed with their fallbacks in :mod:`spacebridge.earth.flood.methods`.
The ensemble vote is in :mod:`.ensemble`, flood vs permanent water in :mod:`.change`, and :func:`map_flood` runs
them all (:mod:`.pipeline`).

Examples
--------
>>> from spacebridge.earth.flood import FloodParams, OpticalInput, SarInput, map_flood
"""

from spacebridge.earth.flood.change import CLASS_NAMES
from spacebridge.earth.flood.ensemble import UNKNOWN
from spacebridge.earth.flood.methods import METHODS, MethodSpec
from spacebridge.earth.flood.pipeline import map_flood
from spacebridge.earth.flood.result import FloodParams, FloodResult, OpticalInput, SarInput
from spacebridge.earth.flood.sar import lee_filter_db
from spacebridge.earth.flood.thresholds import ThresholdChoice

__all__ = [
    "CLASS_NAMES",
    "METHODS",
    "UNKNOWN",
    "FloodParams",
    "FloodResult",
    "MethodSpec",
    "OpticalInput",
    "SarInput",
    "ThresholdChoice",
    "lee_filter_db",
    "map_flood",
]
