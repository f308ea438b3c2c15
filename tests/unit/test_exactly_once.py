"""Exactly once: a write that may have landed is resolved by its key, never made twice.

The failures here are injected into the local tracker (a real one, in
memory): a write that lands and then reports OutcomeUnknown, as a network
that drops the answer would, or one that reports it without landing. What
the session answers is checked against what the tracker then holds.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.errors import OutcomeUnknown, PartialPublish, TrackerUnavailable, ValidationError
from gadget.testing import TrackerSpy, write_png


def _unknown(operation: str = "POST /batch-comment") -> OutcomeUnknown:
    return OutcomeUnknown("the connection dropped after the request was sent", None, operation)


def _lands_then_unknown(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        method(*args, **kwargs)
        raise _unknown()

    return call


def _unknown_once(method: Callable[..., Any]) -> Callable[..., Any]:
    """Reports OutcomeUnknown the first time without landing, then works."""
    state = {"failed": False}

    def call(*args: Any, **kwargs: Any) -> Any:
        if not state["failed"]:
            state["failed"] = True
            raise _unknown()
        return method(*args, **kwargs)

    return call


@pytest.fixture
def session() -> Iterator[gadget.Session]:
    with gadget.connect("memory://") as session:
        yield session


@pytest.fixture
def task(session: gadget.Session) -> Any:
    project = session.projects.new(name="Once", production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    session.task_types.new(name="Anim", for_shots=True)
    return shot.tasks.new(task_type="Anim")


def _stored(session: gadget.Session, task: Any) -> list[dict[str, Any]]:
    return session.tracker.list("comment", {"task_id": task.id})


def test_a_publish_that_landed_before_the_failure_is_returned_not_posted_again(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = session.tracker
    monkeypatch.setattr(tracker, "create_comment", _lands_then_unknown(tracker.create_comment))
    note = task.comments.new(comment="landed", status="wip")
    assert [(c["id"], c["key"], c["text"]) for c in _stored(session, task)] == [
        (note.id, note.key, "landed")
    ]
    assert task.status.short_name == "wip"


def test_a_publish_that_did_not_land_is_posted_once(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = session.tracker
    monkeypatch.setattr(tracker, "create_comment", _unknown_once(tracker.create_comment))
    with TrackerSpy(tracker) as spy:
        note = task.comments.new(comment="late")
    assert [c["id"] for c in _stored(session, task)] == [note.id]
    assert [c.method for c in spy.calls] == ["create_comment", "find_comment", "create_comment"]


def test_when_the_lookup_fails_too_the_key_resolves_it_later(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = session.tracker
    real_find = tracker.find_comment
    monkeypatch.setattr(tracker, "create_comment", _lands_then_unknown(tracker.create_comment))

    def unreachable(*args: Any) -> Any:
        raise TrackerUnavailable("the tracker went away")

    monkeypatch.setattr(tracker, "find_comment", unreachable)
    with pytest.raises(OutcomeUnknown) as caught:
        task.comments.new(comment="maybe")
    unknown = caught.value
    assert not isinstance(unknown, TrackerUnavailable)
    assert unknown.key is not None and unknown.operation == "POST /batch-comment"
    assert unknown.key in str(unknown)
    (stored,) = _stored(session, task)
    assert stored["key"] == unknown.key
    monkeypatch.setattr(tracker, "find_comment", real_find)
    monkeypatch.undo()
    again = task.comments.new(comment="maybe", idempotency_key=unknown.key)
    assert again.id == stored["id"]
    assert [c["id"] for c in _stored(session, task)] == [stored["id"]]


def test_a_caller_key_looks_first_a_session_key_does_not(
    session: gadget.Session, task: Any
) -> None:
    with TrackerSpy(session.tracker) as spy:
        task.comments.new(comment="fresh")
        task.comments.new(comment="given", idempotency_key="k-1")
    assert [c.method for c in spy.calls] == ["create_comment", "find_comment", "create_comment"]


def test_a_main_preview_that_failed_is_a_partial_publish_finished_by_the_key(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    png = write_png(tmp_path / "v001.png", width=8, height=8)
    posted = task.comments.new(comment="v001", preview=[png], idempotency_key="pub")
    tracker = session.tracker

    def refused(preview_id: str) -> None:
        raise TrackerUnavailable("set-main-preview did not go")

    monkeypatch.setattr(tracker, "set_main_preview", refused)
    with pytest.raises(PartialPublish) as caught:
        task.comments.new(
            comment="v001", preview=[png], set_main_preview=True, idempotency_key="pub"
        )
    partial = caught.value
    assert partial.comment is posted  # the bound comment, the one of the session
    assert partial.landed == ("comment", "previews") and partial.missing == ("main_preview",)
    assert partial.key == "pub" and partial.left == (posted.id,)
    assert isinstance(partial.__cause__, TrackerUnavailable)
    assert not isinstance(partial, TrackerUnavailable)
    monkeypatch.undo()
    done = task.comments.new(
        comment="v001", preview=[png], set_main_preview=True, idempotency_key="pub"
    )
    assert done is posted
    shot = task.entity
    shot.refresh()
    assert shot.preview_id == posted.previews[0].id
    assert len(_stored(session, task)) == 1


def test_a_time_spent_addition_that_landed_is_not_added_again(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, day = session.me, dt.date(2026, 3, 18)
    task.time_spent.add(me, day, hours=1)
    tracker = session.tracker
    monkeypatch.setattr(tracker, "set_time_spent", _lands_then_unknown(tracker.set_time_spent))
    spent = task.time_spent.add(me, day, hours=2)
    assert spent.duration == dt.timedelta(hours=3)
    monkeypatch.undo()
    assert task.time_spent.total == dt.timedelta(hours=3)


def test_a_time_spent_addition_that_did_not_land_is_made_once(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, day = session.me, dt.date(2026, 3, 18)
    tracker = session.tracker
    monkeypatch.setattr(tracker, "set_time_spent", _unknown_once(tracker.set_time_spent))
    task.time_spent.add(me, day, hours=2)
    monkeypatch.undo()
    assert task.time_spent.total == dt.timedelta(hours=2)


def test_a_time_spent_key_adds_once_per_session(session: gadget.Session, task: Any) -> None:
    me, day = session.me, dt.date(2026, 3, 18)
    first = task.time_spent.add(me, day, hours=2, idempotency_key="log-1")
    assert task.time_spent.add(me, day, hours=2, idempotency_key="log-1") == first
    assert task.time_spent.total == dt.timedelta(hours=2)
    task.time_spent.add(me, day, hours=1, idempotency_key="log-2")
    assert task.time_spent.total == dt.timedelta(hours=3)
    with pytest.raises(ValidationError, match="another time spent"):
        task.time_spent.add(me, dt.date(2026, 3, 19), hours=1, idempotency_key="log-1")


def test_a_read_in_flight_during_a_write_is_not_cached(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing read while another thread's write lands must not be kept: it may
    miss what the write made, and would be served for the cache's lifetime."""
    tracker = session.tracker
    real_list = tracker.list
    reading, written = threading.Event(), threading.Event()

    def slow_list(kind: str, filters: Any) -> Any:
        found = real_list(kind, filters)
        if kind == "comment":
            reading.set()
            assert written.wait(10)
        return found

    monkeypatch.setattr(tracker, "list", slow_list)
    seen: list[int] = []
    reader = threading.Thread(target=lambda: seen.append(len(task.comments)))
    reader.start()
    assert reading.wait(10)
    task.comments.new(comment="meanwhile")
    written.set()
    reader.join(10)
    assert seen == [0]  # the read began before the write: it may not see it
    assert [c.text for c in task.comments] == ["meanwhile"]  # but it is not cached


def test_a_failed_team_change_leaves_no_stale_team(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = task.project
    jane = session.persons.new(email="jane@studio.test", first_name="Jane")
    assert jane not in project.team  # cached now
    tracker = session.tracker
    monkeypatch.setattr(tracker, "set_team_member", _lands_then_unknown(tracker.set_team_member))
    with pytest.raises(OutcomeUnknown):
        project.team.add(jane)
    assert jane in project.team


# -- a time-spent addition retried with its key after an unknown outcome is made once --
def _then_unknown(method: Callable[..., Any], lands: bool) -> Callable[..., Any]:
    """The write (when ``lands``), then OutcomeUnknown, as a dropped answer gives."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if lands:
            method(*args, **kwargs)
        raise OutcomeUnknown("the connection dropped after the request was sent", None, "POST")

    return call


def _unreadable(*args: Any, **kwargs: Any) -> Any:
    raise TrackerUnavailable("the tracker went away")


@pytest.mark.parametrize("lands", [True, False], ids=["landed", "did-not-land"])
def test_an_addition_retried_with_its_key_after_an_unknown_outcome_is_made_once(
    session: gadget.Session, task: Any, monkeypatch: pytest.MonkeyPatch, lands: bool
) -> None:
    me, day = session.me, dt.date(2026, 3, 18)
    task.time_spent.add(me, day, hours=1)
    tracker = session.tracker
    reads = {"n": 0}
    list_time_spent = tracker.list_time_spent

    def first_read_only(task_id: str) -> Any:  # the read before the write works, later ones fail
        reads["n"] += 1
        if reads["n"] > 1:
            return _unreadable()
        return list_time_spent(task_id)

    monkeypatch.setattr(tracker, "set_time_spent", _then_unknown(tracker.set_time_spent, lands))
    monkeypatch.setattr(tracker, "list_time_spent", first_read_only)
    with pytest.raises(OutcomeUnknown) as unknown:
        task.time_spent.add(me, day, hours=2, idempotency_key="log-7")
    assert unknown.value.key == "log-7"
    monkeypatch.undo()  # the tracker is back
    spent = task.time_spent.add(me, day, hours=2, idempotency_key="log-7")
    assert spent.duration == dt.timedelta(hours=3)
    assert task.time_spent.total == dt.timedelta(hours=3)
    # done now: the key answers what it recorded, without writing
    assert task.time_spent.add(me, day, hours=2, idempotency_key="log-7") == spent
    assert task.time_spent.total == dt.timedelta(hours=3)
