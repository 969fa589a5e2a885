"""Test-session set-up shared by every test.

- The network is blocked except loopback (pytest-socket, configured in pyproject.toml).
- Warnings are errors (pyproject.toml names the few ignored ones).
- ``EXAMPLES`` points at the bundled real data in ``examples/data``.
- The database fixtures (``db_url``, ``postgres_server``) are registered here, once: imported by two package
  conftests they were two fixtures, and the session started (and deleted) two PostgreSQL clusters.
- Hypothesis runs derandomised and without per-example deadlines: CI machines are shared and a timing
  deadline or a new random seed must never turn a green commit red. Failing examples are still shrunk and
  printed; run with ``--hypothesis-profile=explore`` to search with fresh random seeds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from tests.dbfixtures import db_url, postgres_server  # noqa: F401  (fixtures: one PostgreSQL server per session)

settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "data"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The bundled real data."""
    return EXAMPLES
