"""Write analysis tables (CSV, Parquet) and simple PNG charts, atomically: the file edge of zonal statistics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spacebridge.core.atomic import atomic_path
from spacebridge.core.errors import InvalidInputError

__all__ = ["write_bar_chart", "write_series_chart", "write_table"]


def write_table(table: Any, path: str | Path) -> Path:
    """Write a pandas DataFrame as CSV (UTF-8) or Parquet, chosen by the suffix; returns the path."""
    dest = Path(path)
    with atomic_path(dest) as tmp:
        if dest.suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8")
        elif dest.suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        else:
            raise InvalidInputError(f"cannot write a table as {dest.suffix!r}", hint="Use .csv or .parquet")
    return dest


def _label(row: Any) -> str:
    for field in ("ADM2_EN", "ADM1_EN", "name", "id", "KATO"):
        if field in row and isinstance(row[field], str) and row[field]:
            return row[field]
    return str(row.name)


def write_bar_chart(table: Any, path: str | Path, *, kind: str = "categorical", top: int = 20) -> Path:
    """A horizontal bar chart of the ``top`` units: stacked km² per class, or the mean of a continuous product."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dest = Path(path)
    if kind == "continuous":
        data = table.sort_values("mean", ascending=False).head(top)
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(data) + 1.2))
        ax.barh([_label(r) for _, r in data.iterrows()], data["mean"], xerr=data["std"], color="teal")
        ax.set_xlabel("area-weighted mean")
    else:
        cols = [c for c in table.columns if c.endswith("_km2") and c not in ("area_km2",)]
        data = table.sort_values("area_km2", ascending=False).head(top)
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(data) + 1.2))
        left = None
        for col in cols:
            values = data[col].to_numpy()
            ax.barh([_label(r) for _, r in data.iterrows()], values, left=left, label=col.removesuffix("_km2"))
            left = values if left is None else left + values
        ax.set_xlabel("km² (equal-area)")
        ax.legend(fontsize=7)
    ax.invert_yaxis()
    fig.tight_layout()
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return dest


def write_series_chart(
    table: Any,
    path: str | Path,
    *,
    columns: Mapping[str, str],
    ylabel: str,
    title: str = "",
    bars: str | None = None,
    bars_label: str = "",
) -> Path:
    """A time-series chart of ``table`` (indexed by time): one line per ``columns`` entry (column: label).

    ``bars`` names a column drawn as bars on a second axis (e.g. the unknown fraction); missing values are gaps.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    missing = [c for c in [*columns, *([bars] if bars else [])] if c not in table.columns]
    if missing:
        raise InvalidInputError(f"the table has no column(s) {missing}", hint="Check the column names")
    dest = Path(path)
    fig, ax = plt.subplots(figsize=(9, 3.6))
    if bars:
        twin = ax.twinx()
        twin.bar(table.index, table[bars], width=6, color="0.85", label=bars_label or bars)
        twin.set_ylim(0, 1)
        twin.set_ylabel(bars_label or bars, color="0.4")
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
    for column, label in columns.items():
        ax.plot(table.index, table[column], "o-", markersize=3, label=label)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    return dest
