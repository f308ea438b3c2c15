"""Exactly once on the real Kitsu server: where the key lives, partial publishes
finished by the key, the client role refused before posting, and an ambiguous
failure (injected after the server took the request) resolved by the key.

Only the failures a real server cannot show on demand are injected (a lost
answer, a refused set-main-preview for an admin); every count is read back
from the server with plain REST calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.errors import OutcomeUnknown, PartialPublish, PermissionDenied, TrackerUnavailable
from gadget.testing import Names, write_png

from .conftest import Account, KitsuServer, RawKitsu, _seed_person

ROLES = ("user", "supervisor", "manager", "vendor", "client")


@dataclass
class Production:
    project_id: str
    shot_id: str
    task_id: str
    people: dict[str, Account]


@pytest.fixture(scope="module")
def production(kitsu_server: KitsuServer) -> Production:
    """A shot with a task, and one person of each role on the project's team,
    each assigned to the task (a vendor reaches only the entities of its tasks)."""
    with kitsu_server.connect() as admin:
        names = Names()
        project = admin.projects.new(name=names("Once"), production_type="short")
        shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
        kind = admin.task_types.new(name=names("Comp"), for_shots=True)
        task = shot.tasks.new(task_type=kind)
        people = {}
        for role in ROLES:
            person, password = _seed_person(kitsu_server.raw, role.title(), role)
            people[role] = Account(person["email"], password, person["id"])
            project.team.add(person["id"])
        task.assign(*(p.id for p in people.values()))
        return Production(project.id, shot.id, task.id, people)


@pytest.fixture
def task(kitsu: gadget.Session, production: Production) -> Any:
    """A new task of the production's shot (its own comments, its own count)."""
    shot = kitsu.tracker.get("shot", production.shot_id)
    kind = kitsu.task_types.new(name=Names()("Lay"), for_shots=True)
    return (
        kitsu.projects.get(id=shot["project_id"]).shots.get(id=shot["id"]).tasks.new(task_type=kind)
    )


def _comments(raw: RawKitsu, task_id: str) -> list[dict[str, Any]]:
    return list(raw.get(f"data/tasks/{task_id}/comments"))


def _as(kitsu_server: KitsuServer, account: Account) -> gadget.Session:
    return gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=account.email, password=account.password
    )


def test_the_key_is_a_marker_at_the_end_of_the_stored_text_and_no_reader_sees_it(
    kitsu: gadget.Session, raw: RawKitsu, task: Any
) -> None:
    note = task.comments.new(comment="fix the hands\n\n**then** the feet", idempotency_key="hook-7")
    (stored,) = _comments(raw, task.id)
    assert stored["text"] == "fix the hands\n\n**then** the feet\n\n<!-- gadget:hook-7 -->"
    assert (note.text, note.key) == ("fix the hands\n\n**then** the feet", "hook-7")
    kitsu.clear_cache()
    for read in (task.comments.get(id=note.id), kitsu.tracker.get("comment", note.id)):
        text, key = (
            (read.text, read.key)
            if isinstance(read, gadget.Comment)
            else (
                read["text"],
                read["key"],
            )
        )
        assert (text, key) == ("fix the hands\n\n**then** the feet", "hook-7")
    note.update(text="fixed")  # an edit keeps the key
    kitsu.clear_cache()
    again = task.comments.get(id=note.id)
    assert (again.text, again.key) == ("fixed", "hook-7")
    assert _comments(raw, task.id)[0]["text"] == "fixed\n\n<!-- gadget:hook-7 -->"
    blank = task.comments.new(comment="")  # a session key: the marker alone
    assert raw.get(f"data/comments/{blank.id}")["text"] == f"<!-- gadget:{blank.key} -->"


def test_a_failed_main_preview_is_a_partial_publish_the_key_finishes(
    kitsu: gadget.Session, raw: RawKitsu, task: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    png = write_png(tmp_path / "v001.png", width=16, height=9)
    connection = kitsu.tracker.connection
    real_put = connection.put

    def put(path: str, data: Any, **kwargs: Any) -> Any:
        if path.endswith("/set-main-preview"):
            raise TrackerUnavailable("Kitsu answered 503 to set-main-preview")
        return real_put(path, data, **kwargs)

    monkeypatch.setattr(connection, "put", put)
    with pytest.raises(PartialPublish) as caught:
        task.comments.new(
            comment="v001", status="wfa", preview=[png], set_main_preview=True, idempotency_key="v1"
        )
    partial = caught.value
    assert isinstance(partial.comment, gadget.Comment) and partial.key == "v1"
    assert partial.landed == ("comment", "status", "previews")
    assert partial.missing == ("main_preview",)
    assert "idempotency_key='v1'" in str(partial)
    (stored,) = _comments(raw, task.id)
    assert stored["id"] == partial.comment.id
    assert not raw.get(f"data/shots/{task.entity_id}").get("preview_file_id")
    monkeypatch.undo()
    done = task.comments.new(
        comment="v001", status="wfa", preview=[png], set_main_preview=True, idempotency_key="v1"
    )
    assert done is partial.comment
    assert [c["id"] for c in _comments(raw, task.id)] == [done.id]
    assert raw.get(f"data/shots/{task.entity_id}")["preview_file_id"] == done.previews[0].id


def test_a_preview_left_without_its_file_gets_it_into_the_same_record(
    kitsu: gadget.Session, raw: RawKitsu, task: Any, tmp_path: Path
) -> None:
    """A comment whose preview record was made but whose upload never came (a
    publish cut between the two): the same key sends the file into that record."""
    posted = task.comments.new(comment="v002", idempotency_key="v2")
    empty = raw.post(f"actions/tasks/{task.id}/comments/{posted.id}/add-preview", {})
    png = write_png(tmp_path / "v002.png", width=16, height=9)
    done = task.comments.new(comment="v002", preview=[png], idempotency_key="v2")
    assert done.id == posted.id
    assert [(p.id, p.name) for p in done.previews] == [(empty["id"], "v002")]
    assert raw.get(f"data/preview-files/{empty['id']}")["original_name"] == "v002"
    assert [c["id"] for c in _comments(raw, task.id)] == [posted.id]


def _lands_then_unknown(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(path: str, *args: Any, **kwargs: Any) -> Any:
        answer = method(path, *args, **kwargs)
        if path.endswith("/batch-comment"):
            raise OutcomeUnknown("the connection dropped after the request", None, f"POST /{path}")
        return answer

    return call


def test_an_ambiguous_failure_after_the_server_took_the_publish_is_resolved(
    kitsu: gadget.Session, raw: RawKitsu, task: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = kitsu.tracker.connection
    monkeypatch.setattr(connection, "upload", _lands_then_unknown(connection.upload))
    png = write_png(tmp_path / "v003.png", width=16, height=9)
    note = task.comments.new(comment="v003", preview=[png], set_main_preview=True)
    (stored,) = _comments(raw, task.id)
    assert stored["id"] == note.id and note.key is not None
    assert raw.get(f"data/shots/{task.entity_id}")["preview_file_id"] == note.previews[0].id


def test_when_the_lookup_fails_too_outcome_unknown_carries_the_key(
    kitsu: gadget.Session, raw: RawKitsu, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = kitsu.tracker.connection
    real_get = connection.get
    monkeypatch.setattr(connection, "post", _lands_then_unknown(connection.post))

    def get(path: str, params: Any = None) -> Any:
        if path.endswith("/comments"):
            raise TrackerUnavailable("the server went away")
        return real_get(path, params)

    monkeypatch.setattr(connection, "get", get)
    with pytest.raises(OutcomeUnknown) as caught:
        task.set_status("wip", "started")
    key = caught.value.key
    assert key is not None and not isinstance(caught.value, TrackerUnavailable)
    monkeypatch.undo()
    (stored,) = _comments(raw, task.id)
    again = task.set_status("wip", "started", idempotency_key=key)
    assert again.id == stored["id"]
    assert [c["id"] for c in _comments(raw, task.id)] == [stored["id"]]


@pytest.mark.parametrize("role", ROLES)
def test_set_main_preview_by_role(
    kitsu_server: KitsuServer, raw: RawKitsu, production: Production, role: str, tmp_path: Path
) -> None:
    """Zou refuses set-main-preview to a client only; gadget refuses a client's
    publish with set_main_preview=True before anything is posted."""
    png = write_png(tmp_path / f"{role}.png", width=16, height=9)
    before = len(_comments(raw, production.task_id))
    with _as(kitsu_server, production.people[role]) as theirs:
        shot = theirs.projects.get(id=production.project_id).shots.get(id=production.shot_id)
        taken = shot.tasks.get(id=production.task_id)
        if role != "client":
            note = taken.comments.new(comment=role, preview=[png], set_main_preview=True)
            stored = raw.get(f"data/shots/{production.shot_id}")
            assert stored["preview_file_id"] == note.previews[0].id
            return
        with pytest.raises(PermissionDenied) as caught:
            taken.comments.new(comment=role, preview=[png], set_main_preview=True)
        assert "set_main_preview" in str(caught.value) and "'client'" in str(caught.value)
        assert len(_comments(raw, production.task_id)) == before  # nothing was posted
        # the server itself refuses it to a client, on a preview that exists
        posted = taken.comments.new(comment="client review", preview=[png])
        with pytest.raises(PermissionDenied):
            theirs.tracker.set_main_preview(posted.previews[0].id)
