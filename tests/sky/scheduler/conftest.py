"""The independent schedule checker lives in bench/ (shared with the scheduling benchmark)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_CHECKER = Path(__file__).resolve().parents[3] / "bench" / "_schedule_check.py"


@pytest.fixture(scope="session")
def checker():
    """``bench/_schedule_check.py``: astropy-only checks of a schedule document against its request document."""
    spec = importlib.util.spec_from_file_location("_schedule_check", _CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
