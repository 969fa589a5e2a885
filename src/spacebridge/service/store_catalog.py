"""STAC collections and items in the database: upsert, fetch, search (all the SQL of the STAC API).

Search filters run in SQL on both back-ends: bbox intersection on the four bbox columns (a query box crossing the
antimeridian becomes two longitude ranges), datetime intervals on ``start_datetime``/``end_datetime`` (an item with
a single ``datetime`` has both equal to it), collections and ids; paging by offset in a stable order.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from spacebridge.core.errors import NotFoundError
from spacebridge.service.models import Collection, Item
from spacebridge.service.stac_query import SearchQuery, item_index

if TYPE_CHECKING:
    from spacebridge.service.store import Store

__all__ = ["CatalogStore", "SearchPage"]


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes (stored in UTC): make them aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


class SearchPage:
    """One page of a search: item documents, the number matched in total, and the query that made it."""

    def __init__(self, items: list[dict[str, Any]], matched: int, query: SearchQuery) -> None:
        self.items = items
        self.matched = matched
        self.query = query

    @property
    def next_token(self) -> str | None:
        return self.query.next_token(self.matched)


def _filters(q: SearchQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if q.collections:
        conds.append(Item.collection_id.in_(q.collections))
    if q.ids:
        conds.append(Item.id.in_(q.ids))
    if q.bbox is not None:
        b = q.bbox
        conds += [Item.south <= b.north, Item.north >= b.south]
        if b.crosses_antimeridian:
            conds.append(or_(Item.east >= b.west, Item.west <= b.east))
        else:
            conds += [Item.west <= b.east, Item.east >= b.west]
    if q.interval is not None:
        start, end = q.interval
        conds.append(Item.start_datetime.is_not(None))
        if end is not None:
            conds.append(Item.start_datetime <= end)
        if start is not None:
            conds.append(Item.end_datetime >= start)
    return conds


class CatalogStore:
    """STAC collections and items."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._recent: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def recent(self, collection_id: str, item_id: str, *, max_age_s: float = 5.0) -> dict[str, Any] | None:
        """The item if fetched less than ``max_age_s`` ago, without touching the database; else ``None``."""
        hit = self._recent.get((collection_id, item_id))
        return hit[1] if hit is not None and time.monotonic() - hit[0] < max_age_s else None

    def item_cached(self, collection_id: str, item_id: str, *, max_age_s: float = 5.0) -> dict[str, Any]:
        """:meth:`item`, answered from memory when fetched less than ``max_age_s`` ago (for tile requests)."""
        key = (collection_id, item_id)
        now = time.monotonic()
        hit = self._recent.get(key)
        if hit is not None and now - hit[0] < max_age_s:
            return hit[1]
        doc = self.item(collection_id, item_id)
        if len(self._recent) > 10_000:
            self._recent.clear()
        self._recent[key] = (now, doc)
        return doc

    def upsert_collection(self, doc: Mapping[str, Any]) -> None:
        def work(s: Session) -> None:
            row = s.get(Collection, doc["id"])
            if row is None:
                s.add(Collection(id=doc["id"], doc=dict(doc)))
            else:
                row.doc = dict(doc)

        self._store.transact(work)

    def upsert_item(
        self, doc: Mapping[str, Any], *, collection_doc: Mapping[str, Any] | None = None, run_id: int | None = None
    ) -> None:
        """Insert or replace an item (its collection must exist, or be given as ``collection_doc``)."""
        index = item_index(doc)
        collection_id = doc["collection"]

        def work(s: Session) -> None:
            if collection_doc is not None and s.get(Collection, collection_id) is None:
                s.add(Collection(id=collection_id, doc=dict(collection_doc)))
                s.flush()
            elif s.get(Collection, collection_id) is None:
                raise NotFoundError(f"collection {collection_id!r} does not exist", collection=collection_id)
            row = s.get(Item, (collection_id, doc["id"]))
            if row is None:
                s.add(Item(collection_id=collection_id, id=doc["id"], doc=dict(doc), run_id=run_id, **index))
            else:
                row.doc = dict(doc)
                row.run_id = run_id if run_id is not None else row.run_id
                for key, value in index.items():
                    setattr(row, key, value)

        self._store.transact(work)

    def collections(self) -> list[dict[str, Any]]:
        """Every collection, with its extent computed from its items."""

        def work(s: Session) -> list[dict[str, Any]]:
            extents = {
                row[0]: row[1:]
                for row in s.execute(
                    select(
                        Item.collection_id,
                        func.min(Item.west),
                        func.min(Item.south),
                        func.max(Item.east),
                        func.max(Item.north),
                        func.min(Item.start_datetime),
                        func.max(Item.end_datetime),
                    ).group_by(Item.collection_id)
                )
            }
            out = []
            for row in s.scalars(select(Collection).order_by(Collection.id)):
                doc = dict(row.doc)
                if row.id in extents:
                    w, so, e, n, t0, t1 = extents[row.id]
                    doc["extent"] = {
                        "spatial": {"bbox": [[w, so, e, n]]},
                        "temporal": {"interval": [[_iso(t0), _iso(t1)]]},
                    }
                out.append(doc)
            return out

        return self._store.transact(work)

    def collection(self, collection_id: str) -> dict[str, Any]:
        for doc in self.collections():
            if doc["id"] == collection_id:
                return doc
        raise NotFoundError(
            f"collection {collection_id!r} does not exist",
            hint="List collections at /stac/collections",
            collection=collection_id,
        )

    def item(self, collection_id: str, item_id: str) -> dict[str, Any]:
        row = self._store.transact(lambda s: s.get(Item, (collection_id, item_id)))
        if row is None:
            raise NotFoundError(
                f"item {item_id!r} does not exist in collection {collection_id!r}",
                hint=f"Search items at /stac/collections/{collection_id}/items",
                collection=collection_id,
                item=item_id,
            )
        return dict(row.doc)

    def search(self, q: SearchQuery) -> SearchPage:
        conds = _filters(q)

        def work(s: Session) -> SearchPage:
            where = and_(*conds) if conds else and_(True)
            matched = s.scalar(select(func.count()).select_from(Item).where(where)) or 0
            stmt = (
                select(Item.doc)
                .where(where)
                .order_by(Item.start_datetime.desc().nulls_last(), Item.collection_id, Item.id)
                .offset(q.offset)
                .limit(q.limit)
            )
            return SearchPage([dict(d) for d in s.scalars(stmt)], matched, q)

        return self._store.transact(work)

    def count(self) -> int:
        return self._store.transact(lambda s: s.scalar(select(func.count()).select_from(Item)) or 0)
