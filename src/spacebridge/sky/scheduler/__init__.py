"""Night and semester scheduling of observation requests.

- :func:`plan_night` schedules one night from a :class:`~spacebridge.sky.requests.RequestSet` (parsed with
  :func:`~spacebridge.sky.request_file.parse_request_set`) and explains every request left out;
- :func:`schedule_night` (greedy + local search) and :func:`polish_night` (CP-SAT) work on a :class:`NightProblem`
  of integer-second windows, which can also be built from synthetic masks with :func:`windows_from_mask`;
- :func:`schedule_document` / :func:`schedule_csv` export a schedule.
"""

from spacebridge.sky.request_file import parse_request_set, request_set_from_json
from spacebridge.sky.requests import Request, RequestSet
from spacebridge.sky.scheduler.export import schedule_csv, schedule_document
from spacebridge.sky.scheduler.greedy import HeuristicOptions, NightPlan, schedule_night
from spacebridge.sky.scheduler.plan import NightSchedule, PlanOptions, plan_night
from spacebridge.sky.scheduler.polish import PolishResult, polish_night
from spacebridge.sky.scheduler.problem import NightProblem, slew_matrix_s, windows_from_mask

__all__ = [
    "HeuristicOptions",
    "NightPlan",
    "NightProblem",
    "NightSchedule",
    "PlanOptions",
    "PolishResult",
    "Request",
    "RequestSet",
    "parse_request_set",
    "plan_night",
    "polish_night",
    "request_set_from_json",
    "schedule_csv",
    "schedule_document",
    "schedule_night",
    "slew_matrix_s",
    "windows_from_mask",
]
