"""Contract tests: task types, task statuses, persons, departments, project teams."""

from __future__ import annotations

import pytest

from gadget import (
    AlreadyExists,
    Department,
    NotFound,
    Person,
    Session,
    TaskStatus,
    TaskType,
    ValidationError,
)
from gadget.testing.fixtures import EMAIL_DOMAIN, STATUS_ROLES, Names, Studio, requires

__all__ = [
    "TestDepartments",
    "TestPersons",
    "TestTaskStatuses",
    "TestTaskTypes",
    "TestTeam",
]


class TestTaskTypes:
    def test_new_for_shots(self, gadget_session: Session, gadget_names: Names) -> None:
        name = gadget_names("Anim3D")
        anim = gadget_session.task_types.new(name=name, for_shots=True)
        assert isinstance(anim, TaskType)
        assert anim.name == name
        assert anim.for_shots is True
        assert anim.for_entity is not None and anim.for_entity.lower() == "shot"
        assert gadget_session.task_types.fetch(name) is anim
        assert anim in gadget_session.task_types
        anim.refresh()
        assert anim.for_shots is True

    def test_new_for_assets(self, gadget_session: Session, gadget_names: Names) -> None:
        modeling = gadget_session.task_types.new(name=gadget_names("Modeling"), for_shots=False)
        assert modeling.for_shots is False
        modeling.refresh()
        assert modeling.for_shots is False
        assert modeling.for_entity is not None and modeling.for_entity.lower() == "asset"

    def test_filter_by_for_shots(self, gadget_session: Session, gadget_studio: Studio) -> None:
        anim = gadget_studio.task_type("Anim", for_shots=True)
        model = gadget_studio.task_type("Model", for_shots=False)
        shot_types = set(gadget_session.task_types.filter(for_shots=True))
        asset_types = set(gadget_session.task_types.filter(for_shots=False))
        assert anim in shot_types and anim not in asset_types
        assert model in asset_types and model not in shot_types

    def test_name_taken_and_ensure(self, gadget_session: Session, gadget_names: Names) -> None:
        name = gadget_names("Layout")
        layout = gadget_session.task_types.new(name=name, for_shots=True)
        with pytest.raises(AlreadyExists) as info:
            gadget_session.task_types.new(name=name, for_shots=True)
        assert info.value.existing is layout
        assert gadget_session.task_types.ensure(name=name, for_shots=True) is layout

    def test_new_task_type_appears_in_a_loaded_listing(
        self, gadget_session: Session, gadget_names: Names
    ) -> None:
        before = {t.id for t in gadget_session.task_types}
        made = gadget_session.task_types.new(name=gadget_names("Lighting"), for_shots=True)
        after = {t.id for t in gadget_session.task_types}
        assert after == before | {made.id}


class TestTaskStatuses:
    """The tracker's statuses, asked for by role (flag), never by code."""

    def test_every_role_has_its_own_status(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        statuses = gadget_session.task_statuses.all()
        assert statuses and all(isinstance(s, TaskStatus) for s in statuses)
        by_role = {role: gadget_studio.status(role) for role in STATUS_ROLES}
        for role, status in by_role.items():
            assert isinstance(status, TaskStatus)
            assert getattr(status, f"is_{role}") is True, role
            assert status in gadget_session.task_statuses
        # five statuses, not one carrying every flag
        assert len({s.id for s in by_role.values()}) == len(STATUS_ROLES)
        assert not by_role["wip"].is_retake and not by_role["wip"].is_done
        assert not by_role["default"].is_done and not by_role["retake"].is_done
        assert not by_role["done"].is_retake and not by_role["done"].is_default

    def test_fetch_by_short_name(self, gadget_session: Session, gadget_studio: Studio) -> None:
        statuses = gadget_session.task_statuses
        wip = gadget_studio.status("wip")
        assert wip.short_name
        assert statuses.fetch(wip.short_name) is wip
        assert statuses.get(short_name=wip.short_name) is wip
        assert statuses.fetch(wip.short_name) is wip
        assert statuses.get(id=wip.id) is wip
        short_names = [gadget_studio.status(role).short_name for role in STATUS_ROLES]
        assert len({statuses.fetch(s).id for s in short_names}) == len(STATUS_ROLES)

    def test_reads_and_writes_take_the_same_names(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        statuses = gadget_session.task_statuses
        short_names = {s.short_name for s in statuses}
        for status in statuses:  # by short name, and by display name where it is no short name
            assert statuses.fetch(status.short_name) is status
            if status.name not in short_names:
                assert statuses.fetch(status.name) is status
        default = gadget_studio.status("default")
        review = gadget_studio.status("feedback_request")
        assert review.name and review.name != review.short_name
        task = gadget_studio.task(status=default.name)
        assert task.status is default
        task.set_status(review.name)  # the name fetch() takes, a write takes too
        assert task.status is review
        shot_tasks = task.entity.tasks
        assert shot_tasks.filter(status=review.name).all() == [task]
        assert shot_tasks.filter(status=review.short_name).all() == [task]

    def test_unknown_status_names_the_closest(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        wip = gadget_studio.status("wip")
        typo = wip.short_name + wip.short_name[-1]  # "wip" -> "wipp"
        assert typo not in {s.short_name for s in gadget_session.task_statuses}
        with pytest.raises(NotFound) as info:
            gadget_session.task_statuses.fetch(typo)
        assert wip.short_name in info.value.closest
        assert typo in str(info.value)


class TestPersons:
    def test_me(self, gadget_session: Session) -> None:
        me = gadget_session.me
        assert isinstance(me, Person)
        assert me.email and "@" in me.email
        assert gadget_session.me is me
        assert gadget_session.persons.fetch(me.email) is me
        assert gadget_session.persons.fetch(me.name) is me  # the full name, as writes take it
        assert me in gadget_session.persons

    @requires("create_persons")
    def test_new_and_fetch_by_email(self, gadget_session: Session, gadget_names: Names) -> None:
        email = gadget_names.email("jane.doe")
        last = gadget_names("Doe")
        jane = gadget_session.persons.new(first_name="Jane", last_name=last, email=email)
        assert isinstance(jane, Person)
        assert (jane.first_name, jane.last_name, jane.email) == ("Jane", last, email)
        assert jane.name == f"Jane {last}"
        assert (jane.email or "").endswith("@" + EMAIL_DOMAIN)
        assert gadget_session.persons.fetch(email) is jane
        assert gadget_session.persons.get(first_name="Jane", last_name=last) is jane
        assert jane in gadget_session.persons
        jane.refresh()
        assert (jane.first_name, jane.last_name, jane.email) == ("Jane", last, email)

    @requires("create_persons")
    def test_email_taken(self, gadget_session: Session, gadget_studio: Studio) -> None:
        jane = gadget_studio.person()
        assert jane.email is not None
        with pytest.raises(AlreadyExists) as info:
            gadget_session.persons.new(first_name="Other", last_name="Person", email=jane.email)
        assert info.value.existing is jane

    @requires("create_persons")
    def test_ensure(self, gadget_session: Session, gadget_names: Names) -> None:
        email = gadget_names.email("ensured")
        last = gadget_names("Ensured")
        first = gadget_session.persons.ensure(first_name="En", last_name=last, email=email)
        again = gadget_session.persons.ensure(first_name="En", last_name=last, email=email)
        assert again is first
        assert gadget_session.persons.filter(email=email).all() == [first]

    @requires("create_persons")
    def test_update(self, gadget_studio: Studio) -> None:
        jane = gadget_studio.person()
        last = gadget_studio.names("Smith")
        jane.update(last_name=last)
        jane.refresh()
        assert jane.last_name == last
        assert jane.name == f"Jane {last}"

    @requires("create_persons")
    def test_bad_email_is_refused(self, gadget_session: Session, gadget_names: Names) -> None:
        last = gadget_names("Nomail")
        with pytest.raises(ValidationError, match="e-mail"):
            gadget_session.persons.new(first_name="No", last_name=last, email="not-an-address")
        assert gadget_session.persons.filter(last_name=last).first() is None

    def test_unknown_email(self, gadget_session: Session, gadget_names: Names) -> None:
        wanted = gadget_names.email("nobody")
        with pytest.raises(NotFound) as info:
            gadget_session.persons.fetch(wanted)
        assert wanted in str(info.value)

    @requires("create_persons")
    def test_unknown_email_names_the_closest(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        jane = gadget_studio.person()
        assert jane.email is not None
        typo = jane.email.replace("@", "x@", 1)
        with pytest.raises(NotFound) as info:
            gadget_session.persons.fetch(typo)
        assert jane.email in info.value.closest


@requires("departments")
class TestDepartments:
    def test_new_fetch_ensure(self, gadget_session: Session, gadget_names: Names) -> None:
        name = gadget_names("Animation")
        dept = gadget_session.departments.new(name=name, color="#ff8800")
        assert isinstance(dept, Department)
        assert dept.name == name
        assert gadget_session.departments.fetch(name) is dept
        assert gadget_session.departments.ensure(name=name) is dept
        dept.refresh()
        assert dept.color is not None and dept.color.lower() == "#ff8800"

    def test_task_type_in_a_department(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        dept = gadget_studio.department()
        anim = gadget_session.task_types.new(
            name=gadget_studio.names("Anim"), for_shots=True, department=dept
        )
        assert anim.department is dept
        anim.refresh()
        assert anim.department_id == dept.id

    @requires("create_persons")
    def test_persons_of_a_department(self, gadget_studio: Studio) -> None:
        anim = gadget_studio.department("Animation")
        light = gadget_studio.department("Lighting")
        jane = gadget_studio.person(departments=[anim])
        john = gadget_studio.person("John", departments=[anim, light])
        assert jane.departments == [anim]
        assert set(john.departments) == {anim, light}
        assert set(anim.persons) == {jane, john}
        assert light.persons.all() == [john]


@requires("team")
class TestTeam:
    @requires("create_persons")
    def test_add_and_remove(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        jane = gadget_studio.person()
        john = gadget_studio.person("John")
        assert jane not in project.team
        project.team.add(jane)
        project.team.add(john)
        assert {jane, john} <= set(project.team)
        project.team.remove(jane)
        assert jane not in project.team
        assert john in project.team
        project.team.add(jane.email)  # by e-mail
        assert jane in project.team

    def test_add_me(self, gadget_session: Session, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        project.team.add(gadget_session.me)
        assert gadget_session.me in project.team
        project.team.remove(gadget_session.me)
        assert gadget_session.me not in project.team

    def test_people_are_created_on_the_session_not_the_team(
        self, gadget_studio: Studio, gadget_names: Names
    ) -> None:
        project = gadget_studio.project()
        with pytest.raises(ValidationError):
            project.team.new(first_name="A", last_name="B", email=gadget_names.email("team"))
