"""The web map page (``/``), the Kazakhstan boundaries it draws, and the demo report of the data folder."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from spacebridge import __version__
from spacebridge.api.deps import SettingsDep
from spacebridge.core.errors import NotFoundError
from spacebridge.service.boundaries import BOUNDARY_FILES, boundaries_dir, boundary_file
from spacebridge.web import TEMPLATES_DIR

__all__ = ["router"]

router = APIRouter(include_in_schema=True, tags=["web"])

_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))


_PAGES = (("/connect", "connectivity plans"), ("/sky", "sky: telescopes and satellite passes"))
"""Other pages of this server, linked from the map when their routes are installed."""
_REPORT_SUFFIXES = {".html", ".png", ".svg", ".csv", ".json", ".geojson", ".tif", ".parquet", ".yaml"}


@router.get("/", response_class=HTMLResponse, summary="The web map")
def index(request: Request, settings: SettingsDep) -> HTMLResponse:
    paths = request.app.openapi()["paths"]  # built once and cached by FastAPI
    pages = [(path, label) for path, label in _PAGES if path in paths]
    if (settings.data_dir / "report.html").is_file():
        pages.append(("/report/", "demo report"))
    return HTMLResponse(_env.get_template("index.html").render(version=__version__, pages=pages))


@router.get("/report/", summary="The demo report of the data folder (after 'make demo')", response_class=FileResponse)
def report(settings: SettingsDep) -> FileResponse:
    return report_file(settings, "report.html")


@router.get("/report/{path:path}", summary="A file the demo report refers to", response_class=FileResponse)
def report_file(settings: SettingsDep, path: str) -> FileResponse:
    """Files of the data folder that a report shows (figures, tables, products); never the database or dot-files."""
    root = settings.data_dir.resolve()
    target = (root / path).resolve()
    inside = target.is_relative_to(root) and not any(p.startswith(".") for p in target.relative_to(root).parts)
    if not (inside and target.suffix.lower() in _REPORT_SUFFIXES and target.is_file()):
        raise NotFoundError(
            f"the data folder has no report file {path!r}",
            hint="Run 'make demo' (or 'spacebridge demo --out DATA') to write the report",
            path=path,
        )
    return FileResponse(target)


@router.get("/boundaries", summary="Which Kazakhstan boundary levels this server has")
def boundary_levels(settings: SettingsDep) -> dict[str, Any]:
    folder = boundaries_dir(settings)
    levels = {level: (folder / name).is_file() for level, name in BOUNDARY_FILES.items()}
    message = None
    if not all(levels.values()):
        missing = ", ".join(level for level, ok in levels.items() if not ok)
        message = (
            f"Kazakhstan boundaries ({missing}) are not installed on this server: start it with "
            "--boundaries DIR (or set SPACEBRIDGE_BOUNDARIES_DIR) to the folder holding the geokz GeoJSON files "
            "(examples/data/kazakhstan/boundaries in a source checkout)."
        )
    return {"levels": levels, "message": message}


@router.get(
    "/boundaries/{level}.geojson", summary="Kazakhstan boundaries (geokz, CC BY 4.0)", response_class=FileResponse
)
def boundaries(settings: SettingsDep, level: Literal["adm0", "adm1", "adm2"]) -> FileResponse:
    return FileResponse(boundary_file(level, boundaries_dir(settings)), media_type="application/geo+json")
