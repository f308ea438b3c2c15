"""Fixtures every test folder may use."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _helper(file: str, name: str) -> ModuleType:
    """A helper module of ``tests/`` (no package: loaded by path, once)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(file))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def pipeline_example() -> ModuleType:
    """``tests/pipeline_example.py``: what the tests of ``examples/pipeline.py``
    share on every tracker."""
    return _helper("pipeline_example.py", "gadget_tests_pipeline_example")


@pytest.fixture(scope="session")
def copy_studio() -> ModuleType:
    """``tests/copy_studio.py``: the source project of the ``gadget copy`` tests
    and the round-trip check, on every tracker."""
    return _helper("copy_studio.py", "gadget_tests_copy_studio")
