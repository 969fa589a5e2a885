"""A CSV table of Earth-space links in, the same table plus P.618-14 attenuations out.

File I/O for the ``connect attenuation`` command: reading and checking the CSV (errors name the row and the
column), calling :func:`spacebridge.connect.itur.total_attenuation` once for all rows, and writing atomically.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from spacebridge.core.atomic import atomic_path
from spacebridge.core.errors import InvalidInputError, MalformedInputError, OutOfRangeError

if TYPE_CHECKING:
    from spacebridge.connect.itur.mapcache import MapsDir

__all__ = ["AttenuationTable", "attenuation_table"]

INPUTS = {
    "lat": "lat_deg",
    "lon": "lon_deg",
    "hs_km": "hs_km",
    "freq_ghz": "freq_ghz",
    "elevation_deg": "elevation_deg",
    "diameter_m": "diameter_m",
    "efficiency": "efficiency",
    "tau_deg": "tau_deg",
    "p_percent": "p_percent",
}
OPTIONAL = {"hs_km"}
OUTPUTS = ("a_gas_db", "a_cloud_db", "a_rain_db", "a_scint_db", "a_total_db")


@dataclass(frozen=True)
class AttenuationTable:
    """The input rows (as read) and the computed columns."""

    header: list[str]
    rows: list[list[str]]
    results: dict[str, np.ndarray]

    @property
    def count(self) -> int:
        return len(self.rows)

    def write(self, path: Path) -> None:
        """Write the rows plus the attenuation columns to ``path`` atomically."""
        with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([*self.header, *OUTPUTS])
            for i, row in enumerate(self.rows):
                writer.writerow([*row, *(repr(float(self.results[name][i])) for name in OUTPUTS)])


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = [row for row in reader if any(cell.strip() for cell in row)]
    except FileNotFoundError:
        raise InvalidInputError(
            f"input CSV {path} does not exist", hint="Check the --csv path", path=str(path)
        ) from None
    if header is None or not rows:
        raise MalformedInputError(f"{path} is empty", hint="Give a header line and at least one row", path=str(path))
    header = [h.strip() for h in header]
    missing = [c for c in INPUTS if c not in header and c not in OPTIONAL]
    if missing:
        raise MalformedInputError(
            f"{path} lacks the column(s) {', '.join(missing)}",
            hint="Required columns: " + ", ".join(c for c in INPUTS if c not in OPTIONAL),
            path=str(path),
            missing=missing,
        )
    for n, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise MalformedInputError(
                f"row {n} (line {n + 1}) of {path} has {len(row)} fields, the header has {len(header)}",
                hint="Fix the row",
                row=n,
            )
    return header, rows


def _column(path: Path, header: list[str], rows: list[list[str]], name: str) -> np.ndarray:
    if name not in header:
        return np.full(len(rows), np.nan)
    col = header.index(name)
    out = np.empty(len(rows))
    for n, row in enumerate(rows, start=1):
        text = row[col].strip()
        if text == "" and name in OPTIONAL:
            out[n - 1] = np.nan
            continue
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise MalformedInputError(
                f"row {n} (line {n + 1}), column {name}: {text!r} is not a number",
                hint=f"Give a number in column {name}" + (" or leave it empty" if name in OPTIONAL else ""),
                row=n,
                column=name,
                value=text,
            )
        out[n - 1] = value
    return out


def attenuation_table(path: Path, *, maps_dir: MapsDir = None) -> AttenuationTable:
    """Read ``path``, compute the attenuations of every row, and return the table (nothing written).

    ``maps_dir`` is the cache folder of the converted ITU-R maps (``Settings.itur_cache``).
    """
    from spacebridge.connect.itur import total_attenuation

    header, rows = _read(path)
    c = {arg: _column(path, header, rows, name) for name, arg in INPUTS.items()}
    try:
        result = total_attenuation(
            c["lat_deg"], c["lon_deg"], c["freq_ghz"], c["elevation_deg"], c["p_percent"],
            diameter_m=c["diameter_m"], efficiency=c["efficiency"], tau_deg=c["tau_deg"], hs_km=c["hs_km"],
            maps_dir=maps_dir,
        )  # fmt: skip
    except OutOfRangeError as exc:
        arg = exc.context.get("argument")
        name = next((c for c, a in INPUTS.items() if a == arg), str(arg))
        index = int(exc.context.get("index", 0))
        raise OutOfRangeError(
            f"row {index + 1} (line {index + 2}), column {name}: {exc.message}",
            hint=exc.hint,
            row=index + 1,
            column=name,
            **{k: v for k, v in exc.context.items() if k not in {"row", "column"}},
        ) from exc
    results = {
        "a_gas_db": result.gas_db,
        "a_cloud_db": result.cloud_db,
        "a_rain_db": result.rain_db,
        "a_scint_db": result.scint_db,
        "a_total_db": result.total_db,
    }
    return AttenuationTable(header, rows, {k: np.broadcast_to(v, (len(rows),)) for k, v in results.items()})
