"""Scene sources for the runner: a local folder of scenes, a static STAC catalog, or a STAC API search.

Each source lists :class:`SceneRef` records: an id, something :func:`spacebridge.earth.load.open_scene` can open
(a file path, a STAC item JSON path, or an item as a dict), the footprint in degrees, the acquisition time and the
role (``"sar"`` or ``"optical"``, from the sensor the loader recognises in the metadata). Listing reads metadata
only, never pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacebridge.core.errors import ConfigurationError, SpacebridgeError
from spacebridge.core.geo import BBox

__all__ = ["SceneRef", "list_scenes"]

log = logging.getLogger(__name__)
_RASTER_SUFFIXES = {".tif", ".tiff"}


@dataclass(frozen=True)
class SceneRef:
    id: str
    src: Any
    """Path (str) or STAC item dict, as accepted by ``open_scene``."""
    bbox: tuple[float, float, float, float]
    datetime_utc: str | None
    role: str
    source: str
    sensor: str = ""
    """Sensor id the loader recognised (e.g. ``sentinel-2-l2a``)."""

    def intersects(self, box: BBox) -> bool:
        w, s, e, n = self.bbox
        return s <= box.north and n >= box.south and w <= box.east and e >= box.west

    def as_params(self) -> dict[str, Any]:
        """The scene as run parameters (plain JSON: what the analysis opens, and what identifies it)."""
        return {"id": self.id, "src": self.src, "role": self.role, "datetime_utc": self.datetime_utc}


def _probe(src: Any, source: str) -> SceneRef | None:
    from spacebridge.earth.load import open_scene

    try:
        scene = open_scene(src, validate=False)
    except SpacebridgeError as exc:
        log.warning("skipping %s: %s", src if isinstance(src, str) else src.get("id"), exc)
        return None
    b = scene.data.odc.geobox.extent.to_crs("EPSG:4326").boundingbox
    role = "sar" if scene.sensor.is_sar else "optical"
    box = (b.left, b.bottom, b.right, b.top)
    return SceneRef(str(scene.id), src, box, scene.datetime_utc, role, source, scene.sensor.id)


def _folder(root: Path) -> Iterator[Any]:
    for path in sorted(root.rglob("*")):
        if any(p.startswith(".") for p in path.relative_to(root).parts):
            continue
        if path.suffix.lower() in _RASTER_SUFFIXES:
            yield str(path)


def _catalog(path: Path) -> Iterator[Any]:
    import pystac

    root = pystac.read_file(str(path))
    if not isinstance(root, pystac.Catalog):
        raise ConfigurationError(f"{path} is not a STAC catalog or collection", value=str(path))
    for item in root.get_items(recursive=True):
        item.make_asset_hrefs_absolute()
        yield item.to_dict(include_self_link=False, transform_hrefs=False)


def _api(url: str, box: BBox, datetime: str | None, collections: list[str], max_items: int) -> Iterator[Any]:
    from spacebridge.earth.load import search_scenes

    for item in search_scenes(
        url, bbox=box.as_tuple(), datetime=datetime or "../..", collections=collections, max_items=max_items
    ):
        yield item.to_dict(include_self_link=False, transform_hrefs=False)


def list_scenes(
    source: str, *, bbox: BBox, datetime: str | None = None, collections: list[str] | None = None, max_items: int = 50
) -> list[SceneRef]:
    """Scenes of ``source`` whose footprint meets ``bbox``.

    ``source`` is a folder (GeoTIFF/COG scenes), a ``catalog.json``/``collection.json`` file, or the URL of a
    STAC API (then ``collections`` is required).
    """
    if source.startswith(("http://", "https://")) and not source.endswith(".json"):
        if not collections:
            raise ConfigurationError(
                "a STAC API source needs collections", hint="Pass --collection sentinel-2-l2a", source=source
            )
        raw: Iterator[Any] = _api(source, bbox, datetime, collections, max_items)
    else:
        path = Path(source)
        if path.is_dir():
            raw = _folder(path)
        elif path.is_file():
            raw = _catalog(path)
        else:
            raise ConfigurationError(
                f"scene source {source!r} is not a folder, a catalog file or a STAC API URL",
                hint="Give a folder of GeoTIFFs, a catalog.json or https://.../stac/v1",
                source=source,
            )
    scenes = [ref for src in raw if (ref := _probe(src, source)) is not None]
    return [s for s in scenes if s.intersects(bbox)]
