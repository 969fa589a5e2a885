"""Observability masks of requests over a time grid, from sky-vis's visibility grid and constraints.

One function turns requests and UTC times into the five (requests x times) masks the schedulers and the
explanations use: ``dark`` (the Sun below the request's twilight), ``airmass`` (the airmass limit), ``limits`` (a
telescope's mount limits and the site's horizon; all True without a telescope), ``window`` (inside the request's
time windows) and ``moon`` (far enough from the Moon). The astronomy is
:func:`spacebridge.sky.visibility.compute_visibility` and the constraint classes of
:mod:`spacebridge.sky.constraints`; this module only picks their parameters, including the safety margins (see
docs/decisions/0350-night-scheduling.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.sky.constraints import (
    AltitudeConstraint,
    HorizonMaskConstraint,
    MoonSeparationConstraint,
    TelescopeLimitsConstraint,
    TimeWindowConstraint,
    TwilightConstraint,
)
from spacebridge.sky.requests import TWILIGHT_SUN_ALTITUDE_DEG, Request
from spacebridge.sky.sites import Site, Telescope
from spacebridge.sky.targets import FixedTargets, fixed_targets
from spacebridge.sky.visibility import VisibilityGrid, compute_visibility

__all__ = ["MASK_NAMES", "Margins", "all_constraints", "observability", "request_targets"]

BoolArray = npt.NDArray[np.bool_]
MASK_NAMES = ("dark", "airmass", "limits", "window", "moon")


@dataclass(frozen=True)
class Margins:
    """How much stricter than requested the masks are (degrees); ``Margins(0, 0, 0)`` checks exactly."""

    altitude_deg: float = 0.01
    sun_deg: float = 0.01
    moon_deg: float = 0.05


def request_targets(requests: Sequence[Request]) -> FixedTargets:
    """The requests' targets, with ids equal to the request keys."""
    return fixed_targets(
        [r.key for r in requests],
        [r.target.ra_deg for r in requests],
        [r.target.dec_deg for r in requests],
        pm_ra_cosdec_mas_yr=[r.target.pm_ra_cosdec_mas_yr for r in requests],
        pm_dec_mas_yr=[r.target.pm_dec_mas_yr for r in requests],
    )


def _limits(values: list[float]) -> float | npt.NDArray[np.float64]:
    """Per-request limits; a scalar for a single request (``constraints._fmt`` cannot format a 1-element array)."""
    return values[0] if len(values) == 1 else np.array(values)


def _np_utc(t: dt.datetime) -> np.datetime64:
    return np.datetime64(t.astimezone(dt.UTC).replace(tzinfo=None), "ns")


def observability(
    site: Site,
    requests: Sequence[Request],
    times_utc: npt.NDArray[np.datetime64],
    *,
    telescope: Telescope | None = None,
    margins: Margins | None = None,
) -> tuple[VisibilityGrid, dict[str, BoolArray]]:
    """Visibility grid of the requests' targets at ``times_utc`` and the five masks (see the module docstring)."""
    m = margins or Margins()
    grid = compute_visibility(site, request_targets(requests), times_utc=times_utc)
    min_alt = _limits([r.constraints.min_altitude_deg + m.altitude_deg for r in requests])
    airmass = np.asarray(AltitudeConstraint(min_deg=min_alt).evaluate(grid).mask)
    limits = np.ones(grid.shape, dtype=bool)
    if telescope is not None:
        limits = np.asarray(TelescopeLimitsConstraint(telescope).evaluate(grid).mask)
        limits = limits & HorizonMaskConstraint().evaluate(grid).mask
    dark = np.zeros(grid.shape, dtype=bool)
    for name, level in TWILIGHT_SUN_ALTITUDE_DEG.items():
        rows = [i for i, r in enumerate(requests) if r.constraints.twilight == name]
        if rows:
            sun_ok = TwilightConstraint(max_sun_altitude_deg=level - m.sun_deg).evaluate(grid).mask
            dark[rows] = sun_ok[rows]
    min_moon = _limits([r.constraints.min_moon_separation_deg + m.moon_deg for r in requests])
    moon = np.asarray(MoonSeparationConstraint(min_deg=min_moon).evaluate(grid).mask)
    per_target = {r.key: [(_np_utc(w.start_utc), _np_utc(w.end_utc)) for w in r.windows] for r in requests if r.windows}
    window = np.ones(grid.shape, dtype=bool)
    if per_target:
        window = np.asarray(TimeWindowConstraint(per_target=per_target).evaluate(grid).mask)
    return grid, {"dark": dark, "airmass": airmass, "limits": limits, "window": window, "moon": moon}


def all_constraints(masks: dict[str, BoolArray]) -> BoolArray:
    """Where every constraint holds: the AND of all masks."""
    out = np.ones_like(masks["dark"])
    for name in MASK_NAMES:
        out &= masks[name]
    return out
