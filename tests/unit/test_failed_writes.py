"""A write that fails may have landed: the session's cache is not trusted after it.

The tracker here lands each write and then reports a failure, as a network
that drops the answer would; what the session read before must not be served
again as if nothing had happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import gadget
from gadget.errors import TrackerUnavailable


def _lands_then_fails(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        method(*args, **kwargs)
        raise TrackerUnavailable("the answer was lost after the write landed")

    return call


@pytest.fixture
def session() -> Iterator[gadget.Session]:
    with gadget.connect("memory://") as session:
        yield session


def _shot(session: gadget.Session) -> Any:
    project = session.projects.new(name="Lost", production_type="short")
    seq = project.sequences.new(name="sq010")
    return project.shots.new(name="sh0010", sequence=seq)


def test_a_failed_publish_leaves_no_stale_comments(
    session: gadget.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot = _shot(session)
    session.task_types.new(name="Anim", for_shots=True)
    task = shot.tasks.new(task_type="Anim")
    assert task.comments.all() == []  # cached now
    tracker = session.tracker
    monkeypatch.setattr(tracker, "create_comment", _lands_then_fails(tracker.create_comment))
    with pytest.raises(TrackerUnavailable):
        task.comments.new(comment="landed")
    assert [c.text for c in task.comments] == ["landed"]


def test_a_failed_creation_leaves_no_stale_listing(
    session: gadget.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot = _shot(session)
    seq = shot.sequence
    assert [s.name for s in seq.shots] == ["sh0010"]  # cached now
    tracker = session.tracker
    monkeypatch.setattr(tracker, "create", _lands_then_fails(tracker.create))
    with pytest.raises(TrackerUnavailable):
        seq.project.shots.new(name="sh0020", sequence=seq)
    assert sorted(s.name for s in seq.shots) == ["sh0010", "sh0020"]


def test_a_failed_update_leaves_no_stale_listing(
    session: gadget.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot = _shot(session)
    seq = shot.sequence
    assert seq.shots.filter(name="sh0099").all() == []  # cached now
    tracker = session.tracker
    monkeypatch.setattr(tracker, "update", _lands_then_fails(tracker.update))
    with pytest.raises(TrackerUnavailable):
        shot.update(name="sh0099")
    assert [s.id for s in seq.shots.filter(name="sh0099")] == [shot.id]


def test_a_failed_deletion_leaves_no_stale_listing(
    session: gadget.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot = _shot(session)
    seq = shot.sequence
    assert [s.name for s in seq.shots] == ["sh0010"]  # cached now
    tracker = session.tracker
    monkeypatch.setattr(tracker, "delete", _lands_then_fails(tracker.delete))
    with pytest.raises(TrackerUnavailable):
        shot.delete()
    assert seq.shots.all() == []
