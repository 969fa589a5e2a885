"""The one execution switch: where dask computations run, chosen from :class:`~spacebridge.core.settings.Settings`.

Three cases, in this order of precedence:

1. ``settings.dask_address`` (``--dask tcp://host:8786`` or ``SPACEBRIDGE_DASK_ADDRESS``): connect a
   ``distributed.Client`` to that scheduler (any deployment: ``dask scheduler`` + ``dask worker`` on several hosts,
   dask-kubernetes, dask-jobqueue; see ``docs/cluster.md``);
2. ``settings.workers`` (``--workers N``): start a ``distributed.LocalCluster`` of ``N`` single-threaded worker
   processes on this machine, no dashboard;
3. otherwise: dask's threaded scheduler in this process (no cluster, nothing started).

In cases 1 and 2 the client is made the default dask scheduler for the duration of the ``with`` block, so every
``dask.compute`` / ``.compute()`` inside it runs on the cluster without code changes. Dask distributed is the engine:
there is no task system of our own.

Example
-------
>>> from spacebridge.core.settings import Settings
>>> with execution(Settings()) as ex:
...     ex.kind
'threads'
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from spacebridge.core.errors import ConfigurationError, ServiceUnavailableError
from spacebridge.core.settings import Settings

__all__ = ["DASK_SCHEMES", "Execution", "check_dask_address", "execution"]

log = logging.getLogger(__name__)

DASK_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")
"""Communication protocols a Dask scheduler address may use (``distributed.comm`` registry)."""

ExecutionKind = Literal["threads", "local-cluster", "cluster"]


@dataclass(frozen=True)
class Execution:
    """Where computations run: the kind, the ``distributed.Client`` (``None`` for threads) and its size."""

    kind: ExecutionKind
    client: Any | None
    """A ``distributed.Client`` connected to the scheduler, or ``None`` for the threaded scheduler."""
    address: str | None
    """Scheduler address (``tcp://...``) for the cluster kinds."""
    n_workers: int
    """Workers connected when the block started (for ``threads``: 1, this process)."""

    @property
    def distributed(self) -> bool:
        return self.client is not None

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description for logs and lineage."""
        return {"kind": self.kind, "address": self.address, "n_workers": self.n_workers}


def check_dask_address(address: str) -> str:
    """Return ``address`` if it looks like a Dask scheduler address, else raise :class:`ConfigurationError`.

    Examples
    --------
    >>> check_dask_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    scheme, sep, rest = address.partition("://")
    if not sep or scheme not in DASK_SCHEMES or not rest:
        raise ConfigurationError(
            f"dask_address={address!r} is not a Dask scheduler address",
            hint="Give it as tcp://HOST:PORT (the scheduler prints it at start, port 8786 by default), "
            "e.g. --dask tcp://10.0.0.5:8786 or SPACEBRIDGE_DASK_ADDRESS=tcp://10.0.0.5:8786",
            name="dask_address",
            value=address,
            schemes=list(DASK_SCHEMES),
        )
    return address


def _check_workers(workers: int) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigurationError(
            f"workers={workers!r} must be a whole number of at least 1",
            hint="Give the number of local worker processes, e.g. --workers 4 (about one per core)",
            name="workers",
            value=workers,
        )
    return workers


@contextlib.contextmanager
def _connect(address: str, timeout_s: float) -> Iterator[Execution]:
    from distributed import Client

    try:
        client = Client(address, timeout=timeout_s, set_as_default=True)
    except (OSError, TimeoutError) as exc:
        raise ServiceUnavailableError(
            f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s ({exc})",
            hint="Check that 'dask scheduler' runs there and that its port is open from this machine, "
            "or drop --dask / SPACEBRIDGE_DASK_ADDRESS to run here",
            address=address,
            timeout_s=timeout_s,
        ) from exc
    try:
        n = len(client.scheduler_info(n_workers=-1).get("workers", {}))
        log.info("connected to the Dask scheduler at %s (%d workers)", address, n)
        yield Execution("cluster", client, address, n)
    finally:
        client.close()


@contextlib.contextmanager
def _local_cluster(workers: int, memory_limit: str | int) -> Iterator[Execution]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # the scheduler's HTTP server (health, metrics) still starts without a dashboard; on its default port
            # 8787 a second cluster on the same machine would collide, so it gets a free loopback port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            memory_limit=memory_limit,
        ) as cluster,
        Client(cluster, set_as_default=True) as client,
    ):
        log.info("started a local Dask cluster of %d worker processes at %s", workers, cluster.scheduler_address)
        yield Execution("local-cluster", client, cluster.scheduler_address, workers)


@contextlib.contextmanager
def execution(
    settings: Settings,
    *,
    connect_timeout_s: float = 10.0,
    memory_limit: str | int = "auto",
) -> Iterator[Execution]:
    """Run the block on the execution back-end chosen by ``settings`` (see the module docstring).

    Parameters
    ----------
    settings
        ``dask_address`` wins over ``workers``; neither means the threaded scheduler.
    connect_timeout_s
        How long to wait for a remote scheduler, in seconds.
    memory_limit
        Per-worker memory limit of a local cluster (bytes or a string such as ``"2GiB"``; ``"auto"`` shares the
        machine's memory between the workers).

    Raises
    ------
    ConfigurationError
        A malformed address or a worker count below 1.
    ServiceUnavailableError
        The scheduler at ``dask_address`` cannot be reached.
    """
    if settings.dask_address:
        with _connect(check_dask_address(settings.dask_address), connect_timeout_s) as ex:
            yield ex
    elif settings.workers is not None:
        with _local_cluster(_check_workers(settings.workers), memory_limit) as ex:
            yield ex
    else:
        yield Execution("threads", None, None, 1)
