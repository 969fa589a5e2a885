"""The web map page (``/``), its static files and the Kazakhstan boundaries it draws."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from spacebridge import __version__
from spacebridge.core.errors import NotFoundError
from spacebridge.service.boundaries import BOUNDARIES_DIR, BOUNDARY_FILES
from spacebridge.web import TEMPLATES_DIR

__all__ = ["router"]

router = APIRouter(include_in_schema=True, tags=["web"])

_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))


@router.get("/", response_class=HTMLResponse, summary="The web map")
def index(_request: Request) -> HTMLResponse:
    return HTMLResponse(_env.get_template("index.html").render(version=__version__))


@router.get(
    "/boundaries/{level}.geojson", summary="Kazakhstan boundaries (geokz, CC BY 4.0)", response_class=FileResponse
)
def boundaries(level: Literal["adm0", "adm1", "adm2"]) -> FileResponse:
    path = BOUNDARIES_DIR / BOUNDARY_FILES[level]
    if not path.is_file():
        raise NotFoundError(
            f"boundary file {path.name} is not installed", hint="Run from a source checkout", level=level
        )
    return FileResponse(path, media_type="application/geo+json")
