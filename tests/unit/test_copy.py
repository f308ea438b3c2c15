"""``gadget.copy`` between two local trackers: the round trip, idempotence, resuming.

The trackers are real SQLite files; the only failure injected is a publish
that breaks part-way (the interrupted run), which no local database shows.
The same copy through ShotGrid is tests/shotgrid/test_shotgrid_copy.py, through
a real Kitsu server tests/kitsu/test_kitsu_copy.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import gadget
from gadget.testing import TrackerSpy
from gadget.testing.compare import compare_projects, snapshot

NAME = "Show"


@pytest.fixture
def source(tmp_path: Path, copy_studio: ModuleType) -> Iterator[gadget.Session]:
    session = gadget.connect(f"sqlite:///{tmp_path}/source.db", create=True)
    copy_studio.build(session, NAME, "unit", tmp_path / "files")
    yield session
    session.close()


@pytest.fixture
def destination(tmp_path: Path) -> Iterator[gadget.Session]:
    session = gadget.connect(f"sqlite:///{tmp_path}/copy.db", create=True)
    yield session
    session.close()


def test_round_trip_compares_equal_field_by_field(
    source: gadget.Session, destination: gadget.Session, tmp_path: Path, copy_studio: ModuleType
) -> None:
    there = gadget.copy(source, destination, NAME)
    assert there.skipped == []
    copy_studio.check_round_trip(source, destination, NAME)
    with gadget.connect(f"sqlite:///{tmp_path}/back.db", create=True) as back:
        again = gadget.copy(destination, back, NAME, dst_project="Show again")
        assert again.skipped == []
        copy_studio.check_round_trip(source, back, NAME, "Show again")
    # what was copied: one of each kind the source holds
    assert there.copied["comment"] == 5
    assert there.copied["preview"] == 3
    assert there.copied["attachment"] == 1
    assert there.copied["playlist_entry"] == 2


def test_the_comparison_names_the_field_that_differs(
    source: gadget.Session, destination: gadget.Session
) -> None:
    gadget.copy(source, destination, NAME)
    shot = destination.projects.fetch(NAME).shots.fetch("sq010/sh0010")
    shot.update(frame_out=1050, custom_data={"lens": 50})
    task = shot.tasks.get(task_type="Anim unit", name="main")
    task.comments.new(comment="one more", author="jane.unit@gadget.example")
    found = {(d.kind, d.key, d.field) for d in compare_projects(source, destination, NAME)}
    assert found == {
        ("shot", "sq010/sh0010", "frame_out"),
        ("shot", "sq010/sh0010", "nb_frames"),
        ("shot", "sq010/sh0010", "custom_data.lens"),
        ("comment", "sq010/sh0010/Anim unit/main#3", "*"),
    }


def test_a_second_run_creates_nothing_and_says_so(
    source: gadget.Session, destination: gadget.Session
) -> None:
    first = gadget.copy(source, destination, NAME)
    before = snapshot(destination, NAME)
    with TrackerSpy(destination.tracker) as spy:
        second = gadget.copy(source, destination, NAME)
    assert second.nothing_copied
    assert second.copied == {}
    # everything the first run copied or found is found again
    expected = {k: first.copied.get(k, 0) + first.already_there.get(k, 0) for k in first.copied}
    assert second.already_there == {**first.already_there, **expected}
    assert "nothing copied: everything was already there" in second.summary()
    writes = ("create", "create_many", "update", "create_comment", "set_casting", "delete")
    assert sum(spy.count(name) for name in writes) == 0
    assert snapshot(destination, NAME) == before


def test_an_interrupted_copy_resumes_where_it_stopped(
    source: gadget.Session,
    destination: gadget.Session,
    monkeypatch: pytest.MonkeyPatch,
    copy_studio: ModuleType,
) -> None:
    tracker: Any = destination.tracker
    real = tracker.create_comment
    posted: list[str] = []

    def breaks_on_the_third(task_id: str, draft: Any) -> Any:
        if len(posted) == 2:
            raise gadget.TrackerUnavailable("the tracker went away (injected)")
        posted.append(draft.text)
        return real(task_id, draft)

    monkeypatch.setattr(tracker, "create_comment", breaks_on_the_third)
    with pytest.raises(gadget.TrackerUnavailable, match="injected"):
        gadget.copy(source, destination, NAME)
    monkeypatch.setattr(tracker, "create_comment", real)

    resumed = gadget.copy(source, destination, NAME)
    assert resumed.already_there["comment"] == 2  # the two posted before it broke
    assert resumed.copied["comment"] == 3
    assert resumed.already_there["shot"] == 3 and "shot" not in resumed.copied
    copy_studio.check_round_trip(source, destination, NAME)
    assert gadget.copy(source, destination, NAME).nothing_copied


def test_people_the_destination_cannot_create_are_skipped_with_the_reason(
    source: gadget.Session, destination: gadget.Session
) -> None:
    # no built-in tracker lacks create_persons: this one is told it does
    tracker: Any = destination.tracker
    tracker.capabilities = tracker.capabilities - {"create_persons"}
    report = gadget.copy(source, destination, NAME)
    lines = report.summary().splitlines()
    assert any(
        line.startswith("  people (2): the local tracker cannot create people") for line in lines
    ), report.summary()
    skipped = {(s.kind, s.field): s for s in report.skipped}
    assert skipped[("person", "*")].examples == [
        "jane.unit@gadget.example",
        "lee.unit@gadget.example",
    ]
    assert ("task", "assignee_ids") in skipped
    assert skipped[("comment", "author_id")].reason == "its author was not copied"
    project = destination.projects.fetch(NAME)
    assert all(t.assignee_ids == [] for t in project.tasks)
    me = destination.me
    assert {c.author_id for t in project.tasks for c in t.comments} == {me.id}


def test_an_unknown_source_project_is_not_found_before_anything_is_written(
    source: gadget.Session, destination: gadget.Session
) -> None:
    with pytest.raises(gadget.NotFound, match="closest: 'Show'"):
        gadget.copy(source, destination, "show")
    assert len(destination.projects) == 0


def test_a_comment_with_a_preview_and_an_attachment_keeps_both(
    source: gadget.Session, destination: gadget.Session, tmp_path: Path
) -> None:
    """The files of one comment are fetched into folders of their own: a preview
    and an attachment (the first of each) do not collide."""
    from gadget.testing import write_pdf, write_png

    shot = source.projects.fetch(NAME).shots.fetch("sq010/sh0010")
    task = next(iter(shot.tasks))
    task.comments.new(
        comment="both",
        preview=[write_png(tmp_path / "both.png")],
        attachments=[write_pdf(tmp_path / "both.pdf")],
    )
    gadget.copy(source, destination, NAME)
    copied = destination.projects.fetch(NAME).shots.fetch("sq010/sh0010")
    (both,) = [c for t in copied.tasks for c in t.comments if c.text == "both"]
    assert [p.name for p in both.previews] == ["both"]
    assert [a.name for a in both.attachments] == ["both.pdf"]
