"""Publishing: comments with their status, previews and attachments, the main
preview, and downloads of preview and attachment files.

A publish is one request where Zou allows it: the comment, its status
change, its checklist and its files go in one multipart POST
``actions/tasks/{id}/batch-comment``. A preview or attachment the server
dropped or could not process fails the publish (a GadgetError naming the
comment that was posted without it), never silently.

What each call costs (requests):

=====================================  ==============================================
``create_comment``                     1 multipart POST ``batch-comment`` (a JSON POST
                                       without files; +1 GET of the task when no
                                       status is given, +1 PUT ``set-main-preview``
                                       when asked)
``set_main_preview``                   1 PUT ``actions/preview-files/{id}/set-main-preview``
``download``                           1 GET, streamed to the file
=====================================  ==============================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gadget.errors import GadgetError, ValidationError
from gadget.trackers.base import CommentDraft, Record
from gadget.trackers.kitsu import convert
from gadget.trackers.kitsu.state import KitsuState

__all__ = ["create_comment", "create_comment_from_fields", "download", "set_main_preview"]


def create_comment(state: KitsuState, task_id: str, draft: CommentDraft) -> Record:
    """ONE multipart POST ``actions/tasks/{id}/batch-comment``: text, status,
    checklist, previews and attachments (upload timeout; a plain JSON POST
    to the same route when there is no file).

    Without a status, the task's current one is read first (GET
    ``data/tasks/{id}``: Zou requires one). A preview the server dropped
    or could not process fails the publish with a GadgetError naming the
    comment. With ``set_main_preview``, one PUT
    ``actions/preview-files/{id}/set-main-preview`` follows.
    """
    status_id = draft.status_id
    if status_id is None:
        with state.naming_the_record("task", task_id):
            status_id = str(state.conn.get(f"data/tasks/{task_id}")["task_status_id"])
    comment = convert.comment_body(draft.text, status_id, draft.checklist, draft.author_id)
    files: dict[str, Path] = {}
    for i, path in enumerate(draft.previews):
        files[f"preview_file-0-{i}"] = path
    for i, path in enumerate(draft.attachments):
        files[f"attachment_file-0-{i}"] = path
    route = f"actions/tasks/{task_id}/batch-comment"
    with state.naming_the_record("task", task_id):
        if files:
            answer = state.conn.upload(
                route, {"comments": json.dumps([comment])}, files, draft.progress
            )
        else:  # no file: the same route takes a JSON body
            answer = state.conn.post(route, {"comments": [comment]})
    if not isinstance(answer, list) or not answer:
        raise GadgetError(f"Kitsu at {state.host} answered POST /{route} without the comment")
    payload = dict(answer[0])
    _check_publish(state, payload, draft)
    record = convert.comment_record(payload, web=state.web)
    if draft.set_main_preview and record["previews"]:
        set_main_preview(state, record["previews"][0]["id"])
    return record


def create_comment_from_fields(state: KitsuState, fields: Mapping[str, Any]) -> Record:
    """``create("comment", fields)``: the fields made a draft (text, status,
    author, checklist; no file), published by :func:`create_comment`."""
    checklist = tuple(
        (str(c.get("text", "")), bool(c.get("checked")))
        if isinstance(c, Mapping)
        else (str(c), False)
        for c in fields.get("checklist") or ()
    )
    draft = CommentDraft(
        text=str(fields.get("text") or ""),
        status_id=fields.get("status_id"),
        author_id=fields.get("author_id"),
        checklist=checklist,
    )
    return create_comment(state, str(fields["task_id"]), draft)


def _check_publish(state: KitsuState, payload: Mapping[str, Any], draft: CommentDraft) -> None:
    """A preview or attachment Zou dropped (or could not process) is a failed publish."""
    previews = [p for p in payload.get("preview_files") or [] if isinstance(p, Mapping)]
    broken = [p for p in previews if str(p.get("status") or "").lower() == "broken"]
    attachments = payload.get("attachment_files") or []
    problems = []
    if len(previews) < len(draft.previews):
        sent = ", ".join(p.name for p in draft.previews)
        problems.append(
            f"{len(draft.previews) - len(previews)} of the previews ({sent}) were dropped "
            "by the server (unsupported format or failed processing)"
        )
    if broken:
        names = ", ".join(f"{p.get('original_name')}.{p.get('extension')}" for p in broken)
        problems.append(f"the server could not process the preview(s) {names} (broken)")
    if len(attachments) < len(draft.attachments):
        sent = ", ".join(p.name for p in draft.attachments)
        problems.append(f"attachments were dropped by the server ({sent})")
    if problems:
        raise GadgetError(
            f"publish on task {payload.get('object_id')} failed on Kitsu at {state.host}: "
            + "; ".join(problems)
            + f". The comment {payload.get('id')} was posted (with its status) without them."
        )


def set_main_preview(state: KitsuState, preview_id: str) -> None:
    """PUT ``actions/preview-files/{id}/set-main-preview``: the entity's thumbnail."""
    with state.naming_the_record("preview", preview_id):
        state.conn.put(f"actions/preview-files/{preview_id}/set-main-preview", {})


def download(state: KitsuState, kind: str, ident: str, path: Path) -> Path:
    """GET ``pictures/originals/preview-files/{id}/download`` (any preview type) or
    ``data/attachment-files/{id}/file/{name}``, streamed to ``path``."""
    target = Path(path)
    if kind == "preview":
        route = f"pictures/originals/preview-files/{ident}/download"
    elif kind == "attachment":
        route = f"data/attachment-files/{ident}/file/{target.name or 'file'}"
    else:
        raise ValidationError(f"only previews and attachments are downloaded, not {kind}s")
    with state.naming_the_record(kind, ident):
        return state.conn.download(route, target)
