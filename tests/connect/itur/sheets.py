"""Reading the ITU-R SG3 validation sheets (CG-3M3J-13-ValEx Rev 8.3.0, CSV extracts).

Each sheet is a CSV of the workbook's non-empty rows: title and header rows, then numeric rows. Columns are
located by their header labels (:func:`column`), and the numeric rows of a table are the rows whose cells in
the table's columns all parse as numbers (:func:`numeric_rows`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SHEETS = Path(__file__).resolve().parents[3] / "examples" / "data" / "itu-validation"


def read(name: str) -> list[list[str]]:
    with open(SHEETS / name, newline="", encoding="utf-8") as fh:
        return [[cell.strip() for cell in row] for row in csv.reader(fh)]


def column(rows: list[list[str]], label: str, *, after_row: int = 0, occurrence: int = 0) -> tuple[int, int]:
    """(row, column) of the ``occurrence``-th header cell equal to ``label`` (case- and space-insensitive)."""
    wanted = " ".join(label.split()).lower()
    seen = 0
    for r, row in enumerate(rows[after_row:], start=after_row):
        for c, cell in enumerate(row):
            if " ".join(cell.split()).lower() == wanted:
                if seen == occurrence:
                    return r, c
                seen += 1
    raise LookupError(f"header {label!r} not found")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def numeric_rows(
    rows: list[list[str]], columns: Sequence[int], *, start: int = 0, stop: int | None = None
) -> np.ndarray:
    """The rows (from ``start`` to ``stop``) whose cells at ``columns`` are all numbers, as a 2-D array."""
    out = []
    for row in rows[start:stop]:
        values = [_number(row[c]) if c < len(row) else None for c in columns]
        if all(v is not None for v in values):
            out.append(values)
    assert out, f"no numeric rows in columns {columns}"
    return np.array(out, dtype=np.float64)


def first_block_end(rows: list[list[str]], start: int, col: int) -> int:
    """Index of the first row after ``start`` whose cell ``col`` is not a number (end of a table)."""
    r = start
    while r < len(rows) and (len(rows[r]) > col and _number(rows[r][col]) is not None):
        r += 1
    return r
