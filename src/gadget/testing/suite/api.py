"""Contract tests: the shape of the public API a Python user relies on.

Writes on an entity return that entity (typed: ``shot.update(...)`` is a
Shot to a type checker); every loaded list (a comment's checklist, a task's
assignees, a shot's casting, an asset's cast-in shots, a task's time spent,
a playlist's entries) is a read-only :class:`collections.abc.Sequence`; a
project's team is a collection of its own, the only one with ``add`` and
``remove``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest

from gadget import (
    CastingEntry,
    ChecklistItem,
    Project,
    Session,
    Shot,
    Task,
    Team,
    TimeSpent,
)
from gadget.testing.fixtures import Studio, requires

if TYPE_CHECKING:
    from typing_extensions import assert_type
else:

    def assert_type(value: Any, _type: Any) -> Any:  # checked by mypy; nothing at run time
        return value


__all__ = ["TestLoadedLists", "TestTeamCollection", "TestWritesReturnTheEntity"]


def check_read_only_sequence(value: Any, expected: list[Any]) -> None:
    """``value`` behaves as a read-only sequence holding ``expected`` (two items or more)."""
    assert len(expected) >= 2, "give at least two items"
    assert isinstance(value, Sequence)
    assert len(value) == len(expected)
    assert value == expected
    assert expected == value  # list.__eq__ hands over to the sequence
    assert value != expected[::-1]
    assert value != [*expected, expected[0]]
    assert list(value) == expected
    assert (value[0], value[-1]) == (expected[0], expected[-1])
    assert list(value[1:]) == expected[1:]
    assert list(value[::-1]) == expected[::-1]
    assert list(reversed(value)) == expected[::-1]
    assert value.index(expected[-1]) == len(expected) - 1
    assert value.count(expected[0]) == 1
    assert expected[1] in value
    assert object() not in value
    with pytest.raises(IndexError):
        value[len(expected)]
    with pytest.raises(TypeError):
        hash(value)  # compared by content, like a list: not hashable
    assert not hasattr(value, "append")


class TestWritesReturnTheEntity:
    def test_update_and_refresh_return_the_entity_itself(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        shot = gadget_studio.shot(frame_in=1001, frame_out=1100)
        updated = assert_type(shot.update(frame_out=1200, description="longer"), Shot)
        assert updated is shot
        assert (updated.frame_out, updated.nb_frames, updated.description) == (1200, 200, "longer")
        other = Session(gadget_session.tracker)  # a write this session does not see
        other.projects.get(id=shot.project_id).shots.get(id=shot.id).update(description="theirs")
        assert shot.description == "longer"
        refreshed = assert_type(shot.refresh(), Shot)
        assert refreshed is shot
        assert (shot.description, shot.nb_frames) == ("theirs", 200)
        project = assert_type(shot.project.update(description="a show"), Project)
        assert project is shot.project
        assert project.description == "a show"

    def test_assign_returns_the_task(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        assert assert_type(task.assign(me), Task) is task
        assert task.assignees == [me]
        assert assert_type(task.unassign(me), Task) is task
        assert task.assignees == []

    def test_set_status_returns_the_comment_carrying_it(self, gadget_studio: Studio) -> None:
        wip = gadget_studio.status("wip")
        task = gadget_studio.task(status=gadget_studio.status("default"))
        note = task.set_status(wip.short_name, "started")
        assert note.text == "started"
        assert note.status is task.status
        assert task.comments.first() is note
        assert task.status is wip


class TestLoadedLists:
    def test_checklist(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        note = task.comments.new(comment="fixes", checklist=["hands", ("feet", True), "tail"])
        check_read_only_sequence(
            note.checklist,
            [ChecklistItem(0, "hands"), ChecklistItem(1, "feet", True), ChecklistItem(2, "tail")],
        )

    @requires("create_persons")
    def test_assignees(self, gadget_session: Session, gadget_studio: Studio) -> None:
        jane = gadget_studio.person()
        task = gadget_studio.task(assignees=[jane, gadget_session.me])
        assert set(task.assignees) == {jane, gadget_session.me}
        check_read_only_sequence(task.assignees, list(task.assignees))

    @requires("casting", "assets")
    def test_casting_and_cast_in(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        sh1 = gadget_studio.shot(seq, "sh0010")
        sh2 = gadget_studio.shot(seq, "sh0020")
        hero = gadget_studio.asset(seq.project, "Hero")
        prop = gadget_studio.asset(seq.project, "Sword")
        casting = sh1.casting
        assert casting == []  # read once, by this object ...
        casting.set([(hero, 2), prop])
        assert len(casting) == 2  # ... and again after its own write
        entries = list(sh1.casting)
        assert set(entries) == {CastingEntry(hero, 2), CastingEntry(prop, 1)}
        check_read_only_sequence(sh1.casting, entries)
        sh2.casting.set([hero])
        check_read_only_sequence(hero.cast_in, list(hero.cast_in))
        assert set(hero.cast_in) == {sh1, sh2}

    @requires("time_spent")
    def test_time_spent(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        log = task.time_spent
        assert log == []
        log.add(me, "2026-03-18", hours=2)
        log.add(me, "2026-03-19", minutes=30)
        assert len(log) == 2  # the log's own writes are seen
        entries = sorted(task.time_spent, key=lambda t: t.date)
        assert entries == [
            TimeSpent(me, dt.date(2026, 3, 18), dt.timedelta(hours=2)),
            TimeSpent(me, dt.date(2026, 3, 19), dt.timedelta(minutes=30)),
        ]
        check_read_only_sequence(task.time_spent, list(task.time_spent))

    @requires("playlists")
    def test_playlist_entries(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        sh1 = gadget_studio.shot(seq, "sh0010")
        sh2 = gadget_studio.shot(seq, "sh0020")
        review = seq.project.playlists.new(name=gadget_studio.names("Daily"), for_entity="shot")
        review.add(sh2).add(sh1)
        check_read_only_sequence(review.entries, list(review.entries))
        assert [e.entity for e in review.entries] == [sh2, sh1]


@requires("team")
class TestTeamCollection:
    def test_only_a_team_adds_and_removes(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        project = gadget_studio.project()
        me = gadget_session.me
        assert isinstance(project.team, Team)
        project.team.add(me)
        assert me in project.team
        project.team.remove(me)
        assert me not in project.team
        assert not hasattr(project.team.filter(email=me.email), "add")  # a query of the team
        for plain in (gadget_session.persons, project.shots, gadget_session.projects):
            assert not hasattr(plain, "add")
            assert not hasattr(plain, "remove")
