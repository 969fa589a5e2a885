"""Class tables for burn severity (and any other banded index), with the published Key & Benson table.

A :class:`SeverityTable` maps half-open value ranges ``[lower, upper)`` of an index to uint8 class codes; values
outside every range, and NaN, get :data:`UNKNOWN`. Users may pass their own table (e.g. a regional calibration of
RdNBR or RBR); the default is the USGS FIREMON table.

Reference
---------
Key, C.H., Benson, N.C. (2006) Landscape Assessment (LA): Sampling and analysis methods. In: Lutes, D.C. et al.,
FIREMON: Fire Effects Monitoring and Inventory System, USDA Forest Service RMRS-GTR-164-CD, LA-1-55. Table of
dNBR ranges (x10^3): enhanced regrowth high -500 to -251, enhanced regrowth low -250 to -101, unburned -100 to
+99, low +100 to +269, moderate-low +270 to +439, moderate-high +440 to +659, high +660 to +1300.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from spacebridge.core.errors import ConfigurationError

__all__ = ["KEY_BENSON_2006", "UNKNOWN", "SeverityClass", "SeverityTable"]

UNKNOWN = 255
"""Class code of unknown pixels (invalid input or outside the table)."""


@dataclass(frozen=True)
class SeverityClass:
    """One class: index values in ``[lower, upper)`` (``upper`` included for the last class)."""

    code: int
    name: str
    lower: float
    upper: float
    burned: bool


@dataclass(frozen=True)
class SeverityTable:
    """An ordered, non-overlapping set of classes over one index."""

    name: str
    index: str
    """Index the bounds apply to (``"dNBR"``, ``"RdNBR"``, ``"RBR"``), unitless (not x1000)."""
    classes: tuple[SeverityClass, ...]
    reference: str = ""

    def __post_init__(self) -> None:
        ordered = sorted(self.classes, key=lambda c: c.lower)
        codes = [c.code for c in self.classes]
        problems = []
        if len(set(codes)) != len(codes) or any(not 0 <= c < UNKNOWN for c in codes):
            problems.append(f"codes must be unique integers in 0-254, got {codes}")
        for c in ordered:
            if not c.lower < c.upper:
                problems.append(f"class {c.name!r} has lower {c.lower} >= upper {c.upper}")
        for a, b in itertools.pairwise(ordered):
            if b.lower < a.upper:
                problems.append(f"classes {a.name!r} and {b.name!r} overlap")
        if not any(c.burned for c in self.classes):
            problems.append("no class is marked burned")
        if problems:
            raise ConfigurationError(
                f"severity table {self.name!r} is invalid: " + "; ".join(problems),
                hint="Give ordered, non-overlapping [lower, upper) ranges with unique codes and at least one burned",
                table=self.name,
            )

    def classify(self, values: xr.DataArray) -> xr.DataArray:
        """uint8 codes for ``values`` (NaN and out-of-table values get :data:`UNKNOWN`)."""
        ordered = sorted(self.classes, key=lambda c: c.lower)

        def _classify(v: np.ndarray) -> np.ndarray:
            out = np.full(v.shape, UNKNOWN, dtype="uint8")
            for i, c in enumerate(ordered):
                last = i == len(ordered) - 1
                sel = (v >= c.lower) & ((v <= c.upper) if last else (v < c.upper))
                out[sel] = c.code
            return out

        da = xr.apply_ufunc(_classify, values, dask="parallelized", output_dtypes=["uint8"], keep_attrs=True)
        da.name = "severity"
        da.attrs = {
            "nodata": UNKNOWN,
            "flag_values": [c.code for c in self.classes],
            "flag_meanings": " ".join(c.name for c in self.classes),
            "table": self.name,
        }
        return da

    def burned_codes(self) -> list[int]:
        return [c.code for c in self.classes if c.burned]

    def burned_lower(self) -> float:
        """Lowest index value classed burned."""
        return min(c.lower for c in self.classes if c.burned)

    def unburned_range(self) -> tuple[float, float]:
        """``[lower, upper)`` of the non-burned class just below the burned ones (the *unburned* class)."""
        below = [c for c in self.classes if not c.burned and c.upper <= self.burned_lower()]
        if not below:
            raise ConfigurationError(
                f"severity table {self.name!r} has no unburned class below its burned classes",
                hint="Add an unburned class, or give the dNBR offset explicitly",
                table=self.name,
            )
        top = max(below, key=lambda c: c.upper)
        return top.lower, top.upper

    def by_code(self) -> dict[int, SeverityClass]:
        return {c.code: c for c in self.classes}

    @classmethod
    def from_rows(cls, name: str, index: str, rows: Iterable[tuple[int, str, float, float, bool]]) -> SeverityTable:
        """Build from ``(code, name, lower, upper, burned)`` rows (e.g. read from a CSV)."""
        return cls(name, index, tuple(SeverityClass(*row) for row in rows))


KEY_BENSON_2006 = SeverityTable(
    name="key-benson-2006",
    index="dNBR",
    classes=(
        SeverityClass(6, "enhanced_regrowth_high", -0.500, -0.250, burned=False),
        SeverityClass(5, "enhanced_regrowth_low", -0.250, -0.100, burned=False),
        SeverityClass(0, "unburned", -0.100, 0.100, burned=False),
        SeverityClass(1, "low", 0.100, 0.270, burned=True),
        SeverityClass(2, "moderate_low", 0.270, 0.440, burned=True),
        SeverityClass(3, "moderate_high", 0.440, 0.660, burned=True),
        SeverityClass(4, "high", 0.660, 1.300, burned=True),
    ),
    reference="Key & Benson (2006) FIREMON LA, RMRS-GTR-164-CD, table of dNBR ranges",
)
"""USGS FIREMON dNBR severity classes (unitless dNBR; the published table is x1000)."""
