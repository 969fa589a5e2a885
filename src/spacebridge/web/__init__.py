"""The web map: a page and its static files (Leaflet, Leaflet.draw and uPlot vendored from npm, with licences)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC_DIR", "TEMPLATES_DIR"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
