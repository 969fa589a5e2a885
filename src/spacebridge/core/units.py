"""Unit conversions shared by the pillars (decibels, temperatures, angles).

Names carry units: ``db_to_linear(value_db)`` returns a power ratio, ``linear_to_db(ratio)`` decibels.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["BOLTZMANN_DBW_K_HZ", "SPEED_OF_LIGHT_M_S", "celsius_to_kelvin", "db_to_linear", "linear_to_db"]

SPEED_OF_LIGHT_M_S = 299_792_458.0
"""Speed of light in vacuum (exact, SI)."""

BOLTZMANN_DBW_K_HZ = -228.5991672
"""Boltzmann's constant, 10·log10(1.380649e-23 J/K), in dBW/(K·Hz)."""

ArrayT = TypeVar("ArrayT", float, npt.NDArray[np.floating])


def db_to_linear(value_db: ArrayT) -> ArrayT:
    """Power ratio of a value in decibels: ``10 ** (value_db / 10)``."""
    return np.power(10.0, np.asarray(value_db) / 10.0)  # type: ignore[return-value]


def linear_to_db(ratio: ArrayT) -> ArrayT:
    """Decibels of a power ratio: ``10·log10(ratio)``; zero gives ``-inf``, negatives give NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 10.0 * np.log10(np.asarray(ratio))


def celsius_to_kelvin(temp_c: ArrayT) -> ArrayT:
    """Kelvin from degrees Celsius."""
    return np.asarray(temp_c) + 273.15  # type: ignore[return-value]
