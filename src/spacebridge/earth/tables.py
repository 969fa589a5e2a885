"""Write analysis tables (CSV, Parquet) and simple PNG charts, atomically: the file edge of zonal statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacebridge.core.atomic import atomic_path
from spacebridge.core.errors import InvalidInputError

__all__ = ["write_bar_chart", "write_table"]


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
