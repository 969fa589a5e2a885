"""Register the products of local STAC catalogs (e.g. ``demo-output``) in the store.

Walks a folder for ``catalog.json`` / ``collection.json`` files (skipping hidden staging folders), reads them with
pystac, makes asset hrefs absolute and upserts every item. Items whose parent is a plain catalog get a collection
named after that catalog. Idempotent: ingesting twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacebridge.core.errors import MalformedInputError, SpacebridgeError

if TYPE_CHECKING:
    import pystac

    from spacebridge.service.store import Store

__all__ = ["IngestReport", "find_catalogs", "ingest_catalog", "ingest_folder", "synth_collection"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestReport:
    catalogs: int
    items: int
    skipped: tuple[str, ...]
    """Catalog files that could not be read, with the reason."""


def find_catalogs(root: Path) -> list[Path]:
    """Top-most ``catalog.json``/``collection.json`` files under ``root`` (nested ones are reached by walking)."""
    found: list[Path] = []
    for path in sorted(root.rglob("*.json")):
        if path.name not in ("catalog.json", "collection.json"):
            continue
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if any(parent in path.parents for parent in (p.parent for p in found)):
            continue
        found.append(path)
    return found


def synth_collection(cid: str, description: str) -> dict[str, Any]:
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "id": cid,
        "description": description or f"spacebridge products: {cid}",
        "license": "other",
        "extent": {"spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]}, "temporal": {"interval": [[None, None]]}},
        "links": [],
    }


def _collection_doc(owner: pystac.Catalog) -> dict[str, Any]:
    import pystac

    if isinstance(owner, pystac.Collection):
        doc = owner.to_dict(include_self_link=False, transform_hrefs=False)
        doc["links"] = []
        return doc
    return synth_collection(owner.id, owner.description)


def ingest_catalog(store: Store, path: Path) -> int:
    """Upsert every item reachable from the catalog at ``path``; return how many."""
    import pystac

    try:
        root = pystac.read_file(str(path))
    except (pystac.STACError, OSError, ValueError) as exc:
        raise MalformedInputError(f"cannot read STAC catalog {path}: {exc}", path=str(path)) from exc
    if not isinstance(root, pystac.Catalog):
        raise MalformedInputError(f"{path} is a {type(root).__name__}, not a catalog or collection", path=str(path))
    count = 0
    for owner, _children, items in root.walk():
        coll = _collection_doc(owner)
        for it in items:
            it.make_asset_hrefs_absolute()
            doc = it.to_dict(include_self_link=False, transform_hrefs=False)
            doc["collection"] = it.collection_id or coll["id"]
            doc["links"] = []
            store.catalog.upsert_item(
                doc,
                collection_doc=coll if doc["collection"] == coll["id"] else synth_collection(doc["collection"], ""),
            )
            count += 1
    return count


def ingest_folder(store: Store, root: Path) -> IngestReport:
    """Ingest every STAC catalog under ``root``; unreadable ones are skipped and reported, not fatal."""
    catalogs = find_catalogs(root) if root.is_dir() else []
    items, skipped = 0, []
    for path in catalogs:
        try:
            items += ingest_catalog(store, path)
        except SpacebridgeError as exc:
            log.warning("skipping %s: %s", path, exc)
            skipped.append(f"{path}: {exc}")
    log.info("ingested %d items from %d catalogs under %s", items, len(catalogs), root)
    return IngestReport(len(catalogs), items, tuple(skipped))
