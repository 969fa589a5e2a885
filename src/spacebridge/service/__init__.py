"""The monitoring service: the store (SQLAlchemy + Alembic), STAC ingest, rules, alerts, deliveries, the runner.

Heavy modules are imported lazily by their users; this package's public names are listed in ``__all__``.
"""

from __future__ import annotations

from spacebridge.service.stac_query import SearchQuery
from spacebridge.service.store import Store

__all__ = ["SearchQuery", "Store"]
