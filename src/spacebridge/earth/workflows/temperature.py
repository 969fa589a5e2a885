"""The temperature series of the drought workflow (``earth drought --temperature``): open, align, check.

Each date is a single-band raster of brightness temperature or land-surface temperature in kelvin (e.g. Landsat
C2 ``ST_B10`` after its scale and offset, MODIS MOD11 LST), on any grid: it is reprojected explicitly onto the NDVI
series' grid (bilinear: a continuous field, usually coarser than NDVI) with
:func:`spacebridge.earth.load_series.open_values_on`, and recorded in the lineage (roles ``temperature-N``).

Checks: values must be kelvin (:func:`spacebridge.earth.drought.check_kelvin`: below 150 K they are Celsius, above
400 K scaled digital numbers); every temperature date must fall within the NDVI series' compositing periods (a
date before the first or after the last period does not match the NDVI dates); NDVI periods with no temperature
date get no TCI and VHI (unknown), with a :class:`~spacebridge.core.errors.DegradedResultWarning` naming them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["TemperatureSeries", "open_temperature"]

#: Period of a date as a pandas period frequency: months, or meteorological seasons (quarters ending in November).
_PERIOD_FREQ = {"month": "M", "season": "Q-NOV"}


@dataclass(frozen=True)
class TemperatureSeries:
    bt_k: Any
    """``(time, y, x)`` float32 kelvin on the NDVI grid, NaN where unknown."""
    inputs: tuple[Any, ...]
    missing_periods: tuple[str, ...]
    """NDVI periods (``YYYY-MM`` of their start) with no temperature date."""


def _periods(times: Any, period: str) -> pd.PeriodIndex:
    return pd.DatetimeIndex(times).to_period(_PERIOD_FREQ[period])


def open_temperature(src: Sequence[str], ndvi_series: Any, *, period: str) -> TemperatureSeries:
    """Open ``src`` (files or folders) onto ``ndvi_series``' grid and check it against its dates (module notes)."""
    from spacebridge.core.errors import DegradedResultWarning, InvalidInputError
    from spacebridge.earth.drought import check_kelvin
    from spacebridge.earth.load_series import open_values_on, series_sources

    bt_k, inputs = open_values_on(series_sources(src), ndvi_series.geobox, name="bt_k", role="temperature")
    check_kelvin(bt_k, name="--temperature")
    # Same grid: share the NDVI series' grid coordinates, so that TCI and VHI keep its CRS through the arithmetic.
    grid = ndvi_series.data.coords
    bt_k = bt_k.assign_coords({name: grid[name] for name in ("y", "x", "spatial_ref") if name in grid})
    ndvi_periods = _periods(ndvi_series.times, period)
    bt_periods = _periods(bt_k["time"].values, period)
    first, last = ndvi_periods.min(), ndvi_periods.max()
    outside = [pd.Timestamp(t).strftime("%Y-%m-%d") for t, p in zip(bt_k["time"].values, bt_periods, strict=True)
               if p < first or p > last]  # fmt: skip
    if outside:
        raise InvalidInputError(
            f"--temperature dates {', '.join(outside)} do not match the NDVI dates: they fall outside the NDVI "
            f"series' periods ({first.start_time:%Y-%m} to {last.end_time:%Y-%m})",
            hint="Give temperatures of the same months (or seasons) as the NDVI dates",
            option="--temperature",
            dates=outside,
        )
    missing = sorted({f"{p.start_time:%Y-%m}" for p in set(ndvi_periods) - set(bt_periods)})
    if len(missing) == len(set(ndvi_periods)):
        raise InvalidInputError(
            "no --temperature date falls in a period of the NDVI dates", hint="Give temperatures of the NDVI months",
            option="--temperature",
        )  # fmt: skip
    if missing:
        warnings.warn(
            f"no temperature for the NDVI period(s) {', '.join(missing)}: TCI and VHI are unknown there",
            DegradedResultWarning,
            stacklevel=2,
        )
    return TemperatureSeries(bt_k, inputs, tuple(missing))
