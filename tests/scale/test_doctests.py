"""The examples in the docstrings of the scale-out modules run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["spacebridge.core.execution", "spacebridge.earth.grid", "spacebridge.earth.mosaic"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
