"""The examples in the docstrings of the flood and products modules run and give what they show."""

import doctest
import importlib

import pytest

MODULES = [
    "spacebridge.earth.flood",
    "spacebridge.earth.flood.change",
    "spacebridge.earth.flood.ensemble",
    "spacebridge.earth.flood.pipeline",
    "spacebridge.earth.flood.sar",
    "spacebridge.earth.flood.thresholds",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
