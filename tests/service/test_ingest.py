import json

import pytest

from spacebridge.service.ingest import find_catalogs, ingest_folder
from spacebridge.service.stac_query import SearchQuery
from spacebridge.service.store import Store
from tests.service.products import make_catalog


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    root = tmp_path_factory.mktemp("products")
    make_catalog(root / "demo")
    return root


def test_ingest_is_idempotent_and_hrefs_absolute(products, db_url):
    store = Store(db_url)
    store.migrate()
    first = ingest_folder(store, products)
    second = ingest_folder(store, products)
    assert first.items == second.items == 4
    assert store.catalog.count() == 4
    assert {c["id"] for c in store.catalog.collections()} == {"test-vv", "test-water"}
    doc = store.catalog.item("test-water", "water-2019-09-17")
    href = doc["assets"]["data"]["href"]
    assert href.startswith("/")
    assert href.endswith("water.tif")
    page = store.catalog.search(SearchQuery(bbox=None, collections=("test-vv",)))
    assert [d["id"] for d in page.items] == ["vv-2019-09-29", "vv-2019-09-17"]
    store.close()


def test_unreadable_catalog_is_skipped_not_fatal(products, tmp_path, db_url):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "catalog.json").write_text("{not json")
    (tmp_path / ".staging-x").mkdir()
    (tmp_path / ".staging-x" / "catalog.json").write_text(json.dumps({}))
    store = Store(db_url)
    store.migrate()
    assert find_catalogs(tmp_path) == [tmp_path / "broken" / "catalog.json"]
    report = ingest_folder(store, tmp_path)
    assert report.items == 0
    assert "broken" in report.skipped[0]
    store.close()
