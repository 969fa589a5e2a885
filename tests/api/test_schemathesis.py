"""Property-based run of schemathesis against the API's own OpenAPI: no input makes the server fail (5xx).

Bounded: a fixed number of examples per operation, SQLite only, writes authorised with a real key so that the
generated bodies reach the validation and the store.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from spacebridge.api import create_app
from spacebridge.core.settings import Settings
from spacebridge.service.ingest import ingest_folder
from spacebridge.service.store import Store


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, product_catalog):
    data = tmp_path_factory.mktemp("schemathesis")
    store = Store(f"sqlite:///{data / 'db.sqlite'}")
    store.migrate()
    ingest_folder(store, product_catalog)
    app = create_app(Settings(data_dir=data, max_request_bytes=100_000), store=store, ingest=False)
    key = store.create_key("schemathesis")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.headers = {"Authorization": f"Bearer {key}"}
    return schema


@pytest.mark.slow
def test_no_server_errors(api_schema):
    """Every operation, ``max_examples`` generated requests each; collects every 5xx before failing."""
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # collect, to report every failing operation at once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    assert failures == []
