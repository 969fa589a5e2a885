"""Kazakhstan's administrative boundaries (geokz, CC BY 4.0): files for the map and geometries by admin code.

The folder is a setting (``Settings.boundaries_dir``, ``SPACEBRIDGE_BOUNDARIES_DIR``, ``--boundaries``); by default
it is ``examples/data/kazakhstan/boundaries`` of the source checkout the package runs from, which a wheel install
does not have. Every caller gets a clear :class:`~spacebridge.core.errors.NotFoundError` naming the folder and the
setting when a file is missing.

Codes: an oblast by its current ISO 3166-2 code (``KZ-10``, derived as ``"KZ-" + ADM1_PCODE[2:]``, see
``examples/data/README.md``) or OCHA P-code (``KZ10``), a district by its P-code (``KZ101000``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import NotFoundError

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings

__all__ = ["BOUNDARIES_DIR", "BOUNDARY_FILES", "admin_geometry", "boundaries_dir", "boundary_file", "missing_hint"]

BOUNDARIES_DIR = Path(__file__).resolve().parents[3] / "examples" / "data" / "kazakhstan" / "boundaries"
"""The default folder: the bundled data of a source checkout."""
BOUNDARY_FILES = {
    "adm0": "kaz_adm0_geokz.geojson",
    "adm1": "kaz_adm1_2024_geokz.geojson",
    "adm2": "kaz_adm2_2024_geokz_simplified.geojson",
}


def boundaries_dir(settings: Settings | None) -> Path:
    """The boundaries folder of ``settings`` (the bundled one when not set)."""
    return settings.boundaries_dir if settings is not None and settings.boundaries_dir is not None else BOUNDARIES_DIR


def missing_hint(folder: Path) -> str:
    return (
        f"Put the geokz files ({', '.join(BOUNDARY_FILES.values())}) in {folder}, or point "
        "--boundaries / SPACEBRIDGE_BOUNDARIES_DIR at the folder that has them (examples/data/kazakhstan/boundaries "
        "of a source checkout)"
    )


def boundary_file(level: str, folder: Path) -> Path:
    """The GeoJSON file of ``level`` (``adm0``, ``adm1``, ``adm2``) in ``folder``; 404-style error if missing."""
    path = folder / BOUNDARY_FILES[level]
    if not path.is_file():
        raise NotFoundError(
            f"boundary file {path.name} is not in {folder}", hint=missing_hint(folder), level=level, folder=str(folder)
        )
    return path


def admin_geometry(code: str, *, boundaries_dir: Path = BOUNDARIES_DIR) -> tuple[str, dict[str, Any]]:
    """``(English name, GeoJSON geometry)`` of the oblast or district with ``code``."""
    pcode = code.strip().upper().replace("KZ-", "KZ")
    level, field = ("adm1", "ADM1") if len(pcode) <= 4 else ("adm2", "ADM2")
    path = boundary_file(level, boundaries_dir)
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        if props.get(f"{field}_PCODE") == pcode:
            return str(props.get(f"{field}_EN")), feature["geometry"]
    raise NotFoundError(
        f"no Kazakh oblast or district has the code {code!r}",
        hint="Use an ISO 3166-2 code like KZ-10 (Abay) or a district P-code like KZ101000",
        code=code,
    )
