"""The local tracker: URL forms, create=True, who it acts as, what a new database holds, roles.

Through the public ``gadget.connect()``, on SQLite files under tmp_path and on
memory://.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gadget
from gadget.errors import AuthenticationError, ConfigError
from gadget.testing import write_png
from gadget.trackers.base import CAPABILITIES

#: What a new Kitsu server (zou 1.0.97, ``zou init-data``) answers on GET
#: /data/task-status: short name -> (name, the flags gadget reads that are set).
#: Kitsu also sets is_default on "neutral", the default of its concept tasks
#: (gadget has none); the local tracker keeps "todo" its only default.
KITSU_STATUSES = {
    "todo": ("Todo", {"is_default"}),
    "wip": ("Work In Progress", {"is_wip"}),
    "wfa": ("Waiting For Approval", {"is_feedback_request"}),
    "retake": ("Retake", {"is_retake"}),
    "done": ("Done", {"is_done"}),
    "ready": ("Ready To Start", set()),
    "neutral": ("Neutral", set()),
    "approved": ("Approved", set()),
    "rejected": ("Rejected", set()),
}
#: ... and on GET /data/asset-types.
KITSU_ASSET_TYPES = {"Character", "Prop", "Environment", "FX"}
FLAGS = ("is_default", "is_wip", "is_feedback_request", "is_retake", "is_done")


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# -- a missing file ------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["studio.db", "new/folder/studio.db"])
def test_a_missing_file_is_an_error_and_nothing_is_created(tmp_path: Path, where: str) -> None:
    before = tree(tmp_path)
    db = tmp_path / where
    with pytest.raises(ConfigError) as info:
        gadget.connect(f"sqlite:///{db}")
    message = str(info.value)
    assert str(db) in message and "does not exist" in message
    assert "create=True" in message
    assert "sqlite:///x is relative" in message and "sqlite:////x is absolute" in message
    assert tree(tmp_path) == before  # no folder, no database, no -wal, no files folder


def test_a_missing_file_with_a_login_is_still_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        gadget.connect(f"sqlite:///{tmp_path / 'studio.db'}", login="lead@studio.example")
    assert tree(tmp_path) == []


def test_create_makes_the_folder_and_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new" / "folder" / "studio.db"
    with gadget.connect(f"sqlite:///{db}", create=True) as session:
        session.projects.new(name="Made", production_type="short")
    assert db.is_file()
    with gadget.connect(f"sqlite:///{db}") as again:  # now it exists: no create needed
        assert [p.name for p in again.projects] == ["Made"]
    with gadget.connect(f"sqlite:///{db}", create=True) as third:  # an existing file is kept
        assert [p.name for p in third.projects] == ["Made"]


# -- URL forms ----------------------------------------------------------------------------
def test_three_slashes_are_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(here)
    with gadget.connect("sqlite:///tmp/rel.db", create=True) as session:
        session.projects.new(name="Relative", production_type="short")
    assert (here / "tmp" / "rel.db").is_file()  # not /tmp/rel.db
    monkeypatch.chdir(elsewhere)
    with pytest.raises(ConfigError) as info:
        gadget.connect("sqlite:///tmp/rel.db")
    assert str(elsewhere / "tmp" / "rel.db") in str(info.value)
    assert tree(elsewhere) == []


def test_four_slashes_are_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "abs" / "studio.db"
    url = "sqlite:////" + db.as_posix().lstrip("/")
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    with gadget.connect(url, create=True) as session:
        session.projects.new(name="Absolute", production_type="short")
    assert db.is_file()
    assert tree(other) == []
    monkeypatch.chdir(tmp_path)
    with gadget.connect(url) as again:
        assert [p.name for p in again.projects] == ["Absolute"]


# -- who the tracker acts as ------------------------------------------------------------------
def test_create_with_a_login_makes_it_the_first_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with gadget.connect(url, login="lead@studio.example", create=True) as session:
        me = session.me
        assert (me.email, me.role) == ("lead@studio.example", "admin")
        assert [p.email for p in session.persons] == ["lead@studio.example"]
    with gadget.connect(url, login="lead@studio.example") as again:
        assert again.me.email == "lead@studio.example"
    with gadget.connect(url) as no_login:
        assert no_login.me.email == "lead@studio.example"


def test_create_without_a_login_makes_the_os_user_the_first_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    with gadget.connect(f"sqlite:///{tmp_path / 'studio.db'}", create=True) as session:
        assert (session.me.email, session.me.role) == ("alice@localhost", "admin")
        assert [p.email for p in session.persons] == ["alice@localhost"]


def test_an_unknown_login_is_an_authentication_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with gadget.connect(url, login="lead@studio.example", create=True) as session:
        session.persons.new(first_name="Jane", last_name="Doe", email="jane@studio.example")
    with gadget.connect(url, login="jane@studio.example") as jane:  # a known person: accepted
        assert jane.me.email == "jane@studio.example"
    for create in (False, True):  # create=True makes new databases, never new people
        with pytest.raises(AuthenticationError) as info:
            gadget.connect(url, login="typo@studio.example", create=create)
        assert "typo@studio.example" in str(info.value)
        assert "session.persons.new" in str(info.value)
    with gadget.connect(url) as session:
        assert "typo@studio.example" not in {p.email for p in session.persons}


def test_without_a_login_it_acts_as_the_first_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with gadget.connect(url, login="lead@studio.example", create=True) as session:
        session.persons.new(first_name="Al", email="artist@studio.example", role="user")
        session.persons.new(first_name="Bo", email="boss@studio.example", role="admin")
        session.persons.new(first_name="Cy", email="later@studio.example", role="admin")
    with gadget.connect(url) as session:
        assert session.me.email == "lead@studio.example"  # the earliest-created admin
        session.me.update(role="user")
    with gadget.connect(url) as session:
        assert session.me.email == "boss@studio.example"  # not the artist made before
        assert session.me.role == "admin"


def test_memory_with_a_login_makes_it_the_first_admin() -> None:
    with gadget.connect("memory://", login="lead@studio.example") as session:
        assert (session.me.email, session.me.role) == ("lead@studio.example", "admin")
        assert [p.email for p in session.persons] == ["lead@studio.example"]
    with gadget.connect("memory://", login="other@studio.example") as fresh:  # always new
        assert [p.email for p in fresh.persons] == ["other@studio.example"]


# -- what a new database holds ------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_new_database_has_kitsus_statuses_and_asset_types(tmp_path: Path, kind: str) -> None:
    url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'studio.db'}"
    with gadget.connect(url, create=True) as session:
        statuses = {s.short_name: s for s in session.task_statuses}
        assert set(statuses) == set(KITSU_STATUSES)
        for short_name, (name, flags) in KITSU_STATUSES.items():
            status = statuses[short_name]
            assert status.name == name, short_name
            assert {f for f in FLAGS if getattr(status, f)} == flags, short_name
            assert (status.color or "").startswith("#")
        assert {a.name for a in session.asset_types} == KITSU_ASSET_TYPES
        # a script written for Kitsu runs unchanged
        project = session.projects.new(name="Show", production_type="short")
        hero = project.assets.new(name="Hero", asset_type="Character")
        assert hero.asset_type.name == "Character"
        assert project.assets.new(name="Tree", asset_type="Environment").asset_type.name == (
            "Environment"
        )


# -- roles ----------------------------------------------------------------------------------
def test_the_local_tracker_enforces_no_role(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with gadget.connect(url, create=True) as admin:
        assert "roles" in CAPABILITIES and "roles" not in admin.capabilities
        assert admin.capabilities == CAPABILITIES - {"roles"}
        admin.persons.new(first_name="Cli", email="client@studio.example", role="client")
        project = admin.projects.new(name="Show", production_type="short")
        shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
        admin.task_types.new(name="Anim", for_shots=True)
        shot.tasks.new(task_type="Anim")
    png = write_png(tmp_path / "client.png")
    with gadget.connect(url, login="client@studio.example") as client:
        assert client.me.role == "client"
        task = client.projects.fetch("Show").shots.fetch("sq010/sh0010").tasks.fetch("Anim")
        note = task.comments.new(comment="from the client", preview=[png], set_main_preview=True)
    with gadget.connect(url) as admin:
        shot = admin.projects.fetch("Show").shots.fetch("sq010/sh0010")
        assert shot.main_preview is not None and shot.main_preview.id == note.previews[0].id
        assert shot.tasks.fetch("Anim").comments.first().author.email == "client@studio.example"
