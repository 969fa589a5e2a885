"""The store: one SQLAlchemy engine, transactions with retries, migrations, API keys.

SQLite in one file by default (``data_dir/spacebridge.sqlite``, WAL journal, foreign keys on, a busy timeout),
PostgreSQL when given a ``postgresql+psycopg://`` URL. Every unit of work goes through :meth:`Store.transact`,
which retries it when the database is locked or briefly unreachable and raises
:class:`~spacebridge.core.errors.ServiceUnavailableError` when it stays so: a write is either committed whole or
not at all, never half-recorded. The table-specific queries live in the ``store_*`` modules; this module is the
only place that creates engines.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from spacebridge.core.errors import AuthenticationError, ConfigurationError, ServiceUnavailableError
from spacebridge.service.models import ApiKey, utcnow

if TYPE_CHECKING:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store_alerts import AlertStore
    from spacebridge.service.store_catalog import CatalogStore
    from spacebridge.service.store_watch import WatchStore

__all__ = ["Store", "hash_key"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_KEY_PREFIX = "sb_"


def hash_key(key: str, salt: str) -> str:
    """HMAC-SHA256 of an API key with its salt (keys are 256-bit random, so no slow KDF is needed; decision 0402)."""
    return hmac.new(salt.encode(), key.encode(), hashlib.sha256).hexdigest()


def _is_transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return True
    text = str(exc.orig).lower()
    return "locked" in text or "could not connect" in text or "connection" in text


class Store:
    """Access to the service database.

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///path.sqlite`` or ``postgresql+psycopg://user@host:port/db``).
    retries
        How many times a unit of work is retried when the database is locked or unreachable.
    retry_wait_s
        First wait between retries in seconds; doubled at each retry.
    busy_timeout_s
        How long one attempt waits for a lock (SQLite) or a connection (PostgreSQL) before it counts as failed.
    pool_size
        Database connections kept open, and as many more opened for bursts. It should cover the threads that use
        the store at once (the API's request threads, :data:`spacebridge.api.app.REQUEST_THREADS`, plus the run
        threads): a connection beyond ``pool_size`` is closed after each use, and under load reopening them
        (file open and pragmas on SQLite, a new server process on PostgreSQL) cost more than the queries.
    """

    def __init__(
        self,
        url: str,
        *,
        retries: int = 4,
        retry_wait_s: float = 0.1,
        busy_timeout_s: float = 2.0,
        pool_size: int = 20,
    ) -> None:
        self.url = url
        self.retries = retries
        self.retry_wait_s = retry_wait_s
        self.engine = _make_engine(url, busy_timeout_s, pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> Store:
        """Open (and by default migrate) the database named by ``settings``."""
        if settings.db_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = cls(settings.resolved_db_url)
        if migrate:
            store.migrate()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""
        from spacebridge.service.migrate import upgrade

        self.ping()
        upgrade(self.engine)

    def ping(self) -> None:
        """Check that the database answers (with retries); raise :class:`ServiceUnavailableError` if not."""
        self.transact(lambda s: s.execute(text("SELECT 1")))

    def close(self) -> None:
        self.engine.dispose()

    def transact(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in one transaction; retry it on transient database errors.

        Raises
        ------
        ServiceUnavailableError
            The database stayed locked or unreachable through every retry.
        """
        wait_s = self.retry_wait_s
        for attempt in range(self.retries + 1):
            try:
                with self._sessions() as session, session.begin():
                    return work(session)
            except DBAPIError as exc:
                if not _is_transient(exc):
                    raise
                if attempt == self.retries:
                    raise ServiceUnavailableError(
                        f"the database is locked or unreachable after {attempt + 1} attempts"
                        f" ({type(exc.orig).__name__})",
                        hint="Retry in a few seconds; if it persists, check the database server or the file's lock",
                        dialect=self.dialect,
                        attempts=attempt + 1,
                    ) from exc
                log.warning("database busy or unreachable (%s), retrying in %.2f s", exc.orig, wait_s)
                time.sleep(wait_s)
                wait_s *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    @cached_property
    def catalog(self) -> CatalogStore:
        from spacebridge.service.store_catalog import CatalogStore

        return CatalogStore(self)

    @cached_property
    def watch(self) -> WatchStore:
        from spacebridge.service.store_watch import WatchStore

        return WatchStore(self)

    @cached_property
    def alerts(self) -> AlertStore:
        from spacebridge.service.store_alerts import AlertStore

        return AlertStore(self)

    # API keys -----------------------------------------------------------------------------------------------
    def create_key(self, name: str) -> str:
        """Create an API key named ``name``; return the clear key (shown once, stored only as a hash)."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        key = f"{_KEY_PREFIX}{prefix}_{secret}"
        salt = secrets.token_hex(16)
        row = ApiKey(prefix=prefix, salt=salt, hash=hash_key(key, salt), name=name)
        self.transact(lambda s: s.add(row))
        return key

    def check_key(self, key: str | None) -> str:
        """Return the name of the valid key ``key``; raise :class:`AuthenticationError` otherwise."""
        hint = "Send 'Authorization: Bearer <key>' with a key made by 'spacebridge keys create'"
        if not key:
            raise AuthenticationError("this request changes data and needs an API key", hint=hint)
        parts = key.split("_")
        if len(parts) < 3 or not key.startswith(_KEY_PREFIX):
            raise AuthenticationError("the API key is malformed", hint=hint)
        prefix = parts[1]

        def find(s: Session) -> ApiKey | None:
            return s.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)))

        row = self.transact(find)
        if row is None or not hmac.compare_digest(row.hash, hash_key(key, row.salt)):
            raise AuthenticationError("the API key is unknown or revoked", hint=hint)
        return row.name

    def list_keys(self) -> list[dict[str, Any]]:
        rows = self.transact(lambda s: list(s.scalars(select(ApiKey).order_by(ApiKey.id))))
        return [
            {"name": r.name, "prefix": r.prefix, "created_at": r.created_at, "revoked": r.revoked_at is not None}
            for r in rows
        ]

    def revoke_key(self, prefix: str) -> None:
        from spacebridge.core.errors import NotFoundError

        def revoke(s: Session) -> None:
            row = s.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
            if row is None:
                raise NotFoundError(f"no API key with prefix {prefix!r}", hint="List keys with 'spacebridge keys list'")
            row.revoked_at = utcnow()

        self.transact(revoke)


def _make_engine(url: str, busy_timeout_s: float, pool_size: int) -> Engine:
    if url.startswith("sqlite"):
        pool: dict[str, Any] = {}
        if url.startswith("sqlite:///") and url != "sqlite://" and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": pool_size, "max_overflow": pool_size}  # a file: QueuePool (memory: one connection)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"connect_timeout": max(1, round(busy_timeout_s))},
        )
    raise ConfigurationError(
        f"database URL {url!r} is not SQLite nor PostgreSQL",
        hint="Use sqlite:///path/to/file.sqlite or postgresql://user@host:port/dbname",
        value=url,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
