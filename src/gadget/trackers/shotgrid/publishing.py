"""Comments and their files on ShotGrid: a Note, its Versions, its Attachments.

One publish (:func:`post`) is, in order: the task's status (and its retake
count) when it changes, the ``Note`` (``tasks`` the task, ``note_links`` its
entity), then per preview a ``Version`` (``sg_task``, ``entity``, ``notes``)
and ``upload(..., field_name="sg_uploaded_movie")``, per attachment
``upload("Note", id, path)`` (an ``Attachment`` the server links to the Note),
and, asked for, the entity's thumbnail from the first preview
(``upload_thumbnail``) with ``sg_main_version`` pointing at its Version.

The publish's idempotency key goes in ``Note.sg_gadget_key`` (a text field
the site adds: ShotGrid shows a Note's content as plain text, where a marker
would be seen); on a site without that field, on the last line of the
content as ``[gadget:KEY]`` (visible there, taken off every read). A step
that fails after the Note was made raises PartialPublish with the comment;
:func:`complete` finishes a Note found by its key (the Versions and
Attachments it lacks, by file name), the main preview then by the
contract's default.

Previews and attachments are embedded in comment records by
:func:`embed`: one find of the Versions of the comments' tasks (the
revision of a preview is its rank among its task's Versions) and two for the
comments' Attachments, whatever the number of comments.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gadget.errors import GadgetError, PartialPublish, ValidationError
from gadget.trackers.base import CommentDraft, Record, Records, publish_steps
from gadget.trackers.shotgrid import convert
from gadget.trackers.shotgrid.queries import any_link

if TYPE_CHECKING:
    from gadget.trackers.shotgrid.tracker import ShotGridTracker

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: The Note field holding a publish's idempotency key, where the site has it.
KEY_FIELD = "sg_gadget_key"


def png_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` read from a PNG's header, else None."""
    with path.open("rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def note_payload(
    tracker: ShotGridTracker, task: Record, draft: CommentDraft, status: str
) -> dict[str, Any]:
    """The ``Note`` of one publish."""
    author = draft.author_id or tracker.whoami()["id"]
    site = tracker.schema.of("comment")
    keyed = draft.key is not None and KEY_FIELD in site
    note: dict[str, Any] = {
        "subject": (draft.text.splitlines() or ["Comment"])[0][:100] or "Comment",
        "content": draft.text if keyed else convert.content_with_key(draft.text, draft.key),
        "tasks": [convert.link("Task", task["id"])],
        "user": convert.link("HumanUser", author, "author_id"),
    }
    if task["project_id"]:
        note["project"] = convert.link("Project", task["project_id"])
    if task["entity_id"] and task["entity_kind"] in ("shot", "asset"):
        note["note_links"] = [
            convert.link(convert.ENTITY_TYPES[task["entity_kind"]], task["entity_id"])
        ]
    if keyed:
        note[KEY_FIELD] = draft.key
    if "sg_task_status" in site:
        note["sg_task_status"] = status
    if draft.checklist:
        if "sg_checklist" not in site:
            raise ValidationError("this ShotGrid site has no field Note.sg_checklist")
        note["sg_checklist"] = {"items": [{"text": t, "checked": c} for t, c in draft.checklist]}
    return note


def post(tracker: ShotGridTracker, task_id: str, draft: CommentDraft) -> Record:
    """One publish; see the module's documentation for the calls it makes."""
    if draft.previews:
        tracker.require("previews")
    if draft.attachments:
        tracker.require("attachments")
    task = tracker.get("task", task_id)
    status = draft.status_id or task["status_id"]
    tracker.schema.check_value(*convert.TASK_STATUS_FIELD, status, "status")
    note = note_payload(tracker, task, draft, status)
    sizes = [png_size(p) for p in draft.previews]
    connection = tracker.connection
    if status != task["status_id"]:
        change: dict[str, Any] = {"sg_status_list": status}
        if tracker.is_retake(status) and "sg_nb_retakes" in tracker.schema.of("task"):
            change["sg_nb_retakes"] = int(task["nb_retakes"] or 0) + 1
        connection.call("update", "Task", int(task_id), change)
    made = connection.call("create", "Note", note)
    note_id = int(made["id"])
    total = sum(p.stat().st_size for p in (*draft.previews, *draft.attachments))
    sent = _Progress(draft.progress, total)
    done = ["comment", "status"] if draft.status_id is not None else ["comment"]
    try:
        versions = []
        for path, size in zip(draft.previews, sizes, strict=True):
            versions.append(_post_preview(tracker, task, note_id, note, path, size))
            sent(path)
        if draft.previews:
            done.append("previews")
        for path in draft.attachments:
            connection.call("upload", "Note", note_id, str(path), display_name=path.name)
            sent(path)
        if draft.attachments:
            done.append("attachments")
        if draft.set_main_preview and versions:
            main_preview(tracker, task, versions[0], draft.previews[0])
    except GadgetError as failed:
        raise _partial(tracker, str(note_id), draft, done, failed) from failed
    return tracker.get("comment", str(note_id))


def _partial(
    tracker: ShotGridTracker,
    note_id: str,
    draft: CommentDraft,
    done: Sequence[str],
    failure: BaseException,
) -> PartialPublish:
    """The PartialPublish of a Note that was made, its steps after ``done`` missing."""
    missing = [s for s in publish_steps(draft) if s not in done]
    try:
        comment: Any = tracker.get("comment", note_id)
    except GadgetError:  # the failure is what matters; the Note's id is still given
        comment = None
    error = PartialPublish(
        f"the Note {note_id} was posted, but not {', '.join(missing)}: {failure}. Publish "
        f"again with idempotency_key={draft.key!r} to finish it (nothing is posted twice)",
        comment=comment,
        landed=done,
        missing=missing,
        key=draft.key,
    )
    error.left = (note_id,)
    return error


def complete(tracker: ShotGridTracker, task_id: str, record: Record, draft: CommentDraft) -> Record:
    """Add to a Note found by its key the Versions and Attachments of ``draft`` it
    lacks (matched by file name); returns the Note again when it added any."""
    have_previews = [p["name"] for p in record.get("previews") or []]
    lacking = []
    for path in draft.previews:
        if path.stem in have_previews:
            have_previews.remove(path.stem)
        else:
            lacking.append(path)
    have_files = {a.get("name") for a in record.get("attachments") or []}
    files = [p for p in draft.attachments if p.name not in have_files]
    if not lacking and not files:
        return record
    task = tracker.get("task", task_id)
    note_id = int(record["id"])
    note = note_payload(tracker, task, draft, str(record.get("status_id") or task["status_id"]))
    done = [s for s in publish_steps(draft) if s in ("comment", "status")]
    try:
        for path in lacking:
            _post_preview(tracker, task, note_id, note, path, png_size(path))
        if draft.previews:
            done.append("previews")
        for path in files:
            tracker.connection.call("upload", "Note", note_id, str(path), display_name=path.name)
    except GadgetError as failed:
        raise _partial(tracker, str(note_id), draft, done, failed) from failed
    return tracker.get("comment", str(note_id))


class _Progress:
    """Calls ``progress(sent, total)`` after each file (the SDK reports no bytes)."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.sent = progress, total, 0

    def __call__(self, path: Path) -> None:
        self.sent += path.stat().st_size
        if self.progress is not None:
            self.progress(self.sent, self.total)


def _post_preview(
    tracker: ShotGridTracker,
    task: Record,
    note_id: int,
    note: dict[str, Any],
    path: Path,
    size: tuple[int, int] | None,
) -> int:
    version: dict[str, Any] = {
        "code": path.stem,
        "sg_task": convert.link("Task", task["id"]),
        "notes": [{"type": "Note", "id": note_id}],
        "user": note["user"],
    }
    if "project" in note:
        version["project"] = note["project"]
    if note.get("note_links"):
        version["entity"] = note["note_links"][0]
    site = tracker.schema.of("preview")
    if size is not None and "sg_width" in site and "sg_height" in site:
        version["sg_width"], version["sg_height"] = size
    made = tracker.connection.call("create", "Version", version)
    tracker.connection.call(
        "upload", "Version", int(made["id"]), str(path), field_name="sg_uploaded_movie"
    )
    return int(made["id"])


def main_preview(tracker: ShotGridTracker, task: Record, version_id: int, path: Path) -> None:
    """The task's entity shows this Version: its thumbnail from the file, and
    ``sg_main_version`` naming the Version."""
    kind = task["entity_kind"]
    if kind not in ("shot", "asset") or not task["entity_id"]:
        raise ValidationError("only a shot's or an asset's task has a main preview")
    entity_type, entity_id = convert.ENTITY_TYPES[kind], int(task["entity_id"])
    tracker.connection.call("upload_thumbnail", entity_type, entity_id, str(path))
    if "sg_main_version" in tracker.schema.of(kind):
        tracker.connection.call(
            "update",
            entity_type,
            entity_id,
            {"sg_main_version": {"type": "Version", "id": version_id}},
        )


def share_main_preview(tracker: ShotGridTracker, task: Record, version_id: int) -> None:
    """An existing Version becomes its task's entity's thumbnail."""
    kind = task["entity_kind"]
    if kind not in ("shot", "asset") or not task["entity_id"]:
        raise ValidationError("only a shot's or an asset's task has a main preview")
    entity = {"type": convert.ENTITY_TYPES[kind], "id": int(task["entity_id"])}
    tracker.connection.call(
        "share_thumbnail", [entity], source_entity={"type": "Version", "id": version_id}
    )
    if "sg_main_version" in tracker.schema.of(kind):
        tracker.connection.call(
            "update",
            entity["type"],
            entity["id"],
            {"sg_main_version": {"type": "Version", "id": version_id}},
        )


def embed(tracker: ShotGridTracker, comments: Records) -> None:
    """Fill in the previews and attachments of comment records (three finds at
    most, whatever the number of comments)."""
    for comment in comments:
        comment["previews"], comment["attachments"] = [], []
    if not comments:
        return
    by_id = {c["id"]: c for c in comments}
    tasks = sorted({c["task_id"] for c in comments if c["task_id"]}, key=int)
    for preview in previews_of_tasks(tracker, tasks):
        owner = by_id.get(preview["comment_id"] or "")
        if owner is not None:
            owner["previews"].append(preview)
    wanted = {str(a["id"]): c["id"] for c in comments for a in c["raw"].get("attachments") or ()}
    if wanted:
        for attachment in tracker.list("attachment", {"id": sorted(wanted, key=int)}):
            attachment["comment_id"] = wanted[attachment["id"]]
            by_id[wanted[attachment["id"]]]["attachments"].append(attachment)


def previews_of_tasks(tracker: ShotGridTracker, task_ids: Sequence[str]) -> Records:
    """The preview records of these tasks' Versions, with their revisions."""
    if not task_ids:
        return []
    previews = tracker.find_records("preview", [any_link("sg_task", ["Task"], task_ids)])
    rank: dict[str | None, int] = {}
    for preview in previews:  # by id: creation order
        rank[preview["task_id"]] = rank.get(preview["task_id"], 0) + 1
        preview["revision"] = rank[preview["task_id"]]
    return previews


def download(tracker: ShotGridTracker, kind: str, ident: str, path: Path) -> Path:
    """Write a preview's uploaded file, or an attachment, to ``path``."""
    record = tracker.get(kind, ident)
    if kind == "preview":
        movie = record["raw"].get("sg_uploaded_movie")
        if not isinstance(movie, dict) or "id" not in movie:
            raise ValidationError(f"preview {ident} has no uploaded file")
        attachment: Any = movie
    else:
        attachment = {"type": "Attachment", "id": int(ident)}
    tracker.connection.call("download_attachment", attachment, file_path=str(path))
    return path
