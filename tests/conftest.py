"""Fixtures every test folder may use."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

#: hosts the tests talk to: never through a proxy of the environment
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def pytest_configure(config: pytest.Config) -> None:
    """Keep loopback traffic off any HTTP(S) proxy the environment sets (a CI runner's)."""
    for var in ("NO_PROXY", "no_proxy"):
        hosts = [h for h in os.environ.get(var, "").split(",") if h.strip()]
        os.environ[var] = ",".join([*hosts, *(h for h in LOOPBACK if h not in hosts)])


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


@dataclass
class Ran:
    """What one run of the ``gadget`` command did."""

    args: list[str]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


GadgetCommand = Callable[..., Ran]


@pytest.fixture
def gadget_command() -> GadgetCommand:
    """Run ``python -m gadget ARGS`` (the real entry point) in a child process.

    The child gets this process's environment as the test set it, 200
    columns, and ``env`` on top (a None value unsets the variable).
    """

    def run(
        *args: str,
        env: Mapping[str, str | None] | None = None,
        cwd: Path | None = None,
        timeout: float = 300,
    ) -> Ran:
        environ = {**os.environ, "COLUMNS": "200"}
        for name, value in (env or {}).items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        done = subprocess.run(
            [sys.executable, "-m", "gadget", *args],
            capture_output=True,
            text=True,
            env=environ,
            cwd=cwd,
            timeout=timeout,
        )
        return Ran(list(args), done.returncode, done.stdout, done.stderr)

    return run
