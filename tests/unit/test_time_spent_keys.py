"""A time-spent addition retried with its key after an unknown outcome is made once.

``time_spent.add(..., idempotency_key=K)`` may raise ``OutcomeUnknown`` when
the write may have landed and reading the day's time again failed too. The
same call again with ``K`` (what the error advises) must finish that
addition, not add the time a second time. The failures are injected into the
local tracker (in memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import gadget
from gadget.errors import OutcomeUnknown, TrackerUnavailable


@pytest.fixture
def session() -> Iterator[gadget.Session]:
    with gadget.connect("memory://") as session:
        yield session


@pytest.fixture
def task(session: gadget.Session) -> Any:
    project = session.projects.new(name="Keys", production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    session.task_types.new(name="Anim", for_shots=True)
    return shot.tasks.new(task_type="Anim")


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
