"""STAC 1.1.0 items for products, kept in a local static catalog, with the product's lineage; offline validation.

Layout under a root folder (relative links, so the folder can be moved or served as is)::

    ROOT/catalog.json                              Catalog, one child link per collection
    ROOT/<collection>/collection.json              Collection, one item link per product
    ROOT/<collection>/<item-id>.json               Item; asset hrefs point at the product files (relative)

Adding an item to an existing catalog keeps the other collections and items (the demo writes flood, fire, snow...
into one catalog). Items declare the projection (v2.0.0) and file (v2.1.0) extensions; raster metadata uses the
STAC 1.1 common fields (``nodata``, ``data_type``, ``bands``). The lineage
(:class:`~spacebridge.core.provenance.Lineage`) is stored under the ``spacebridge:lineage`` property.

:func:`validate_stac` checks a document against the official JSON schemas without any network: the STAC 1.1.0
core schemas shipped with pystac and the extension schemas vendored in ``products/schemas`` (see its README).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from spacebridge.core.atomic import atomic_write_text
from spacebridge.core.errors import MalformedInputError
from spacebridge.core.provenance import Lineage

__all__ = [
    "FILE_EXTENSION",
    "PROJECTION_EXTENSION",
    "STAC_VERSION",
    "add_item_to_catalog",
    "asset_for_file",
    "build_item",
    "validate_stac",
]

STAC_VERSION = "1.1.0"
PROJECTION_EXTENSION = "https://stac-extensions.github.io/projection/v2.0.0/schema.json"
FILE_EXTENSION = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
_VENDORED = {PROJECTION_EXTENSION: "projection-v2.0.0.json", FILE_EXTENSION: "file-v2.1.0.json"}
_CORE = {
    "Feature": "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json",
    "Catalog": "https://schemas.stacspec.org/v1.1.0/catalog-spec/json-schema/catalog.json",
    "Collection": "https://schemas.stacspec.org/v1.1.0/collection-spec/json-schema/collection.json",
}


def _sha256_multihash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return "1220" + digest.hexdigest()  # multihash: 0x12 = sha2-256, 0x20 = 32 bytes


def asset_for_file(
    path: str | os.PathLike[str],
    *,
    item_dir: str | os.PathLike[str],
    title: str,
    media_type: str,
    roles: tuple[str, ...] = ("data",),
    description: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A STAC asset for a file: relative href, size and sha2-256 multihash (file extension), plus ``fields``.

    ``fields`` holds STAC common metadata such as ``nodata``, ``data_type``, ``bands`` or ``proj:*``.
    """
    p = Path(path)
    asset: dict[str, Any] = {
        "href": Path(os.path.relpath(p.resolve(), Path(item_dir).resolve())).as_posix(),
        "type": media_type,
        "title": title,
        "roles": list(roles),
        "file:size": p.stat().st_size,
        "file:checksum": _sha256_multihash(p),
    }
    if description:
        asset["description"] = description
    asset.update(fields)
    return asset


def _projection_fields(gbox: Any) -> dict[str, Any]:
    epsg = gbox.crs.epsg
    t = gbox.transform
    fields: dict[str, Any] = {
        "proj:code": f"EPSG:{epsg}" if epsg else None,
        "proj:shape": [int(gbox.shape[0]), int(gbox.shape[1])],
        "proj:transform": [t.a, t.b, t.c, t.d, t.e, t.f],
        "proj:bbox": list(gbox.extent.boundingbox),
    }
    if not epsg:
        fields["proj:wkt2"] = gbox.crs.to_wkt()
    return fields


def build_item(
    item_id: str,
    *,
    gbox: Any,
    datetime_utc: str,
    assets: Mapping[str, Mapping[str, Any]],
    lineage: Lineage,
    properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A STAC 1.1.0 Item (dict) for a product on grid ``gbox`` (odc-geo GeoBox).

    Parameters
    ----------
    item_id
        Unique id within its collection.
    gbox
        The product's pixel grid; gives the footprint (EPSG:4326), bbox and projection fields.
    datetime_utc
        Nominal time of the product (e.g. the post-event acquisition), ISO 8601 with ``Z``.
    assets
        Asset dicts by key (see :func:`asset_for_file`).
    lineage
        How the product was made; stored as ``spacebridge:lineage``.
    properties
        Extra item properties (e.g. ``{"title": ..., "description": ...}``).
    """
    from shapely.geometry import mapping

    from spacebridge.earth.products.stats import footprint_wgs84

    footprint = footprint_wgs84(gbox)
    props: dict[str, Any] = {
        "datetime": datetime_utc,
        "created": lineage.created_utc,
        **_projection_fields(gbox),
        "spacebridge:lineage": lineage.to_dict(),
    }
    props.update(properties or {})
    return json.loads(
        json.dumps(
            {
                "type": "Feature",
                "stac_version": STAC_VERSION,
                "stac_extensions": [PROJECTION_EXTENSION, FILE_EXTENSION],
                "id": item_id,
                "geometry": mapping(footprint),
                "bbox": list(footprint.bounds),
                "properties": props,
                "links": [],
                "assets": {k: dict(v) for k, v in assets.items()},
            },
            default=str,
        )
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise MalformedInputError(
            f"existing STAC file {path} is not valid JSON", hint="Remove or repair it", path=str(path)
        ) from exc


def _union_bbox(a: list[float] | None, b: list[float]) -> list[float]:
    if not a:
        return list(b)
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def add_item_to_catalog(
    root: str | os.PathLike[str],
    item: Mapping[str, Any],
    *,
    collection_id: str,
    collection_title: str,
    collection_description: str,
    license: str = "other",
    catalog_title: str = "spacebridge products",
) -> Path:
    """Write ``item`` into the static catalog under ``root`` (created or updated); returns the item's path.

    Asset hrefs in ``item`` must be relative to ``root/<collection_id>/``, where the item file is written.
    """
    root = Path(root)
    coll_dir = root / collection_id
    item_path = coll_dir / f"{item['id']}.json"
    item_doc = dict(item)
    item_doc["collection"] = collection_id
    item_doc["links"] = [
        {"rel": "root", "href": "../catalog.json", "type": "application/json"},
        {"rel": "parent", "href": "./collection.json", "type": "application/json"},
        {"rel": "collection", "href": "./collection.json", "type": "application/json"},
    ]
    coll = _read_json(coll_dir / "collection.json") or {
        "type": "Collection", "stac_version": STAC_VERSION, "id": collection_id, "title": collection_title,
        "description": collection_description, "license": license,
        "extent": {"spatial": {"bbox": [[]]}, "temporal": {"interval": [[None, None]]}}, "links": [],
    }  # fmt: skip
    coll["extent"]["spatial"]["bbox"] = [_union_bbox(coll["extent"]["spatial"]["bbox"][0], item_doc["bbox"])]
    start, end = coll["extent"]["temporal"]["interval"][0]
    when = item_doc["properties"]["datetime"]
    coll["extent"]["temporal"]["interval"] = [[min(filter(None, [start, when])), max(filter(None, [end, when]))]]
    item_link = {"rel": "item", "href": f"./{item['id']}.json", "type": "application/geo+json"}
    coll["links"] = [lk for lk in coll["links"] if lk.get("rel") == "item" and lk != item_link] + [
        item_link,
        {"rel": "root", "href": "../catalog.json", "type": "application/json"},
        {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
    ]
    cat = _read_json(root / "catalog.json") or {
        "type": "Catalog", "stac_version": STAC_VERSION, "id": "spacebridge", "title": catalog_title,
        "description": "Products made by spacebridge, with their lineage.", "links": [],
    }  # fmt: skip
    child = {"rel": "child", "href": f"./{collection_id}/collection.json", "type": "application/json"}
    cat["links"] = [lk for lk in cat["links"] if lk.get("rel") == "child" and lk != child] + [
        child,
        {"rel": "root", "href": "./catalog.json", "type": "application/json"},
    ]
    for doc in (item_doc, coll, cat):
        validate_stac(doc)
    atomic_write_text(item_path, json.dumps(item_doc, indent=2))
    atomic_write_text(coll_dir / "collection.json", json.dumps(coll, indent=2))
    atomic_write_text(root / "catalog.json", json.dumps(cat, indent=2))
    return item_path


@lru_cache(maxsize=1)
def _registry() -> Any:
    from pystac.validation.local_validator import get_local_schema_cache
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    schemas: dict[str, Any] = dict(get_local_schema_cache())
    folder = files("spacebridge.earth.products").joinpath("schemas")
    for uri, name in _VENDORED.items():
        schemas[uri] = json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
    return Registry().with_resources(
        (uri, Resource.from_contents(schema, default_specification=DRAFT7)) for uri, schema in schemas.items()
    )


def validate_stac(doc: Mapping[str, Any]) -> None:
    """Validate a STAC 1.1.0 Item, Collection or Catalog against the official schemas, offline.

    Raises
    ------
    MalformedInputError
        With the first schema violation, or when an extension's schema is not available offline.
    """
    from jsonschema import Draft7Validator

    registry = _registry()
    kind = doc.get("type")
    if kind not in _CORE or doc.get("stac_version") != STAC_VERSION:
        raise MalformedInputError(
            f"not a STAC {STAC_VERSION} Item/Collection/Catalog (type={kind!r}, version={doc.get('stac_version')!r})",
            hint="Only STAC 1.1.0 documents can be validated offline",
        )
    for uri in [_CORE[str(kind)], *doc.get("stac_extensions", [])]:
        try:
            schema = registry.contents(uri)
        except LookupError as exc:
            raise MalformedInputError(
                f"no offline schema for STAC extension {uri}",
                hint=f"Vendor it in spacebridge/earth/products/schemas (available: {sorted(_VENDORED)})",
                uri=uri,
            ) from exc
        error = next(iter(Draft7Validator(schema, registry=registry).iter_errors(dict(doc))), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise MalformedInputError(
                f"STAC {kind} {doc.get('id')!r} is invalid against {uri} at {where}: {error.message}",
                hint="This is a bug in the writer; please report it",
                uri=uri,
                path=where,
            )
