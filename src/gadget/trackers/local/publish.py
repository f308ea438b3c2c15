"""Publishing: a comment with its status change, previews and attachments.

:func:`stage_files` copies the files into the tracker's file store before any
transaction starts (so a long copy never holds the database lock);
:func:`post_comment` then writes everything in the caller's transaction. The
caller removes the staged files if anything fails.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import attrs

from gadget.errors import NotFound, ValidationError
from gadget.trackers.base import CommentDraft
from gadget.trackers.local.files import FileStore, png_size
from gadget.trackers.local.writes import Rules, insert, insert_row, now

__all__ = ["StagedFiles", "comment_with_key", "post_comment", "set_main_preview", "stage_files"]


@attrs.define
class StagedFiles:
    """Files copied into the store for one comment, with their future rows."""

    previews: list[dict[str, Any]] = attrs.field(factory=list)
    attachments: list[dict[str, Any]] = attrs.field(factory=list)
    paths: list[str] = attrs.field(factory=list)


def stage_files(
    store: FileStore, task_id: str, draft: CommentDraft, staged: StagedFiles
) -> StagedFiles:
    """Copy a draft's previews and attachments into ``store``, filling ``staged``.

    ``staged.paths`` grows file by file, so the caller can remove what was
    copied when a later copy fails. A preview is named after its file stem,
    its extension is the lowercase suffix, its size is read from a PNG header.
    """
    sources = [Path(p) for p in (*draft.previews, *draft.attachments)]
    total = sum(p.stat().st_size for p in sources)
    sent = 0

    def copied(path: str) -> None:
        nonlocal sent
        staged.paths.append(path)
        sent += store.path(path).stat().st_size
        if draft.progress is not None:
            draft.progress(sent, total)

    for source in map(Path, draft.previews):
        new_id = str(uuid.uuid4())
        path = store.store("previews", source, new_id + source.suffix.lower())
        copied(path)
        size = png_size(store.path(path))
        staged.previews.append(
            {
                "id": new_id,
                "name": source.stem,
                "extension": source.suffix.lower().lstrip("."),
                "status": "ready",
                "width": size[0] if size else None,
                "height": size[1] if size else None,
                "duration": None,
                "task_id": task_id,
                "path": path,
            }
        )
    for source in map(Path, draft.attachments):
        new_id = str(uuid.uuid4())
        path = store.store("attachments", source, new_id + source.suffix.lower())
        copied(path)
        staged.attachments.append(
            {
                "id": new_id,
                "name": source.name,
                "extension": source.suffix.lower().lstrip("."),
                "size": store.path(path).stat().st_size,
                "path": path,
            }
        )
    return staged


def post_comment(
    conn: sqlite3.Connection,
    task_id: str,
    draft: CommentDraft,
    staged: StagedFiles,
    acting_id: str | None,
    rules: Rules,
) -> str:
    """Insert the comment, move the task's status, record the files; return the comment id.

    The comment's status is the draft's or the task's current one. A status
    change to a retake status (different from the current one) adds a retake.
    Preview revisions follow the previews the task already has.
    """
    task = conn.execute("SELECT status_id, nb_retakes FROM task WHERE id = ?", [task_id]).fetchone()
    if task is None:
        raise NotFound("task", {"id": task_id})
    comment_id = insert(
        conn,
        "comment",
        {
            "text": draft.text,
            "task_id": task_id,
            "status_id": draft.status_id or task["status_id"],
            "author_id": draft.author_id or acting_id,
            "checklist": [{"text": text, "checked": checked} for text, checked in draft.checklist],
            "key": draft.key,
        },
        acting_id,
        rules,
    )
    stamp = now()
    if draft.status_id is not None and draft.status_id != task["status_id"]:
        status = conn.execute(
            "SELECT is_retake FROM task_status WHERE id = ?", [draft.status_id]
        ).fetchone()
        retakes = int(task["nb_retakes"]) + (1 if status is not None and status["is_retake"] else 0)
        conn.execute(
            "UPDATE task SET status_id = ?, nb_retakes = ?, updated_at = ? WHERE id = ?",
            [draft.status_id, retakes, stamp, task_id],
        )
    before = conn.execute("SELECT COUNT(*) FROM preview WHERE task_id = ?", [task_id]).fetchone()
    common = {"comment_id": comment_id, "created_at": stamp, "updated_at": stamp}
    for number, preview in enumerate(staged.previews, start=1):
        row = {**preview, **common, "revision": int(before[0]) + number, "custom_data": "{}"}
        insert_row(conn, "preview", row)
    for attachment in staged.attachments:
        insert_row(conn, "attachment", {**attachment, **common, "custom_data": "{}"})
    if draft.set_main_preview and staged.previews:
        set_main_preview(conn, staged.previews[0]["id"])
    return comment_id


def comment_with_key(conn: sqlite3.Connection, task_id: str, key: str) -> str | None:
    """The id of the task's comment posted with ``key``, or None (one query)."""
    row = conn.execute(
        "SELECT id FROM comment WHERE task_id = ? AND key = ?", [task_id, key]
    ).fetchone()
    return None if row is None else str(row["id"])


def set_main_preview(conn: sqlite3.Connection, preview_id: str) -> None:
    """Make a preview the ``preview_id`` of its task's shot or asset."""
    row = conn.execute(
        "SELECT task.entity_kind, task.entity_id FROM preview "
        "JOIN task ON task.id = preview.task_id WHERE preview.id = ?",
        [preview_id],
    ).fetchone()
    if row is None:
        raise NotFound("preview", {"id": preview_id})
    if row["entity_kind"] not in ("shot", "asset"):  # pragma: no cover - schema guarantees it
        raise ValidationError(f"preview {preview_id} belongs to no shot or asset")
    conn.execute(
        f'UPDATE "{row["entity_kind"]}" SET preview_id = ?, updated_at = ? WHERE id = ?',
        [preview_id, now(), row["entity_id"]],
    )
