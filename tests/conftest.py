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
