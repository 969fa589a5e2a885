"""The execution switch: threads by default, a local cluster with --workers, a remote scheduler with --dask."""

from __future__ import annotations

import dask
import dask.array as da
import pytest

from spacebridge.core.errors import ConfigurationError, ServiceUnavailableError
from spacebridge.core.execution import check_dask_address, execution
from spacebridge.core.settings import Settings


def test_default_is_the_threaded_scheduler():
    with execution(Settings()) as ex:
        assert ex.kind == "threads"
        assert ex.client is None
        assert not ex.distributed
        assert int(da.ones(10, chunks=5).sum().compute()) == 10


@pytest.mark.slow
def test_workers_start_a_local_cluster_used_by_plain_compute():
    with execution(Settings(workers=2)) as ex:
        assert ex.kind == "local-cluster"
        assert ex.address.startswith("tcp://127.0.0.1:")
        info = ex.client.scheduler_info(n_workers=-1)["workers"]
        assert len(info) == 2
        assert all(w["nthreads"] == 1 for w in info.values())
        # a plain .compute() inside the block runs on the cluster (the client is the default scheduler)
        assert dask.config.get("scheduler") == "dask.distributed"
        assert int(da.ones(100, chunks=10).sum().compute()) == 100
        assert ex.describe() == {"kind": "local-cluster", "address": ex.address, "n_workers": 2}
    assert dask.config.get("scheduler", None) != "dask.distributed"


def test_address_wins_over_workers_and_an_unreachable_scheduler_is_a_clear_error():
    settings = Settings(dask_address="tcp://127.0.0.1:9", workers=2)  # port 9 (discard): nothing listens
    expected = r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
    with pytest.raises(ServiceUnavailableError, match=expected) as e, execution(settings, connect_timeout_s=1.0):
        pass
    assert e.value.context["address"] == "tcp://127.0.0.1:9"
    assert "dask scheduler" in str(e.value)


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "http://host:8786", "tcp://", "host"])
def test_malformed_addresses_are_configuration_errors(address):
    with pytest.raises(ConfigurationError, match="is not a Dask scheduler address") as e:
        check_dask_address(address)
    assert e.value.context["value"] == address


@pytest.mark.parametrize("workers", [0, -2])
def test_worker_count_below_one_is_refused_before_starting_anything(workers):
    with pytest.raises(ConfigurationError, match=f"workers={workers}"), execution(Settings(workers=workers)):
        pass
