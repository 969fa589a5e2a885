"""Test-session set-up shared by every test.

- The network is blocked except loopback (pytest-socket, configured in pyproject.toml).
- Warnings are errors (pyproject.toml names the few ignored ones).
- ``EXAMPLES`` points at the bundled real data in ``examples/data``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "data"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The bundled real data."""
    return EXAMPLES
