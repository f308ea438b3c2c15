"""The public API a Python user expects: sessions that close, typed writes,
loaded lists that are sequences, a team collection, tracker options.

Behaviour every tracker shares is proved by the contract suite; these tests
cover what is the session's own (settings, context managers, types).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget import NotFound, Project, TrackerUnavailable
from gadget.config import ENV_VARS
from gadget.session import Session


@pytest.fixture
def env_project(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """TRACKER_URL and TRACKER_PROJECT naming a project in a local database."""
    with gadget.connect(sqlite_url) as session:
        session.projects.new(name="Closing", production_type="short")
    monkeypatch.chdir(tmp_path)  # no adm_env.yml of the repository
    for var in (*ENV_VARS, "GADGET_ENV_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TRACKER_URL", sqlite_url)
    monkeypatch.setenv("TRACKER_PROJECT", "Closing")
    return sqlite_url


# -- item 10: a project closes the session it opened -----------------------------
class TestClosing:
    def test_with_project_from_env_closes_its_session(self, env_project: str) -> None:
        with Project.from_env() as project:
            session = project.session
            assert project.name == "Closing"
            assert not session.closed
            assert len(project.sequences) == 0  # the tracker answers within the block
        assert session.closed
        with pytest.raises(TrackerUnavailable, match="session is closed"):
            len(project.shots)  # nothing cached: the closed tracker is asked
        session.close()  # closing again is harmless
        assert session.closed

    def test_the_session_closes_on_an_error_too(self, env_project: str) -> None:
        with pytest.raises(KeyError), Project.from_env() as project:
            raise KeyError("boom")
        assert project.session.closed

    def test_a_project_not_found_leaves_no_session_open(
        self, env_project: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        opened: list[Session] = []
        connect = gadget.session.connect

        def recording(**kwargs: Any) -> Session:
            opened.append(connect(**kwargs))
            return opened[-1]

        monkeypatch.setattr(gadget.session, "connect", recording)
        monkeypatch.setenv("TRACKER_PROJECT", "Nowhere")
        with pytest.raises(NotFound, match="Nowhere"):
            Project.from_env()
        assert len(opened) == 1
        assert opened[0].closed

    def test_close_is_idempotent(self) -> None:
        session = gadget.connect("memory://")
        with session:
            session.projects.new(name="Once", production_type="short")
        assert session.closed
        session.close()
        with pytest.raises(TrackerUnavailable):
            session.task_types.all()
