"""Contract tests: errors, ids, equality, the identity map, laziness, prefetch
and caching. These count the session's calls into its tracker with
:class:`~gadget.testing.fixtures.TrackerSpy`, so they hold for any tracker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

import gadget
from gadget import (
    AlreadyExists,
    GadgetError,
    MultipleFound,
    NotFound,
    Project,
    Sequence,
    Session,
    Shot,
    TrackerUnavailable,
    ValidationError,
)
from gadget.testing.fixtures import Studio, TrackerSpy, requires
from gadget.trackers.base import CAPABILITIES

__all__ = [
    "TestCaching",
    "TestCapabilities",
    "TestErrors",
    "TestIdentity",
    "TestLaziness",
    "TestPrefetch",
    "TestSessions",
]


def _shots_with_tasks(studio: Studio, count: int = 4) -> tuple[Project, dict[str, set[str]]]:
    """A project with ``count`` shots, each with one or two tasks: (project, {shot id: task ids})."""
    seq = studio.sequence()
    anim = studio.task_type("Anim")
    comp = studio.task_type("Comp")
    expected: dict[str, set[str]] = {}
    for n in range(count):
        shot = studio.shot(seq, f"sh{n:04d}")
        tasks = {shot.tasks.new(task_type=anim).id}
        if n % 2:
            tasks.add(shot.tasks.new(task_type=comp).id)
        expected[shot.id] = tasks
    return seq.project, expected


def _fields(entity: Any) -> dict[str, Any]:
    """Every public field of an entity (``raw`` aside: routes differ in what they carry),
    by the name it is read under (``url`` and ``custom_data`` are properties)."""
    skip = {"raw", "session", "group"}
    return {
        f.alias: getattr(entity, f.alias) for f in attrs.fields(type(entity)) if f.alias not in skip
    }


class TestCapabilities:
    def test_capabilities_are_declared_from_the_known_set(self, gadget_session: Session) -> None:
        caps = gadget_session.capabilities
        assert isinstance(caps, frozenset)
        assert caps <= CAPABILITIES, caps - CAPABILITIES


class TestErrors:
    def test_not_found_names_the_closest(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq, "sh0010")
        gadget_studio.shot(seq, "sh0500")
        wanted = gadget_studio.names("sh0011")
        with pytest.raises(NotFound) as info:
            seq.project.shots.get(name=wanted)
        err = info.value
        assert isinstance(err, LookupError) and isinstance(err, GadgetError)
        assert shot.name in err.closest
        assert wanted in str(err)
        assert shot.name in str(err)
        with pytest.raises(NotFound) as info:
            seq.project.shots.fetch(wanted)
        assert shot.name in info.value.closest

    def test_get_with_no_match_in_an_empty_collection(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        with pytest.raises(NotFound) as info:
            project.sequences.get(name="sq010")
        assert info.value.closest == []
        with pytest.raises(TypeError):
            project.sequences.get()

    def test_unknown_status(self, gadget_session: Session, gadget_studio: Studio) -> None:
        unknown = gadget_studio.names("donne")  # no tracker has it
        with pytest.raises(NotFound) as info:
            gadget_session.task_statuses.fetch(unknown)
        assert unknown in str(info.value)
        default = gadget_studio.status("default")
        task = gadget_studio.task(status=default)
        with pytest.raises(NotFound):
            task.set_status(unknown)
        task.refresh()
        assert task.status is default
        assert task.comments.all() == []

    def test_unknown_relation_name(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence(name="sq010")
        with pytest.raises(NotFound) as info:
            seq.project.shots.new(
                name=gadget_studio.names("sh"), sequence=gadget_studio.names("sq01")
            )
        assert seq.name in info.value.closest
        assert len(seq.project.shots) == 0

    def test_unknown_field_is_a_validation_error(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq)
        shots = seq.project.shots
        with pytest.raises(ValidationError, match="colour"):
            shots.new(name=gadget_studio.names("sh9"), sequence=seq, colour="red")
        with pytest.raises(ValidationError, match="colour"):
            shots.filter(colour="red")
        with pytest.raises(ValidationError, match="colour"):
            shots.get(colour="red")
        with pytest.raises(ValidationError, match="colour"):
            shot.update(colour="red")
        with pytest.raises(ValidationError):
            shot.update(id="another-id")
        assert shots.all() == [shot]

    def test_already_exists_carries_the_existing_entity(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        seq = project.sequences.new(name=gadget_studio.names("sq010"))
        with pytest.raises(AlreadyExists) as info:
            project.sequences.new(name=seq.name, description="again")
        assert info.value.existing is seq
        assert isinstance(info.value, ValidationError)
        assert seq.name in str(info.value)

    def test_multiple_found(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        gadget_studio.shot(seq, "sh0010", frame_in=1, frame_out=10)
        gadget_studio.shot(seq, "sh0020", frame_in=1, frame_out=10)
        with pytest.raises(MultipleFound) as info:
            seq.shots.get(frame_in=1)
        assert isinstance(info.value, GadgetError)
        assert seq.shots.get(frame_in=1, name=gadget_studio.names("sh0020")).name == (
            gadget_studio.names("sh0020")
        )

    def test_bad_values_are_refused(self, gadget_session: Session, gadget_studio: Studio) -> None:
        name = gadget_studio.names("Bad")
        with pytest.raises(ValidationError, match="fps"):
            gadget_session.projects.new(name=name, production_type="short", fps=-24)
        with pytest.raises(ValidationError, match="custom_data"):
            gadget_session.projects.new(name=name, production_type="short", custom_data="x")
        with pytest.raises(ValidationError, match="name"):
            gadget_session.projects.new(name="", production_type="short")
        with pytest.raises(ValidationError):
            gadget_session.projects.fetch("")
        assert gadget_session.projects.filter(name=name).first() is None


class TestIdentity:
    def test_get_id_equivalences(self, gadget_session: Session, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        task = gadget_studio.task(shot)
        for entity in (shot, task, shot.sequence, gadget_session.me):
            assert entity is not None
            ident = gadget.get_id(entity)
            assert ident == entity.id
            assert gadget.get_id(entity.id) == ident
            assert gadget.get_id({"id": entity.id}) == ident
            assert gadget.get_id({"id": entity.id, "name": "ignored"}) == ident

    def test_relations_accept_entities_ids_and_dicts(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        seq = gadget_studio.sequence(project)
        a = project.shots.new(name=gadget_studio.names("a"), sequence=seq)
        b = project.shots.new(name=gadget_studio.names("b"), sequence=seq.id)
        c = project.shots.new(name=gadget_studio.names("c"), sequence={"id": seq.id})
        d = project.shots.new(name=gadget_studio.names("d"), sequence=seq.name)
        assert {x.sequence_id for x in (a, b, c, d)} == {seq.id}

    def test_equality_and_hash_by_kind_and_id(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        a = gadget_studio.shot(seq, "a")
        b = gadget_studio.shot(seq, "b")
        twin = Shot(id=a.id, name="a different name")
        assert a == twin and hash(a) == hash(twin)
        assert a != b
        assert a != Sequence(id=a.id)  # same id, another kind
        assert len({a, b, twin}) == 2
        assert a != a.id  # an entity is not its id

    def test_one_object_per_id(self, gadget_session: Session, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq)
        project = seq.project
        assert project.shots.fetch(shot.name) is shot
        assert seq.shots.get(id=shot.id) is shot
        assert next(iter(project.shots)) is shot
        gadget_session.clear_cache()
        assert project.shots.get(name=shot.name) is shot  # reloaded into the same object
        assert gadget_session.projects.fetch(project.name) is project

    def test_sessions_do_not_share_objects(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        project = gadget_studio.project()
        other = Session(gadget_session.tracker)
        theirs = other.projects.fetch(project.name)
        assert theirs == project
        assert theirs is not project
        assert theirs.session is other
        theirs.update(description="written by the other session")
        project.refresh()
        assert project.description == "written by the other session"

    def test_raw_is_read_only(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot()
        with pytest.raises(TypeError):
            shot.raw["name"] = "x"  # type: ignore[index]


class TestSessions:
    def test_close_is_final_and_idempotent(self, gadget_session: Session) -> None:
        session = gadget.connect(config=gadget_session.config)  # a session of its own
        with session as same:
            assert same is session
            assert not session.closed
            me = session.me
        assert session.closed
        assert me.email  # entities stay readable as they were
        with pytest.raises(TrackerUnavailable):
            session.task_statuses.all()  # not read before: the tracker is asked
        session.close()  # a second close does nothing
        assert session.closed


class TestLaziness:
    def test_no_io_in_repr_eq_hash(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq)
        task = gadget_studio.task(shot)
        project = seq.project
        gadget_session.clear_cache()
        with gadget_spy:
            collections = [
                project.shots,
                project.shots.filter(sequence=seq),
                seq.shots,
                shot.tasks,
                task.comments,
                gadget_session.projects,
                gadget_session.persons,
                gadget_session.task_types,
                gadget_session.task_statuses,
            ]
            texts = [repr(c) for c in collections]
            texts += [repr(shot), repr(task), repr(seq), repr(project), repr(gadget_session)]
            texts += [repr(shot.casting), repr(task.time_spent)]
            _ = shot == task, hash(shot), hash(task), shot == Shot(id=shot.id)
        assert gadget_spy.calls == [], texts
        with gadget_spy:
            len(project.shots)  # the spy does see a real read
        assert gadget_spy.listed("shot") == 1

    def test_get_by_name_asks_for_that_one_entity(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        seq = gadget_studio.sequence()
        shots = [gadget_studio.shot(seq, f"sh{n:04d}") for n in (10, 20, 30)]
        gadget_session.clear_cache()
        with gadget_spy:
            found = seq.project.shots.get(name=shots[1].name)
        assert found is shots[1]
        reads = gadget_spy.of("list", "shot")
        assert len(reads) == 1, gadget_spy
        filters = reads[0].args[1] if len(reads[0].args) > 1 else reads[0].kwargs["filters"]
        assert filters.get("name") == shots[1].name

    def test_building_a_query_does_no_io(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        seq = gadget_studio.sequence()
        gadget_session.clear_cache()
        with gadget_spy:
            query = seq.project.shots.filter(sequence=seq).filter(frame_in=1001)
            query.refresh()
        assert gadget_spy.calls == []
        with gadget_spy:
            assert query.all() == []
        assert gadget_spy.listed("shot") == 1 and len(gadget_spy.calls) == 1


class TestPrefetch:
    def test_tasks_of_all_shots_in_one_call(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        project, expected = _shots_with_tasks(gadget_studio)
        gadget_session.clear_cache()
        seen: dict[str, set[str]] = {}
        with gadget_spy:
            for shot in project.shots:
                seen[shot.id] = {t.id for t in shot.tasks}
                for task in shot.tasks:
                    assert task.entity is shot
                    assert task.task_type.name and task.status.short_name
        assert seen == expected
        assert gadget_spy.listed("shot") == 1
        assert gadget_spy.count("list", "task") == 0, gadget_spy
        children = gadget_spy.of("list_children")
        if gadget_spy.count("list_with_children"):  # the tasks came with the shots
            assert children == [], gadget_spy
        else:
            assert len(children) == 1, gadget_spy
            kind, field, parent_ids = children[0].args[:3]
            assert (kind, field) == ("task", "entity_id")
            assert set(parent_ids) == set(expected)
        assert gadget_spy.count("get") == 0, gadget_spy
        assert gadget_spy.count("list", "task_type") <= 1
        assert gadget_spy.count("list", "task_status") <= 1

    def test_no_prefetch(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        project, expected = _shots_with_tasks(gadget_studio)
        gadget_session.clear_cache()
        seen: dict[str, set[str]] = {}
        with gadget_spy, gadget_session.no_prefetch():
            for shot in project.shots:
                seen[shot.id] = {t.id for t in shot.tasks}
        assert seen == expected
        assert gadget_spy.count("list_children") == 0
        assert gadget_spy.count("list", "task") == len(expected)
        # prefetch is back on after the block
        gadget_session.clear_cache()
        gadget_spy.reset()
        with gadget_spy:
            for shot in project.shots:
                list(shot.tasks)
        assert gadget_spy.count("list_children") + gadget_spy.count("list_with_children") == 1
        assert gadget_spy.count("list", "task") == 0

    @requires("assets")
    def test_tasks_of_siblings_are_read_with_the_parents_kind(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        """The tasks of a group of assets are read for those assets, told their
        kind (``list_children(..., parent_kind="asset")``), and each asset's
        tasks are its own."""
        project = gadget_studio.project()
        kind = gadget_studio.asset_type()
        model = gadget_studio.task_type("Model", for_shots=False)
        expected: dict[str, list[str]] = {}
        for n in range(3):
            asset = gadget_studio.asset(project, f"Prop{n}", kind)
            expected[asset.id] = [asset.tasks.new(task_type=model).id]
        walker = Session(gadget_session.tracker)
        mine = walker.projects.get(id=project.id)
        with walker.no_prefetch():  # the assets as one group, their tasks not read
            assets = list(mine.assets)
        with TrackerSpy(walker.tracker) as spy:
            seen = {a.id: [t.id for t in a.tasks] for a in assets}
        assert seen == expected
        children = spy.of("list_children")
        assert len(children) == 1, spy
        assert children[0].args[:2] == ("task", "entity_id")
        assert sorted(children[0].args[2]) == sorted(expected)
        assert children[0].kwargs == {"parent_kind": "asset"}
        assert spy.count("list", "task") == 0, spy

    def test_prefetch_without_cache(self, gadget_session: Session, gadget_studio: Studio) -> None:
        project, expected = _shots_with_tasks(gadget_studio)
        uncached = Session(gadget_session.tracker, cache=False)
        mine = uncached.projects.get(id=project.id)
        seen: dict[str, set[str]] = {}
        with TrackerSpy(uncached.tracker) as spy:
            for shot in mine.shots:
                seen[shot.id] = {t.id for t in shot.tasks}
        assert seen == expected
        assert spy.count("list_children") + spy.count("list_with_children") == 1
        assert spy.count("list", "task") == 0

    def test_walked_entities_read_as_fetched_ones(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        """Whatever route the walk took (records with fields left out, loaded on
        first read, included), every field reads as on an entity fetched alone."""
        project, expected = _shots_with_tasks(gadget_studio)
        first = gadget_session.projects.get(id=project.id).tasks.first()
        assert first is not None
        first.update(description="walk me", due_date=dt.date(2026, 3, 15))
        walker = Session(gadget_session.tracker)
        with TrackerSpy(walker.tracker) as spy:
            shots = list(walker.projects.get(id=project.id).shots)
            tasks = [t for shot in shots for t in shot.tasks]
            walked = [_fields(e) for e in (*shots, *tasks)]
        assert {t.id for t in tasks} == set().union(*expected.values())
        # the walk, plus at most one read per listing for the fields left out,
        # plus the reference lists a tracker may have read alongside, once each
        assert spy.count("get") == 0, spy
        references = [spy.count("list", kind) for kind in ("task_type", "task_status")]
        assert max(references) <= 1, spy
        assert len(spy.calls) - sum(references) <= 4, spy
        fresh = Session(gadget_session.tracker, prefetch=False)
        again = fresh.projects.get(id=project.id)
        alone = [again.shots.get(id=s.id) for s in shots] + [
            again.tasks.get(id=t.id) for t in tasks
        ]
        assert walked == [_fields(e) for e in alone]
        assert _fields(walker.projects.get(id=project.id).tasks.get(id=first.id))[
            "description"
        ] == ("walk me")

    @requires("casting", "assets")
    def test_casting_of_all_shots_in_one_call(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        hero = gadget_studio.asset(project)
        shots = [gadget_studio.shot(seq, f"sh{n:04d}") for n in range(3)]
        gadget_session.set_casting({s: [(hero, n + 1)] for n, s in enumerate(shots)})
        gadget_session.clear_cache()
        counts: dict[str, list[int]] = {}
        with gadget_spy:
            for shot in project.shots:
                counts[shot.id] = [e.nb_occurences for e in shot.casting]
        assert counts == {s.id: [n + 1] for n, s in enumerate(shots)}
        assert gadget_spy.count("get_casting") == 1, gadget_spy


class TestCaching:
    def test_a_loaded_collection_is_read_once(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        seq = gadget_studio.sequence()
        gadget_studio.shot(seq)
        gadget_session.clear_cache()
        with gadget_spy:
            first = seq.project.shots.all()
            second = seq.project.shots.all()
            len(seq.project.shots)
        assert first == second and len(first) == 1
        assert gadget_spy.listed("shot") == 1

    def test_reference_data_is_cached(
        self, gadget_session: Session, gadget_studio: Studio, gadget_spy: TrackerSpy
    ) -> None:
        wip_code, done_code, review_code = (
            gadget_studio.status(role).short_name for role in ("wip", "done", "feedback_request")
        )
        gadget_session.clear_cache()
        with gadget_spy:
            everything = list(gadget_session.task_statuses)
            wip = gadget_session.task_statuses.fetch(wip_code)  # answered from the loaded list
            done = gadget_session.task_statuses.fetch(done_code)
            again = list(gadget_session.task_statuses)
        assert {wip, done} <= set(everything)
        assert again == everything
        assert gadget_spy.count("list", "task_status") == 1, gadget_spy
        gadget_session.clear_cache()
        gadget_spy.reset()
        with gadget_spy:
            gadget_session.task_statuses.fetch(review_code)
            gadget_session.task_statuses.fetch(review_code)
        assert gadget_spy.count("list", "task_status") == 1, gadget_spy

    def test_a_new_shot_appears_in_a_loaded_listing(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        first = gadget_studio.shot(seq, "sh0010")
        shots = project.shots
        assert shots.all() == [first]
        assert seq.shots.all() == [first]
        second = seq.shots.new(name=gadget_studio.names("sh0020"))
        assert set(shots) == {first, second}
        assert set(project.shots) == {first, second}
        assert set(seq.shots) == {first, second}
        assert len(project.shots) == 2

    def test_updates_are_seen_by_filters(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq, frame_in=1, frame_out=10)
        assert seq.shots.filter(frame_in=1).all() == [shot]
        old = shot.name
        shot.update(frame_in=5, name=gadget_studio.names("renamed"))
        assert seq.shots.filter(frame_in=1).all() == []
        assert seq.shots.filter(frame_in=5).all() == [shot]
        assert seq.shots.fetch(shot.name) is shot
        with pytest.raises(NotFound):
            seq.shots.fetch(old)

    def test_status_changes_are_seen_by_filters(self, gadget_studio: Studio) -> None:
        default = gadget_studio.status("default")
        wip = gadget_studio.status("wip")
        task = gadget_studio.task(status=default)
        project = task.project
        assert project.tasks.filter(status=default).all() == [task]
        assert project.tasks.filter(status=wip).all() == []
        task.set_status(wip)
        assert project.tasks.filter(status=default).all() == []
        assert project.tasks.filter(status=wip).all() == [task]

    @requires("delete")
    def test_a_deleted_shot_leaves_a_loaded_listing(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        keep = gadget_studio.shot(seq, "a")
        gone = gadget_studio.shot(seq, "b")
        assert set(seq.project.shots) == {keep, gone}
        gone.delete()
        assert seq.project.shots.all() == [keep]
        assert seq.shots.all() == [keep]

    def test_refresh_sees_writes_of_another_session(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        seq = gadget_studio.sequence()
        gadget_studio.shot(seq, "sh0010")
        shots = seq.project.shots
        assert len(shots) == 1
        other = Session(gadget_session.tracker)
        other_seq = other.projects.get(id=seq.project_id).sequences.fetch(seq.name)
        made = other_seq.shots.new(name=gadget_studio.names("sh0020"))
        assert made.id in {s.id for s in shots.refresh()}
        assert len(seq.project.shots) == 2

    def test_cache_off_reads_every_time(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        seq = gadget_studio.sequence()
        gadget_studio.shot(seq, "sh0010")
        uncached = Session(gadget_session.tracker, cache=False)
        cached = Session(gadget_session.tracker, cache=True)
        mine = uncached.projects.get(id=seq.project_id)
        theirs = cached.projects.get(id=seq.project_id)
        with TrackerSpy(gadget_session.tracker) as spy:
            assert len(mine.shots) == 1
            assert len(mine.shots) == 1
        assert spy.listed("shot") == 2
        with TrackerSpy(gadget_session.tracker) as spy:
            assert len(theirs.shots) == 1
            assert len(theirs.shots) == 1
        assert spy.listed("shot") == 1
        # a write through another session is seen at once without a cache
        seq.shots.new(name=gadget_studio.names("sh0020"))
        assert len(mine.shots) == 2

    def test_clear_cache_keeps_entities_valid(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        lens = gadget_studio.custom({"lens": 35})
        shot = gadget_studio.shot(custom_data=lens)
        gadget_session.clear_cache()
        assert shot.custom_data == lens
        assert shot.sequence is not None
        assert shot in shot.sequence.shots
