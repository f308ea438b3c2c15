"""Where a publish's idempotency key lives on ShotGrid: ``Note.sg_gadget_key``,
else (a site without that field) the last line of the Note's content."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import gadget
from gadget.errors import PartialPublish
from gadget.testing.png import write_gradient_png
from gadget.trackers.shotgrid import convert, publishing

from .mocksite import SharedSite


def _task(session: gadget.Session) -> gadget.Task:
    tag = uuid.uuid4().hex[:8]
    project = session.projects.new(name=f"key{tag}", production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    return shot.tasks.new(task_type=session.task_types.new(name=f"Comp{tag}"))


def test_the_key_is_a_field_of_the_note_and_the_content_is_the_text(
    gadget_session: gadget.Session, shotgrid_site: SharedSite
) -> None:
    task = _task(gadget_session)
    note = task.comments.new(comment="fix the hands", idempotency_key="hook-1")
    sg = gadget_session.tracker.connection.sg
    (stored,) = sg.find("Note", [["id", "is", int(note.id)]], ["content", "sg_gadget_key"])
    assert (stored["content"], stored["sg_gadget_key"]) == ("fix the hands", "hook-1")
    before = len(shotgrid_site.calls)
    found = gadget_session.tracker.find_comment(task.id, "hook-1")
    assert found is not None and found["id"] == note.id
    finds = [c for c in shotgrid_site.calls[before:] if c[0] == "find" and c[1][0] == "Note"]
    assert len(finds) == 1  # one find by the key field, not a listing of the task's Notes


def test_without_the_key_field_the_key_is_the_contents_last_line() -> None:
    for text, key in (("fix\n\nthe hands", "k:1"), ("", "k2"), ("no key", None)):
        stored = convert.content_with_key(text, key)
        assert convert.split_key(stored) == (text, key)
    assert convert.content_with_key("fix", "k") == "fix\n\n[gadget:k]"
    record = convert.to_record(
        "comment", {"id": 7, "content": "fix\n\n[gadget:k]", "type": "Note"}, {}, "https://s"
    )
    assert (record["text"], record["key"]) == ("fix", "k")


def test_a_failed_step_after_the_note_is_a_partial_publish_finished_by_the_key(
    gadget_session: gadget.Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The Version's upload fails after the Note was made (a failure mockgun cannot
    show by itself): PartialPublish with the comment; the same key finishes it."""
    task = _task(gadget_session)
    png = write_gradient_png(tmp_path / "v001.png", (0, 0, 0), (255, 255, 255), 8, 8)
    real = publishing._post_preview

    def failing(*args: object, **kwargs: object) -> int:
        raise gadget.TrackerUnavailable("the upload did not go")

    monkeypatch.setattr(publishing, "_post_preview", failing)
    with pytest.raises(PartialPublish) as caught:
        task.comments.new(comment="v001", preview=[png], idempotency_key="pub-1")
    partial = caught.value
    assert isinstance(partial.comment, gadget.Comment)
    assert partial.landed == ("comment",) and partial.missing == ("previews",)
    assert partial.key == "pub-1"
    monkeypatch.setattr(publishing, "_post_preview", real)
    again = task.comments.new(comment="v001", preview=[png], idempotency_key="pub-1")
    assert again == partial.comment
    assert [p.name for p in again.previews] == ["v001"]
    gadget_session.clear_cache()
    assert [c.id for c in task.comments] == [again.id]
