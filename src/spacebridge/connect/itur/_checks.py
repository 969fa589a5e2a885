"""Input validation shared by the ITU-R models: arrays in, clear :class:`OutOfRangeError` out."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from spacebridge.core.errors import InvalidInputError, OutOfRangeError

FloatArray = NDArray[np.float64]

__all__ = ["FloatArray", "as_float_array", "check_latlon", "check_range"]


def as_float_array(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float64 array; NaN and non-numbers are refused with the argument's name."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"{name} must be numeric, got {value!r}", hint=f"Pass numbers for {name}", argument=name
        ) from exc
    if np.isnan(arr).any():
        raise InvalidInputError(f"{name} contains NaN", hint=f"Remove or fill the missing {name} values", argument=name)
    return arr


def _first_bad(arr: FloatArray, bad: NDArray[np.bool_]) -> tuple[int, float]:
    flat = np.flatnonzero(np.ravel(bad))
    index = int(flat[0])
    return index, float(np.ravel(arr)[index])


def check_range(
    name: str,
    arr: FloatArray,
    low: float,
    high: float,
    *,
    model: str,
    unit: str,
    low_inclusive: bool = True,
    **context: Any,
) -> None:
    """Raise :class:`OutOfRangeError` if any value of ``arr`` lies outside ``[low, high]``.

    The message names the argument, the first offending value and its index, the model and its range.
    """
    below = arr < low if low_inclusive else arr <= low
    bad = below | (arr > high)
    if not np.any(bad):
        return
    index, value = _first_bad(arr, bad)
    bracket = "[" if low_inclusive else "("
    where = f" (element {index})" if np.ndim(arr) else ""
    raise OutOfRangeError(
        f"{name}={value:g} {unit}{where} is outside the validity range {bracket}{low:g}, {high:g}] {unit} of {model}",
        hint=f"Use {name} within that range",
        argument=name,
        value=value,
        index=index,
        low=low,
        high=high,
        model=model,
        **context,
    )


def check_latlon(lat_deg: FloatArray, lon_deg: FloatArray) -> None:
    """Latitude in [-90, 90] and longitude in [-180, 360] degrees."""
    check_range("lat_deg", lat_deg, -90.0, 90.0, model="geographic coordinates", unit="deg")
    check_range("lon_deg", lon_deg, -180.0, 360.0, model="geographic coordinates", unit="deg")
