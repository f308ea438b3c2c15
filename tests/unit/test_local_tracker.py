"""The local tracker, exercised directly through the Tracker contract.

Everything here runs on memory:// or on a SQLite file under tmp_path; no
network, no session layer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gadget.config import TrackerConfig
from gadget.errors import (
    AlreadyExists,
    ConfigError,
    NotFound,
    TrackerUnavailable,
    ValidationError,
)
from gadget.kinds import COMMON_FIELDS, KINDS
from gadget.testing import write_png
from gadget.trackers.base import CAPABILITIES, CommentDraft, Tracker
from gadget.trackers.local import LocalTracker
from gadget.trackers.local import records as local_records
from gadget.trackers.local import schema as local_schema
from gadget.trackers.local import writes as local_writes
from gadget.trackers.local.location import parse_url
from gadget.trackers.local.schema import DEFAULT_ASSET_TYPES, DEFAULT_STATUSES

SRC = Path(__file__).resolve().parents[2] / "src"


# -- helpers -----------------------------------------------------------------
def make_tracker(
    url: str, login: str | None = "tester@studio.com", *, create: bool = False
) -> LocalTracker:
    tracker = LocalTracker(TrackerConfig(url=url, login=login, create=create))
    tracker.open()
    return tracker


def status_id(tracker: LocalTracker, short_name: str) -> str:
    (status,) = tracker.list("task_status", {"short_name": short_name})
    return str(status["id"])


def count_rows(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def tracker() -> Iterator[LocalTracker]:
    t = make_tracker("memory://")
    yield t
    t.close()


@pytest.fixture
def file_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studio.db'}"


@pytest.fixture
def prod(tracker: LocalTracker) -> dict[str, Any]:
    """A small production: one project, two sequences, three shots, an asset, task types."""
    project = tracker.create("project", {"name": "Demo", "production_type": "tvshow"})
    pid = project["id"]
    sq1 = tracker.create("sequence", {"name": "sq010", "project_id": pid})
    sq2 = tracker.create("sequence", {"name": "sq020", "project_id": pid})
    shots = [
        tracker.create(
            "shot",
            {"name": name, "sequence_id": seq["id"], "frame_in": 1001, "frame_out": 1100},
        )
        for name, seq in (("sh010", sq1), ("sh020", sq1), ("sh010", sq2))
    ]
    (character,) = tracker.list("asset_type", {"name": "Character"})  # a default
    hero = tracker.create(
        "asset", {"name": "Hero", "project_id": pid, "asset_type_id": character["id"]}
    )
    anim = tracker.create("task_type", {"name": "Anim3D", "for_shots": True})
    layout = tracker.create("task_type", {"name": "Layout", "for_shots": True})
    modeling = tracker.create("task_type", {"name": "Modeling"})
    return {
        "project": project,
        "sequences": [sq1, sq2],
        "shots": shots,
        "asset_type": character,
        "asset": hero,
        "anim": anim,
        "layout": layout,
        "modeling": modeling,
    }


@pytest.fixture
def task(tracker: LocalTracker, prod: dict[str, Any]) -> dict[str, Any]:
    return tracker.create(
        "task", {"entity_id": prod["shots"][0]["id"], "task_type_id": prod["anim"]["id"]}
    )


# -- URL, construction, session ------------------------------------------------
def test_url_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert parse_url("sqlite:///studio.db").database == tmp_path / "studio.db"
    assert parse_url("sqlite:////abs/path/studio.db").database == Path("/abs/path/studio.db")
    assert parse_url("sqlite:///~/studio.db").database == tmp_path / "home" / "studio.db"
    assert parse_url("sqlite:///studio.db").files_dir == tmp_path / "studio.files"
    for url in ("memory://", "memory://scratch", "sqlite://"):
        assert parse_url(url).in_memory
    with pytest.raises(ConfigError):
        parse_url("postgres://host/db")
    with pytest.raises(ConfigError):
        parse_url("studio.db")


def test_constructor_does_no_io(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "studio.db"
    tracker = LocalTracker(TrackerConfig(url=f"sqlite:///{db}", create=True))
    assert not db.parent.exists()
    assert repr(tracker) == f"LocalTracker('sqlite:///{db}')"
    tracker.open()
    try:
        assert db.is_file()
    finally:
        tracker.close()


def test_declares_every_capability_but_roles() -> None:
    assert LocalTracker.name == "local"
    assert LocalTracker.capabilities == CAPABILITIES - {"roles"}  # any person may do anything
    assert issubclass(LocalTracker, Tracker)
    LocalTracker(TrackerConfig(url="memory://")).require("playlists")  # no Unsupported


def test_unopened_tracker_is_unavailable() -> None:
    tracker = LocalTracker(TrackerConfig(url="memory://"))
    with pytest.raises(TrackerUnavailable):
        tracker.list("project", {})


def test_default_statuses_asset_types_and_no_task_types(tracker: LocalTracker) -> None:
    statuses = tracker.list("task_status", {})
    by_short = {s["short_name"]: s for s in statuses}
    assert list(by_short)[:5] == ["todo", "wip", "wfa", "retake", "done"]
    assert list(by_short) == [s["short_name"] for s in DEFAULT_STATUSES]
    assert by_short["todo"]["name"] == "Todo" and by_short["todo"]["is_default"] is True
    assert by_short["wip"]["name"] == "Work In Progress" and by_short["wip"]["is_wip"]
    assert by_short["wfa"]["name"] == "Waiting For Approval"
    assert by_short["wfa"]["is_feedback_request"] is True
    assert by_short["retake"]["is_retake"] is True and by_short["done"]["is_done"] is True
    assert [s["short_name"] for s in statuses if s["is_default"]] == ["todo"]
    assert all(s["color"].startswith("#") for s in statuses)
    assert by_short["wip"]["is_done"] is False
    assert [a["name"] for a in tracker.list("asset_type", {})] == list(DEFAULT_ASSET_TYPES)
    assert tracker.list("task_type", {}) == []


def test_acting_person_defaults_to_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    tracker = make_tracker("memory://", login=None)
    try:
        me = tracker.whoami()
        assert me["email"] == "alice@localhost"
        assert me["first_name"] == "alice"
    finally:
        tracker.close()


def test_acting_person_from_login_is_the_first_admin(file_url: str) -> None:
    tracker = make_tracker(file_url, login="jane.doe@studio.com", create=True)
    me = tracker.whoami()
    assert me["email"] == "jane.doe@studio.com" and me["first_name"] == "jane.doe"
    tracker.close()
    tracker = make_tracker(file_url, login="jane.doe@studio.com")
    try:
        assert tracker.whoami()["id"] == me["id"]
        assert len(tracker.list("person", {"email": "jane.doe@studio.com"})) == 1
    finally:
        tracker.close()


def test_unknown_kind_is_refused(tracker: LocalTracker) -> None:
    with pytest.raises(ValidationError, match="unknown kind 'shots'"):
        tracker.list("shots", {})


# -- records -------------------------------------------------------------------
def test_every_kind_record_has_every_field(
    tracker: LocalTracker, prod: dict[str, Any], task: dict[str, Any], tmp_path: Path
) -> None:
    pid = prod["project"]["id"]
    department = tracker.create("department", {"name": "Animation", "color": "#ff0000"})
    episode = tracker.create("episode", {"name": "E01", "project_id": pid})
    playlist = tracker.create("playlist", {"name": "Daily", "project_id": pid})
    person = tracker.create("person", {"email": "bob@studio.com", "first_name": "Bob"})
    comment = tracker.create_comment(
        task["id"],
        CommentDraft(
            text="hi",
            previews=(write_png(tmp_path / "a.png", 2, 2),),
            attachments=(tmp_path / "a.png",),
        ),
    )
    samples = {
        "project": prod["project"],
        "episode": episode,
        "sequence": prod["sequences"][0],
        "shot": prod["shots"][0],
        "asset_type": prod["asset_type"],
        "asset": prod["asset"],
        "task_type": prod["anim"],
        "task_status": tracker.list("task_status", {})[0],
        "task": task,
        "comment": comment,
        "preview": comment["previews"][0],
        "attachment": comment["attachments"][0],
        "person": person,
        "department": department,
        "playlist": playlist,
    }
    assert set(samples) == set(KINDS)
    for kind, record in samples.items():
        fetched = tracker.get(kind, record["id"])
        assert set(fetched) == set(COMMON_FIELDS) | set(KINDS[kind].fields), kind
        assert isinstance(fetched["id"], str)
        assert fetched["created_at"].tzinfo is not None
        assert fetched["created_at"].utcoffset() == dt.timedelta(0)
        assert fetched["updated_at"] >= fetched["created_at"]
        assert fetched["url"] is None
        assert isinstance(fetched["custom_data"], dict)
        assert type(fetched["raw"]) is dict
        json.dumps(fetched["raw"])  # a plain row: no connection, no sqlite3.Row
        assert fetched["raw"]["id"] == fetched["id"]


def test_value_types(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    jane = tracker.create("person", {"email": "jane@studio.com"})
    created = tracker.create(
        "task",
        {
            "entity_id": prod["shots"][0]["id"],
            "task_type_id": prod["anim"]["id"],
            "start_date": dt.date(2026, 3, 1),
            "due_date": "2026-03-18",
            "estimation": dt.timedelta(hours=6),
            "assignee_ids": [jane["id"]],
            "priority": 2,
        },
    )
    record = tracker.get("task", created["id"])
    assert record["start_date"] == dt.date(2026, 3, 1)
    assert record["due_date"] == dt.date(2026, 3, 18)
    assert record["estimation"] == dt.timedelta(hours=6)
    assert record["assignee_ids"] == [jane["id"]]
    assert record["priority"] == 2
    assert jane["department_ids"] == [] and jane["active"] is True
    shot = tracker.update("shot", prod["shots"][0]["id"], {"fps": 23.976, "nb_frames": 100})
    assert shot["fps"] == pytest.approx(23.976) and shot["nb_frames"] == 100
    assert tracker.update("shot", shot["id"], {"fps": 24})["fps"] == 24


def test_shot_nb_frames_is_not_computed(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    assert prod["shots"][0]["nb_frames"] is None  # frame range given, nb_frames not
    assert prod["shots"][0]["frame_in"] == 1001 and prod["shots"][0]["fps"] is None


# -- list / filters / get --------------------------------------------------------
def test_list_filters_in_and_exact_names(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    sq1, sq2 = prod["sequences"]
    names = [s["name"] for s in tracker.list("shot", {"sequence_id": sq1["id"]})]
    assert names == ["sh010", "sh020"]  # creation order
    both = tracker.list("shot", {"sequence_id": [sq1["id"], sq2["id"]]})
    assert [s["id"] for s in both] == [s["id"] for s in prod["shots"]]
    assert len(tracker.list("shot", {"name": "sh010"})) == 2
    assert tracker.list("shot", {"name": "SH010"}) == []  # exact, case-sensitive
    assert tracker.list("shot", {"name": "sh01_"}) == []  # no wildcards
    assert tracker.list("shot", {"sequence_id": []}) == []
    ids = (prod["shots"][0]["id"], prod["shots"][2]["id"])
    assert [s["id"] for s in tracker.list("shot", {"id": ids})] == list(ids)
    assert len(tracker.list("sequence", {"episode_id": None})) == 2
    assert len(tracker.list("shot", {"project_id": prod["project"]["id"]})) == 3
    shots = tracker.list("shot", {"sequence_id": sq1["id"], "name": ["sh020", "nope"]})
    assert [s["name"] for s in shots] == ["sh020"]


def test_unknown_filter_names_field_and_accepted(tracker: LocalTracker) -> None:
    with pytest.raises(ValidationError) as info:
        tracker.list("shot", {"frame_in": 1001})
    message = str(info.value)
    assert "'frame_in'" in message
    assert "sequence_id" in message and "project_id" in message and "name" in message


def test_get_missing_raises_not_found(tracker: LocalTracker) -> None:
    with pytest.raises(NotFound) as info:
        tracker.get("shot", "nope")
    assert info.value.what == "shot"
    assert info.value.criteria == {"id": "nope"}
    assert isinstance(info.value, LookupError)


def test_person_filters(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    pid = prod["project"]["id"]
    jane = tracker.create("person", {"email": "jane@studio.com", "role": "supervisor"})
    tracker.create("person", {"email": "bob@studio.com"})
    tracker.set_team_member(pid, jane["id"], True)
    assert [p["id"] for p in tracker.list("person", {"project_id": pid})] == [jane["id"]]
    assert [p["email"] for p in tracker.list("person", {"role": "supervisor"})] == [
        "jane@studio.com"
    ]
    assert tracker.list("person", {"email": "bob@studio.com"})[0]["role"] == "user"


# -- create / update validation ----------------------------------------------------
def test_create_rejects_unknown_field(tracker: LocalTracker) -> None:
    with pytest.raises(ValidationError, match="'colour'"):
        tracker.create("department", {"name": "Anim", "colour": "#fff"})
    with pytest.raises(ValidationError, match="'id'"):
        tracker.create("department", {"name": "Anim", "id": "x"})


def test_create_requires_natural_key(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="name"):
        tracker.create("project", {"code": "X"})
    with pytest.raises(ValidationError, match="email"):
        tracker.create("person", {"first_name": "Nobody"})
    with pytest.raises(ValidationError, match="entity_id"):
        tracker.create("task", {"task_type_id": prod["anim"]["id"]})
    with pytest.raises(ValidationError, match="task_type_id"):
        tracker.create("task", {"entity_id": prod["shots"][0]["id"]})


def test_create_rejects_missing_refs(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        tracker.create("shot", {"name": "x", "sequence_id": "missing-seq"})
    assert "sequence_id" in str(info.value) and "missing-seq" in str(info.value)
    with pytest.raises(ValidationError, match="entity_id"):
        tracker.create("task", {"entity_id": "ghost", "task_type_id": prod["anim"]["id"]})
    with pytest.raises(ValidationError, match="'nobody'"):
        tracker.create(
            "task",
            {
                "entity_id": prod["shots"][0]["id"],
                "task_type_id": prod["anim"]["id"],
                "assignee_ids": ["nobody"],
            },
        )


def test_create_rejects_wrong_types(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    seq = prod["sequences"][0]["id"]
    with pytest.raises(ValidationError, match="frame_in"):
        tracker.create("shot", {"name": "x", "sequence_id": seq, "frame_in": "1001"})
    with pytest.raises(ValidationError, match="custom_data"):
        tracker.create("shot", {"name": "x", "sequence_id": seq, "custom_data": [1]})
    with pytest.raises(ValidationError, match="production_type"):
        tracker.create("project", {"name": "P", "production_type": "soap"})


def test_refs_must_stay_in_one_project(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    other = tracker.create("project", {"name": "Other"})
    with pytest.raises(ValidationError, match="belongs to project"):
        tracker.create(
            "shot",
            {"name": "x", "project_id": other["id"], "sequence_id": prod["sequences"][0]["id"]},
        )


def test_already_exists_names_existing(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    shot = prod["shots"][0]
    with pytest.raises(AlreadyExists) as info:
        tracker.create("shot", {"name": "sh010", "sequence_id": shot["sequence_id"]})
    assert info.value.existing["id"] == shot["id"]
    assert shot["id"] in str(info.value)
    assert isinstance(info.value, ValidationError)
    with pytest.raises(AlreadyExists):
        tracker.create("project", {"name": "Demo"})
    tracker.create("person", {"email": "jane@studio.com"})
    with pytest.raises(AlreadyExists):
        tracker.create("person", {"email": "jane@studio.com"})
    with pytest.raises(AlreadyExists):
        tracker.create("task_status", {"short_name": "wip", "name": "Again"})
    with pytest.raises(AlreadyExists):  # update into a taken key
        tracker.update("shot", prod["shots"][1]["id"], {"name": "sh010"})
    assert tracker.update("shot", shot["id"], {"name": "sh010"})["name"] == "sh010"


def test_sequence_scope_includes_episode(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    pid = prod["project"]["id"]
    ep = tracker.create("episode", {"name": "E01", "project_id": pid})
    in_episode = tracker.create("sequence", {"name": "sq010", "episode_id": ep["id"]})
    assert in_episode["project_id"] == pid  # derived from the episode
    with pytest.raises(AlreadyExists):
        tracker.create("sequence", {"name": "sq010", "project_id": pid})


def test_task_creation_derives_fields(
    tracker: LocalTracker, prod: dict[str, Any], task: dict[str, Any]
) -> None:
    assert task["project_id"] == prod["project"]["id"]
    assert task["entity_kind"] == "shot"
    assert task["status_id"] == status_id(tracker, "todo")
    assert task["name"] == "main"
    assert task["nb_retakes"] == 0
    assert task["assignee_ids"] == []
    asset_task = tracker.create(
        "task",
        {
            "entity_id": prod["asset"]["id"],
            "task_type_id": prod["modeling"]["id"],
            "status_id": status_id(tracker, "wip"),
        },
    )
    assert asset_task["entity_kind"] == "asset"
    assert asset_task["status_id"] == status_id(tracker, "wip")
    with pytest.raises(AlreadyExists):
        tracker.create(
            "task", {"entity_id": task["entity_id"], "task_type_id": task["task_type_id"]}
        )
    other = tracker.create("project", {"name": "Other"})
    with pytest.raises(ValidationError, match="belongs to project"):
        tracker.create(
            "task",
            {
                "entity_id": prod["shots"][1]["id"],
                "task_type_id": prod["anim"]["id"],
                "project_id": other["id"],
            },
        )


def test_task_type_for_entity_and_for_shots(tracker: LocalTracker) -> None:
    shots = tracker.create("task_type", {"name": "Comp", "for_shots": True})
    assert (shots["for_entity"], shots["for_shots"]) == ("Shot", True)
    assets = tracker.create("task_type", {"name": "Rig"})
    assert (assets["for_entity"], assets["for_shots"]) == ("Asset", False)
    seq = tracker.create("task_type", {"name": "Edit", "for_entity": "Sequence"})
    assert seq["for_shots"] is False
    assert tracker.update("task_type", assets["id"], {"for_shots": True})["for_entity"] == "Shot"
    with pytest.raises(ValidationError):
        tracker.create("task_type", {"name": "X", "for_entity": "Asset", "for_shots": True})
    assert [t["name"] for t in tracker.list("task_type", {"for_entity": "Shot"})] == [
        "Comp",
        "Rig",
    ]


def test_one_default_status(tracker: LocalTracker) -> None:
    hold = tracker.create("task_status", {"short_name": "hold", "is_default": True})
    assert hold["name"] == "hold"
    defaults = [s["short_name"] for s in tracker.list("task_status", {}) if s["is_default"]]
    assert defaults == ["hold"]


def test_update_merges_custom_data(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    shot = tracker.update(
        "shot", prod["shots"][0]["id"], {"custom_data": {"lens": 35, "camera": "A"}}
    )
    assert shot["custom_data"] == {"lens": 35, "camera": "A"}
    later = tracker.update(
        "shot", shot["id"], {"custom_data": {"lens": 50, "camera": None, "rig": "crane"}}
    )
    assert later["custom_data"] == {"lens": 50, "rig": "crane"}
    assert later["updated_at"] >= shot["updated_at"] > prod["shots"][0]["updated_at"]
    assert later["created_at"] == prod["shots"][0]["created_at"]
    assert later["name"] == "sh010" and later["frame_in"] == 1001  # the whole record
    described = tracker.update("shot", shot["id"], {"description": "wide"})
    assert described["custom_data"] == {"lens": 50, "rig": "crane"}


def test_update_validates(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    sid = prod["shots"][0]["id"]
    with pytest.raises(ValidationError, match="'colour'"):
        tracker.update("shot", sid, {"colour": 1})
    with pytest.raises(ValidationError, match="sequence_id"):
        tracker.update("shot", sid, {"sequence_id": "ghost"})
    with pytest.raises(ValidationError, match="name"):
        tracker.update("shot", sid, {"name": None})
    with pytest.raises(NotFound):
        tracker.update("shot", "ghost", {"name": "x"})
    assert tracker.get("shot", sid)["name"] == "sh010"


def test_project_status_is_open_or_closed_in_lower_case(tracker: LocalTracker) -> None:
    """Through the tracker itself too (the session checks first): Kitsu's spellings."""
    project = tracker.create("project", {"name": "Demo"})
    assert project["status"] == "open"
    assert tracker.update("project", project["id"], {"status": "CLOSED"})["status"] == "closed"
    assert [p["id"] for p in tracker.list("project", {"status": "closed"})] == [project["id"]]
    for bad in ("Archived", None, 1):
        with pytest.raises(ValidationError, match=rf"project\.status must be .*{bad!r}"):
            tracker.update("project", project["id"], {"status": bad, "code": "X"})
        with pytest.raises(ValidationError, match=r"project\.status"):
            tracker.create("project", {"name": "Other", "status": bad})
    assert tracker.get("project", project["id"])["code"] is None
    assert [p["name"] for p in tracker.list("project", {})] == ["Demo"]


def test_version_1_project_statuses_are_migrated_to_lower_case() -> None:
    """Version 1 wrote "Open" (and a status given as None stayed NULL)."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in local_schema.MIGRATIONS[0]:
            conn.execute(statement)
        for name, status in (("A", "Open"), ("B", "Closed"), ("C", None), ("D", "open")):
            conn.execute(
                "INSERT INTO project (id, created_at, updated_at, name, status) "
                "VALUES (?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', ?, ?)",
                [name.lower(), name, status],
            )
        for statement in local_schema.MIGRATIONS[1]:
            conn.execute(statement)
        rows = conn.execute("SELECT name, status FROM project ORDER BY name").fetchall()
    finally:
        conn.close()
    assert rows == [("A", "open"), ("B", "closed"), ("C", "open"), ("D", "open")]


def test_version_2_comments_get_a_key_column_one_comment_per_key_and_task() -> None:
    """Version 3 adds comment.key: older comments have none, a key is one comment per task."""
    conn = sqlite3.connect(":memory:")
    stamp = "2026-01-01T00:00:00+00:00"
    insert = (
        "INSERT INTO comment (id, created_at, updated_at, task_id, text{}) VALUES (?, ?, ?, ?, ?{})"
    )
    try:
        for statement in (*local_schema.MIGRATIONS[0], *local_schema.MIGRATIONS[1]):
            conn.execute(statement)
        conn.execute(insert.format("", ""), ["old", stamp, stamp, "t1", "before keys"])
        for statement in local_schema.MIGRATIONS[2]:
            conn.execute(statement)
        assert conn.execute("SELECT key FROM comment WHERE id = 'old'").fetchone() == (None,)
        conn.execute(insert.format("", ""), ["old2", stamp, stamp, "t1", "no key either"])
        conn.execute(insert.format(", key", ", ?"), ["c1", stamp, stamp, "t1", "keyed", "k"])
        conn.execute(insert.format(", key", ", ?"), ["c2", stamp, stamp, "t2", "keyed", "k"])
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(insert.format(", key", ", ?"), ["c3", stamp, stamp, "t1", "twice", "k"])
    finally:
        conn.close()


def test_a_version_2_database_opens_with_its_comments_unkeyed(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    stamp = "2026-01-01T00:00:00+00:00"
    try:
        for statement in (*local_schema.MIGRATIONS[0], *local_schema.MIGRATIONS[1]):
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 2")
        conn.execute(
            "INSERT INTO person (id, created_at, updated_at, email, role) VALUES (?, ?, ?, ?, ?)",
            ["p1", stamp, stamp, "admin@localhost", "admin"],
        )
        conn.execute(
            "INSERT INTO comment (id, created_at, updated_at, task_id, text) VALUES (?, ?, ?, ?, ?)",
            ["old", stamp, stamp, "t1", "before keys"],
        )
        conn.commit()
    finally:
        conn.close()
    tracker = make_tracker(f"sqlite:///{path}", login="admin@localhost")
    try:
        old = tracker.get("comment", "old")
        assert (old["key"], old["text"]) == (None, "before keys")
        assert tracker.find_comment("t1", "k") is None
    finally:
        tracker.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA user_version").fetchone()[0] == local_schema.SCHEMA_VERSION
    finally:
        check.close()


def test_create_many_is_all_or_nothing(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    seq = prod["sequences"][1]["id"]
    made = tracker.create_many(
        "shot", [{"name": "sh100", "sequence_id": seq}, {"name": "sh110", "sequence_id": seq}]
    )
    assert [s["name"] for s in made] == ["sh100", "sh110"]
    before = len(tracker.list("shot", {}))
    with pytest.raises(AlreadyExists):
        tracker.create_many(
            "shot", [{"name": "sh200", "sequence_id": seq}, {"name": "sh200", "sequence_id": seq}]
        )
    assert len(tracker.list("shot", {})) == before
    assert tracker.list("shot", {"name": "sh200"}) == []


def test_failed_create_leaves_nothing(file_url: str, tmp_path: Path) -> None:
    tracker = make_tracker(file_url, create=True)
    try:
        project = tracker.create("project", {"name": "Demo"})
        with pytest.raises(ValidationError):
            tracker.create("sequence", {"name": "sq", "project_id": project["id"], "x": 1})
        with pytest.raises(ValidationError):
            tracker.create(
                "sequence", {"name": "sq", "project_id": project["id"], "episode_id": "?"}
            )
        assert tracker.list("sequence", {}) == []
    finally:
        tracker.close()
    assert count_rows(tmp_path / "studio.db", "sequence") == 0


def test_previews_are_not_created_directly(tracker: LocalTracker, task: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        tracker.create("preview", {"name": "x", "task_id": task["id"]})
    with pytest.raises(ValidationError, match="read-only"):
        tracker.create("comment", {"task_id": task["id"], "previews": []})


# -- comments and files --------------------------------------------------------------
def test_comment_with_status_previews_attachments_checklist(
    tracker: LocalTracker, prod: dict[str, Any], task: dict[str, Any], tmp_path: Path
) -> None:
    png = write_png(tmp_path / "Render.v012.PNG", 3, 2)
    movie = tmp_path / "render.mov"
    movie.write_bytes(b"not really a movie")
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4 notes")
    wfa = status_id(tracker, "wfa")
    comment = tracker.create_comment(
        task["id"],
        CommentDraft(
            text="blocking pass",
            status_id=wfa,
            checklist=(("fix hands", False), ("fix feet", True)),
            previews=(png, movie),
            attachments=(notes,),
            set_main_preview=True,
        ),
    )
    assert comment["text"] == "blocking pass"
    assert comment["status_id"] == wfa
    assert comment["task_id"] == task["id"]
    assert comment["author_id"] == tracker.whoami()["id"]
    assert comment["checklist"] == [
        {"text": "fix hands", "checked": False},
        {"text": "fix feet", "checked": True},
    ]
    first, second = comment["previews"]
    assert (first["name"], first["extension"]) == ("Render.v012", "png")
    assert (first["width"], first["height"], first["duration"]) == (3, 2, None)
    assert (first["revision"], first["status"]) == (1, "ready")
    assert (first["task_id"], first["comment_id"]) == (task["id"], comment["id"])
    assert (second["name"], second["extension"], second["width"]) == ("render", "mov", None)
    assert second["revision"] == 2
    (attachment,) = comment["attachments"]
    assert (attachment["name"], attachment["extension"]) == ("notes.pdf", "pdf")
    assert attachment["size"] == len(b"%PDF-1.4 notes")
    assert attachment["comment_id"] == comment["id"]

    assert tracker.get("task", task["id"])["status_id"] == wfa
    assert tracker.get("shot", task["entity_id"])["preview_id"] == first["id"]
    assert tracker.get("comment", comment["id"])["previews"][0]["id"] == first["id"]
    assert [p["id"] for p in tracker.list("preview", {"task_id": task["id"]})] == [
        first["id"],
        second["id"],
    ]

    out = tracker.download("preview", first["id"], tmp_path / "out" / "deep" / "x.png")
    assert out.read_bytes() == png.read_bytes()
    assert tracker.download("attachment", attachment["id"], tmp_path).name == "notes.pdf"
    assert (tmp_path / "notes.pdf").read_bytes() == b"%PDF-1.4 notes"
    with pytest.raises(ValidationError):
        tracker.download("shot", task["entity_id"], tmp_path / "x")


def test_files_live_beside_the_database(file_url: str, tmp_path: Path) -> None:
    tracker = make_tracker(file_url, create=True)
    try:
        project = tracker.create("project", {"name": "P"})
        seq = tracker.create("sequence", {"name": "sq", "project_id": project["id"]})
        shot = tracker.create("shot", {"name": "sh", "sequence_id": seq["id"]})
        tt = tracker.create("task_type", {"name": "Anim", "for_shots": True})
        task = tracker.create("task", {"entity_id": shot["id"], "task_type_id": tt["id"]})
        png = write_png(tmp_path / "frame.png", 4, 4)
        comment = tracker.create_comment(task["id"], CommentDraft(previews=(png,)))
        stored = tmp_path / "studio.files" / comment["previews"][0]["raw"]["path"]
        assert stored.is_file() and stored.parent.name == "previews"
    finally:
        tracker.close()


def test_memory_files_are_removed_on_close(tmp_path: Path) -> None:
    tracker = make_tracker("memory://")
    project = tracker.create("project", {"name": "P"})
    seq = tracker.create("sequence", {"name": "sq", "project_id": project["id"]})
    shot = tracker.create("shot", {"name": "sh", "sequence_id": seq["id"]})
    tt = tracker.create("task_type", {"name": "Anim"})
    task = tracker.create("task", {"entity_id": shot["id"], "task_type_id": tt["id"]})
    comment = tracker.create_comment(
        task["id"], CommentDraft(attachments=(write_png(tmp_path / "a.png", 1, 1),))
    )
    root = tracker._store().root
    assert (root / comment["attachments"][0]["raw"]["path"]).is_file()
    tracker.close()
    assert not root.exists()


def test_comment_without_status_keeps_task_status(
    tracker: LocalTracker, task: dict[str, Any]
) -> None:
    wip = status_id(tracker, "wip")
    tracker.update("task", task["id"], {"status_id": wip})
    bob = tracker.create("person", {"email": "bob@studio.com"})
    comment = tracker.create_comment(task["id"], CommentDraft(text="note", author_id=bob["id"]))
    assert comment["status_id"] == wip
    assert comment["author_id"] == bob["id"]
    assert comment["previews"] == [] and comment["attachments"] == []
    assert tracker.get("task", task["id"])["status_id"] == wip


def test_retakes_are_counted(tracker: LocalTracker, task: dict[str, Any]) -> None:
    retake, wip = status_id(tracker, "retake"), status_id(tracker, "wip")
    tracker.create_comment(task["id"], CommentDraft(status_id=retake))
    assert tracker.get("task", task["id"])["nb_retakes"] == 1
    tracker.create_comment(task["id"], CommentDraft(status_id=retake))  # no change of status
    assert tracker.get("task", task["id"])["nb_retakes"] == 1
    tracker.create_comment(task["id"], CommentDraft(status_id=wip))
    tracker.create_comment(task["id"], CommentDraft(status_id=retake))
    record = tracker.get("task", task["id"])
    assert (record["nb_retakes"], record["status_id"]) == (2, retake)


def test_comments_newest_first(
    tracker: LocalTracker, task: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for text in ("one", "two"):
        tracker.create_comment(task["id"], CommentDraft(text=text))
    # equal timestamps: the insertion sequence breaks the tie
    monkeypatch.setattr(local_writes, "now", lambda: "2030-01-01T00:00:00+00:00")
    for text in ("three", "four"):
        tracker.create_comment(task["id"], CommentDraft(text=text))
    monkeypatch.undo()
    texts = [c["text"] for c in tracker.list("comment", {"task_id": task["id"]})]
    assert texts == ["four", "three", "two", "one"]
    children = tracker.list_children("comment", "task_id", [task["id"]], parent_kind="task")
    assert [c["text"] for c in children[task["id"]]] == texts


def test_preview_revisions_follow_the_task(
    tracker: LocalTracker, task: dict[str, Any], tmp_path: Path
) -> None:
    png = write_png(tmp_path / "a.png", 1, 1)
    tracker.create_comment(task["id"], CommentDraft(previews=(png, png)))
    later = tracker.create_comment(task["id"], CommentDraft(previews=(png,)))
    assert later["previews"][0]["revision"] == 3


def test_set_main_preview(tracker: LocalTracker, task: dict[str, Any], tmp_path: Path) -> None:
    png = write_png(tmp_path / "a.png", 1, 1)
    first = tracker.create_comment(task["id"], CommentDraft(previews=(png,)))
    second = tracker.create_comment(task["id"], CommentDraft(previews=(png,)))
    assert tracker.get("shot", task["entity_id"])["preview_id"] is None
    tracker.set_main_preview(second["previews"][0]["id"])
    assert tracker.get("shot", task["entity_id"])["preview_id"] == second["previews"][0]["id"]
    tracker.set_main_preview(first["previews"][0]["id"])
    assert tracker.get("shot", task["entity_id"])["preview_id"] == first["previews"][0]["id"]
    with pytest.raises(NotFound):
        tracker.set_main_preview("ghost")


def test_failed_comment_leaves_nothing(
    tracker: LocalTracker, task: dict[str, Any], tmp_path: Path
) -> None:
    png = write_png(tmp_path / "a.png", 1, 1)
    previews_dir = tracker._store().root / "previews"
    with pytest.raises(ValidationError):
        tracker.create_comment(
            task["id"],
            CommentDraft(
                status_id=status_id(tracker, "wip"), previews=(png, tmp_path / "gone.png")
            ),
        )
    with pytest.raises(ValidationError, match="status_id"):
        tracker.create_comment(task["id"], CommentDraft(status_id="ghost", previews=(png,)))
    assert tracker.list("comment", {"task_id": task["id"]}) == []
    assert tracker.list("preview", {"task_id": task["id"]}) == []
    assert tracker.get("task", task["id"])["status_id"] == task["status_id"]
    assert not previews_dir.exists() or list(previews_dir.iterdir()) == []
    with pytest.raises(NotFound):
        tracker.create_comment("ghost", CommentDraft(text="x"))


# -- bulk reads --------------------------------------------------------------------
def test_list_children_in_one_query(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    s1, s2, s3 = (s["id"] for s in prod["shots"])
    for shot_id in (s1, s3):
        for tt in (prod["anim"], prod["layout"]):
            tracker.create("task", {"entity_id": shot_id, "task_type_id": tt["id"]})
    statements: list[str] = []
    conn = tracker._db._conn
    assert conn is not None
    conn.set_trace_callback(statements.append)
    try:
        children = tracker.list_children(
            "task", "entity_id", [s1, s2, s3, "ghost"], parent_kind="shot"
        )
    finally:
        conn.set_trace_callback(None)
    assert [s for s in statements if s.lstrip().upper().startswith("SELECT")].__len__() == 1
    assert list(children) == [s1, s2, s3, "ghost"]
    assert [len(children[k]) for k in (s1, s2, s3, "ghost")] == [2, 0, 2, 0]
    assert [t["task_type_id"] for t in children[s1]] == [prod["anim"]["id"], prod["layout"]["id"]]
    assert tracker.list_children("task", "entity_id", [], parent_kind="shot") == {}


def test_long_id_lists_are_split_past_the_variable_limit(
    tracker: LocalTracker,
    prod: dict[str, Any],
    task: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for text in ("one", "two", "three"):
        tracker.create_comment(task["id"], CommentDraft(text=text))
    shot_ids = [s["id"] for s in prod["shots"]]
    monkeypatch.setattr(local_records, "MAX_VARIABLES", 2)
    shots = tracker.list("shot", {"id": [*reversed(shot_ids), "ghost"], "name": "sh010"})
    assert [s["id"] for s in shots] == [shot_ids[0], shot_ids[2]]  # creation order kept
    children = tracker.list_children(
        "shot", "sequence_id", [s["id"] for s in prod["sequences"]], parent_kind="sequence"
    )
    assert [len(v) for v in children.values()] == [2, 1]
    comments = tracker.list("comment", {"task_id": [task["id"], "a", "b"]})
    assert [c["text"] for c in comments] == ["three", "two", "one"]


def test_list_children_of_teams_and_bad_field(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    pid = prod["project"]["id"]
    other = tracker.create("project", {"name": "Other"})
    jane = tracker.create("person", {"email": "jane@studio.com"})
    tracker.set_team_member(pid, jane["id"], True)
    tracker.set_team_member(other["id"], jane["id"], True)
    teams = tracker.list_children("person", "project_id", [pid, other["id"]], parent_kind="project")
    assert [p["id"] for p in teams[pid]] == [jane["id"]]
    assert [p["id"] for p in teams[other["id"]]] == [jane["id"]]
    with pytest.raises(ValidationError, match="frame_in"):
        tracker.list_children("shot", "frame_in", ["1"], parent_kind="shot")


# -- delete --------------------------------------------------------------------------
def test_delete_cascades(tracker: LocalTracker, prod: dict[str, Any], tmp_path: Path) -> None:
    shot = prod["shots"][0]
    task = tracker.create("task", {"entity_id": shot["id"], "task_type_id": prod["anim"]["id"]})
    jane = tracker.create("person", {"email": "jane@studio.com"})
    png = write_png(tmp_path / "a.png", 1, 1)
    comment = tracker.create_comment(
        task["id"], CommentDraft(previews=(png,), attachments=(png,), set_main_preview=True)
    )
    stored = [
        tracker._store().path(comment[f][0]["raw"]["path"]) for f in ("previews", "attachments")
    ]
    assert all(p.is_file() for p in stored)
    tracker.set_casting(prod["project"]["id"], {shot["id"]: [{"asset_id": prod["asset"]["id"]}]})
    tracker.set_time_spent(task["id"], jane["id"], dt.date(2026, 3, 18), dt.timedelta(hours=1))
    playlist = tracker.create("playlist", {"name": "Daily", "project_id": prod["project"]["id"]})
    tracker.add_playlist_entry(playlist["id"], shot["id"], comment["previews"][0]["id"])

    tracker.delete("shot", shot["id"])

    for kind, id in (("shot", shot["id"]), ("task", task["id"]), ("comment", comment["id"])):
        with pytest.raises(NotFound):
            tracker.get(kind, id)
    assert tracker.list("preview", {"task_id": task["id"]}) == []
    assert tracker.list("attachment", {"comment_id": comment["id"]}) == []
    assert not any(p.exists() for p in stored)
    assert tracker.get_casting([shot["id"]]) == {shot["id"]: []}
    assert tracker.list_cast_in(prod["asset"]["id"]) == []
    assert tracker.get("playlist", playlist["id"])["entries"] == []
    assert tracker.get("person", jane["id"])["email"] == "jane@studio.com"  # people stay
    assert len(tracker.list("shot", {})) == 2
    with pytest.raises(NotFound):
        tracker.delete("shot", shot["id"])


def test_delete_project_removes_everything(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    pid = prod["project"]["id"]
    tracker.create(
        "task", {"entity_id": prod["asset"]["id"], "task_type_id": prod["modeling"]["id"]}
    )
    tracker.create("episode", {"name": "E01", "project_id": pid})
    tracker.set_team_member(pid, tracker.whoami()["id"], True)
    tracker.delete("project", pid)
    for kind in ("episode", "sequence", "shot", "asset", "task", "playlist"):
        assert tracker.list(kind, {}) == [], kind
    assert tracker.list("person", {"project_id": pid}) == []
    assert len(tracker.list("task_type", {})) == 3  # shared reference data stays
    assert len(tracker.list("asset_type", {})) == len(DEFAULT_ASSET_TYPES)


def test_delete_clears_optional_refs(
    tracker: LocalTracker, task: dict[str, Any], tmp_path: Path
) -> None:
    bob = tracker.create("person", {"email": "bob@studio.com"})
    tracker.update("task", task["id"], {"assignee_ids": [bob["id"], tracker.whoami()["id"]]})
    png = write_png(tmp_path / "a.png", 1, 1)
    comment = tracker.create_comment(
        task["id"], CommentDraft(author_id=bob["id"], previews=(png,), set_main_preview=True)
    )
    tracker.delete("person", bob["id"])
    assert tracker.get("task", task["id"])["assignee_ids"] == [tracker.whoami()["id"]]
    assert tracker.get("comment", comment["id"])["author_id"] is None
    tracker.delete("preview", comment["previews"][0]["id"])
    assert tracker.get("shot", task["entity_id"])["preview_id"] is None
    assert tracker.get("comment", comment["id"])["previews"] == []
    with pytest.raises(ValidationError):
        tracker.delete("person", tracker.whoami()["id"])


def test_delete_status_in_use_is_refused(tracker: LocalTracker, task: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="still use"):
        tracker.delete("task_status", task["status_id"])
    tracker.delete("task_status", status_id(tracker, "done"))
    assert len(tracker.list("task_status", {})) == len(DEFAULT_STATUSES) - 1


def test_delete_department_leaves_people(tracker: LocalTracker) -> None:
    dept = tracker.create("department", {"name": "Animation"})
    jane = tracker.create("person", {"email": "jane@studio.com", "department_ids": [dept["id"]]})
    rig = tracker.create("task_type", {"name": "Rig", "department_id": dept["id"]})
    assert jane["department_ids"] == [dept["id"]]
    tracker.delete("department", dept["id"])
    assert tracker.get("person", jane["id"])["department_ids"] == []
    assert tracker.get("task_type", rig["id"])["department_id"] is None


# -- casting, time spent, playlists, team, search ----------------------------------------
def test_casting(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    pid = prod["project"]["id"]
    s1, s2, s3 = (s["id"] for s in prod["shots"])
    hero = prod["asset"]["id"]
    prop = tracker.create(
        "asset", {"name": "Sword", "project_id": pid, "asset_type_id": prod["asset_type"]["id"]}
    )["id"]
    tracker.set_casting(
        pid,
        {
            s1: [{"asset_id": hero, "nb_occurences": 2}, {"asset_id": prop, "label": "animate"}],
            s3: [{"asset_id": hero}],
        },
    )
    casting = tracker.get_casting([s1, s2, s3])
    assert casting[s1] == [
        {"asset_id": hero, "nb_occurences": 2, "label": ""},
        {"asset_id": prop, "nb_occurences": 1, "label": "animate"},
    ]
    assert casting[s2] == []
    assert casting[s3] == [{"asset_id": hero, "nb_occurences": 1, "label": ""}]
    assert [s["id"] for s in tracker.list_cast_in(hero)] == [s1, s3]
    tracker.set_casting(pid, {s1: [{"asset_id": prop, "nb_occurences": 3}]})  # replaces s1 only
    assert tracker.get_casting([s1])[s1] == [{"asset_id": prop, "nb_occurences": 3, "label": ""}]
    assert [s["id"] for s in tracker.list_cast_in(hero)] == [s3]
    with pytest.raises(ValidationError):  # all or nothing: s3's bad entry keeps s2 unchanged
        tracker.set_casting(pid, {s2: [{"asset_id": hero}], s3: [{"asset_id": "ghost"}]})
    assert tracker.get_casting([s2, s3])[s2] == []
    other = tracker.create("project", {"name": "Other"})
    with pytest.raises(ValidationError):
        tracker.set_casting(other["id"], {s1: []})
    with pytest.raises(ValidationError):
        tracker.set_casting(pid, {s1: [{"asset_id": hero, "count": 2}]})
    with pytest.raises(NotFound):
        tracker.list_cast_in("ghost")


def test_time_spent(tracker: LocalTracker, task: dict[str, Any]) -> None:
    jane = tracker.create("person", {"email": "jane@studio.com"})["id"]
    day = dt.date(2026, 3, 18)
    entry = tracker.set_time_spent(task["id"], jane, day, dt.timedelta(hours=2))
    assert entry == {"person_id": jane, "date": day, "duration": dt.timedelta(hours=2)}
    tracker.set_time_spent(task["id"], jane, day, dt.timedelta(minutes=30), add=True)
    tracker.set_time_spent(task["id"], jane, dt.date(2026, 3, 17), dt.timedelta(hours=1))
    assert tracker.list_time_spent(task["id"]) == [
        {"person_id": jane, "date": dt.date(2026, 3, 17), "duration": dt.timedelta(hours=1)},
        {"person_id": jane, "date": day, "duration": dt.timedelta(hours=2, minutes=30)},
    ]
    tracker.set_time_spent(task["id"], jane, day, dt.timedelta(hours=4))  # replaces
    assert tracker.list_time_spent(task["id"])[1]["duration"] == dt.timedelta(hours=4)
    with pytest.raises(ValidationError):
        tracker.set_time_spent(task["id"], jane, day, dt.timedelta(hours=-9), add=True)
    with pytest.raises(ValidationError):
        tracker.set_time_spent(task["id"], "ghost", day, dt.timedelta(hours=1))
    with pytest.raises(NotFound):
        tracker.list_time_spent("ghost")


def test_playlists(
    tracker: LocalTracker, prod: dict[str, Any], task: dict[str, Any], tmp_path: Path
) -> None:
    pid = prod["project"]["id"]
    playlist = tracker.create("playlist", {"name": "Daily", "project_id": pid})
    assert (playlist["for_entity"], playlist["for_client"], playlist["entries"]) == (
        "shot",
        False,
        [],
    )
    png = write_png(tmp_path / "a.png", 1, 1)
    preview = tracker.create_comment(task["id"], CommentDraft(previews=(png,)))["previews"][0]
    s1, s2 = prod["shots"][0]["id"], prod["shots"][1]["id"]
    tracker.add_playlist_entry(playlist["id"], s2, None)
    record = tracker.add_playlist_entry(playlist["id"], s1, preview["id"])
    assert record["entries"] == [
        {"entity_id": s2, "preview_id": None},
        {"entity_id": s1, "preview_id": preview["id"]},
    ]
    record = tracker.add_playlist_entry(playlist["id"], s2, preview["id"])  # keeps its place
    assert [e["entity_id"] for e in record["entries"]] == [s2, s1]
    assert record["entries"][0]["preview_id"] == preview["id"]
    assert tracker.list("playlist", {"project_id": pid})[0]["entries"] == record["entries"]
    other = tracker.create("project", {"name": "Other"})
    foreign = tracker.create("playlist", {"name": "Daily", "project_id": other["id"]})
    with pytest.raises(ValidationError):
        tracker.add_playlist_entry(foreign["id"], s1, None)
    with pytest.raises(ValidationError):
        tracker.add_playlist_entry(playlist["id"], s1, "ghost")


def test_team_membership(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    pid = prod["project"]["id"]
    jane = tracker.create("person", {"email": "jane@studio.com"})["id"]
    tracker.set_team_member(pid, jane, True)
    tracker.set_team_member(pid, jane, True)  # idempotent
    assert [p["id"] for p in tracker.list("person", {"project_id": pid})] == [jane]
    tracker.set_team_member(pid, jane, False)
    assert tracker.list("person", {"project_id": pid}) == []
    with pytest.raises(ValidationError):
        tracker.set_team_member(pid, "ghost", True)
    with pytest.raises(NotFound):
        tracker.set_team_member("ghost", jane, True)


def test_search(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    pid = prod["project"]["id"]
    other = tracker.create("project", {"name": "Other Hero Film"})
    osq = tracker.create("sequence", {"name": "sq_hero", "project_id": other["id"]})
    tracker.create("shot", {"name": "hero_sh01", "sequence_id": osq["id"]})
    jane = tracker.create(
        "person", {"email": "jane@studio.com", "first_name": "Jane", "last_name": "Heroine"}
    )
    found = tracker.search("HERO")
    assert [(k, r["name"] if k != "person" else r["email"]) for k, r in found] == [
        ("project", "Other Hero Film"),
        ("sequence", "sq_hero"),
        ("shot", "hero_sh01"),
        ("asset", "Hero"),
        ("person", "jane@studio.com"),
    ]
    assert [k for k, _ in tracker.search("jane doe")] == []
    assert [r["id"] for _, r in tracker.search("jane heroine")] == [jane["id"]]
    assert [r["id"] for _, r in tracker.search("JANE@STUDIO")] == [jane["id"]]
    scoped = tracker.search("hero", project_id=pid)
    assert [(k, r["name"]) for k, r in scoped] == [("asset", "Hero")]
    tracker.set_team_member(pid, jane["id"], True)
    assert [k for k, _ in tracker.search("hero", project_id=pid)] == ["asset", "person"]
    assert [k for k, _ in tracker.search("demo", project_id=pid)] == ["project"]
    assert tracker.search("   ") == []
    assert tracker.search("%") == []  # no wildcards


# -- persistence, processes, threads, isolation -------------------------------------------
def test_persistence_across_reopen(file_url: str, tmp_path: Path) -> None:
    tracker = make_tracker(file_url, create=True)
    project = tracker.create("project", {"name": "Demo", "custom_data": {"k": [1, 2]}})
    tracker.close()
    tracker = make_tracker(file_url)
    try:
        again = tracker.get("project", project["id"])
        assert again["name"] == "Demo" and again["custom_data"] == {"k": [1, 2]}
        assert again["created_at"] == project["created_at"]
        assert len(tracker.list("task_status", {})) == len(DEFAULT_STATUSES)  # not seeded twice
        assert len(tracker.list("asset_type", {})) == len(DEFAULT_ASSET_TYPES)
        assert len(tracker.list("person", {})) == 1  # the first admin, made once
    finally:
        tracker.close()
    conn = sqlite3.connect(tmp_path / "studio.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    finally:
        conn.close()


def test_newer_schema_is_refused(file_url: str, tmp_path: Path) -> None:
    make_tracker(file_url, create=True).close()
    conn = sqlite3.connect(tmp_path / "studio.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(ConfigError, match="newer"):
        make_tracker(file_url)


def test_journal_mode_option(tmp_path: Path) -> None:
    db = tmp_path / "share.db"
    config = TrackerConfig(url=f"sqlite:///{db}", options={"journal_mode": "delete"}, create=True)
    tracker = LocalTracker(config)
    tracker.open()
    tracker.close()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    with pytest.raises(ConfigError):
        LocalTracker(TrackerConfig(url="memory://", options={"journal_mode": "OFF"}))


def test_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite, " * 100)
    with pytest.raises(ConfigError):
        make_tracker(f"sqlite:///{bogus}")


def test_two_instances_on_one_file_see_each_other(file_url: str) -> None:
    a = make_tracker(file_url, create=True)
    a.create("person", {"email": "other@studio.com"})
    b = make_tracker(file_url, login="other@studio.com")
    try:
        project = a.create("project", {"name": "Shared"})
        assert b.get("project", project["id"])["name"] == "Shared"
        seq = b.create("sequence", {"name": "sq010", "project_id": project["id"]})
        assert [s["id"] for s in a.list("sequence", {"project_id": project["id"]})] == [seq["id"]]
        with pytest.raises(AlreadyExists):
            a.create("sequence", {"name": "sq010", "project_id": project["id"]})
        assert {p["email"] for p in a.list("person", {})} == {
            "tester@studio.com",
            "other@studio.com",
        }
    finally:
        a.close()
        b.close()


def test_two_processes_write_one_file(file_url: str, tmp_path: Path) -> None:
    tracker = make_tracker(file_url, create=True)
    try:
        project = tracker.create("project", {"name": "Busy"})
        seq = tracker.create("sequence", {"name": "sq", "project_id": project["id"]})
        script = textwrap.dedent(
            f"""
            from gadget.config import TrackerConfig
            from gadget.trackers.local import LocalTracker
            t = LocalTracker(TrackerConfig(url={file_url!r}, login="tester@studio.com"))
            t.open()
            for i in range(25):
                t.create("shot", {{"name": f"child{{i:03d}}", "sequence_id": {seq["id"]!r}}})
            t.close()
            """
        )
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        child = subprocess.Popen([sys.executable, "-c", script], env=env)
        for i in range(25):
            tracker.create("shot", {"name": f"parent{i:03d}", "sequence_id": seq["id"]})
        assert child.wait(timeout=60) == 0
        assert len(tracker.list("shot", {"sequence_id": seq["id"]})) == 50
    finally:
        tracker.close()


def test_threads_share_one_tracker(tracker: LocalTracker, prod: dict[str, Any]) -> None:
    seq = prod["sequences"][1]["id"]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                tracker.create("shot", {"name": f"t{n}_{i}", "sequence_id": seq})
                tracker.list("shot", {"sequence_id": seq})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(tracker.list("shot", {"sequence_id": seq})) == 61


def test_memory_trackers_are_isolated() -> None:
    a, b = make_tracker("memory://"), make_tracker("memory://")
    same_name = make_tracker("memory://shared")
    same_name_too = make_tracker("memory://shared")
    try:
        a.create("project", {"name": "Only in A"})
        same_name.create("project", {"name": "Only here"})
        assert b.list("project", {}) == []
        assert same_name_too.list("project", {}) == []
        assert len(a.list("task_status", {})) == len(b.list("task_status", {}))
        assert len(b.list("task_status", {})) == len(DEFAULT_STATUSES)
    finally:
        for t in (a, b, same_name, same_name_too):
            t.close()


def test_reopening_memory_tracker_starts_empty() -> None:
    tracker = make_tracker("memory://")
    tracker.create("project", {"name": "Gone"})
    tracker.close()
    tracker.open()
    try:
        assert tracker.list("project", {}) == []
    finally:
        tracker.close()
