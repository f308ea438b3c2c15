"""The public API a Python user expects: sessions that close, typed writes,
loaded lists that are sequences, a team collection, tracker options.

Behaviour every tracker shares is proved by the contract suite; these tests
cover what is the session's own (settings, context managers, types).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest

import gadget
from gadget import ConfigError, NotFound, Project, TrackerConfig, TrackerUnavailable
from gadget.config import ENV_VARS
from gadget.session import Session
from gadget.trackers import registry


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


# -- item 11 (d): tracker options through connect() -------------------------------
class TestOptions:
    def test_local_options_reach_the_tracker(self, sqlite_url: str) -> None:
        path = sqlite_url.removeprefix("sqlite:///")
        with gadget.connect(sqlite_url, options={"journal_mode": "DELETE", "timeout": 0}) as s:
            assert dict(s.config.options) == {"journal_mode": "DELETE", "timeout": 0}
            assert s.tracker._db.timeout == 0  # type: ignore[attr-defined]
            s.projects.new(name="Shared", production_type="short")
            journal = sqlite3.connect(path)
            try:
                assert journal.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
                journal.execute("BEGIN IMMEDIATE")  # another process holds the write lock
                with pytest.raises(TrackerUnavailable):
                    s.projects.new(name="Blocked", production_type="short")  # timeout 0: no wait
            finally:
                journal.rollback()
                journal.close()
            assert [p.name for p in s.projects.refresh()] == ["Shared"]

    def test_options_add_to_those_of_a_config(self, sqlite_url: str) -> None:
        config = TrackerConfig(url=sqlite_url, options={"journal_mode": "DELETE"})
        with gadget.connect(config=config, options={"timeout": 2}) as session:
            assert dict(session.config.options) == {"journal_mode": "DELETE", "timeout": 2}
        assert dict(config.options) == {"journal_mode": "DELETE"}  # the config is not changed

    @pytest.mark.parametrize(
        ("url", "known"),
        [
            ("memory://", "journal_mode, timeout"),
            (
                "kitsu+http://127.0.0.1:9/api",
                "connect_timeout, deadline, retries, seconds_per_mb, ssl_verify, timeout, zou_version",
            ),
        ],
    )
    def test_an_unknown_option_names_the_known_ones(self, url: str, known: str) -> None:
        with pytest.raises(ConfigError) as info:
            gadget.connect(url, login="a@b.com", password="x", options={"timout": 30})
        message = str(info.value)
        assert "'timout'" in message
        assert f"(its options: {known})" in message

    @pytest.mark.parametrize(
        ("url", "options", "named"),
        [
            ("memory://", {"timeout": "10"}, "timeout"),
            ("memory://", {"timeout": -1}, "timeout"),
            ("memory://", {"journal_mode": "OFF"}, "journal_mode"),
            ("kitsu+http://127.0.0.1:9/api", {"timeout": 0}, "timeout"),
            ("kitsu+http://127.0.0.1:9/api", {"deadline": "long"}, "deadline"),
            ("kitsu+http://127.0.0.1:9/api", {"connect_timeout": -2}, "connect_timeout"),
            ("kitsu+http://127.0.0.1:9/api", {"seconds_per_mb": True}, "seconds_per_mb"),
            ("kitsu+http://127.0.0.1:9/api", {"retries": -1}, "retries"),
            ("kitsu+http://127.0.0.1:9/api", {"retries": 2.5}, "retries"),
            ("kitsu+http://127.0.0.1:9/api", {"ssl_verify": "false"}, "ssl_verify"),
        ],
    )
    def test_bad_values_are_config_errors(
        self, url: str, options: dict[str, Any], named: str
    ) -> None:
        with pytest.raises(ConfigError, match=named):
            gadget.connect(url, login="a@b.com", password="x", options=options)

    def test_options_must_be_a_mapping(self) -> None:
        with pytest.raises(ConfigError, match="mapping"):
            gadget.connect("memory://", options=[("timeout", 3)])  # type: ignore[arg-type]

    def test_kitsu_options_reach_its_connection(self) -> None:
        config = TrackerConfig(url="kitsu+http://127.0.0.1:9/api", login="a@b.com", password="x")
        options = {"timeout": 7, "deadline": 90, "connect_timeout": 3, "retries": 1}
        config = attrs.evolve(config, options={**options, "seconds_per_mb": 5})
        tracker = registry.resolve(config.url)(config)  # built, not opened: no request
        http = tracker.connection.session
        assert (http.timeout, http.call_deadline, http.connect_timeout) == (7, 90, 3)
        assert (http.retries, http.per_mb) == (1, 5)

    def test_project_from_env_passes_options(self, env_project: str) -> None:
        with Project.from_env(options={"journal_mode": "DELETE"}, cache=False) as project:
            assert dict(project.session.config.options) == {"journal_mode": "DELETE"}
            assert not project.session._cache_on
        with pytest.raises(ConfigError, match="'journal'"):
            Project.from_env(options={"journal": "DELETE"})


# -- issue 10: time bounds and transport settings --------------------------------------
class TestTimeSettings:
    def test_environment_sets_timeout_deadline_ca_bundle_and_proxy(
        self, env_project: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TRACKER_TIMEOUT", "12.5")
        monkeypatch.setenv("TRACKER_DEADLINE", "40")
        monkeypatch.setenv("TRACKER_CA_BUNDLE", "/etc/studio/ca.pem")
        monkeypatch.setenv("TRACKER_PROXY", "http://pipe:S3cret@proxy.studio:3128")
        config = gadget.config.load_config()
        assert (config.timeout, config.deadline) == (12.5, 40.0)
        assert config.ca_bundle == "/etc/studio/ca.pem"
        assert config.proxy == "http://pipe:S3cret@proxy.studio:3128"
        assert "S3cret" not in repr(config)  # a proxy's password is a secret too

    @pytest.mark.parametrize(
        ("var", "value"), [("TRACKER_TIMEOUT", "soon"), ("TRACKER_DEADLINE", "0")]
    )
    def test_a_bad_number_of_seconds_names_its_variable(
        self, env_project: str, monkeypatch: pytest.MonkeyPatch, var: str, value: str
    ) -> None:
        monkeypatch.setenv(var, value)
        with pytest.raises(ConfigError, match=f"{var} \\(from environment\\)"):
            gadget.config.load_config()

    def test_connect_arguments_win_over_the_environment(
        self, env_project: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TRACKER_TIMEOUT", "12")
        with gadget.connect(timeout=3, deadline=7) as session:
            assert (session.config.timeout, session.config.deadline) == (3, 7)
        with pytest.raises(ConfigError, match="deadline is a number of seconds"):
            gadget.connect(env_project, deadline=-1)

    def test_kitsu_reads_them_and_its_options_win(self) -> None:
        url = "kitsu+http://127.0.0.1:9/api"
        config = TrackerConfig(url=url, login="a@b.com", password="x", timeout=11, deadline=22)
        http = registry.resolve(url)(config).connection.session  # built: no request
        assert (http.timeout, http.call_deadline) == (11, 22)
        config = attrs.evolve(config, options={"timeout": 5})
        http = registry.resolve(url)(config).connection.session
        assert (http.timeout, http.call_deadline) == (5, 22)

    def test_the_local_tracker_waits_for_its_lock_no_longer_than_the_deadline(self) -> None:
        tracker = registry.resolve("memory://")
        assert tracker(TrackerConfig(url="memory://"))._db.timeout == 10  # its own default
        assert tracker(TrackerConfig(url="memory://", timeout=60))._db.timeout == 60
        assert tracker(TrackerConfig(url="memory://", timeout=60, deadline=4))._db.timeout == 4
        config = TrackerConfig(url="memory://", deadline=4, options={"timeout": 30})
        assert tracker(config)._db.timeout == 30  # the tracker's option wins

    def test_session_deadline_checks_its_seconds(self) -> None:
        with gadget.connect("memory://") as session:
            with session.deadline(5):  # the local tracker has nothing to bound: no effect
                assert session.projects.new(name="Quick").name == "Quick"
            for bad in (0, -1, "5", True):
                with pytest.raises(gadget.ValidationError, match="deadline"):
                    session.deadline(bad)  # type: ignore[arg-type]
