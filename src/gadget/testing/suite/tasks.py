"""Contract tests: tasks (status, assignees, dates, retakes) and time spent."""

from __future__ import annotations

import datetime as dt

import pytest

from gadget import (
    AlreadyExists,
    Asset,
    MultipleFound,
    NotFound,
    Session,
    Shot,
    Task,
    TimeSpent,
    ValidationError,
)
from gadget.testing.fixtures import Studio, requires

__all__ = [
    "TestSeveralTasksOfOneType",
    "TestTaskAssignees",
    "TestTaskDates",
    "TestTaskStatusChanges",
    "TestTasks",
    "TestTimeSpent",
]


class TestTasks:
    def test_new_with_names(self, gadget_session: Session, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type("Anim3D")
        default = gadget_studio.status("default")
        task = shot.tasks.new(task_type=anim.name, status=default.short_name)
        assert isinstance(task, Task)
        assert task.task_type is anim
        assert task.status is default
        assert task.entity is shot
        assert task.entity_kind == "shot"
        assert task.project is shot.project
        assert task.nb_retakes == 0
        assert task.assignees == []
        assert shot.tasks.all() == [task]
        assert shot.tasks.fetch(anim.name) is task
        assert task in shot.project.tasks
        task.refresh()
        assert (task.task_type_id, task.entity_id) == (anim.id, shot.id)
        assert task.status_id == default.id

    def test_new_with_entities(self, gadget_session: Session, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type()
        wip = gadget_studio.status("wip")
        me = gadget_session.me
        task = shot.tasks.new(task_type=anim, status=wip, assignees=[me])
        assert task.task_type is anim
        assert task.status is wip
        assert task.assignees == [me]
        task.refresh()
        assert task.status is wip
        assert task.assignee_ids == [me.id]

    def test_a_new_task_gets_the_default_status(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        assert task.status.is_default

    def test_several_task_types_on_one_shot(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type("Anim")
        comp = gadget_studio.task_type("Comp")
        t_anim = shot.tasks.new(task_type=anim)
        t_comp = shot.tasks.new(task_type=comp)
        assert set(shot.tasks) == {t_anim, t_comp}
        assert shot.tasks.fetch(anim.name) is t_anim
        assert shot.tasks.fetch(comp.name) is t_comp
        assert shot.tasks.filter(task_type=comp).all() == [t_comp]
        assert len(shot.tasks) == 2

    def test_project_tasks_span_shots(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        anim = gadget_studio.task_type()
        tasks = {gadget_studio.task(gadget_studio.shot(seq, name), anim) for name in ("a", "b")}
        project = seq.project
        assert set(project.tasks) == tasks
        assert set(project.tasks.filter(task_type=anim)) == tasks

    def test_same_task_type_twice_on_a_shot_already_exists(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type()
        task = shot.tasks.new(task_type=anim)
        with pytest.raises(AlreadyExists) as info:
            shot.tasks.new(task_type=anim)
        assert info.value.existing is task
        assert shot.tasks.ensure(task_type=anim) is task
        assert len(shot.tasks) == 1
        # the same task type on another shot is another task
        other = gadget_studio.shot(shot.sequence, "sh0020").tasks.new(task_type=anim)
        assert other != task

    def test_fetch_names_the_closest_task_types(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        comp = gadget_studio.task_type("Compositing")
        shot.tasks.new(task_type=comp)
        # a task type that exists, but has no task on this shot
        absent = gadget_studio.session.task_types.new(name=comp.name + "X", for_shots=True)
        with pytest.raises(NotFound) as info:
            shot.tasks.fetch(absent.name)
        assert comp.name in info.value.closest
        assert absent.name in str(info.value)
        # a misspelt task type
        misspelt = comp.name.replace("Compositing", "Compositng")
        with pytest.raises(NotFound) as info:
            shot.tasks.fetch(misspelt)
        assert comp.name in info.value.closest

    def test_relations_by_name_in_a_project_scope(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        shot = gadget_studio.shot()
        project = shot.project
        anim = gadget_studio.task_type("Anim")
        me = gadget_session.me
        assert me.email is not None
        default, wip = gadget_studio.status("default"), gadget_studio.status("wip")
        task = project.tasks.new(task_type=anim.name, entity=shot, status=default.short_name)
        assert task.task_type is anim and task.entity is shot
        assert project.tasks.filter(status=default.short_name).all() == [task]
        task.update(status=wip.short_name, assignees=[me.email])
        assert task.status is wip
        assert task.assignees == [me]
        assert project.tasks.filter(task_type=anim.name).all() == [task]

    def test_task_type_must_be_a_task_type(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        with pytest.raises(ValidationError):
            shot.tasks.new(task_type=shot)
        with pytest.raises(ValidationError, match="task_type"):
            shot.tasks.new(status=gadget_studio.status("default"))
        assert len(shot.tasks) == 0

    def test_nb_retakes_cannot_be_written(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        with pytest.raises(ValidationError, match="nb_retakes"):
            task.update(nb_retakes=3)
        task.refresh()
        assert task.nb_retakes == 0

    @requires("assets")
    def test_asset_task(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        hero = gadget_studio.asset(project)
        modeling = gadget_studio.task_type("Modeling", for_shots=False)
        task = hero.tasks.new(task_type=modeling)
        assert task.entity is hero
        assert task.entity_kind == "asset"
        assert task.project is project
        assert hero.tasks.fetch(modeling.name) is task
        assert task in project.tasks

    @requires("assets")
    def test_tasks_of_a_shot_and_an_asset_read_alone_are_their_own(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        """A shot or an asset read alone, not through a listing, with the cache
        on or off, whichever is read first: its tasks are its own. Ids may be
        unique per kind only (ShotGrid's Shot 5 and Asset 5), so the owner's
        kind is part of the query of its tasks."""
        project = gadget_studio.project()
        shot = gadget_studio.shot(gadget_studio.sequence(project))
        hero = gadget_studio.asset(project)
        expected = {
            "shot": shot.tasks.new(task_type=gadget_studio.task_type("Anim")).id,
            "asset": hero.tasks.new(task_type=gadget_studio.task_type("Model", False)).id,
        }
        for cache in (True, False):
            for first in ("shot", "asset"):
                fresh = Session(gadget_session.tracker, cache=cache)
                mine = fresh.projects.get(id=project.id)
                alone: dict[str, Shot | Asset] = {
                    "shot": mine.shots.get(id=shot.id),
                    "asset": mine.assets.get(id=hero.id),
                }
                for kind in sorted(alone, key=lambda k: k != first):
                    tasks = alone[kind].tasks.all()
                    assert [t.id for t in tasks] == [expected[kind]], (cache, first, kind)
                    assert [t.entity for t in tasks] == [alone[kind]]

    @requires("delete")
    def test_delete(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        keep = gadget_studio.task(shot)
        gone = gadget_studio.task(shot)
        gone.delete()
        assert shot.tasks.all() == [keep]


class TestTaskAssignees:
    def test_assign_and_unassign_me(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        assert task.assign(me) is task
        assert task.assignees == [me]
        task.assign(me)  # no duplicate
        assert task.assignees == [me]
        task.refresh()
        assert task.assignees == [me]
        task.unassign(me)
        assert task.assignees == []
        task.refresh()
        assert task.assignee_ids == []

    @requires("create_persons")
    def test_assign_several(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        jane = gadget_studio.person("Jane")
        john = gadget_studio.person("John")
        task.assign(jane, john)
        assert task.assignees == [jane, john]
        task.unassign(jane)
        assert task.assignees == [john]
        assert jane.email is not None
        task.assign(jane.email)  # by e-mail
        task.refresh()
        assert set(task.assignees) == {jane, john}

    @requires("create_persons")
    def test_filter_by_assignee(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        jane = gadget_studio.person()
        mine = gadget_studio.task(shot, assignees=[jane])
        gadget_studio.task(shot)
        assert shot.tasks.filter(assignees=jane).all() == [mine]

    def test_my_tasks_are_the_project_tasks_assigned_to_me(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        me = gadget_session.me
        shot = gadget_studio.shot()
        project = shot.project
        asset = gadget_studio.asset(project)
        on_shot = gadget_studio.task(shot, assignees=[me])
        asset_work = gadget_studio.task_type(for_shots=False)
        on_asset = asset.tasks.new(task_type=asset_work, assignees=[me])
        gadget_studio.task(shot)  # nobody's
        elsewhere = gadget_studio.task(
            gadget_studio.shot(gadget_studio.sequence(gadget_studio.project()))
        )
        elsewhere.assign(me)  # another project's
        assert elsewhere.project != project
        mine = project.my_tasks.all()
        assert sorted(t.id for t in mine) == sorted([on_shot.id, on_asset.id])
        assert {t.entity_kind for t in mine} == {"shot", "asset"}
        assert {t.entity for t in mine} == {shot, asset}
        assert project.tasks.filter(assignee=me.email).all() == project.my_tasks.all()
        on_asset.unassign(me)
        assert project.my_tasks.all() == [on_shot]


class TestTaskStatusChanges:
    def test_set_status(self, gadget_session: Session, gadget_studio: Studio) -> None:
        default, wip = gadget_studio.status("default"), gadget_studio.status("wip")
        task = gadget_studio.task(status=default.short_name)
        shot = task.entity
        comment = task.set_status(wip.short_name, comment="started")
        assert task.status is wip
        assert comment.status is wip
        assert comment.text == "started"
        assert shot.tasks.filter(status=wip.short_name).all() == [task]
        assert shot.tasks.filter(status=default.short_name).all() == []
        task.refresh()
        assert task.status is wip

    def test_nb_retakes_increments_after_a_retake(self, gadget_studio: Studio) -> None:
        wip, retake = gadget_studio.status("wip"), gadget_studio.status("retake")
        review = gadget_studio.status("feedback_request")
        task = gadget_studio.task(status=gadget_studio.status("default"))
        task.set_status(review)
        assert task.nb_retakes == 0
        task.set_status(retake)
        assert task.nb_retakes == 1
        task.set_status(retake, comment="still wrong")  # no change of status: no new retake
        assert task.nb_retakes == 1
        task.refresh()
        assert task.nb_retakes == 1
        task.set_status(wip)
        task.set_status(review)
        task.set_status(retake)
        assert task.nb_retakes == 2
        task.refresh()
        assert task.nb_retakes == 2
        assert task.status.is_retake


class TestTaskDates:
    def test_dates_and_estimation_round_trip(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task(
            start_date=dt.date(2026, 3, 2),
            due_date="2026-03-20",
            estimation=dt.timedelta(hours=6),
        )
        assert task.start_date == dt.date(2026, 3, 2)
        assert task.due_date == dt.date(2026, 3, 20)
        assert task.estimation == dt.timedelta(hours=6)
        task.refresh()
        assert task.start_date == dt.date(2026, 3, 2)
        assert task.due_date == dt.date(2026, 3, 20)
        assert isinstance(task.estimation, dt.timedelta)
        assert task.estimation == dt.timedelta(hours=6)
        task.update(estimation=dt.timedelta(hours=3, minutes=30), due_date=dt.date(2026, 4, 1))
        task.refresh()
        assert task.estimation == dt.timedelta(hours=3, minutes=30)
        assert task.due_date == dt.date(2026, 4, 1)
        assert task.start_date == dt.date(2026, 3, 2)

    def test_bad_dates_are_refused(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        with pytest.raises(ValidationError, match="due_date"):
            task.update(due_date="next tuesday")
        with pytest.raises(ValidationError, match="estimation"):
            task.update(estimation=6)
        task.refresh()
        assert task.due_date is None
        assert task.estimation in (None, dt.timedelta(0))


@requires("time_spent")
class TestTimeSpent:
    def test_add_twice_sums(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        first = task.time_spent.add(me, "2026-03-18", hours=2)
        assert first == TimeSpent(me, dt.date(2026, 3, 18), dt.timedelta(hours=2))
        second = task.time_spent.add(me, dt.date(2026, 3, 18), minutes=30)
        assert second.duration == dt.timedelta(hours=2, minutes=30)
        entries = list(task.time_spent)
        assert entries == [TimeSpent(me, dt.date(2026, 3, 18), dt.timedelta(hours=2, minutes=30))]
        assert task.time_spent.total == dt.timedelta(hours=2, minutes=30)

    def test_set_replaces(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        task.time_spent.add(me, "2026-03-18", hours=5)
        task.time_spent.set(me, "2026-03-18", hours=1)
        assert [t.duration for t in task.time_spent] == [dt.timedelta(hours=1)]
        task.time_spent.set(me, "2026-03-18", duration=dt.timedelta(minutes=45))
        assert task.time_spent.total == dt.timedelta(minutes=45)

    def test_several_days(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        task.time_spent.add(me, "2026-03-18", hours=2)
        task.time_spent.add(me, "2026-03-19", hours=3)
        days = {t.date: t.duration for t in task.time_spent}
        assert days == {
            dt.date(2026, 3, 18): dt.timedelta(hours=2),
            dt.date(2026, 3, 19): dt.timedelta(hours=3),
        }
        assert len(task.time_spent) == 2
        assert task.time_spent.total == dt.timedelta(hours=5)
        assert all(isinstance(t.duration, dt.timedelta) for t in task.time_spent)
        assert all(t.person is me for t in task.time_spent)

    @requires("create_persons")
    def test_per_person(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        jane = gadget_studio.person()
        me = gadget_session.me
        task.time_spent.add(jane, "2026-03-18", hours=1)
        task.time_spent.add(me, "2026-03-18", hours=2)
        by_person = {t.person: t.duration for t in task.time_spent}
        assert by_person == {jane: dt.timedelta(hours=1), me: dt.timedelta(hours=2)}

    def test_bad_durations_are_refused(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        with pytest.raises(ValidationError):
            task.time_spent.add(me, "2026-03-18")
        with pytest.raises(ValidationError):
            task.time_spent.add(me, "2026-03-18", hours=-1)
        with pytest.raises(ValidationError, match="date"):
            task.time_spent.add(me, "18/03/2026", hours=1)
        assert list(task.time_spent) == []


def _names_tasks(session: Session) -> bool:
    """Whether the tracker tells tasks of one type on an entity apart by name
    (its declared uniqueness rule for tasks), as Kitsu and ShotGrid do."""
    return "name" in session.tracker.unique_fields("task")


class TestSeveralTasksOfOneType:
    """A tracker declares whether an entity may hold several tasks of one task
    type (``Tracker.unique_keys``); the session keeps to what it declares."""

    def test_new_get_fetch_and_ensure_by_name(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type("Anim")
        main = shot.tasks.new(task_type=anim)
        default = gadget_session.tracker.field_defaults.get("task", {}).get("name")
        if default is not None:
            assert main.name == default
        if not _names_tasks(gadget_session):  # one task per task type: another is refused
            with pytest.raises(AlreadyExists) as refused:
                shot.tasks.new(task_type=anim, name="fx2")
            assert refused.value.existing is main
            assert shot.tasks.all() == [main]
            return
        fx2 = shot.tasks.new(task_type=anim.name, name="fx2")
        assert fx2 is not main and fx2.name == "fx2" and fx2.task_type is anim
        assert set(shot.tasks) == {main, fx2}
        with pytest.raises(MultipleFound) as several:
            shot.tasks.fetch(anim.name)
        message = str(several.value)
        assert anim.name in message and "'fx2'" in message and repr(main.name) in message
        assert shot.tasks.get(task_type=anim.name, name="fx2") is fx2
        assert shot.tasks.get(task_type=anim, name=main.name) is main
        # the same type and name again: refused, naming the task that holds them
        with pytest.raises(AlreadyExists, match="fx2") as taken:
            shot.tasks.new(task_type=anim, name="fx2")
        assert taken.value.existing is fx2
        with pytest.raises(AlreadyExists) as unnamed:
            shot.tasks.new(task_type=anim)  # the default name is taken too
        assert unnamed.value.existing is main
        assert shot.tasks.ensure(task_type=anim, name="fx2") is fx2
        fx3 = shot.tasks.ensure(task_type=anim.name, name="fx3")
        assert fx3 not in (main, fx2) and fx3.name == "fx3"
        assert len(shot.tasks) == 3
        fx2.refresh()  # as the tracker stored it
        assert (fx2.name, fx2.task_type_id, fx2.entity_id) == ("fx2", anim.id, shot.id)

    def test_names_are_exact(self, gadget_session: Session, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type("Anim")
        fx = shot.tasks.new(task_type=anim, name="fx")
        if not _names_tasks(gadget_session):
            with pytest.raises(AlreadyExists):
                shot.tasks.new(task_type=anim, name="FX")
            return
        upper = shot.tasks.new(task_type=anim, name="FX")  # another name: another task
        assert shot.tasks.get(task_type=anim, name="FX") is upper
        assert shot.tasks.get(task_type=anim, name="fx") is fx
        with pytest.raises(NotFound):
            shot.tasks.get(task_type=anim, name="Fx")

    def test_one_of_each_type_still_fetches(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type("Anim")
        comp = gadget_studio.task_type("Comp")
        t_comp = shot.tasks.new(task_type=comp, name="precomp")
        if _names_tasks(gadget_session):
            shot.tasks.new(task_type=anim, name="a")
            shot.tasks.new(task_type=anim, name="b")
            with pytest.raises(MultipleFound):
                shot.tasks.fetch(anim.name)
        assert shot.tasks.fetch(comp.name) is t_comp
        assert t_comp.name == "precomp"

    def test_rename_onto_a_taken_name_already_exists(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type("Anim")
        main = shot.tasks.new(task_type=anim)
        if not _names_tasks(gadget_session):
            assert main.update(name="blocking").name == "blocking"
            return
        fx2 = shot.tasks.new(task_type=anim, name="fx2")
        with pytest.raises(AlreadyExists) as taken:
            fx2.update(name=main.name)
        assert taken.value.existing is main
        fx2.refresh()
        assert fx2.name == "fx2"
        assert fx2.update(name="fx3").name == "fx3"
        assert shot.tasks.get(task_type=anim, name="fx3") is fx2

    def test_new_many_by_name(self, gadget_session: Session, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        anim = gadget_studio.task_type("Anim")
        if not _names_tasks(gadget_session):
            with pytest.raises(ValidationError, match="given twice"):
                shot.tasks.new_many([{"task_type": anim, "name": n} for n in ("a", "b")])
            assert shot.tasks.all() == []
            return
        made = shot.tasks.new_many([{"task_type": anim, "name": n} for n in ("a", "b")])
        assert sorted(t.name for t in made) == ["a", "b"]
        with pytest.raises(ValidationError, match="given twice"):
            shot.tasks.new_many(
                [{"task_type": anim, "name": "c"}, {"task_type": anim, "name": "c"}]
            )
        with pytest.raises(AlreadyExists) as taken:
            shot.tasks.new_many(
                [{"task_type": anim, "name": "d"}, {"task_type": anim, "name": "a"}]
            )
        assert taken.value.existing is made[0]
        assert sorted(t.name for t in shot.tasks) == ["a", "b"]  # nothing written

    def test_fetch_in_a_walk(self, gadget_session: Session, gadget_studio: Studio) -> None:
        """Shots listed with their tasks (a fast route may leave task names out):
        fetch by type finds the one task, and names several when they share it."""
        seq = gadget_studio.sequence()
        anim = gadget_studio.task_type("Anim")
        one, two = gadget_studio.shot(seq, "sh0010"), gadget_studio.shot(seq, "sh0020")
        alone = one.tasks.new(task_type=anim)
        first = two.tasks.new(task_type=anim, name="first")
        if _names_tasks(gadget_session):
            two.tasks.new(task_type=anim, name="second")
        gadget_session.clear_cache()
        walked = {shot.id: shot for shot in seq.project.shots.refresh()}
        assert walked[one.id].tasks.fetch(anim.name) is alone
        if not _names_tasks(gadget_session):
            assert walked[two.id].tasks.fetch(anim.name) is first
            return
        with pytest.raises(MultipleFound) as several:
            walked[two.id].tasks.fetch(anim.name)
        assert "'first'" in str(several.value) and "'second'" in str(several.value)
        assert walked[two.id].tasks.get(task_type=anim, name="first") is first
