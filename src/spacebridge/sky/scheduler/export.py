"""A night schedule as documents: the JSON of ``spacebridge sky schedule`` and a CSV for spreadsheets.

The JSON is the interface other programs check, so its shape is fixed::

    {"scheduled": [{"id", "start_utc", "end_utc"}], "unscheduled": [{"id", "reason"}]}

Ids are echoed exactly as the request file gave them (string or integer); times are ISO 8601 UTC with a ``Z``
suffix, with a fractional part only when the time is not a whole second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from spacebridge.sky.scheduler.plan import NightSchedule

__all__ = ["format_utc", "schedule_csv", "schedule_document"]

CSV_COLUMNS = (
    "id",
    "status",
    "start_utc",
    "end_utc",
    "duration_s",
    "priority",
    "ra_deg",
    "dec_deg",
    "proposal",
    "reason_code",
    "reason",
)


def format_utc(t: dt.datetime) -> str:
    """ISO 8601 UTC with ``Z``: ``2026-11-27T14:03:00Z``, or ``...:00.5Z`` with a fraction.

    Examples
    --------
    >>> format_utc(dt.datetime(2026, 11, 27, 14, 3, 0, 500000, tzinfo=dt.UTC))
    '2026-11-27T14:03:00.5Z'
    """
    t = t.astimezone(dt.UTC)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    return text + "Z"


def schedule_document(schedule: NightSchedule) -> dict[str, Any]:
    """The JSON document of the schedule (blocks in time order, unscheduled requests in file order)."""
    order = {r.key: k for k, r in enumerate(schedule.request_set.requests)}
    return {
        "scheduled": [
            {"id": b.request.id, "start_utc": format_utc(b.start_utc), "end_utc": format_utc(b.end_utc)}
            for b in schedule.scheduled
        ],
        "unscheduled": [
            {"id": u.request.id, "reason": u.reason.text}
            for u in sorted(schedule.unscheduled, key=lambda u: order[u.request.key])
        ],
    }


def schedule_csv(schedule: NightSchedule) -> str:
    """One row per request: scheduled blocks first (in time order), then the others with their reasons."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for b in schedule.scheduled:
        r = b.request
        writer.writerow(
            [r.id, "scheduled", format_utc(b.start_utc), format_utc(b.end_utc), f"{r.duration_s:g}", f"{r.priority:g}",
             f"{r.target.ra_deg:.6f}", f"{r.target.dec_deg:.6f}", r.proposal_id or "", "", ""]
        )  # fmt: skip
    for u in schedule.unscheduled:
        r = u.request
        writer.writerow(
            [r.id, "unscheduled", "", "", f"{r.duration_s:g}", f"{r.priority:g}", f"{r.target.ra_deg:.6f}",
             f"{r.target.dec_deg:.6f}", r.proposal_id or "", u.reason.code, u.reason.text]
        )  # fmt: skip
    return buf.getvalue()
