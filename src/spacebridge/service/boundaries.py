"""Kazakhstan's administrative boundaries (geokz, CC BY 4.0): files for the map and geometries by admin code.

Codes: an oblast by its current ISO 3166-2 code (``KZ-10``, derived as ``"KZ-" + ADM1_PCODE[2:]``, see
``examples/data/README.md``) or OCHA P-code (``KZ10``), a district by its P-code (``KZ101000``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacebridge.core.errors import NotFoundError

__all__ = ["BOUNDARIES_DIR", "BOUNDARY_FILES", "admin_geometry"]

BOUNDARIES_DIR = Path(__file__).resolve().parents[3] / "examples" / "data" / "kazakhstan" / "boundaries"
BOUNDARY_FILES = {
    "adm0": "kaz_adm0_geokz.geojson",
    "adm1": "kaz_adm1_2024_geokz.geojson",
    "adm2": "kaz_adm2_2024_geokz_simplified.geojson",
}


def admin_geometry(code: str, *, boundaries_dir: Path = BOUNDARIES_DIR) -> tuple[str, dict[str, Any]]:
    """``(English name, GeoJSON geometry)`` of the oblast or district with ``code``."""
    pcode = code.strip().upper().replace("KZ-", "KZ")
    level, field = ("adm1", "ADM1") if len(pcode) <= 4 else ("adm2", "ADM2")
    path = boundaries_dir / BOUNDARY_FILES[level]
    if not path.is_file():
        raise NotFoundError(f"boundary file {path.name} is not installed", hint="Run from a source checkout")
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        if props.get(f"{field}_PCODE") == pcode:
            return str(props.get(f"{field}_EN")), feature["geometry"]
    raise NotFoundError(
        f"no Kazakh oblast or district has the code {code!r}",
        hint="Use an ISO 3166-2 code like KZ-10 (Abay) or a district P-code like KZ101000",
        code=code,
    )
