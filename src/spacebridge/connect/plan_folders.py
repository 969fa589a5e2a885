"""Reading the plan folders written by :func:`spacebridge.connect.products.write_plan` (for the API and the map).

A plan folder is a direct sub-folder of a data folder holding a ``plan.json`` whose process is
``connect.plan`` (the demo writes ``<data>/connect``; ``spacebridge connect plan --out <data>/NAME`` adds
another). Its id is the sub-folder's name. Tables are read from the CSV files with missing values as ``None``;
nothing here writes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacebridge.core.errors import DataError, NotFoundError

__all__ = ["LAYERS", "OPTIONS", "PLAN_ID_PATTERN", "PlanFolder", "find_plans", "finite_json", "open_plan", "read_rows"]

PLAN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
"""A plan id: a folder name of letters, digits, ``_``, ``.`` and ``-`` (no path separators)."""
OPTIONS = ("geo-only", "leo-only", "hybrid")
LAYERS = ("settlements", "adm1")
"""GeoJSON layers a plan folder may hold (``adm1`` only when the plan was written with boundaries)."""
_PROCESS = "connect.plan"


@dataclass(frozen=True)
class PlanFolder:
    """A written plan: its id (folder name), folder, lineage (``plan.json``) and scenario (``scenario.yaml``)."""

    id: str
    path: Path
    lineage: dict[str, Any]
    scenario: dict[str, Any]

    def systems(self) -> list[dict[str, str]]:
        """The scenario's systems as ``{id, label, kind, colour}`` (colours as on the PNG map)."""
        from spacebridge.connect.products import system_colours

        raw = [s for s in self.scenario.get("systems", []) if isinstance(s, dict) and "id" in s]
        colours = system_colours([(str(s["id"]), str(s.get("kind", ""))) for s in raw])
        out = [{"id": str(s["id"]), "label": str(s.get("label", s["id"])), "kind": str(s.get("kind", "")),
                "colour": colours.get(str(s["id"]), "#777777")} for s in raw]  # fmt: skip
        return [*out, {"id": "none", "label": "no feasible system", "kind": "", "colour": colours["none"]}]

    def summary(self) -> dict[str, Any]:
        """Id, scenario, number of settlements, creation time and each option's totals."""
        chosen = self.lineage.get("chosen") or {}
        return {
            "id": self.id,
            "scenario": self.scenario.get("name", ""),
            "design_availability_percent": self.scenario.get("design_availability_percent"),
            "rollout_years": (self.scenario.get("rollout") or {}).get("years"),
            "settlements": (self.lineage.get("parameters") or {}).get("settlements"),
            "created_utc": self.lineage.get("created_utc"),
            "options": finite_json(chosen.get("options") or {}),
            "layers": [name for name in LAYERS if (self.path / f"{name}.geojson").is_file()],
        }


def _read_plan(path: Path) -> PlanFolder | None:
    import yaml

    try:
        lineage = json.loads((path / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(lineage, dict) or lineage.get("process") != _PROCESS:
        return None
    try:
        scenario = yaml.safe_load((path / "scenario.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        scenario = {}
    return PlanFolder(path.name, path, lineage, scenario if isinstance(scenario, dict) else {})


def find_plans(root: Path) -> list[PlanFolder]:
    """Every plan folder directly under ``root``, by id."""
    if not root.is_dir():
        return []
    found = (_read_plan(p) for p in sorted(root.iterdir()) if p.is_dir() and re.match(PLAN_ID_PATTERN, p.name))
    return [p for p in found if p is not None]


def open_plan(root: Path, plan_id: str) -> PlanFolder:
    """The plan folder ``root/plan_id``; :class:`NotFoundError` naming the plans available otherwise."""
    plan = _read_plan(root / plan_id) if re.match(PLAN_ID_PATTERN, plan_id) else None
    if plan is None:
        ids = [p.id for p in find_plans(root)]
        raise NotFoundError(
            f"no connectivity plan {plan_id!r}",
            hint=f"Plans available: {', '.join(ids) or 'none (run make demo, or spacebridge connect plan)'}",
            plan=plan_id,
        )
    return plan


def read_rows(plan: PlanFolder, name: str) -> list[dict[str, Any]]:
    """The rows of the plan's table ``name`` (e.g. ``summary_adm1``, ``rollout_hybrid``), NaN as ``None``."""
    import pandas as pd

    path = plan.path / f"{name}.csv"
    if not path.is_file():
        raise NotFoundError(f"plan {plan.id!r} has no table {name!r}", hint="Rewrite the plan", plan=plan.id)
    try:
        frame = pd.read_csv(path, dtype={"id": str, "adm1": str, "adm2": str}, keep_default_na=False,
                            na_values=[""])  # fmt: skip
    except (OSError, ValueError) as exc:
        raise DataError(f"table {path.name} of plan {plan.id!r} is unreadable: {exc}", plan=plan.id) from exc
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [{str(k): finite_json(v) for k, v in r.items()} for r in records]


def finite_json(value: Any) -> Any:
    """``value`` with non-finite floats replaced by ``None`` (JSON has no NaN) and numpy scalars unwrapped."""
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
