"""Fixtures every test folder may use."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

#: hosts the tests talk to: never through a proxy of the environment
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def pytest_configure(config: pytest.Config) -> None:
    """Keep loopback traffic off any HTTP(S) proxy the environment sets (a CI runner's)."""
    for var in ("NO_PROXY", "no_proxy"):
        hosts = [h for h in os.environ.get(var, "").split(",") if h.strip()]
        os.environ[var] = ",".join([*hosts, *(h for h in LOOPBACK if h not in hosts)])


@pytest.fixture(scope="session")
def pipeline_example() -> ModuleType:
    """``tests/pipeline_example.py``: what the tests of ``examples/pipeline.py``
    share on every tracker (``tests/`` is no package: loaded by path, once)."""
    name = "gadget_tests_pipeline_example"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("pipeline_example.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
