"""Observing constraints: each turns a :class:`~spacebridge.sky.visibility.VisibilityGrid` into a boolean mask.

A constraint's :meth:`evaluate` returns a :class:`ConstraintMask`: ``mask`` is (N, T) and True where the
constraint is *satisfied*; ``name`` identifies the constraint and ``reason`` says, in words, what fails where the
mask is False (used for "why was my request not scheduled"). Parameters may be scalars or per-target arrays (N,),
so one constraint object serves a whole request list. :func:`evaluate_constraints` combines them and names, per
target, the constraint that rules it out.

Examples
--------
>>> from spacebridge.sky.targets import fixed_targets
>>> from spacebridge.sky.visibility import compute_visibility
>>> grid = compute_visibility("tien-shan", fixed_targets(["Vega", "SgrA"], [279.23, 266.42], [38.78, -29.0]),
...                           night="2026-11-20", twilight="nautical")
>>> result = evaluate_constraints(grid, [AltitudeConstraint(min_deg=30), TwilightConstraint("astronomical")])
>>> result.reasons()["SgrA"]
'altitude below 30 deg'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError, OutOfRangeError
from spacebridge.sky.brightness import sky_brightness_v_mag_arcsec2
from spacebridge.sky.frames import to_datetime64
from spacebridge.sky.night import TWILIGHT_SUN_ALTITUDE_DEG
from spacebridge.sky.sites import Telescope
from spacebridge.sky.visibility import VisibilityGrid

__all__ = [
    "AirmassConstraint",
    "AltitudeConstraint",
    "CadenceConstraint",
    "Constraint",
    "ConstraintMask",
    "ConstraintResult",
    "DeclinationConstraint",
    "HorizonMaskConstraint",
    "HourAngleConstraint",
    "MoonIlluminationConstraint",
    "MoonSeparationConstraint",
    "SkyBrightnessConstraint",
    "TelescopeLimitsConstraint",
    "TimeWindowConstraint",
    "TwilightConstraint",
    "evaluate_constraints",
]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ConstraintMask:
    """Where one constraint holds: ``mask`` (N, T) True = satisfied; ``reason`` describes a failure."""

    name: str
    reason: str
    mask: BoolArray


class Constraint(Protocol):
    """Anything with a ``name`` and ``evaluate(grid) -> ConstraintMask``."""

    name: str

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask: ...


def _per_target(value: npt.ArrayLike, grid: VisibilityGrid, name: str) -> FloatArray:
    """A scalar as is, or a per-target array (N,) reshaped to (N, 1) for broadcasting."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr
    if arr.shape != (grid.shape[0],):
        raise InvalidInputError(
            f"{name} has {arr.size} values for {grid.shape[0]} targets", hint="give one value or one per target"
        )
    return arr[:, None]


def _full(mask: npt.ArrayLike, grid: VisibilityGrid) -> BoolArray:
    return np.broadcast_to(np.asarray(mask, dtype=bool), grid.shape)


def _fmt(value: FloatArray | float) -> str:
    arr = np.asarray(value)
    return f"{float(arr):g}" if arr.size == 1 else "the requested limit"


@dataclass(frozen=True)
class AltitudeConstraint:
    """Altitude between ``min_deg`` and ``max_deg``."""

    min_deg: float | FloatArray = 0.0
    max_deg: float | FloatArray = 90.0
    name: str = "altitude"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        lo, hi = _per_target(self.min_deg, grid, "min_deg"), _per_target(self.max_deg, grid, "max_deg")
        s = grid.sin_altitude  # the sine is monotonic on [-90, 90]: compare sines, no arcsin needed
        mask = s >= np.sin(np.radians(np.clip(lo, -90.0, 90.0)))
        if np.any(hi < 90.0):
            mask &= s <= np.sin(np.radians(np.clip(hi, -90.0, 90.0)))
        reason = f"altitude below {_fmt(self.min_deg)} deg"
        if np.any(np.asarray(self.max_deg) < 90.0):
            reason = f"altitude outside [{_fmt(self.min_deg)}, {_fmt(self.max_deg)}] deg"
        return ConstraintMask(self.name, reason, _full(mask, grid))


@dataclass(frozen=True)
class AirmassConstraint:
    """Plane-parallel air mass (``sec z``) at most ``max_airmass`` (evaluated as the equivalent altitude)."""

    max_airmass: float | FloatArray
    name: str = "airmass"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        limit = _per_target(self.max_airmass, grid, "max_airmass")
        if np.any(limit < 1.0):
            raise OutOfRangeError("max_airmass must be >= 1", argument="max_airmass", value=str(self.max_airmass))
        # sec z <= X  <=>  sin(alt) >= 1 / X
        return ConstraintMask(self.name, f"airmass above {_fmt(self.max_airmass)}", grid.sin_altitude >= 1.0 / limit)


@dataclass(frozen=True)
class TwilightConstraint:
    """The Sun below a twilight (``civil``, ``nautical``, ``astronomical``) or below ``max_sun_altitude_deg``.

    ``twilight`` may be one name or a sequence of names, one per target.
    """

    twilight: str | Sequence[str] = "astronomical"
    max_sun_altitude_deg: float | None = None
    name: str = "twilight"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        if self.max_sun_altitude_deg is not None:
            level: FloatArray = np.asarray(self.max_sun_altitude_deg, dtype=np.float64)
            label = f"Sun above {self.max_sun_altitude_deg:g} deg"
        else:
            names = [self.twilight] if isinstance(self.twilight, str) else list(self.twilight)
            unknown = sorted({n for n in names if n not in TWILIGHT_SUN_ALTITUDE_DEG})
            if unknown:
                raise InvalidInputError(
                    f"unknown twilight {unknown[0]!r}",
                    hint=f"use one of {', '.join(TWILIGHT_SUN_ALTITUDE_DEG)}",
                    argument="twilight",
                )
            if len(names) == 1:
                level = np.asarray(TWILIGHT_SUN_ALTITUDE_DEG[names[0]])
            else:
                level = _per_target([TWILIGHT_SUN_ALTITUDE_DEG[n] for n in names], grid, "twilight")
            label = f"not dark ({names[0]} twilight)" if len(names) == 1 else "not dark (requested twilight)"
        return ConstraintMask(self.name, label, _full(grid.sun_altitude_deg[None, :] < level, grid))


@dataclass(frozen=True)
class MoonSeparationConstraint:
    """Angular distance to the Moon at least ``min_deg`` (holds trivially while the Moon is below the horizon
    when ``ignore_when_moon_down``)."""

    min_deg: float | FloatArray
    ignore_when_moon_down: bool = False
    name: str = "moon_separation"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        limit = _per_target(self.min_deg, grid, "min_deg")
        mask = grid.moon_cos_separation <= np.cos(np.radians(limit))
        if self.ignore_when_moon_down:
            mask = mask | (grid.moon_altitude_deg < 0.0)[None, :]
        return ConstraintMask(self.name, f"closer than {_fmt(self.min_deg)} deg to the Moon", mask)


@dataclass(frozen=True)
class MoonIlluminationConstraint:
    """Moon illumination at most ``max_fraction`` while the Moon is above the horizon."""

    max_fraction: float
    name: str = "moon_illumination"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        ok = (grid.moon_illumination <= self.max_fraction) | (grid.moon_altitude_deg < 0.0)
        return ConstraintMask(self.name, f"Moon up and more than {self.max_fraction:.0%} lit", _full(ok, grid))


@dataclass(frozen=True)
class SkyBrightnessConstraint:
    """Sky at least as dark as ``min_v_mag_arcsec2`` (V mag/arcsec^2) in the model of Krisciunas & Schaefer (1991).

    ``extinction_v_mag`` (k_V) and ``dark_sky_v_mag_arcsec2`` are site parameters; defaults are the paper's
    Mauna Kea values (k = 0.172, 21.587), see :mod:`spacebridge.sky.brightness`.
    """

    min_v_mag_arcsec2: float
    extinction_v_mag: float = 0.172
    dark_sky_v_mag_arcsec2: float = 21.587
    name: str = "sky_brightness"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        sky = sky_brightness_v_mag_arcsec2(
            grid.altitude_deg,
            grid.moon_altitude_deg[None, :],
            grid.moon_separation_deg,
            grid.moon_illumination[None, :],
            extinction_v_mag=self.extinction_v_mag,
            dark_sky_v_mag_arcsec2=self.dark_sky_v_mag_arcsec2,
        )
        return ConstraintMask(
            self.name, f"sky brighter than {self.min_v_mag_arcsec2:g} V mag/arcsec^2", sky >= self.min_v_mag_arcsec2
        )


@dataclass(frozen=True)
class HourAngleConstraint:
    """Hour angle between ``min_h`` and ``max_h`` (negative east)."""

    min_h: float | FloatArray = -12.0
    max_h: float | FloatArray = 12.0
    name: str = "hour_angle"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        ha = grid.hour_angle_h
        mask = (ha >= _per_target(self.min_h, grid, "min_h")) & (ha <= _per_target(self.max_h, grid, "max_h"))
        return ConstraintMask(self.name, f"hour angle outside [{_fmt(self.min_h)}, {_fmt(self.max_h)}] h", mask)


@dataclass(frozen=True)
class DeclinationConstraint:
    """Declination between ``min_deg`` and ``max_deg`` (a mount limit; bodies without a catalogue dec pass)."""

    min_deg: float = -90.0
    max_deg: float = 90.0
    name: str = "declination"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        dec = grid.dec_deg
        ok = np.isnan(dec) | ((dec >= self.min_deg) & (dec <= self.max_deg))
        reason = f"declination outside the mount's [{self.min_deg:g}, {self.max_deg:g}] deg"
        return ConstraintMask(self.name, reason, _full(ok[:, None], grid))


@dataclass(frozen=True)
class HorizonMaskConstraint:
    """Above the site's horizon mask (azimuth-dependent minimum altitude)."""

    name: str = "horizon_mask"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        floor = grid.site.horizon_min_altitude_deg(grid.azimuth_deg)
        return ConstraintMask(self.name, "behind the local horizon", grid.altitude_deg >= floor)


@dataclass(frozen=True)
class TelescopeLimitsConstraint:
    """A telescope's mount limits: altitude, hour angle (equatorial mounts) and declination."""

    telescope: Telescope
    name: str = "telescope_limits"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        tel = self.telescope
        mask = AltitudeConstraint(tel.min_altitude_deg, tel.max_altitude_deg).evaluate(grid).mask
        if tel.mount == "equatorial":
            mask = mask & HourAngleConstraint(tel.hour_angle_min_h, tel.hour_angle_max_h).evaluate(grid).mask
        mask = mask & DeclinationConstraint(tel.dec_min_deg, tel.dec_max_deg).evaluate(grid).mask
        return ConstraintMask(self.name, f"outside the mount limits of {tel.id}", mask)


def _seconds(times: npt.NDArray[np.datetime64]) -> FloatArray:
    return (to_datetime64(times) - np.datetime64("1970-01-01T00:00:00", "ns")) / np.timedelta64(1, "s")


@dataclass(frozen=True)
class TimeWindowConstraint:
    """Inside one of ``windows`` [(start_utc, end_utc), ...] (for all targets), or per target with
    ``per_target`` = {target_id: [(start, end), ...]} (targets not listed are unconstrained)."""

    windows: Sequence[tuple[dt.datetime | np.datetime64 | str, dt.datetime | np.datetime64 | str]] = ()
    per_target: Mapping[str, Sequence[tuple[object, object]]] = field(default_factory=dict)
    name: str = "time_window"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        t = _seconds(grid.times_utc)

        def inside(wins: Sequence[tuple[object, object]]) -> BoolArray:
            ok = np.zeros(t.size, dtype=bool)
            for start, end in wins:
                s, e = _seconds(np.asarray([start, end], dtype="datetime64[ns]"))
                ok |= (t >= s) & (t <= e)
            return ok

        mask = np.ones(grid.shape, dtype=bool)
        if self.windows:
            mask &= inside(self.windows)[None, :]
        for target_id, wins in self.per_target.items():
            mask[grid.index(target_id)] &= inside(wins)
        return ConstraintMask(self.name, "outside the requested time windows", mask)


@dataclass(frozen=True)
class CadenceConstraint:
    """Periodic windows: ``start_utc + k * period_s`` to that plus ``window_s`` (k = 0, 1, ...)."""

    start_utc: dt.datetime | np.datetime64 | str
    period_s: float
    window_s: float
    name: str = "cadence"

    def evaluate(self, grid: VisibilityGrid) -> ConstraintMask:
        if self.period_s <= 0 or not 0 < self.window_s <= self.period_s:
            raise OutOfRangeError(
                f"cadence needs period_s > 0 and 0 < window_s <= period_s, got {self.period_s}, {self.window_s}",
                argument="period_s",
            )
        offset = _seconds(grid.times_utc) - _seconds(np.asarray([self.start_utc], dtype="datetime64[ns]"))[0]
        ok = (offset >= 0) & (np.mod(offset, self.period_s) <= self.window_s)
        return ConstraintMask(self.name, "outside the cadence windows", _full(ok[None, :], grid))


@dataclass(frozen=True, eq=False)
class ConstraintResult:
    """All masks of one evaluation and their combination (``observable``, (N, T))."""

    target_ids: tuple[str, ...]
    masks: tuple[ConstraintMask, ...]
    observable: BoolArray

    def fraction_observable(self) -> FloatArray:
        """Fraction of the time steps at which each target is observable (N,)."""
        return self.observable.mean(axis=1) if self.observable.shape[1] else np.zeros(len(self.target_ids))

    def reasons(self) -> dict[str, str | None]:
        """Per target: ``None`` if observable at some time, else the reason of the constraint that removes its
        last observable time step when the constraints are applied in order (a constraint that fails all night
        on its own is named first)."""
        out: dict[str, str | None] = {}
        ever = np.asarray(self.observable.any(axis=1), dtype=bool)
        alone = [np.asarray(~m.mask.any(axis=1), dtype=bool) for m in self.masks]
        for i, target_id in enumerate(self.target_ids):
            if ever[i]:
                out[target_id] = None
                continue
            blocking = [m.reason for m, a in zip(self.masks, alone, strict=True) if a[i]]
            if blocking:
                out[target_id] = blocking[0]
                continue
            cumulative = np.ones(self.observable.shape[1], dtype=bool)
            for m in self.masks:
                cumulative &= m.mask[i]
                if not cumulative.any():
                    out[target_id] = f"{m.reason} whenever the other constraints are met"
                    break
        return out


def evaluate_constraints(grid: VisibilityGrid, constraints: Sequence[Constraint]) -> ConstraintResult:
    """Evaluate ``constraints`` on ``grid`` and AND them together."""
    masks = tuple(c.evaluate(grid) for c in constraints)
    observable = np.ones(grid.shape, dtype=bool)
    for m in masks:
        observable &= m.mask
    return ConstraintResult(grid.target_ids, masks, observable)
