import datetime as dt
import sqlite3
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from spacebridge.core.errors import AuthenticationError, InvalidAOIError, NotFoundError, ServiceUnavailableError
from spacebridge.core.geo import BBox
from spacebridge.service.models import Base
from spacebridge.service.stac_query import SearchQuery, parse_interval
from spacebridge.service.store import Store
from tests.service.stac_fixtures import collection, item


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


def test_migrations_build_exactly_the_models(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_migrate_twice_is_harmless(store):
    store.migrate()
    assert store.catalog.count() == 0


def test_keys_are_stored_hashed_and_checked(store):
    key = store.create_key("duty office")
    assert key.startswith("sb_")
    assert store.check_key(key) == "duty office"
    with store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.exec_driver_sql("SELECT prefix, salt, hash FROM api_keys")]
    assert all(key not in "".join(row) for row in stored)
    with pytest.raises(AuthenticationError, match="unknown or revoked"):
        store.check_key(key[:-2] + "xx")
    with pytest.raises(AuthenticationError, match="needs an API key"):
        store.check_key(None)
    store.revoke_key(key.split("_")[1])
    with pytest.raises(AuthenticationError):
        store.check_key(key)


def _fill(store):
    store.catalog.upsert_collection(collection())
    store.catalog.upsert_item(item("spain", (-1.0, 38.0, -0.8, 38.2), "2019-09-18T10:56:21Z"))
    store.catalog.upsert_item(item("fiji", (178.0, -18.5, -179.0, -16.0), "2020-01-01T00:00:00Z"))
    store.catalog.upsert_item(item("aral", (58.0, 43.0, 62.0, 47.0), "2024-04-01T06:00:00Z"))


def _ids(page):
    return sorted(d["id"] for d in page.items)


def test_search_by_bbox_including_the_antimeridian(store):
    _fill(store)
    assert _ids(store.catalog.search(SearchQuery(bbox=BBox(-2, 37, 0, 39)))) == ["spain"]
    # a query box crossing the date line finds the item that crosses it, and only it
    assert _ids(store.catalog.search(SearchQuery(bbox=BBox(179, -20, -178, -10)))) == ["fiji"]
    assert _ids(store.catalog.search(SearchQuery(bbox=BBox(170, -20, 179.5, -10)))) == ["fiji"]
    assert _ids(store.catalog.search(SearchQuery(bbox=BBox(10, 10, 20, 20)))) == []


def test_search_by_datetime_collection_and_ids(store):
    _fill(store)
    q = SearchQuery(interval=parse_interval("2019-09-01T00:00:00Z/2019-09-30T00:00:00Z"))
    assert _ids(store.catalog.search(q)) == ["spain"]
    assert _ids(store.catalog.search(SearchQuery(interval=parse_interval("2020-01-01T00:00:00Z/..")))) == [
        "aral",
        "fiji",
    ]
    assert _ids(store.catalog.search(SearchQuery(collections=("nope",)))) == []
    assert _ids(store.catalog.search(SearchQuery(ids=("aral",)))) == ["aral"]


def test_search_pages_are_stable_and_complete(store):
    store.catalog.upsert_collection(collection())
    for i in range(23):
        store.catalog.upsert_item(item(f"i{i:02d}", (0, 0, 1, 1), f"2020-01-{1 + i:02d}T00:00:00Z"))
    seen, offset = [], 0
    while True:
        page = store.catalog.search(SearchQuery(limit=5, offset=offset))
        assert page.matched == 23
        seen += [d["id"] for d in page.items]
        if page.next_token is None:
            break
        offset = int(page.next_token[1:])
    assert seen == [f"i{i:02d}" for i in reversed(range(23))]


def test_upsert_replaces_and_collection_extent_follows_items(store):
    _fill(store)
    store.catalog.upsert_item(item("spain", (-1.0, 38.0, -0.5, 38.5), "2019-09-18T10:56:21Z"))
    assert store.catalog.count() == 3
    assert store.catalog.item("flood-extent", "spain")["bbox"] == [-1.0, 38.0, -0.5, 38.5]
    ext = store.catalog.collection("flood-extent")["extent"]
    assert ext["temporal"]["interval"][0] == ["2019-09-18T10:56:21Z", "2024-04-01T06:00:00Z"]
    with pytest.raises(NotFoundError, match="nope"):
        store.catalog.item("flood-extent", "nope")
    with pytest.raises(NotFoundError):
        store.catalog.collection("nope")


def test_item_with_bad_bbox_is_refused_and_nothing_stored(store):
    store.catalog.upsert_collection(collection())
    bad = item("bad", (0, 0, 1, 1), "2020-01-01T00:00:00Z")
    bad["bbox"] = [0, 10, 1, 5]
    with pytest.raises(InvalidAOIError, match="south"):
        store.catalog.upsert_item(bad)
    assert store.catalog.count() == 0


def test_locked_sqlite_is_retried_then_reported_as_unavailable(tmp_path):
    path = tmp_path / "locked.sqlite"
    store = Store(f"sqlite:///{path}", retries=2, retry_wait_s=0.05, busy_timeout_s=0.1)
    store.migrate()
    store.catalog.upsert_collection(collection())
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(ServiceUnavailableError, match="locked or unreachable"):
        store.catalog.upsert_item(item("a", (0, 0, 1, 1), "2020-01-01T00:00:00Z"))
    # the lock is released while the store is retrying: the write goes through, once
    timer = threading.Timer(0.5, lambda: locker.execute("ROLLBACK"))
    timer.start()
    slow = Store(f"sqlite:///{path}", retries=6, retry_wait_s=0.1, busy_timeout_s=0.1)
    slow.catalog.upsert_item(item("a", (0, 0, 1, 1), "2020-01-01T00:00:00Z"))
    timer.join()
    locker.close()
    assert slow.catalog.count() == 1
    store.close()
    slow.close()


def test_unreachable_postgres_is_a_service_unavailable_error():
    store = Store("postgresql://nobody@127.0.0.1:9/none", retries=1, retry_wait_s=0.01)
    t0 = time.monotonic()
    with pytest.raises(ServiceUnavailableError) as info:
        store.migrate()
    assert info.value.context["attempts"] == 2
    assert time.monotonic() - t0 < 20


def test_datetimes_come_back_in_utc(store):
    _fill(store)
    page = store.catalog.search(SearchQuery(interval=(dt.datetime(2024, 4, 1, 6, tzinfo=dt.UTC),) * 2))
    assert _ids(page) == ["aral"]
