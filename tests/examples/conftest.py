"""Fixtures of the DCC hook tests: a local tracker, the examples importable
fresh, the "UI thread" (the fakes themselves: dcc_fakes.py)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from dcc_fakes import EXAMPLES, PROJECT, SEQUENCE, SHOT, TASK_TYPE, Studio, Ui

import gadget
from gadget.config import ENV_VARS


@pytest.fixture
def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Studio]:
    """A local tracker (SQLite in tmp_path) with MyShow/sq010/sq010_sh0010 and its
    Anim task, named by TRACKER_URL; the outbox in tmp_path."""
    for name in (*ENV_VARS, "GADGET_ENV_FILE"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with gadget.connect(url, create=True) as session:
        project = session.projects.new(name=PROJECT, production_type="featurefilm")
        session.task_types.ensure(name=TASK_TYPE, for_shots=True)
        shot = project.shots.new(name=SHOT, sequence=project.sequences.ensure(name=SEQUENCE))
        shot.tasks.new(task_type=TASK_TYPE)
    monkeypatch.setenv("TRACKER_URL", url)
    monkeypatch.setenv("GADGET_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.chdir(tmp_path)
    yield Studio(url, tmp_path / "prod")


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ModuleType]]:
    """Import an example module fresh (after the test put its fake DCC in
    sys.modules); the sessions dcc_common kept are closed at the end."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    loaded: list[str] = []

    def load(name: str) -> ModuleType:
        sys.modules.pop(name, None)
        loaded.append(name)
        return importlib.import_module(name)

    yield load
    common = sys.modules.get("dcc_common")
    if common is not None:
        common.close_projects()
    for name in [*loaded, "dcc_common"]:
        sys.modules.pop(name, None)


@pytest.fixture
def ui() -> Ui:
    return Ui()
