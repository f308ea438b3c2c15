"""Fixtures of the CLI tests: an isolated environment and a demo studio.

Every test runs in its own working directory with no TRACKER_* variable and
no adm_env.yml, so the settings of the developer's shell never leak in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gadget.cli import main
from gadget.cli._demo import db_url
from gadget.config import ENV_VARS

VARIABLES = (*ENV_VARS, "GADGET_ENV_FILE")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean working directory and environment (wide columns: no "…" in tables;
    the outbox in the test's own folder)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    # a publish's outbox stays in the test's folder, never the user data folder
    monkeypatch.setenv("GADGET_OUTBOX_DIR", str(tmp_path / "outbox"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo studio, built once for the read-only tests."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    saved = {name: os.environ.pop(name) for name in VARIABLES if name in os.environ}
    try:
        assert main(["demo", "--db", str(path)]) == 0
    finally:
        os.environ.update(saved)
    return path


@pytest.fixture
def demo_env(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TRACKER_URL / TRACKER_PROJECT pointing at the demo studio."""
    monkeypatch.setenv("TRACKER_URL", db_url(demo_db))
    monkeypatch.setenv("TRACKER_PROJECT", "Demo")
    return demo_db
