"""Night and semester scheduling of observation requests.

- :func:`plan_night` schedules one night from a :class:`~spacebridge.sky.requests.RequestSet` (parsed with
  :func:`~spacebridge.sky.request_file.parse_request_set`) and explains every request left out;
- :func:`schedule_night` (greedy + local search) and :func:`polish_night` (CP-SAT) work on a :class:`NightProblem`
  of integer-second windows, which can also be built from synthetic masks with :func:`windows_from_mask`;
- :func:`plan_semester` assigns requests to the nights of a semester with a clear-sky prior;
- :func:`schedule_document` / :func:`schedule_csv` export a schedule.

Names are loaded on first access (PEP 562), so importing one submodule does not import them all (and
:mod:`spacebridge.sky.explain` can use the scheduler's building blocks without an import cycle).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "HeuristicOptions": "greedy",
    "NightPlan": "greedy",
    "schedule_night": "greedy",
    "NightProblem": "problem",
    "slew_matrix_s": "problem",
    "windows_from_mask": "problem",
    "NightSchedule": "plan",
    "PlanOptions": "plan",
    "plan_night": "plan",
    "PolishResult": "polish",
    "polish_night": "polish",
    "SemesterPlan": "semester",
    "plan_semester": "semester",
    "schedule_csv": "export",
    "schedule_document": "export",
    "partner_usage": "accounting",
}
_ELSEWHERE = {
    "Request": "spacebridge.sky.requests",
    "RequestSet": "spacebridge.sky.requests",
    "parse_request_set": "spacebridge.sky.request_file",
    "request_set_from_json": "spacebridge.sky.request_file",
}

__all__ = sorted([*_WHERE, *_ELSEWHERE])


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    if name in _ELSEWHERE:
        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
