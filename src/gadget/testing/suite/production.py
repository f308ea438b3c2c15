"""Contract tests: projects, episodes, sequences, shots, asset types and assets."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import pytest

from gadget import (
    AlreadyExists,
    Asset,
    AssetType,
    Episode,
    MultipleFound,
    NotFound,
    Project,
    Sequence,
    Session,
    Shot,
    ValidationError,
)
from gadget.testing.fixtures import Names, Studio, requires

__all__ = [
    "TestAssetTypes",
    "TestAssets",
    "TestEpisodes",
    "TestProjects",
    "TestSequences",
    "TestShots",
]


class TestProjects:
    def test_new_returns_the_project_with_its_fields(
        self, gadget_session: Session, gadget_names: Names
    ) -> None:
        name = gadget_names("Demo")
        project = gadget_session.projects.new(
            name=name, production_type="tvshow", fps=25, description="a contract project"
        )
        assert isinstance(project, Project)
        assert isinstance(project.id, str) and project.id
        assert project.name == name
        assert project.production_type == "tvshow"
        assert project.fps == 25
        assert project.description == "a contract project"
        assert project.is_open
        assert isinstance(project.created_at, dt.datetime)
        project.refresh()  # read back from the tracker
        assert (project.name, project.production_type, project.fps) == (name, "tvshow", 25)
        assert project.description == "a contract project"

    def test_get_fetch_filter_first(self, gadget_session: Session, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        other = gadget_studio.project()
        projects = gadget_session.projects
        assert projects.get(name=project.name) is project
        assert projects.get(id=project.id) is project
        assert projects.fetch(project.name) is project
        assert projects.fetch(other.name) is other
        assert projects.filter(name=project.name).first() is project
        assert projects.filter(name=project.name).all() == [project]
        assert len(projects.filter(name=project.name)) == 1
        assert projects.filter(name=gadget_studio.names("NoSuchProject")).first() is None
        assert project in projects and other in projects

    def test_len_and_iteration_include_new_projects(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        before = len(gadget_session.projects)
        made = {gadget_studio.project(), gadget_studio.project()}
        listed = list(gadget_session.projects)
        assert len(gadget_session.projects) == before + 2
        assert len(listed) == before + 2
        assert made <= set(listed)
        assert all(isinstance(p, Project) for p in listed)
        assert gadget_session.projects[0] in listed

    def test_ensure_is_idempotent(self, gadget_session: Session, gadget_names: Names) -> None:
        name = gadget_names("Ensured")
        first = gadget_session.projects.ensure(name=name, production_type="short")
        count = len(gadget_session.projects)
        again = gadget_session.projects.ensure(name=name, production_type="short")
        assert again is first
        assert first.name == name
        assert len(gadget_session.projects) == count

    def test_new_with_a_taken_name_raises_already_exists(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        project = gadget_studio.project()
        count = len(gadget_session.projects)
        with pytest.raises(AlreadyExists) as info:
            gadget_session.projects.new(name=project.name, production_type="short")
        assert isinstance(info.value, ValidationError)
        assert info.value.existing == project
        assert project.name in str(info.value)
        assert len(gadget_session.projects) == count

    @requires("custom_data")
    def test_update_writes_through_and_merges_custom_data(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        project.update(description="first", custom_data={"client": "ACME"})
        project.update(custom_data={"season": 2})
        assert project.description == "first"
        assert project.custom_data == {"client": "ACME", "season": 2}
        project.refresh()
        assert project.description == "first"
        assert project.custom_data == {"client": "ACME", "season": 2}

    def test_update_to_a_taken_name_raises_already_exists(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        other = gadget_studio.project()
        with pytest.raises(AlreadyExists) as info:
            project.update(name=other.name)
        assert info.value.existing == other
        project.refresh()
        assert project.name != other.name

    def test_rename(self, gadget_session: Session, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        old = project.name
        new = gadget_studio.names("Renamed")
        project.update(name=new)
        assert gadget_session.projects.fetch(new) is project
        with pytest.raises(NotFound):
            gadget_session.projects.fetch(old)

    @requires("delete")
    def test_delete(self, gadget_session: Session, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        name, ident = project.name, project.id
        assert project in gadget_session.projects
        project.delete()
        with pytest.raises(NotFound):
            gadget_session.projects.get(name=name)
        with pytest.raises(NotFound):
            project.refresh()
        assert ident not in {p.id for p in gadget_session.projects}

    def test_bad_production_type_is_refused(
        self, gadget_session: Session, gadget_names: Names
    ) -> None:
        name = gadget_names("Anime")
        with pytest.raises(ValidationError, match="production_type"):
            gadget_session.projects.new(name=name, production_type="anime")
        assert gadget_session.projects.filter(name=name).first() is None

    def test_status_is_open_or_closed_in_lower_case(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        """One spelling on every tracker, so one filter finds the same projects."""
        project = gadget_studio.project()
        assert project.status == "open"
        assert project in gadget_session.projects.filter(status="open")
        project.update(status="Closed")  # written in any case, as Kitsu takes it
        assert project.status == "closed" and not project.is_open
        assert project in gadget_session.projects.filter(status="closed")
        assert project not in gadget_session.projects.filter(status="open")
        again = Session(gadget_session.tracker).projects.get(id=project.id)  # as stored
        assert again.status == "closed"
        description = project.description
        for bad in ("archived", None, 1):
            with pytest.raises(ValidationError, match=f"open or closed.*{bad!r}"):
                project.update(status=bad, description="not written")
        project.refresh()
        assert (project.status, project.description) == ("closed", description)
        name = gadget_studio.names("Archived")
        with pytest.raises(ValidationError, match="archived"):
            gadget_session.projects.new(name=name, status="archived")
        assert gadget_session.projects.filter(name=name).first() is None


@requires("episodes")
class TestEpisodes:
    def test_episodes_and_sequences_under_them(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        project = gadget_studio.project(production_type="tvshow")
        names = gadget_studio.names
        ep1 = project.episodes.new(name=names("E01"))
        ep2 = project.episodes.new(name=names("E02"))
        assert isinstance(ep1, Episode)
        assert ep1.name == names("E01")
        assert ep1.project is project
        assert project.episodes.fetch(names("E01")) is ep1
        assert {e.name for e in project.episodes} == {names("E01"), names("E02")}
        assert len(project.episodes) == 2

        seq = project.sequences.new(name=names("sq010"), episode=ep1)
        assert seq.episode is ep1
        assert seq.episode_id == ep1.id
        assert seq.project is project
        assert ep1.sequences.all() == [seq]
        assert ep2.sequences.all() == []
        seq.refresh()
        assert seq.episode_id == ep1.id

    def test_the_shots_of_an_episode_are_those_of_its_sequences(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        project = gadget_studio.project(production_type="tvshow")
        names = gadget_studio.names
        ep1 = project.episodes.new(name=names("E01"))
        ep2 = project.episodes.new(name=names("E02"))
        a = ep1.sequences.new(name=names("sq010"))
        b = ep1.sequences.new(name=names("sq020"))
        c = ep2.sequences.new(name=names("sq010"))
        free = project.sequences.new(name=names("sq900"))  # in no episode
        shots = {
            seq.id: [seq.project.shots.new(name=names(f"s{k}sh{i}0"), sequence=seq) for i in (1, 2)]
            for k, seq in enumerate((a, b, c, free))
        }
        anim = gadget_studio.task_type()
        for shot in shots[a.id]:
            shot.tasks.new(task_type=anim)
        gadget_session.clear_cache()
        assert sorted(s.id for s in ep1.shots) == sorted(s.id for s in shots[a.id] + shots[b.id])
        assert sorted(s.id for s in ep2.shots) == sorted(s.id for s in shots[c.id])
        assert {t.entity.id for s in ep1.shots for t in s.tasks} == {s.id for s in shots[a.id]}
        assert ep1.shots.fetch(shots[b.id][0].name) is shots[b.id][0]
        assert project.shots.filter(episode=ep2).all() == ep2.shots.all()
        # a new shot of an episode goes in one of its sequences
        made = ep2.shots.new(name=names("sh90"), sequence=c)
        assert made.sequence is c and made in ep2.shots
        with pytest.raises(ValidationError):
            ep2.shots.new(name=names("sh91"), sequence=a)
        assert names("sh91") not in {s.name for s in project.shots}

    def test_sequence_new_from_an_episode(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project(production_type="tvshow")
        ep = project.episodes.new(name=gadget_studio.names("E01"))
        seq = ep.sequences.new(name=gadget_studio.names("sq020"))
        assert seq.episode is ep
        assert seq.project is project
        assert seq in project.sequences

    def test_same_sequence_name_in_two_episodes(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project(production_type="tvshow")
        names = gadget_studio.names
        ep1 = project.episodes.new(name=names("E01"))
        ep2 = project.episodes.new(name=names("E02"))
        a = ep1.sequences.new(name=names("sq010"))
        b = ep2.sequences.new(name=names("sq010"))
        assert a != b
        assert ep1.sequences.fetch(names("sq010")) is a
        assert ep2.sequences.fetch(names("sq010")) is b
        with pytest.raises(AlreadyExists):
            ep1.sequences.new(name=names("sq010"))

    def test_episode_name_taken(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project(production_type="tvshow")
        ep = project.episodes.new(name=gadget_studio.names("E01"))
        with pytest.raises(AlreadyExists) as info:
            project.episodes.new(name=ep.name)
        assert info.value.existing is ep
        assert len(project.episodes) == 1
        assert project.episodes.ensure(name=ep.name) is ep

    @requires("custom_data")
    def test_episode_update(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project(production_type="tvshow")
        ep = project.episodes.new(name=gadget_studio.names("E01"))
        ep.update(description="pilot", custom_data={"air_date": "2026-09-01"})
        ep.refresh()
        assert ep.description == "pilot"
        assert ep.custom_data == {"air_date": "2026-09-01"}


class TestSequences:
    def test_new_fetch_and_list(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        names = gadget_studio.names
        seq = project.sequences.new(name=names("sq010"), description="opening")
        other = project.sequences.new(name=names("sq020"))
        assert isinstance(seq, Sequence)
        assert seq.project is project
        assert seq.project_id == project.id
        assert seq.description == "opening"
        assert project.sequences.fetch(names("sq010")) is seq
        assert project.sequences.get(name=names("sq020")) is other
        assert set(project.sequences) == {seq, other}
        assert len(project.sequences) == 2

    def test_sequence_names_are_unique_in_a_project(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        seq = project.sequences.new(name=gadget_studio.names("sq010"))
        with pytest.raises(AlreadyExists) as info:
            project.sequences.new(name=seq.name)
        assert info.value.existing is seq
        assert project.sequences.ensure(name=seq.name) is seq
        assert len(project.sequences) == 1
        # the same name in another project is another sequence
        elsewhere = gadget_studio.project().sequences.new(name=seq.name)
        assert elsewhere != seq

    @requires("custom_data")
    def test_update_and_custom_data(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        seq.update(custom_data={"mood": "night"}, description="chase")
        seq.update(custom_data={"location": "harbour"})
        seq.refresh()
        assert seq.custom_data == {"mood": "night", "location": "harbour"}
        assert seq.description == "chase"

    @requires("delete")
    def test_delete_sequence_removes_its_shots(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        shot = gadget_studio.shot(seq)
        assert shot in project.shots
        seq.delete()
        assert seq not in project.sequences
        assert shot.id not in {s.id for s in project.shots}


class TestShots:
    def test_new_with_frame_range_and_custom_data(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        name = gadget_studio.names("sh0224")
        shot = project.shots.new(
            name=name,
            sequence=seq,
            frame_in=1001,
            frame_out=1100,
            fps=24,
            description="the hero jumps",
            custom_data=gadget_studio.custom({"lens": 35}),
        )
        assert isinstance(shot, Shot)
        assert shot.name == name
        assert shot.sequence is seq
        assert shot.project is project
        assert (shot.frame_in, shot.frame_out, shot.fps) == (1001, 1100, 24)
        assert shot.nb_frames == 100
        assert shot.description == "the hero jumps"
        assert shot.custom_data == gadget_studio.custom({"lens": 35})
        shot.refresh()  # read back: frame fields are fields, not custom data
        assert (shot.frame_in, shot.frame_out, shot.fps, shot.nb_frames) == (1001, 1100, 24, 100)
        assert shot.custom_data == gadget_studio.custom({"lens": 35})
        assert shot.description == "the hero jumps"
        assert shot.sequence_id == seq.id

    def test_nb_frames_counts_both_ends(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        one = gadget_studio.shot(seq, "sh0010", frame_in=1, frame_out=1)
        many = gadget_studio.shot(seq, "sh0020", frame_in=101, frame_out=148)
        assert one.nb_frames == 1
        assert many.nb_frames == 48

    def test_qualified_fetch_and_name(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq)
        project = seq.project
        assert shot.qualified_name == f"{seq.name}/{shot.name}"
        assert project.shots.fetch(f"{seq.name}/{shot.name}") is shot
        assert project.shots.fetch(shot.name) is shot
        assert seq.shots.fetch(shot.name) is shot

    def test_same_shot_name_in_two_sequences(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        sq1 = gadget_studio.sequence(project, "sq010")
        sq2 = gadget_studio.sequence(project, "sq020")
        a = gadget_studio.shot(sq1, "sh0010")
        b = gadget_studio.shot(sq2, "sh0010")  # fine in another sequence
        assert a.name == b.name and a != b
        with pytest.raises(MultipleFound):
            project.shots.get(name=a.name)
        with pytest.raises(MultipleFound):
            project.shots.fetch(a.name)
        assert project.shots.fetch(f"{sq1.name}/{a.name}") is a
        assert project.shots.fetch(f"{sq2.name}/{b.name}") is b
        assert project.shots.get(name=a.name, sequence=sq2) is b
        assert sq1.shots.fetch(a.name) is a
        assert sq2.shots.fetch(b.name) is b

    def test_same_shot_name_in_the_same_sequence_already_exists(
        self, gadget_studio: Studio
    ) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq, "sh0010")
        with pytest.raises(AlreadyExists) as info:
            seq.project.shots.new(name=shot.name, sequence=seq)
        assert info.value.existing is shot
        with pytest.raises(AlreadyExists):
            seq.shots.new(name=shot.name)
        assert seq.shots.all() == [shot]

    def test_filter_by_sequence_and_seq_shots(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        sq1 = gadget_studio.sequence(project, "sq010")
        sq2 = gadget_studio.sequence(project, "sq020")
        in_1 = {gadget_studio.shot(sq1, "sh0010"), gadget_studio.shot(sq1, "sh0020")}
        in_2 = {gadget_studio.shot(sq2, "sh0030")}
        assert set(project.shots.filter(sequence=sq1)) == in_1
        assert set(project.shots.filter(sequence=sq2)) == in_2
        assert set(project.shots.filter(sequence=sq1.id)) == in_1
        assert set(project.shots.filter(sequence=sq2.name)) == in_2
        assert set(sq1.shots) == in_1
        assert set(sq2.shots) == in_2
        assert set(project.shots) == in_1 | in_2
        assert len(project.shots) == 3

    def test_names_match_exactly(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shots = seq.project.shots
        upper = gadget_studio.shot(seq, "SH0010")
        wild = gadget_studio.shot(seq, "sh_20")  # "_" is a wildcard in SQL LIKE
        gadget_studio.shot(seq, "shX20")
        accented = gadget_studio.shot(seq, "plan_été")
        with pytest.raises(NotFound):
            shots.get(name=upper.name.lower())
        assert shots.get(name=upper.name) is upper
        assert shots.get(name=wild.name) is wild
        assert shots.filter(name=wild.name).all() == [wild]
        assert shots.fetch(accented.name) is accented
        with pytest.raises(NotFound):
            shots.get(name=upper.name + " ")

    def test_filter_with_a_list_means_any_of(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        a = gadget_studio.shot(seq, "sh0010")
        b = gadget_studio.shot(seq, "sh0020")
        gadget_studio.shot(seq, "sh0030")
        assert set(seq.project.shots.filter(name=[a.name, b.name])) == {a, b}
        assert seq.shots.filter(id=(a.id,)).all() == [a]
        assert seq.shots.filter(name=[]).all() == []

    @requires("custom_data")
    def test_update_custom_data_merges_and_keeps_frame_fields(self, gadget_studio: Studio) -> None:
        shot = gadget_studio.shot(frame_in=1001, frame_out=1100, fps=24, custom_data={"lens": 35})
        shot.update(custom_data={"focal": 50})
        assert shot.custom_data == {"lens": 35, "focal": 50}
        shot.refresh()
        assert shot.custom_data == {"lens": 35, "focal": 50}
        assert (shot.frame_in, shot.frame_out, shot.fps, shot.nb_frames) == (1001, 1100, 24, 100)

    def test_update_frame_range_recomputes_nb_frames(self, gadget_studio: Studio) -> None:
        lens = gadget_studio.custom({"lens": 35})
        shot = gadget_studio.shot(frame_in=1001, frame_out=1100, custom_data=lens)
        shot.update(frame_out=1200)
        assert shot.nb_frames == 200
        shot.refresh()
        assert (shot.frame_in, shot.frame_out, shot.nb_frames) == (1001, 1200, 200)
        assert shot.custom_data == lens

    def test_move_to_another_sequence(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        sq1 = gadget_studio.sequence(project, "sq010")
        sq2 = gadget_studio.sequence(project, "sq020")
        shot = gadget_studio.shot(sq1)
        shot.update(sequence=sq2)
        assert shot.sequence is sq2
        assert sq1.shots.all() == []
        assert sq2.shots.all() == [shot]

    def test_ensure_is_idempotent(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        name = gadget_studio.names("sh0010")
        first = seq.project.shots.ensure(name=name, sequence=seq, frame_in=1, frame_out=24)
        again = seq.project.shots.ensure(name=name, sequence=seq, frame_in=1, frame_out=24)
        also = seq.shots.ensure(name=name)
        assert first is again is also
        assert first.nb_frames == 24
        assert seq.shots.all() == [first]

    def test_new_many(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        names = gadget_studio.names
        shots = seq.shots.new_many(
            [{"name": names("sh0010"), "frame_in": 1, "frame_out": 10}, {"name": names("sh0020")}]
        )
        assert [s.name for s in shots] == [names("sh0010"), names("sh0020")]
        assert all(s.sequence is seq for s in shots)
        assert shots[0].nb_frames == 10
        assert set(seq.shots) == set(shots)
        with pytest.raises(ValidationError):
            seq.shots.new_many([{"name": names("sh0030")}, {"name": names("sh0030")}])
        with pytest.raises(AlreadyExists):
            seq.shots.new_many([{"name": names("sh0040")}, {"name": names("sh0010")}])
        assert len(seq.shots) == 2

    @requires("delete")
    def test_new_many_is_all_or_nothing(self, gadget_studio: Studio) -> None:
        """A row the tracker refuses (its sequence is gone) leaves no shot behind."""
        session, names = gadget_studio.session, gadget_studio.names
        seq = gadget_studio.sequence()
        gone = gadget_studio.sequence(seq.project, name="sq020")
        session.tracker.delete("sequence", gone.id)  # the session still holds it
        rows = [{"name": names(f"sh{n:04d}"), "sequence": seq} for n in range(10, 60, 10)]
        with pytest.raises((NotFound, ValidationError)):  # as each tracker names a gone id
            seq.project.shots.new_many([*rows, {"name": names("sh0060"), "sequence": gone}])
        fresh = Session(session.tracker)  # nothing cached: what the tracker holds
        assert fresh.projects.get(id=seq.project.id).shots.all() == []
        assert seq.shots.all() == []  # and the session forgot what it had listed

    def test_bad_shot_input_is_refused(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shots = seq.project.shots
        with pytest.raises(ValidationError, match="frame_out"):
            shots.new(name=gadget_studio.names("sh1"), sequence=seq, frame_in=100, frame_out=10)
        with pytest.raises(ValidationError, match="sequence"):
            shots.new(name=gadget_studio.names("sh2"))
        with pytest.raises(ValidationError, match="frame_in"):
            shots.new(name=gadget_studio.names("sh3"), sequence=seq, frame_in="one")
        with pytest.raises(ValidationError, match="custom_data"):
            shots.new(name=gadget_studio.names("sh4"), sequence=seq, custom_data=["lens"])
        assert len(seq.shots) == 0

    @pytest.mark.parametrize(
        ("value", "named"),
        [
            (dt.datetime(2026, 3, 18, 12, 0), r"\['when'\] is a datetime"),
            ({1, 2}, r"\['when'\] is a set"),
            (decimal.Decimal("1.5"), r"\['when'\] is a Decimal"),
            (Path("/renders/a.exr"), r"\['when'\] is a \w*Path"),
            ((1, 2), r"\['when'\] is a tuple"),
            ({"deep": [1, {"at": dt.date(2026, 1, 1)}]}, r"\['when'\]\['deep'\]\[1\]\['at'\]"),
            ({3: "three"}, r"\['when'\] has the key 3"),
            (float("nan"), r"\['when'\] is nan"),
        ],
        ids=["datetime", "set", "decimal", "path", "tuple", "nested", "int-key", "nan"],
    )
    @requires("custom_data")
    def test_custom_data_holds_json_values_only(
        self, gadget_studio: Studio, value: Any, named: str
    ) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq, "sh0010", custom_data={"lens": 35})
        with pytest.raises(ValidationError, match=named):
            seq.project.shots.new(
                name=gadget_studio.names("sh0020"), sequence=seq, custom_data={"when": value}
            )
        with pytest.raises(ValidationError, match=named):
            shot.update(custom_data={"when": value})
        with pytest.raises(ValidationError, match=named):
            seq.update(custom_data={"when": value})
        assert [s.id for s in seq.shots] == [shot.id]  # nothing was written
        session = shot.session
        assert Session(session.tracker).projects.get(id=seq.project.id).shots.fetch(
            f"{seq.name}/{shot.name}"
        ).custom_data == {"lens": 35}
        # JSON values of every kind are kept as they are
        kept = {"when": "2026-03-18", "n": 1, "f": 1.5, "ok": True, "l": [1, "a", None]}
        shot.update(custom_data=kept)
        assert Session(session.tracker).projects.get(id=seq.project.id).shots.fetch(
            f"{seq.name}/{shot.name}"
        ).custom_data == {"lens": 35, **kept}

    @requires("delete")
    def test_delete(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        keep = gadget_studio.shot(seq, "sh0010")
        gone = gadget_studio.shot(seq, "sh0020")
        assert len(seq.project.shots) == 2
        gone.delete()
        assert seq.project.shots.all() == [keep]
        with pytest.raises(NotFound):
            seq.shots.fetch(gone.name)


@requires("assets")
class TestAssetTypes:
    def test_new_fetch_ensure(self, gadget_session: Session, gadget_names: Names) -> None:
        name = gadget_names("Character")
        char = gadget_session.asset_types.new(name=name)
        assert isinstance(char, AssetType)
        assert char.name == name
        assert gadget_session.asset_types.fetch(name) is char
        assert char in gadget_session.asset_types
        assert gadget_session.asset_types.ensure(name=name) is char
        with pytest.raises(AlreadyExists) as info:
            gadget_session.asset_types.new(name=name)
        assert info.value.existing is char


@requires("assets")
class TestAssets:
    @requires("custom_data")
    def test_new_with_custom_data(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        char = gadget_studio.asset_type()
        name = gadget_studio.names("Hero")
        hero = project.assets.new(
            name=name, asset_type=char, custom_data={"variant": "default"}, description="lead"
        )
        assert isinstance(hero, Asset)
        assert hero.name == name
        assert hero.asset_type is char
        assert hero.project is project
        assert hero.custom_data == {"variant": "default"}
        hero.refresh()
        assert hero.asset_type_id == char.id
        assert hero.custom_data == {"variant": "default"}
        assert hero.description == "lead"
        assert project.assets.fetch(name) is hero
        assert project.assets.all() == [hero]

    def test_filter_by_asset_type(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        char = gadget_studio.asset_type("Character")
        prop = gadget_studio.asset_type("Prop")
        hero = gadget_studio.asset(project, "Hero", asset_type=char)
        sword = gadget_studio.asset(project, "Sword", asset_type=prop)
        assert project.assets.filter(asset_type=char).all() == [hero]
        assert project.assets.filter(asset_type=prop.id).all() == [sword]
        assert set(project.assets) == {hero, sword}

    def test_asset_type_by_name(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        char = gadget_studio.asset_type("Character")
        prop = gadget_studio.asset_type("Prop")
        hero = gadget_studio.asset(project, "Hero", asset_type=char)
        sword = project.assets.new(name=gadget_studio.names("Sword"), asset_type=prop.name)
        assert sword.asset_type is prop
        assert project.assets.filter(asset_type=char.name).all() == [hero]
        assert project.assets.filter(asset_type=prop.name).all() == [sword]

    def test_asset_names_are_unique_per_type(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        char = gadget_studio.asset_type("Character")
        hero = gadget_studio.asset(project, "Hero", asset_type=char)
        with pytest.raises(AlreadyExists) as info:
            project.assets.new(name=hero.name, asset_type=char)
        assert info.value.existing is hero
        assert project.assets.ensure(name=hero.name, asset_type=char) is hero
        assert len(project.assets) == 1

    @requires("custom_data")
    def test_update_merges_custom_data(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        hero = gadget_studio.asset(project, custom_data={"variant": "default"})
        hero.update(custom_data={"rig": "v2"}, description="main character")
        hero.refresh()
        assert hero.custom_data == {"variant": "default", "rig": "v2"}
        assert hero.description == "main character"

    def test_an_asset_needs_a_type(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        with pytest.raises(ValidationError, match="asset_type"):
            project.assets.new(name=gadget_studio.names("Orphan"))
        assert len(project.assets) == 0

    @requires("delete")
    def test_delete(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        hero = gadget_studio.asset(project)
        hero.delete()
        assert project.assets.all() == []
