"""What each tracker declares and the session keeps to: the values a project's
production type and status take (``Tracker.production_types``,
``project_statuses``), the uniqueness rule of each kind (``unique_keys``) and
the defaults that rule needs (``field_defaults``).

Each test runs a subclass of the local tracker that declares other values or
rules: the session accepts and refuses by them, before anything is written, and
the local tracker's own writes check what its class declares.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import pytest

import gadget
from gadget import AlreadyExists, Session, ValidationError
from gadget.config import TrackerConfig
from gadget.testing import TrackerSpy
from gadget.testing.fixtures import gadget_names, gadget_studio  # noqa: F401 (fixtures)
from gadget.testing.suite import tasks as suite_tasks
from gadget.trackers.base import Tracker
from gadget.trackers.local import LocalTracker


def _session(cls: type[LocalTracker]) -> Session:
    tracker = cls(TrackerConfig(url="memory://"))
    tracker.open()
    return Session(tracker)


class Commercials(LocalTracker):
    """A studio of commercials, whose projects may also be archived."""

    production_types: ClassVar[tuple[str, ...]] = ("commercial", "short")
    project_statuses: ClassVar[tuple[str, ...]] = ("open", "closed", "archived")


class ShotNamesPerProject(LocalTracker):
    """Shot names unique in the whole project, not only in their sequence."""

    unique_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {
        **LocalTracker.unique_keys,
        "shot": ("project_id", "name"),
    }


class DepartmentsByColor(LocalTracker):
    """Two departments may share a name when their colors differ."""

    unique_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {"department": ("name", "color")}


class OneTaskPerType(LocalTracker):
    """The kinds' default rule: one task per task type per entity."""

    unique_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {}


class TodoLists(LocalTracker):
    """Tasks named "todo" when no name is given."""

    field_defaults: ClassVar[Mapping[str, Mapping[str, Any]]] = {"task": {"name": "todo"}}


# -- enumerated values -----------------------------------------------------------
class TestProductionTypes:
    def test_the_trackers_own_are_accepted_others_refused(self) -> None:
        with _session(Commercials) as session:
            spot = session.projects.new(name="Spot", production_type="commercial")
            assert spot.production_type == "commercial"
            assert session.tracker.get("project", spot.id)["production_type"] == "commercial"
            with TrackerSpy(session.tracker) as spy, pytest.raises(ValidationError) as refused:
                session.projects.new(name="Show", production_type="tvshow")
            assert spy.count("create") == 0  # refused before anything was sent
            message = str(refused.value)
            assert "commercial or short" in message and "'tvshow'" in message
            assert "local" in message
            assert [p.name for p in session.projects] == ["Spot"]
            with pytest.raises(ValidationError, match="commercial or short"):
                spot.update(production_type="featurefilm")
            assert spot.refresh().production_type == "commercial"

    def test_the_local_tracker_takes_kitsus(self) -> None:
        with gadget.connect("memory://") as session:
            for production_type in ("short", "featurefilm", "tvshow", "assets", "shots"):
                made = session.projects.new(name=production_type, production_type=production_type)
                assert made.refresh().production_type == production_type
            with pytest.raises(ValidationError) as refused:
                session.projects.new(name="Spot", production_type="commercial")
            assert "short, featurefilm, tvshow, assets or shots" in str(refused.value)

    def test_the_local_tracker_checks_its_class_too(self) -> None:
        """Called directly, without a session, the tracker refuses what it does not declare."""
        with _session(Commercials) as session:
            tracker = session.tracker
            assert tracker.create("project", {"name": "A", "production_type": "commercial"})
            with pytest.raises(ValidationError, match="commercial, short"):
                tracker.create("project", {"name": "B", "production_type": "tvshow"})


class TestProjectStatuses:
    def test_the_trackers_own_are_accepted_in_any_case(self) -> None:
        with _session(Commercials) as session:
            spot = session.projects.new(name="Spot", production_type="short")
            assert spot.update(status="Archived").status == "archived"
            assert session.tracker.get("project", spot.id)["status"] == "archived"
            assert session.projects.filter(status="archived").all() == [spot]
            with pytest.raises(ValidationError) as refused:
                spot.update(status="lost")
            assert "open, closed or archived" in str(refused.value)

    def test_open_or_closed_by_default(self) -> None:
        with gadget.connect("memory://") as session:
            demo = session.projects.new(name="Demo", production_type="short")
            with pytest.raises(ValidationError) as refused:
                demo.update(status="archived")
            assert "open or closed" in str(refused.value) and "'archived'" in str(refused.value)
            assert demo.refresh().status == "open"


class TestDeclarationsAreChecked:
    """A declaration that names no kind or field fails when the class is built."""

    @pytest.mark.parametrize(
        ("attribute", "value", "complaint"),
        [
            ("production_types", "short", "tuple of non-empty strings"),
            ("production_types", (), "tuple of non-empty strings"),
            ("production_types", ("short", ""), "tuple of non-empty strings"),
            ("project_statuses", ("Open", "closed"), "lower-case"),
            ("unique_keys", {"shots": ("name",)}, "kind 'shots'"),
            ("unique_keys", {"shot": ("nmae",)}, "fields of a shot"),
            ("unique_keys", {"shot": ()}, "fields of a shot"),
            ("unique_keys", {"shot": "name"}, "fields of a shot"),
            ("field_defaults", {"task": {"nmae": "main"}}, "fields of a task"),
        ],
    )
    def test_a_wrong_declaration(self, attribute: str, value: Any, complaint: str) -> None:
        with pytest.raises(TypeError, match=complaint) as info:
            type("Wrong", (LocalTracker,), {attribute: value})
        assert f"Wrong.{attribute}" in str(info.value)


# -- uniqueness rules --------------------------------------------------------------
class TestUniqueFields:
    def test_the_kinds_defaults_and_the_declared_rules(self) -> None:
        assert Tracker.unique_fields("shot") == ("sequence_id", "name")
        assert Tracker.unique_fields("task") == ("entity_id", "task_type_id")
        assert Tracker.unique_fields("person") == ("email",)
        assert Tracker.unique_fields("comment") == ()  # known by id only
        assert LocalTracker.unique_fields("task") == ("entity_id", "task_type_id", "name")
        assert ShotNamesPerProject.unique_fields("shot") == ("project_id", "name")
        assert ShotNamesPerProject.unique_fields("task") == LocalTracker.unique_fields("task")
        assert OneTaskPerType.unique_fields("task") == ("entity_id", "task_type_id")


class TestAStricterRule:
    def test_new_ensure_new_many_and_update_keep_to_it(self) -> None:
        with _session(ShotNamesPerProject) as session:
            project = session.projects.new(name="Demo", production_type="short")
            sq010 = project.sequences.new(name="sq010")
            sq020 = project.sequences.new(name="sq020")
            first = project.shots.new(name="sh0010", sequence=sq010)
            with TrackerSpy(session.tracker) as spy, pytest.raises(AlreadyExists) as taken:
                project.shots.new(name="sh0010", sequence=sq020)
            assert spy.count("create") == 0
            assert taken.value.existing is first
            assert "name='sh0010'" in str(taken.value)
            assert project.shots.ensure(name="sh0010", sequence=sq020) is first
            with pytest.raises(AlreadyExists):
                project.shots.new_many(
                    [{"name": "sh0020", "sequence": sq010}, {"name": "sh0010", "sequence": sq020}]
                )
            with pytest.raises(ValidationError, match="given twice"):
                project.shots.new_many(
                    [{"name": "sh0030", "sequence": sq010}, {"name": "sh0030", "sequence": sq020}]
                )
            other = project.shots.new(name="sh0040", sequence=sq020)
            with pytest.raises(AlreadyExists):
                other.update(name="sh0010")
            assert [s.name for s in project.shots] == ["sh0010", "sh0040"]
            # the tracker's own writes keep to the rule it declares
            with pytest.raises(AlreadyExists):
                session.tracker.create("shot", {"name": "sh0010", "sequence_id": sq020.id})

    def test_without_it_the_kinds_default_holds(self) -> None:
        with gadget.connect("memory://") as session:
            project = session.projects.new(name="Demo", production_type="short")
            sq010 = project.sequences.new(name="sq010")
            sq020 = project.sequences.new(name="sq020")
            first = project.shots.new(name="sh0010", sequence=sq010)
            second = project.shots.new(name="sh0010", sequence=sq020)  # another sequence
            assert second is not first
            assert project.shots.ensure(name="sh0010", sequence=sq020) is second


class TestALooserRule:
    def test_departments_told_apart_by_color(self) -> None:
        with _session(DepartmentsByColor) as session:
            red = session.departments.new(name="Anim", color="#ff0000")
            blue = session.departments.new(name="Anim", color="#0000ff")
            assert red is not blue
            with pytest.raises(AlreadyExists) as taken:
                session.departments.new(name="Anim", color="#ff0000")
            assert taken.value.existing is red
            assert session.departments.ensure(name="Anim", color="#0000ff") is blue
        with gadget.connect("memory://") as plain:
            plain.departments.new(name="Anim", color="#ff0000")
            with pytest.raises(AlreadyExists):
                plain.departments.new(name="Anim", color="#0000ff")


class TestFieldDefaults:
    def test_a_task_without_a_name_gets_the_declared_one(self) -> None:
        with _session(TodoLists) as session:
            project = session.projects.new(name="Demo", production_type="short")
            shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
            session.task_types.new(name="Anim", for_shots=True)
            task = shot.tasks.new(task_type="Anim")
            assert task.name == "todo"
            assert shot.tasks.ensure(task_type="Anim") is task
            with pytest.raises(AlreadyExists):
                shot.tasks.new(task_type="Anim", name="todo")
            assert shot.tasks.new(task_type="Anim", name="main").name == "main"


class TestOnATrackerWithOneTaskPerType(suite_tasks.TestSeveralTasksOfOneType):
    """The contract tests of several tasks of one type, on a tracker that
    declares the kinds' default: there, a second task of a type is refused."""

    @pytest.fixture
    def gadget_session(self) -> Iterator[Session]:
        with _session(OneTaskPerType) as session:
            yield session
