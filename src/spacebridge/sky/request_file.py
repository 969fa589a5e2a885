"""Parse and validate a request file (JSON) into a :class:`~spacebridge.sky.requests.RequestSet`.

The format of ``spacebridge sky schedule --requests FILE``::

    {"site": "tien-shan", "telescope": null, "night": "2026-11-27", "slew_rate_deg_s": 1.0,
     "requests": [{"id": "r1", "ra_deg": 83.82, "dec_deg": -5.39, "duration_s": 620, "priority": 5,
                   "max_airmass": 2.0, "min_moon_separation_deg": 30, "twilight": "astronomical"}]}

Optional extensions, inspired by LCO's request language: top-level ``proposals``
(``[{"id", "partner", "time_share"}]``), ``groups`` (``[{"id", "operator": "many"|"single"}]``) and
``overheads`` (``{"setup_s", "readout_s", "filter_change_s"}``); per request ``name``, ``proposal``, ``group``,
``windows`` (``[{"start_utc", "end_utc"}]``), ``cadence`` (``{"start_utc", "end_utc", "period_s", "jitter_s"}``) and
``exposures`` (``[{"filter", "exposure_s", "count"}]``, used for the duration when ``duration_s`` is absent).
A request with a cadence becomes one request per visit, with ids ``"<id>#1"``, ``"<id>#2"``, ... (as LCO expands a
cadence into a request group).

Every problem in the file is collected and reported at once; each names the request id and the field.
The parser is pure (a mapping in, a request set out); reading the file is the command line's job.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from spacebridge.core.errors import MalformedInputError, OutOfRangeError
from spacebridge.sky.requests import (
    TWILIGHT_SUN_ALTITUDE_DEG,
    Cadence,
    Constraints,
    Exposure,
    Overheads,
    Proposal,
    Request,
    RequestGroup,
    RequestSet,
    Target,
    Window,
    exposure_sequence_duration_s,
)

__all__ = ["parse_request_set", "request_set_from_json"]

_MAX_LISTED = 20


class _Problems:
    """Collects validation problems so that the user sees all of them at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.range_only = True

    def add(self, where: str, field: str, value: Any, problem: str, *, out_of_range: bool = False) -> None:
        self.items.append({"where": where, "field": field, "value": value, "problem": problem})
        self.range_only = self.range_only and out_of_range

    def raise_if_any(self) -> None:
        if not self.items:
            return
        lines = [f"{p['where']}: field {p['field']!r} {p['problem']}" for p in self.items[:_MAX_LISTED]]
        if len(self.items) > _MAX_LISTED:
            lines.append(f"... and {len(self.items) - _MAX_LISTED} more")
        cls = OutOfRangeError if self.range_only else MalformedInputError
        raise cls(
            f"{len(self.items)} problem(s) in the request file:\n  " + "\n  ".join(lines),
            hint="Fix these fields; see 'spacebridge sky schedule --help' for the format",
            problems=[f"{p['where']}.{p['field']}={p['value']!r}: {p['problem']}" for p in self.items],
        )


def _number(doc: Mapping[str, Any], key: str, where: str, problems: _Problems, *, default: Any = ...) -> float | None:
    if key not in doc or doc[key] is None:
        if default is ...:
            problems.add(where, key, None, "is missing (a number is required)")
            return None
        return float(default) if default is not None else None
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.add(where, key, value, f"must be a finite number, got {value!r}")
        return None
    return float(value)


def _check_range(
    value: float | None, lo: float, hi: float, where: str, key: str, problems: _Problems, *, lo_open: bool = False
) -> None:
    if value is None:
        return
    if value < lo or value > hi or (lo_open and value == lo):
        bracket = "(" if lo_open else "["
        problems.add(where, key, value, f"= {value:g} is outside {bracket}{lo:g}, {hi:g}]", out_of_range=True)


def _utc(value: Any, where: str, key: str, problems: _Problems) -> dt.datetime | None:
    if not isinstance(value, str):
        problems.add(where, key, value, "must be an ISO 8601 UTC time string like '2026-11-27T18:00:00Z'")
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        problems.add(where, key, value, f"= {value!r} is not an ISO 8601 time like '2026-11-27T18:00:00Z'")
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _windows(doc: Mapping[str, Any], where: str, problems: _Problems) -> tuple[tuple[Window, ...], tuple[Window, ...]]:
    """The request's explicit windows, and the windows of its cadence (one visit each)."""
    out: list[Window] = []
    visits: tuple[Window, ...] = ()
    raw = doc.get("windows") or []
    if not isinstance(raw, list):
        problems.add(where, "windows", raw, "must be a list of {'start_utc', 'end_utc'} objects")
        return (), ()
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.add(where, f"windows[{i}]", item, "must be an object with 'start_utc' and 'end_utc'")
            continue
        start = _utc(item.get("start_utc"), where, f"windows[{i}].start_utc", problems)
        end = _utc(item.get("end_utc"), where, f"windows[{i}].end_utc", problems)
        if start and end:
            if end <= start:
                problems.add(where, f"windows[{i}]", item, "ends before it starts", out_of_range=True)
            else:
                out.append(Window(start, end))
    cadence = doc.get("cadence")
    if cadence is not None:
        if not isinstance(cadence, Mapping):
            problems.add(where, "cadence", cadence, "must be an object {start_utc, end_utc, period_s, jitter_s}")
            return tuple(out), ()
        if out:
            problems.add(where, "cadence", cadence, "cannot be combined with 'windows'; give one or the other")
        start = _utc(cadence.get("start_utc"), where, "cadence.start_utc", problems)
        end = _utc(cadence.get("end_utc"), where, "cadence.end_utc", problems)
        period = _number(cadence, "period_s", f"{where} cadence", problems)
        jitter = _number(cadence, "jitter_s", f"{where} cadence", problems)
        _check_range(period, 0.0, math.inf, where, "cadence.period_s", problems, lo_open=True)
        _check_range(jitter, 0.0, math.inf, where, "cadence.jitter_s", problems, lo_open=True)
        if start and end and period and jitter and period > 0 and jitter > 0:
            visits = Cadence(start, end, period, jitter).windows()
            if not visits:
                problems.add(where, "cadence", cadence, "gives no visit between its start_utc and end_utc")
    return tuple(sorted(out, key=lambda w: w.start_utc)), visits


def _exposures(doc: Mapping[str, Any], where: str, problems: _Problems) -> tuple[Exposure, ...]:
    raw = doc.get("exposures") or []
    if not isinstance(raw, list):
        problems.add(where, "exposures", raw, "must be a list of {'filter', 'exposure_s', 'count'} objects")
        return ()
    out: list[Exposure] = []
    for i, item in enumerate(raw):
        key = f"exposures[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("filter"), str):
            problems.add(where, key, item, "must be an object with a 'filter' name, 'exposure_s' and 'count'")
            continue
        seconds = _number(item, "exposure_s", f"{where} {key}", problems)
        count = item.get("count", 1)
        _check_range(seconds, 0.0, math.inf, where, f"{key}.exposure_s", problems, lo_open=True)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            problems.add(where, f"{key}.count", count, "must be a positive integer")
        elif seconds is not None and seconds > 0:
            out.append(Exposure(item["filter"], seconds, count))
    return tuple(out)


def _overheads(doc: Any, where: str, problems: _Problems) -> Overheads:
    if doc is None:
        return Overheads()
    if not isinstance(doc, Mapping):
        problems.add(where, "overheads", doc, "must be an object {setup_s, readout_s, filter_change_s}")
        return Overheads()
    values = {}
    for key in ("setup_s", "readout_s", "filter_change_s"):
        value = _number(doc, key, f"{where} overheads", problems, default=0.0)
        _check_range(value, 0.0, math.inf, where, f"overheads.{key}", problems)
        values[key] = value if value is not None and value >= 0 else 0.0
    return Overheads(**values)


def _duration(doc: Mapping[str, Any], where: str, problems: _Problems, overheads: Overheads) -> float | None:
    exposures = _exposures(doc, where, problems)
    needed = exposure_sequence_duration_s(exposures, overheads) if exposures else None
    if "duration_s" not in doc and needed is not None:
        return needed
    duration = _number(doc, "duration_s", where, problems)
    _check_range(duration, 0.0, math.inf, where, "duration_s", problems, lo_open=True)
    if duration is not None and needed is not None and duration < needed:
        problems.add(where, "duration_s", duration, f"is shorter than its exposures need ({needed:g} s)")
    return duration


def _request(doc: Any, index: int, ctx: dict[str, Any], problems: _Problems) -> list[Request]:
    """The request, or one request per visit when it has a cadence (ids ``"<id>#1"``, ``"<id>#2"``, ...)."""
    if not isinstance(doc, Mapping):
        problems.add(f"requests[{index}]", "(whole entry)", doc, "must be a JSON object")
        return []
    rid = doc.get("id")
    if isinstance(rid, bool) or not isinstance(rid, str | int) or (isinstance(rid, str) and not rid.strip()):
        problems.add(f"requests[{index}]", "id", rid, "is missing or not a non-empty string or integer")
        rid = None
    where = f"request {rid!r}" if rid is not None else f"requests[{index}]"
    ra = _number(doc, "ra_deg", where, problems)
    dec = _number(doc, "dec_deg", where, problems)
    _check_range(ra, 0.0, 360.0, where, "ra_deg", problems)
    _check_range(dec, -90.0, 90.0, where, "dec_deg", problems)
    duration = _duration(doc, where, problems, ctx["overheads"])
    priority = _number(doc, "priority", where, problems)
    _check_range(priority, 0.0, math.inf, where, "priority", problems)
    airmass = _number(doc, "max_airmass", where, problems)
    _check_range(airmass, 1.0, math.inf, where, "max_airmass", problems)
    moon = _number(doc, "min_moon_separation_deg", where, problems)
    _check_range(moon, 0.0, 180.0, where, "min_moon_separation_deg", problems)
    twilight = doc.get("twilight")
    if twilight not in TWILIGHT_SUN_ALTITUDE_DEG:
        verb = "is missing" if twilight is None else f"= {twilight!r} is unknown"
        problems.add(where, "twilight", twilight, f"{verb}; use one of {sorted(TWILIGHT_SUN_ALTITUDE_DEG)}")
    for key, known in (("proposal", ctx["proposals"]), ("group", ctx["groups"])):
        if doc.get(key) is not None and doc[key] not in known:
            problems.add(where, key, doc[key], f"names no entry of the top-level '{key}s' list {sorted(known)}")
    windows, visits = _windows(doc, where, problems)
    values = (rid, ra, dec, duration, priority, airmass, moon)
    if any(v is None for v in values) or twilight not in TWILIGHT_SUN_ALTITUDE_DEG or len(problems.items):
        return []
    name = doc.get("name")
    target = Target(
        name=str(name) if name else str(rid),
        ra_deg=float(ra) % 360.0,  # type: ignore[arg-type]
        dec_deg=float(dec),  # type: ignore[arg-type]
        pm_ra_cosdec_mas_yr=float(doc.get("pm_ra_cosdec_mas_yr") or 0.0),
        pm_dec_mas_yr=float(doc.get("pm_dec_mas_yr") or 0.0),
    )
    request = Request(
        id=rid,  # type: ignore[arg-type]
        target=target,
        duration_s=float(duration),  # type: ignore[arg-type]
        priority=float(priority),  # type: ignore[arg-type]
        constraints=Constraints(float(airmass), float(moon), twilight),  # type: ignore[arg-type]
        windows=windows,
        exposures=_exposures(doc, where, _Problems()),
        proposal_id=doc.get("proposal"),
        group_id=doc.get("group"),
    )
    if not visits:
        return [request]
    return [replace(request, id=f"{rid}#{k}", windows=(w,)) for k, w in enumerate(visits, start=1)]


def _proposals(raw: Any, problems: _Problems) -> tuple[Proposal, ...]:
    out = []
    for i, item in enumerate(raw or []):
        where = f"proposals[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            problems.add(where, "id", item, "must be an object with a string 'id', a 'partner' and a 'time_share'")
            continue
        share = _number(item, "time_share", where, problems, default=0.0)
        _check_range(share, 0.0, 1.0, where, "time_share", problems)
        out.append(Proposal(item["id"], str(item.get("partner", "")), share or 0.0, str(item.get("title", ""))))
    return tuple(out)


def _groups(raw: Any, problems: _Problems) -> tuple[RequestGroup, ...]:
    out = []
    for i, item in enumerate(raw or []):
        operator = item.get("operator", "many") if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or operator not in ("many", "single"):
            problems.add(f"groups[{i}]", "operator", item, "must be an object {'id', 'operator': 'many'|'single'}")
            continue
        out.append(RequestGroup(item["id"], operator))
    return tuple(out)


def _night(value: Any, problems: _Problems) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        pass
    problems.add("request file", "night", value, "must be the local evening date as 'YYYY-MM-DD'")
    return None


def parse_request_set(doc: Any) -> RequestSet:
    """Validate a decoded request document and build the request set.

    Raises
    ------
    OutOfRangeError
        Only out-of-range values (a declination of 95 degrees, a negative duration).
    MalformedInputError
        Missing fields, wrong types, unknown twilight names, duplicate ids (and any out-of-range values).

    Examples
    --------
    >>> rs = parse_request_set({"site": "tien-shan", "night": "2026-11-27", "requests": [
    ...     {"id": "m42", "ra_deg": 83.82, "dec_deg": -5.39, "duration_s": 620, "priority": 5,
    ...      "max_airmass": 2.0, "min_moon_separation_deg": 30, "twilight": "astronomical"}]})
    >>> rs.requests[0].constraints.min_altitude_deg
    30.000000000000004
    """
    problems = _Problems()
    if not isinstance(doc, Mapping):
        raise MalformedInputError(
            f"the request file must hold a JSON object, got {type(doc).__name__}",
            hint='Start from {"site": ..., "night": "YYYY-MM-DD", "requests": [...]}',
        )
    site = doc.get("site")
    if not isinstance(site, str) or not site:
        problems.add("request file", "site", site, "is missing; give a site id such as 'tien-shan'")
    night = _night(doc.get("night"), problems)
    slew = _number(doc, "slew_rate_deg_s", "request file", problems, default=None)
    _check_range(slew, 0.0, math.inf, "request file", "slew_rate_deg_s", problems, lo_open=True)
    telescope = doc.get("telescope")
    if telescope is not None and not isinstance(telescope, str):
        problems.add("request file", "telescope", telescope, "must be a telescope id string or null")
    raw_requests = doc.get("requests")
    if not isinstance(raw_requests, list):
        problems.add("request file", "requests", raw_requests, "is missing or not a list of request objects")
        raw_requests = []
    proposals = _proposals(doc.get("proposals"), problems)
    groups = _groups(doc.get("groups"), problems)
    overheads = _overheads(doc.get("overheads"), "request file", problems)
    ctx = {"overheads": overheads, "proposals": {p.id for p in proposals}, "groups": {g.id for g in groups}}
    requests = []
    for i, item in enumerate(raw_requests):
        requests.extend(_request(item, i, ctx, problems))
    seen: dict[str, int] = {}
    for i, item in enumerate(raw_requests):
        key = str(item.get("id")) if isinstance(item, Mapping) else None
        if key is not None and key in seen:
            problems.add(f"requests[{i}]", "id", item.get("id"), f"duplicates the id of requests[{seen[key]}]")
        elif key is not None:
            seen[key] = i
    problems.raise_if_any()
    return RequestSet(
        site=site,  # type: ignore[arg-type]
        night=night,  # type: ignore[arg-type]
        requests=tuple(requests),
        slew_rate_deg_s=slew,
        telescope=telescope,
        proposals=proposals,
        groups=groups,
        overheads=overheads,
    )


def request_set_from_json(text: str | bytes, *, source: str = "request file") -> RequestSet:
    """Decode JSON text and parse it with :func:`parse_request_set`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedInputError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            hint="Check the file with a JSON validator",
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    return parse_request_set(doc)
