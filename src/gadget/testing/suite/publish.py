"""Contract tests: the publish flow (comments, previews, attachments), casting,
playlists and search."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest

from gadget import (
    Attachment,
    CastingEntry,
    ChecklistItem,
    Comment,
    Preview,
    Session,
    Shot,
    ValidationError,
)
from gadget.testing.fixtures import Studio, TrackerSpy, requires
from gadget.trackers.base import CommentDraft

__all__ = [
    "TestAttachments",
    "TestCasting",
    "TestComments",
    "TestIdempotencyKeys",
    "TestPlaylists",
    "TestPreviews",
    "TestPublishMany",
    "TestSearch",
]

PREVIEW_STATUSES = ("processing", "ready", "broken")


class TestComments:
    def test_text_author_and_status(self, gadget_session: Session, gadget_studio: Studio) -> None:
        wfa = gadget_studio.status("feedback_request")
        task = gadget_studio.task(status=gadget_studio.status("default"))
        note = task.comments.new(comment="blocking pass", status=wfa.short_name)
        assert isinstance(note, Comment)
        assert isinstance(note.id, str) and note.id
        assert note.text == "blocking pass"
        assert note.status is wfa
        assert note.author == gadget_session.me
        assert note.task is task
        assert isinstance(note.created_at, dt.datetime)
        assert task.status is wfa  # reflected on the task held
        assert task.comments.all() == [note]
        task.refresh()
        assert task.status is wfa  # and on the tracker

    def test_a_comment_without_status_keeps_the_task_status(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        wip = gadget_studio.status("wip")
        task = gadget_studio.task(status=wip)
        note = task.comments.new(comment="just a note")
        assert note.text == "just a note"
        assert task.status is wip
        task.refresh()
        assert task.status is wip

    def test_checklist(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        note = task.comments.new(
            comment="fixes",
            checklist=["fix hands", ("fix feet", True), {"text": "fix tail", "checked": False}],
        )
        expected = [
            ChecklistItem(0, "fix hands", False),
            ChecklistItem(1, "fix feet", True),
            ChecklistItem(2, "fix tail", False),
        ]
        assert note.checklist.all() == expected
        assert note.checklist[1].id == 1
        assert note.checklist[1].text == "fix feet"
        assert note.checklist[1].checked is True
        gadget_session.clear_cache()  # read back from the tracker
        again = task.comments.get(id=note.id)
        assert again.checklist.all() == expected

    def test_newest_first(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        texts = ["first", "second", "third"]
        posted = [task.comments.new(comment=t) for t in texts]
        assert [c.text for c in task.comments] == texts[::-1]
        assert task.comments.first() is posted[-1]
        gadget_session.clear_cache()
        assert [c.id for c in task.comments] == [c.id for c in reversed(posted)]

    def test_newest_first_in_a_walk_too_ties_included(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        """Comments posted in quick succession (within one second: a tracker whose
        bulk answer keeps time to the second ties them) read newest first through
        the task and through a walk, whose prefetch reads the comments of every
        task at once."""
        seq = gadget_studio.sequence()
        layout, anim = gadget_studio.task_type("Layout"), gadget_studio.task_type("Anim")
        shots = [gadget_studio.shot(seq, name=f"sh{n:04d}") for n in (10, 20, 30)]
        tasks = [gadget_studio.task(shot, anim) for shot in shots]
        others = [gadget_studio.task(shot, layout) for shot in shots]
        wip = gadget_studio.status("wip")
        tasks[0].comments.new(comment="elsewhere", status=wip)
        posted = [tasks[1].comments.new(comment=f"c{n}", status=wip) for n in (1, 2, 3)]
        tasks[2].comments.new(comment="elsewhere too", status=wip)
        newest_first = [c.id for c in reversed(posted)]
        assert [c.id for c in tasks[1].comments] == newest_first
        assert tasks[1].comments.first() is posted[-1]

        walker = Session(gadget_session.tracker)  # nothing loaded yet
        with TrackerSpy(walker.tracker) as spy:
            walked = {
                task.id: ([c.id for c in task.comments], task.comments.first())
                for shot in walker.projects.get(id=seq.project.id).shots
                for task in shot.tasks
            }
        bulk = spy.of("list_children", "comment")
        assert len(bulk) == 1, spy
        assert set(bulk[0].args[2]) == {t.id for t in (*tasks, *others)}
        order, first = walked[tasks[1].id]
        assert order == newest_first
        assert first is not None and first.id == posted[-1].id and first.text == "c3"

    @requires("create_persons")
    def test_author(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        jane = gadget_studio.person()
        note = task.comments.new(comment="from Jane", author=jane)
        assert note.author is jane
        note.refresh()
        assert note.author_id == jane.id

    def test_a_missing_preview_file_posts_nothing(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        default, wip = gadget_studio.status("default"), gadget_studio.status("wip")
        task = gadget_studio.task(status=default)
        missing = gadget_studio.folder / "nowhere" / "render.png"
        with pytest.raises(ValidationError, match=r"render\.png' does not exist"):
            task.comments.new(comment="lost", status=wip, preview=[missing])
        renders = gadget_studio.png().parent  # a folder that exists, given as the file
        with pytest.raises(ValidationError, match=r"is a directory") as info:
            task.comments.new(comment="lost", status=wip, preview=[renders])
        assert "does not exist" not in str(info.value)
        with pytest.raises(ValidationError, match=r"is a directory"):
            task.comments.new(comment="lost", status=wip, attachments=[renders])
        with pytest.raises(ValidationError, match=r"notes\.pdf"):
            task.comments.new(
                comment="lost", status=wip, attachments=[missing.with_name("notes.pdf")]
            )
        gadget_session.clear_cache()
        assert task.comments.all() == []
        task.refresh()
        assert task.status is default

    def test_bad_comment_input(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        with pytest.raises(ValidationError, match="colour"):
            task.comments.new(comment="x", colour="red")
        with pytest.raises(ValidationError, match="set_main_preview"):
            task.comments.new(comment="x", set_main_preview=True)
        with pytest.raises(ValidationError):
            task.comments.new(comment="x", checklist=[42])
        with pytest.raises(ValidationError, match="checklist item"):
            task.comments.new(comment="x", checklist=[{"checked": True}])  # no text
        assert task.comments.all() == []


class TestIdempotencyKeys:
    """A publish's idempotency key: the same key never posts twice, on any tracker."""

    def test_the_same_key_twice_posts_one_comment(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        wip = gadget_studio.status("wip")
        task = gadget_studio.task(status=gadget_studio.status("default"))
        key = f"publish-{uuid.uuid4().hex}"
        first = task.comments.new(comment="blocking", status=wip, idempotency_key=key)
        again = task.comments.new(comment="blocking", status=wip, idempotency_key=key)
        assert again == first
        assert first.key == key
        assert task.comments.all() == [first]
        gadget_session.clear_cache()
        assert [(c.id, c.key, c.text) for c in task.comments] == [(first.id, key, "blocking")]

    def test_the_key_survives_a_read_and_the_text_is_the_callers(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        task = gadget_studio.task()
        text = "fix the hands\n\nthen the feet"
        keyed = task.comments.new(comment=text, idempotency_key="hook:v001.render-1")
        made = task.comments.new(comment="")
        assert made.key is not None and re.fullmatch(r"[0-9a-f]{32}", made.key)
        assert made.key != keyed.key
        gadget_session.clear_cache()
        read = {c["id"]: c for c in gadget_session.tracker.list("comment", {"task_id": task.id})}
        assert read[keyed.id]["key"] == "hook:v001.render-1"
        assert read[keyed.id]["text"] == text
        assert read[made.id]["key"] == made.key
        assert read[made.id]["text"] == ""
        again = task.comments.get(id=keyed.id)
        assert (again.key, again.text) == ("hook:v001.render-1", text)

    def test_find_comment_finds_by_key_only_on_its_task(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        tracker = gadget_session.tracker
        task, other = gadget_studio.task(), gadget_studio.task()
        key = uuid.uuid4().hex
        record = tracker.create_comment(task.id, CommentDraft(text="tracker level", key=key))
        assert record["key"] == key and record["text"] == "tracker level"
        found = tracker.find_comment(task.id, key)
        assert found is not None and found["id"] == record["id"]
        assert found["text"] == "tracker level"
        assert tracker.find_comment(task.id, uuid.uuid4().hex) is None
        assert tracker.find_comment(other.id, key) is None

    def test_a_status_change_with_a_key_applies_once(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        retake = gadget_studio.status("retake")
        task = gadget_studio.task(status=gadget_studio.status("wip"))
        before = task.nb_retakes
        key = uuid.uuid4().hex
        note = task.set_status(retake, "again", idempotency_key=key)
        assert task.set_status(retake, "again", idempotency_key=key) == note
        assert task.status is retake
        gadget_session.clear_cache()
        task.refresh()
        assert task.status == retake
        assert task.nb_retakes == before + 1
        assert [c.id for c in task.comments] == [note.id]

    def test_publish_many_with_keys_twice_posts_each_once(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        tasks = [gadget_studio.task(), gadget_studio.task()]
        items = [
            (t, {"comment": f"take {i}", "idempotency_key": f"k{i}"}) for i, t in enumerate(tasks)
        ]
        first = gadget_session.publish_many(items)
        assert gadget_session.publish_many(items) == first
        gadget_session.clear_cache()
        assert [[c.id for c in t.comments] for t in tasks] == [[c.id] for c in first]
        with pytest.raises(ValidationError, match=r"'k0' twice"):
            gadget_session.publish_many([(tasks[0], {"idempotency_key": "k0"})] * 2)

    @requires("previews")
    def test_the_same_key_finishes_a_missing_main_preview(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        task = gadget_studio.task()
        shot = task.entity
        png = gadget_studio.png("render.png", width=32, height=18)
        key = uuid.uuid4().hex
        posted = task.comments.new(comment="v001", preview=[png], idempotency_key=key)
        shot.refresh()
        assert shot.preview_id is None
        again = task.comments.new(
            comment="v001", preview=[png], set_main_preview=True, idempotency_key=key
        )
        assert again == posted and len(again.previews) == 1
        shot.refresh()
        assert shot.preview_id == posted.previews[0].id
        gadget_session.clear_cache()
        assert [len(c.previews) for c in task.comments] == [1]

    def test_a_bad_key_posts_nothing(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        for bad in ("", "has space", "a--b", "x" * 129, 12, "<!--"):
            with pytest.raises(ValidationError, match="idempotency_key"):
                task.comments.new(comment="no", idempotency_key=bad)
        gadget_session.clear_cache()
        assert len(task.comments) == 0


class TestPublishMany:
    """Several publishes at once, uploads in parallel, with byte progress."""

    @requires("previews", "attachments")
    def test_progress_reports_every_byte(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        png = gadget_studio.png("render.png", width=64, height=36)
        pdf = gadget_studio.pdf()
        total = png.stat().st_size + pdf.stat().st_size
        heard: list[tuple[int, int]] = []
        task.comments.new(
            comment="v001",
            preview=[png],
            attachments=[pdf],
            progress=lambda sent, of: heard.append((sent, of)),
        )
        assert heard, "progress was never called"
        assert all(of == total for _, of in heard)
        assert [s for s, _ in heard] == sorted(s for s, _ in heard)
        assert heard[-1][0] == total

    @requires("previews")
    def test_several_tasks_in_parallel(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        seq = gadget_studio.sequence()
        kind = gadget_studio.task_type()
        tasks = [gadget_studio.task(gadget_studio.shot(seq, f"sh{i:04d}"), kind) for i in range(5)]
        pngs = [gadget_studio.png(f"shot{i}.png", width=32, height=18) for i in range(5)]
        total = sum(p.stat().st_size for p in pngs)
        heard: list[tuple[int, int]] = []
        review = gadget_studio.status("feedback_request")
        notes = gadget_session.publish_many(
            [
                (task, {"comment": f"take {i}", "status": review.short_name, "preview": [png]})
                for i, (task, png) in enumerate(zip(tasks, pngs, strict=True))
            ],
            max_workers=3,
            progress=lambda sent, of: heard.append((sent, of)),
        )
        assert [n.text for n in notes] == [f"take {i}" for i in range(5)]
        assert [n.task for n in notes] == tasks
        assert [n.previews[0].name for n in notes] == [f"shot{i}" for i in range(5)]
        assert all(t.status is review for t in tasks)
        assert heard and heard[-1] == (total, total)
        gadget_session.clear_cache()
        assert all(len(t.comments) == 1 for t in tasks)

    def test_a_bad_item_posts_nothing(
        self, gadget_session: Session, gadget_studio: Studio, tmp_path: Path
    ) -> None:
        first, second = gadget_studio.task(), gadget_studio.task()
        with pytest.raises(ValidationError, match=r"missing\.png"):
            gadget_session.publish_many(
                [
                    (first, {"comment": "fine"}),
                    (second, {"comment": "broken", "preview": [tmp_path / "missing.png"]}),
                ]
            )
        gadget_session.clear_cache()
        assert len(first.comments) == 0 and len(second.comments) == 0


@requires("previews")
class TestPreviews:
    def test_preview_name_extension_and_main_preview(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        review = gadget_studio.status("feedback_request")
        task = gadget_studio.task(status=gadget_studio.status("default"))
        shot = task.entity
        assert isinstance(shot, Shot)
        assert shot.main_preview is None
        png = gadget_studio.png("render.png", width=64, height=36)
        note = task.comments.new(
            comment="v001", status=review, preview=[png], set_main_preview=True
        )
        assert len(note.previews) == 1
        preview = note.previews[0]
        assert isinstance(preview, Preview)
        assert preview.name == "render"
        assert preview.extension == "png"
        assert preview.status in PREVIEW_STATUSES and preview.status != "broken"
        assert (preview.width, preview.height) == (64, 36)
        assert note.previews.get(name="render") is preview
        assert shot.main_preview == preview
        assert task.status is review
        shot.refresh()
        assert shot.preview_id == preview.id
        assert shot.main_preview == preview
        gadget_session.clear_cache()
        again = task.comments.get(id=note.id)
        assert [(p.id, p.name, p.extension) for p in again.previews] == [
            (preview.id, "render", "png")
        ]

    def test_download_is_byte_identical(self, gadget_studio: Studio, tmp_path: Path) -> None:
        task = gadget_studio.task()
        png = gadget_studio.png("frame.png", width=32, height=18, rgb=(10, 200, 90))
        note = task.comments.new(comment="v001", preview=[png])
        target = tmp_path / "down" / "copy.png"
        target.parent.mkdir()
        got = note.previews[0].download(target)
        assert Path(got) == target
        assert target.read_bytes() == png.read_bytes()

    def test_one_path_or_several(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        single = task.comments.new(comment="one", preview=str(gadget_studio.png("one.png")))
        assert [p.name for p in single.previews] == ["one"]
        both = task.comments.new(
            comment="two",
            preview=[gadget_studio.png("left.png"), gadget_studio.png("right.png")],
        )
        assert sorted(p.name for p in both.previews) == ["left", "right"]
        assert all(p.extension == "png" for p in both.previews)

    def test_revisions_increase_per_task(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        first = task.comments.new(comment="v1", preview=[gadget_studio.png("a.png")])
        second = task.comments.new(comment="v2", preview=[gadget_studio.png("b.png")])
        one, two = first.previews[0], second.previews[0]
        assert one.id != two.id
        assert one.revision is not None and two.revision is not None
        assert two.revision > one.revision

    def test_main_preview_without_set_main_preview_is_unchanged(
        self, gadget_studio: Studio
    ) -> None:
        task = gadget_studio.task()
        shot = task.entity
        first = task.comments.new(
            comment="v1", preview=[gadget_studio.png("a.png")], set_main_preview=True
        )
        task.comments.new(comment="v2", preview=[gadget_studio.png("b.png")])
        shot.refresh()
        assert shot.main_preview == first.previews[0]

    @requires("assets")
    def test_asset_main_preview(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        hero = gadget_studio.asset(project)
        task = hero.tasks.new(task_type=gadget_studio.task_type("Modeling", for_shots=False))
        note = task.comments.new(
            comment="turntable", preview=[gadget_studio.png("turn.png")], set_main_preview=True
        )
        assert hero.main_preview == note.previews[0]
        hero.refresh()
        assert hero.preview_id == note.previews[0].id


@requires("attachments")
class TestAttachments:
    def test_attachment_name_extension_size(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        task = gadget_studio.task()
        pdf = gadget_studio.pdf("notes.pdf", "fix the hands in frames 12-20")
        note = task.comments.new(comment="see notes", attachments=[pdf])
        assert len(note.attachments) == 1
        att = note.attachments[0]
        assert isinstance(att, Attachment)
        assert att.name == "notes.pdf"
        assert att.extension == "pdf"
        assert att.size == pdf.stat().st_size
        gadget_session.clear_cache()
        again = task.comments.get(id=note.id)
        assert [(a.id, a.name) for a in again.attachments] == [(att.id, "notes.pdf")]

    def test_download_is_byte_identical(self, gadget_studio: Studio, tmp_path: Path) -> None:
        task = gadget_studio.task()
        pdf = gadget_studio.pdf("retakes.pdf")
        txt = gadget_studio.text("readme.txt", "line one\nline two\n")
        note = task.comments.new(comment="files", attachments=[pdf, txt])
        by_name = {a.name: a for a in note.attachments}
        assert set(by_name) == {"retakes.pdf", "readme.txt"}
        for name, source in (("retakes.pdf", pdf), ("readme.txt", txt)):
            target = by_name[name].download(tmp_path / f"copy-{name}")
            assert Path(target).read_bytes() == source.read_bytes()

    @requires("previews")
    def test_the_whole_publish(self, gadget_session: Session, gadget_studio: Studio) -> None:
        review = gadget_studio.status("feedback_request")
        task = gadget_studio.task(status=gadget_studio.status("default"))
        shot = task.entity
        png = gadget_studio.png("sq170_sh0224.png")
        pdf = gadget_studio.pdf("retakes.pdf")
        note = task.comments.new(
            comment="blocking pass",
            status=review.short_name,
            preview=[png],
            attachments=[pdf],
            checklist=["fix hands", ("fix feet", True)],
            set_main_preview=True,
        )
        assert note.text == "blocking pass"
        assert note.status is review
        assert [p.name for p in note.previews] == ["sq170_sh0224"]
        assert [a.name for a in note.attachments] == ["retakes.pdf"]
        assert [(c.id, c.text, c.checked) for c in note.checklist] == [
            (0, "fix hands", False),
            (1, "fix feet", True),
        ]
        assert task.status is review
        assert shot.main_preview == note.previews[0]
        assert task.comments.first() is note


@requires("casting", "assets")
class TestCasting:
    def test_set_and_read_back(self, gadget_session: Session, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        shot = gadget_studio.shot(seq)
        hero = gadget_studio.asset(project, "Hero")
        prop = gadget_studio.asset(project, "Sword")
        shot.casting.set([(hero, 2), prop])
        entries = list(shot.casting)
        assert all(isinstance(e, CastingEntry) for e in entries)
        assert {(e.asset, e.nb_occurences) for e in entries} == {(hero, 2), (prop, 1)}
        assert set(shot.casting.assets) == {hero, prop}
        assert len(shot.casting) == 2
        gadget_session.clear_cache()
        assert {(e.asset.id, e.nb_occurences) for e in shot.casting} == {
            (hero.id, 2),
            (prop.id, 1),
        }

    def test_cast_in(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        sh1 = gadget_studio.shot(seq, "sh0010")
        sh2 = gadget_studio.shot(seq, "sh0020")
        hero = gadget_studio.asset(project, "Hero")
        extra = gadget_studio.asset(project, "Extra")
        sh1.casting.set([hero])
        sh2.casting.set([CastingEntry(hero, 3)])
        assert set(hero.cast_in) == {sh1, sh2}
        assert all(isinstance(s, Shot) for s in hero.cast_in)
        assert list(extra.cast_in) == []
        assert [e.nb_occurences for e in sh2.casting] == [3]

    def test_set_replaces(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        shot = gadget_studio.shot(seq)
        hero = gadget_studio.asset(project, "Hero")
        prop = gadget_studio.asset(project, "Sword")
        shot.casting.set([hero, prop])
        shot.casting.set([(prop, 4)])
        assert [(e.asset, e.nb_occurences) for e in shot.casting] == [(prop, 4)]
        assert list(hero.cast_in) == []
        shot.casting.set([])
        assert list(shot.casting) == []
        assert list(prop.cast_in) == []

    def test_session_set_casting_for_many_shots(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        shots = [gadget_studio.shot(seq, f"sh{n:04d}") for n in (10, 20, 30)]
        hero = gadget_studio.asset(project, "Hero")
        prop = gadget_studio.asset(project, "Sword")
        gadget_session.set_casting(
            {shots[0]: [(hero, 1)], shots[1]: [(hero, 3), prop], shots[2]: []}
        )
        assert [(e.asset, e.nb_occurences) for e in shots[0].casting] == [(hero, 1)]
        assert {(e.asset, e.nb_occurences) for e in shots[1].casting} == {(hero, 3), (prop, 1)}
        assert list(shots[2].casting) == []
        assert set(hero.cast_in) == {shots[0], shots[1]}
        assert list(prop.cast_in) == [shots[1]]

    def test_bad_counts_are_refused(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq)
        hero = gadget_studio.asset(seq.project)
        with pytest.raises(ValidationError, match="nb_occurences"):
            shot.casting.set([(hero, 0)])
        with pytest.raises(ValidationError, match="casting entry"):
            shot.casting.set([(hero,)])  # type: ignore[list-item]  # bad on purpose
        assert list(shot.casting) == []


@requires("playlists")
class TestPlaylists:
    def test_new(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        name = gadget_studio.names("Daily")
        review = project.playlists.new(name=name, for_entity="shot")
        assert review.name == name
        assert review.for_entity == "shot"
        assert review.project is project
        assert review.entries == []
        assert project.playlists.fetch(name) is review
        assert project.playlists.all() == [review]

    def test_add_shots_in_order(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        sh1 = gadget_studio.shot(seq, "sh0010")
        sh2 = gadget_studio.shot(seq, "sh0020")
        review = project.playlists.new(name=gadget_studio.names("Daily"), for_entity="shot")
        assert review.add(sh2) is review
        review.add(sh1)
        assert [e.entity for e in review.entries] == [sh2, sh1]
        assert all(e.preview is None for e in review.entries)
        review.refresh()
        assert [e.entity for e in review.entries] == [sh2, sh1]

    @requires("previews")
    def test_add_a_shot_with_a_preview(self, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        shot = gadget_studio.shot(seq, "sh0010")
        task = gadget_studio.task(shot)
        v1 = task.comments.new(comment="v1", preview=[gadget_studio.png("v1.png")])
        v2 = task.comments.new(
            comment="v2", preview=[gadget_studio.png("v2.png")], set_main_preview=True
        )
        review = project.playlists.new(name=gadget_studio.names("Daily"), for_entity="shot")
        review.add(shot, preview=v1.previews[0])
        entries = review.entries
        assert len(entries) == 1
        assert entries[0].entity is shot
        assert entries[0].preview == v1.previews[0]
        # without a preview given, the shot's main preview is shown
        other = project.playlists.new(name=gadget_studio.names("Client"), for_entity="shot")
        other.add(shot)
        assert other.entries[0].preview == v2.previews[0]
        review.refresh()
        assert [(e.entity.id, e.preview and e.preview.id) for e in review.entries] == [
            (shot.id, v1.previews[0].id)
        ]

    @requires("assets")
    def test_asset_playlist(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        hero = gadget_studio.asset(project)
        review = project.playlists.new(name=gadget_studio.names("Assets"), for_entity="asset")
        review.add(hero)
        assert [e.entity for e in review.entries] == [hero]

    def test_add_refuses_what_the_playlist_cannot_hold(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        seq = gadget_studio.sequence()
        project = seq.project
        shot = gadget_studio.shot(seq, "sh0010")
        task = gadget_studio.task(shot)
        elsewhere = gadget_studio.shot(gadget_studio.sequence(), "sh0010")
        review = project.playlists.new(name=gadget_studio.names("Daily"), for_entity="shot")
        for wrong in (task, seq, project, task.id, seq.id, {"id": task.id}, elsewhere):
            with pytest.raises(ValidationError, match="nothing was written"):
                review.add(wrong)
        # refused before writing: what the tracker holds is still empty
        fresh = gadget_session.tracker.get("playlist", review.id)
        assert fresh["entries"] == []
        review.refresh()
        assert review.entries == []
        review.add(shot.id)  # an id of the right kind is taken
        assert [e.entity for e in review.entries] == [shot]

    def test_bad_playlists_are_refused(self, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        with pytest.raises(ValidationError, match=r"shot.*asset|for_entity"):
            project.playlists.new(name=gadget_studio.names("Bad"), for_entity="edit")
        review = project.playlists.new(name=gadget_studio.names("Daily"))
        assert review.for_entity == "shot"
        with pytest.raises(ValidationError):
            project.playlists.new(name=review.name)
        assert project.playlists.all() == [review]


@requires("search")
class TestSearch:
    def test_finds_a_shot_by_name(self, gadget_session: Session, gadget_studio: Studio) -> None:
        seq = gadget_studio.sequence()
        shot = gadget_studio.shot(seq, "zebra")
        found = gadget_session.search(shot.name)
        assert shot in found
        assert shot in gadget_session.search(shot.name, project=seq.project)
        other = gadget_studio.project()
        assert shot not in gadget_session.search(shot.name, project=other)

    @requires("assets")
    def test_finds_an_asset(self, gadget_session: Session, gadget_studio: Studio) -> None:
        project = gadget_studio.project()
        hero = gadget_studio.asset(project, "Lighthouse")
        assert hero in gadget_session.search(hero.name)

    def test_no_match(self, gadget_session: Session, gadget_studio: Studio) -> None:
        assert gadget_session.search(gadget_studio.names("qwxzv")) == []
