"""Partial records: fields a fast listing left out are loaded on first read,
once, for everything read together (``trackers.base.MISSING``).

The local tracker answers whole records, so these tests make its
``list_with_children`` answer as Kitsu's with-tasks route does: shots without
``created_at``/``updated_at``, tasks without ``name``/``description`` too.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

import gadget
from gadget import NotFound, Session, TrackerUnavailable
from gadget._prefetch import _GcPause
from gadget.testing.fixtures import TrackerSpy
from gadget.trackers.base import MISSING, Records

SHOT_LEFT_OUT = ("created_at", "updated_at")
TASK_LEFT_OUT = ("name", "description", "created_at", "updated_at")


def _strip(records: Records, left_out: tuple[str, ...]) -> None:
    for record in records:
        for name in left_out:
            record.pop(name, None)
        record[MISSING] = left_out


def _partial_listings(session: Session) -> None:
    """Make the session's tracker answer listings with their tasks as partial records."""
    tracker: Any = session.tracker
    whole = tracker.list_with_children

    def partial(kind: str, filters: Any, child_kind: str, field: str) -> Any:
        records, children = whole(kind, filters, child_kind, field)
        _strip(records, SHOT_LEFT_OUT)
        for found in children.values():
            _strip(found, TASK_LEFT_OUT)
        return records, children

    tracker.list_with_children = partial


@pytest.fixture
def studio() -> tuple[Session, str]:
    """A memory tracker with 5 shots of 2 tasks each; (session that built it, project id)."""
    session = gadget.connect("memory://")
    project = session.projects.new(name="Partial", production_type="short")
    seq = project.sequences.new(name="sq010")
    anim = session.task_types.new(name="Anim", for_shots=True)
    comp = session.task_types.new(name="Comp", for_shots=True)
    shots = project.shots.new_many([{"name": f"sh{i:03d}", "sequence": seq} for i in range(5)])
    rows = [{"entity": s, "task_type": t} for s in shots for t in (anim, comp)]
    for n, task in enumerate(project.tasks.new_many(rows)):
        task.update(description=f"brief {n}")
    return session, project.id


def _walker(studio: tuple[Session, str], **options: Any) -> tuple[Session, gadget.Project]:
    built, project_id = studio
    session = Session(built.tracker, **options)
    _partial_listings(session)
    return session, session.projects.get(id=project_id)


def test_a_walk_reads_once_and_leaves_the_fields_unset(studio: tuple[Session, str]) -> None:
    session, project = _walker(studio)
    with TrackerSpy(session.tracker) as spy:
        tasks = [t for shot in project.shots for t in shot.tasks]
        ids = [(t.entity_id, t.task_type_id, t.status_id) for t in tasks]
        texts = [repr(t) for t in tasks] + [repr(s) for s in project.shots]
        texts += [repr(t.comments) for t in tasks] + [repr(s.tasks) for s in project.shots]
        _ = {hash(t) for t in tasks}, tasks[0] == tasks[1]
    assert len(tasks) == 10 and all(all(i) for i in ids)
    assert [c.method for c in spy.calls] == ["list_with_children"], texts
    with TrackerSpy(session.tracker) as spy:
        assert not hasattr(tasks[0], "no_such_field")  # not a field: no read
        with pytest.raises(AttributeError):
            _ = tasks[0]._no_such_slot
    assert spy.calls == []


def test_the_first_read_of_a_left_out_field_loads_it_for_all(
    studio: tuple[Session, str],
) -> None:
    built, project_id = studio
    want = {
        t.id: (t.name, t.description, t.created_at, t.updated_at)
        for t in built.projects.get(id=project_id).tasks
    }
    session, project = _walker(studio)
    tasks = [t for shot in project.shots for t in shot.tasks]
    with TrackerSpy(session.tracker) as spy:
        got = {t.id: (t.name, t.description, t.created_at, t.updated_at) for t in tasks}
    assert got == want
    assert sorted(d for _, d, _, _ in got.values()) == sorted(f"brief {n}" for n in range(10))
    reads = [(c.method, c.kind) for c in spy.calls]
    assert reads == [("list_children", "task")], reads
    assert spy.calls[0].kwargs == {"parent_kind": "shot"}  # the tasks' parents are shots
    with TrackerSpy(session.tracker) as spy:
        stamps = [s.created_at for s in project.shots]
    assert all(stamps) and [(c.method, c.kind) for c in spy.calls] == [("list", "shot")]


def test_the_fields_it_had_are_not_read_again(studio: tuple[Session, str]) -> None:
    session, project = _walker(studio)
    task = project.shots.first().tasks.first()  # type: ignore[union-attr]
    with TrackerSpy(session.tracker) as spy:
        task.update(priority=3)  # a write answers the whole record
        assert task.description == "brief 0"
    assert spy.count("list_children") == 0 and spy.count("update") == 1


def test_a_failed_load_is_tried_again(studio: tuple[Session, str]) -> None:
    session, project = _walker(studio)
    tasks = [t for shot in project.shots for t in shot.tasks]
    tracker: Any = session.tracker
    whole = tracker.list_children
    tracker.list_children = lambda *a, **k: (_ for _ in ()).throw(TrackerUnavailable("server away"))
    with pytest.raises(TrackerUnavailable, match="server away"):
        _ = tasks[3].description
    tracker.list_children = whole
    assert tasks[3].description == "brief 3"


def test_an_entity_gone_from_the_tracker_says_so(studio: tuple[Session, str]) -> None:
    _, project = _walker(studio)
    built, _ = studio
    task = project.shots.first().tasks.first()  # type: ignore[union-attr]
    built.projects.get(id=project.id).tasks.get(id=task.id).delete()
    with pytest.raises(NotFound):
        _ = task.description


def test_without_cache_or_prefetch(studio: tuple[Session, str]) -> None:
    session, project = _walker(studio, cache=False)
    tasks = [t for shot in project.shots for t in shot.tasks]
    assert sorted(t.description for t in tasks) == sorted(f"brief {n}" for n in range(10))
    session, project = _walker(studio)
    with session.no_prefetch(), TrackerSpy(session.tracker) as spy:
        first = project.shots.first()
    assert first is not None and spy.count("list_with_children") == 0
    assert first.created_at is not None


@pytest.mark.parametrize("enabled", [True, False])
def test_bulk_reads_leave_the_garbage_collector_as_they_found_it(
    studio: tuple[Session, str], enabled: bool
) -> None:
    seen: list[bool] = []
    session, project = _walker(studio)
    tracker: Any = session.tracker
    listing = tracker.list_with_children

    def watched(*args: Any) -> Any:
        seen.append(gc.isenabled())  # paused while the answer is read and bound
        return listing(*args)

    tracker.list_with_children = watched
    (gc.enable if enabled else gc.disable)()
    try:
        assert len([t for shot in project.shots for t in shot.tasks]) == 10
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen == [False]


def test_overlapping_bulk_blocks_keep_the_collector_paused_until_the_last_ends() -> None:
    # the session's reference lists are read in threads while a listing is bound
    pause = _GcPause()
    inside, leave = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with pause():
            inside.set()
            leave.wait(5)

    gc.enable()
    try:
        thread = threading.Thread(target=other)
        thread.start()
        assert inside.wait(5)
        with pause():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())  # the other block has not ended
        leave.set()
        thread.join(5)
        seen.append(gc.isenabled())
    finally:
        leave.set()
        gc.enable()
    assert seen == [False, False, True]
