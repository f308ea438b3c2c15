"""Reference lists read alongside a listing (``Tracker.concurrent_reads``).

A tracker behind a network declares ``concurrent_reads``; when the session
lists a project's shots with their tasks, it reads the task types and
statuses those tasks point at in threads of their own, while the listing is
in flight. The memory tracker is made to declare it here.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import gadget
from gadget import Session
from gadget.testing.fixtures import TrackerSpy

REFERENCES = ("task_type", "task_status")


@pytest.fixture
def studio() -> tuple[Session, str]:
    """A memory tracker with 3 shots of 2 tasks; (session that built it, project id)."""
    session = gadget.connect("memory://")
    project = session.projects.new(name="Alongside", production_type="short")
    seq = project.sequences.new(name="sq010")
    kinds = [session.task_types.new(name=n, for_shots=True) for n in ("Anim", "Comp")]
    shots = project.shots.new_many([{"name": f"sh{i:03d}", "sequence": seq} for i in range(3)])
    project.tasks.new_many([{"entity": s, "task_type": t} for s in shots for t in kinds])
    return session, project.id


def _concurrent(studio: tuple[Session, str], **options: Any) -> tuple[Session, gadget.Project]:
    built, project_id = studio
    tracker: Any = built.tracker
    tracker.concurrent_reads = True  # as a network tracker declares it
    session = Session(tracker, **options)
    return session, session.projects.get(id=project_id)


def _threads_of(session: Session) -> dict[str, list[str]]:
    """Which thread listed each reference kind (watched on the tracker)."""
    tracker: Any = session.tracker
    listing = tracker.list
    seen: dict[str, list[str]] = {}

    def watched(kind: str, filters: Any) -> Any:
        if kind in REFERENCES:
            seen.setdefault(kind, []).append(threading.current_thread().name)
        return listing(kind, filters)

    tracker.list = watched
    return seen


def test_references_are_read_while_the_listing_is_in_flight(
    studio: tuple[Session, str],
) -> None:
    session, project = _concurrent(studio)
    tracker: Any = session.tracker
    started = threading.Event()
    read = {kind: threading.Event() for kind in REFERENCES}
    overlapped: list[bool] = []
    listing, with_children = tracker.list, tracker.list_with_children

    def reference(kind: str, filters: Any) -> Any:
        if kind in read:  # read while the listing has begun and not answered
            overlapped.append(started.wait(2))
            read[kind].set()
        return listing(kind, filters)

    def slow_listing(*args: Any) -> Any:
        started.set()
        overlapped.extend(event.wait(2) for event in read.values())
        return with_children(*args)

    tracker.list, tracker.list_with_children = reference, slow_listing
    threads = _threads_of(session)
    shots = list(project.shots)
    assert len(shots) == 3
    assert overlapped == [True] * 4
    assert set(threads) == set(REFERENCES)
    assert all(len(names) == 1 and names[0] != "MainThread" for names in threads.values())
    with TrackerSpy(session.tracker) as spy:  # the walk reads nothing more
        rows = {(t.task_type.name, t.status.short_name) for s in shots for t in s.tasks}
    assert rows == {("Anim", "todo"), ("Comp", "todo")}
    assert spy.calls == []


def test_a_narrower_listing_reads_no_references(studio: tuple[Session, str]) -> None:
    session, project = _concurrent(studio)
    seq = project.sequences.fetch("sq010")
    with TrackerSpy(session.tracker) as spy:
        assert len(seq.shots) == 3
    assert spy.listed("shot") == len(spy.calls) == 1  # no reference list


@pytest.mark.parametrize("options", [{"cache": False}, {"prefetch": False}])
def test_without_cache_or_prefetch_nothing_is_read_alongside(
    studio: tuple[Session, str], options: dict[str, bool]
) -> None:
    session, project = _concurrent(studio, **options)
    with TrackerSpy(session.tracker) as spy:
        assert len(project.shots) == 3
    assert [c.kind for c in spy.calls] == ["shot"]


def test_cached_references_are_not_read_again(studio: tuple[Session, str]) -> None:
    session, project = _concurrent(studio)
    session.task_types.all()
    threads = _threads_of(session)
    list(project.shots)
    assert set(threads) == {"task_status"}


def test_a_failed_reference_read_is_raised_where_the_list_is_needed(
    studio: tuple[Session, str],
) -> None:
    session, project = _concurrent(studio)
    tracker: Any = session.tracker
    listing = tracker.list
    failures = iter([gadget.TrackerUnavailable(f"statuses: reset {n}") for n in (1, 2)])

    def flaky(kind: str, filters: Any) -> Any:
        if kind == "task_status":
            failure = next(failures, None)
            if failure is not None:
                raise failure
        return listing(kind, filters)

    tracker.list = flaky
    shots = list(project.shots)  # the listing itself does not fail
    task = shots[0].tasks[0]
    assert task.task_type.name in ("Anim", "Comp")
    with pytest.raises(gadget.TrackerUnavailable, match="reset 2"):
        _ = task.status  # read again where it is needed, and the error shows there
    assert task.status.short_name == "todo"
