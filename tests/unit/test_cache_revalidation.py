"""A walk kept past the query cache's lifetime, revalidated instead of read again.

:class:`gadget._cache.QueryCache` on a clock of the test's own (its ``timer``),
then a session on the memory tracker whose ``list_with_children`` answers as
Kitsu's does (a :class:`Listing` with a validator, UNCHANGED for it until the
data changes): the entities kept are the ones handed out again.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import gadget
from gadget import Session
from gadget._cache import QueryCache, cache_key
from gadget.testing.fixtures import TrackerSpy
from gadget.trackers.base import UNCHANGED, Listing

TTL = 300.0
SHOTS = cache_key("shot", {"project_id": "p"})
CHILD_A = cache_key("task", {"entity_id": "a", "entity_kind": "shot"})
CHILD_B = cache_key("task", {"entity_id": "b", "entity_kind": "shot"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _cache(clock: Clock, *, enabled: bool = True, size: int = 100) -> QueryCache:
    return QueryCache(threading.RLock(), enabled=enabled, ttl=TTL, size=size, timer=clock)


def _walk(cache: QueryCache, validator: str | None = "v1") -> tuple[list[Any], ...]:
    shots, tasks_a, tasks_b = ["shot a", "shot b"], ["task a1"], ["task b1", "task b2"]
    cache.put_walk(SHOTS, shots, {CHILD_A: tasks_a, CHILD_B: tasks_b}, validator=validator, since=0)
    return shots, tasks_a, tasks_b


def test_a_stale_walk_is_made_fresh_again_with_the_same_lists() -> None:
    clock = Clock()
    cache = _cache(clock)
    shots, tasks_a, tasks_b = _walk(cache)
    assert cache.get(SHOTS) is shots and cache.validator(SHOTS) == "v1"
    clock.now += TTL + 1
    assert (cache.get(SHOTS), cache.get(CHILD_A)) == (None, None)  # stale: not handed out
    assert cache.validator(SHOTS) == "v1"
    assert cache.revalidated(SHOTS, "v1", since=cache.generation) is shots
    assert (cache.get(CHILD_A), cache.get(CHILD_B)) == (tasks_a, tasks_b)
    assert cache.get(CHILD_B) is tasks_b
    clock.now += TTL - 1  # a whole lifetime from the revalidation
    assert cache.get(SHOTS) is shots and cache.get(CHILD_A) is tasks_a
    clock.now += 2
    assert cache.get(SHOTS) is None and cache.validator(SHOTS) == "v1"


def test_a_write_of_a_kind_of_the_walk_drops_it_stale_or_not() -> None:
    clock = Clock()
    cache = _cache(clock)
    _walk(cache)
    clock.now += TTL + 1
    cache.invalidate("task")
    assert cache.validator(SHOTS) is None
    assert cache.revalidated(SHOTS, "v1", since=cache.generation) is None
    assert cache.get(SHOTS) is None and cache.get(CHILD_A) is None


def test_a_write_of_another_kind_keeps_the_walk_but_not_a_revalidation_begun_before() -> None:
    clock = Clock()
    cache = _cache(clock)
    shots, *_ = _walk(cache)
    clock.now += TTL + 1
    begun = cache.generation
    cache.invalidate("comment")
    assert cache.revalidated(SHOTS, "v1", since=begun) is None  # the write came meanwhile
    assert cache.get(SHOTS) is None
    assert cache.revalidated(SHOTS, "v1", since=cache.generation) is shots


def test_only_the_validator_given_revalidates() -> None:
    clock = Clock()
    cache = _cache(clock)
    _walk(cache)
    clock.now += TTL + 1
    assert cache.revalidated(SHOTS, "v0", since=cache.generation) is None
    assert cache.get(SHOTS) is None


def test_a_walk_without_validator_or_read_during_a_write_is_not_kept_past_its_lifetime() -> None:
    clock = Clock()
    cache = _cache(clock)
    shots, *_ = _walk(cache, validator=None)
    assert cache.get(SHOTS) is shots and cache.validator(SHOTS) is None
    _walk(cache)
    cache.invalidate("comment")  # generation 1: a read begun in 0 is not kept ...
    _walk(cache, validator="v2")
    assert cache.validator(SHOTS) is None  # ... and the older walk is not revalidated


def test_clear_and_a_cache_off_keep_no_walk() -> None:
    clock = Clock()
    cache = _cache(clock)
    _walk(cache)
    cache.clear()
    assert cache.validator(SHOTS) is None
    off = _cache(clock, enabled=False)
    _, tasks_a, _ = _walk(off)
    assert off.validator(SHOTS) is None and off.get(SHOTS) is None
    assert off.get(CHILD_A) is tasks_a and off.get(CHILD_A) is None  # prefetched: once


def test_the_walks_kept_hold_at_most_size_entries_oldest_dropped() -> None:
    clock = Clock()
    cache = _cache(clock, size=4)
    other = cache_key("asset", {"project_id": "p"})
    _walk(cache)  # 3 entries
    cache.put_walk(other, ["asset"], {}, validator="w", since=0)  # 4 in all: kept
    assert (cache.validator(SHOTS), cache.validator(other)) == ("v1", "w")
    third = cache_key("shot", {"project_id": "q"})
    cache.put_walk(third, ["shot"], {}, validator="x", since=0)  # 5: the oldest goes
    assert (cache.validator(SHOTS), cache.validator(other), cache.validator(third)) == (
        None,
        "w",
        "x",
    )


# -- through a session ------------------------------------------------------------------
class Revalidating:
    """Make a memory tracker's ``list_with_children`` answer with a validator
    (the data's version), and UNCHANGED for the current one."""

    def __init__(self, session: Session) -> None:
        self.version = 1
        self.given: list[str | None] = []
        tracker: Any = session.tracker
        whole = tracker.list_with_children

        def listing(
            kind: str, filters: Any, child_kind: str, field: str, *, validator: str | None = None
        ) -> Any:
            self.given.append(validator)
            if validator == f"v{self.version}":
                return UNCHANGED
            records, children = whole(kind, filters, child_kind, field)
            return Listing(records, children, f"v{self.version}")

        tracker.list_with_children = listing


@pytest.fixture
def built() -> tuple[Session, str]:
    session = gadget.connect("memory://")
    project = session.projects.new(name="Again", production_type="short")
    seq = project.sequences.new(name="sq010")
    types = [session.task_types.new(name=n, for_shots=True) for n in ("Anim", "Light")]
    shots = project.shots.new_many([{"name": f"sh{i:03d}", "sequence": seq} for i in range(3)])
    project.tasks.new_many([{"entity": s, "task_type": t} for s in shots for t in types])
    return session, project.id


def _session(
    built: tuple[Session, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Session, Any, Revalidating, Clock]:
    clock = Clock()
    monkeypatch.setattr("gadget._cache.clock", clock)
    session = Session(built[0].tracker, cache_ttl=TTL)
    server = Revalidating(session)
    return session, session.projects.get(id=built[1]), server, clock


def _walk_of(project: Any) -> list[tuple[Any, list[Any]]]:
    return [(shot, list(shot.tasks)) for shot in project.shots]


def test_a_session_hands_out_the_same_entities_after_an_unchanged_answer(
    built: tuple[Session, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    session, project, server, clock = _session(built, monkeypatch)
    first = _walk_of(project)
    clock.now += TTL + 1
    with TrackerSpy(session.tracker) as spy:
        second = _walk_of(project)
    assert [c.method for c in spy.calls] == ["list_with_children"]
    assert server.given == [None, "v1"]
    assert all(a is b and x == y for (a, x), (b, y) in zip(first, second, strict=True))
    assert all(
        t is u
        for (_, x), (_, y) in zip(first, second, strict=True)
        for t, u in zip(x, y, strict=True)
    )


def test_a_changed_answer_is_bound_and_a_write_forgets_the_validator(
    built: tuple[Session, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, project, server, clock = _session(built, monkeypatch)
    _walk_of(project)
    clock.now += TTL + 1
    server.version = 2  # the data changed elsewhere
    built[0].projects.get(id=project.id).shots.new(name="sh999", sequence="sq010")
    assert "sh999" in {shot.name for shot, _ in _walk_of(project)}
    assert server.given == [None, "v1"]
    project.shots.get(name="sh000").update(description="revised")  # a write in the session
    clock.now += TTL + 1
    _walk_of(project)
    assert server.given == [None, "v1", None]  # the stale walk was dropped


def test_a_revalidated_walk_prefetches_through_its_siblings_again_after_a_write(
    built: tuple[Session, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write of another kind came between the walk and its revalidation: the
    walk's sibling groups are current again, so the comments of all its tasks
    are one read (a group older than a write would be read task by task)."""
    session, project, _, clock = _session(built, monkeypatch)
    _walk_of(project)
    session.task_types.new(name="Comp", for_shots=True)  # a write: not of the walk's kinds
    clock.now += TTL + 1
    tasks = [task for _, found in _walk_of(project) for task in found]
    with TrackerSpy(session.tracker) as spy:
        comments = [list(task.comments) for task in tasks]
    assert len(tasks) == 6 and comments == [[]] * 6
    assert [c.method for c in spy.calls] == ["list_children"]
