"""Publishing: comments with their status, previews and attachments, the main
preview, and downloads of preview and attachment files.

A publish is one request where Zou allows it: the comment, its status
change, its checklist and its files go in one multipart POST
``actions/tasks/{id}/batch-comment``. The publish's idempotency key goes in
the text, as the marker ``<!-- gadget:KEY -->`` at its end (the request
carries no free data; Kitsu's web page drops HTML comments, and every read
takes the marker off: :func:`convert.split_key`).

A preview or attachment the server dropped or could not process, or a main
preview that could not be set, is a :class:`~gadget.errors.PartialPublish`
carrying the comment that was posted; the same publish again with its key
finishes it (:func:`complete_comment`). Zou refuses set-main-preview to a
client (its role on the task's project): such a publish is refused with
PermissionDenied before anything is posted.

What each call costs (requests):

=====================================  ==============================================
``create_comment``                     1 multipart POST ``batch-comment`` (a JSON POST
                                       without files; +1 GET of the task when no
                                       status is given, +1 PUT ``set-main-preview``
                                       when asked; with it, for a person who is not
                                       an admin, +1 GET of the task when no status is
                                       given and its project is not known, +1 GET of
                                       the project's team once per project: the role)
``complete_comment``                   per preview left without its file 1 POST of
                                       the file (+1 POST ``add-preview`` for one the
                                       server dropped), 1 POST ``add-attachment`` for
                                       attachments dropped, then +1 GET of the comment
                                       when any; the main preview: 2 GETs (task and
                                       shot or asset), +1 PUT when it is not set
``set_main_preview``                   1 PUT ``actions/preview-files/{id}/set-main-preview``
``download``                           1 GET, streamed to the file
=====================================  ==============================================
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gadget.errors import GadgetError, PartialPublish, PermissionDenied, ValidationError
from gadget.trackers.base import CommentDraft, Record, publish_steps
from gadget.trackers.kitsu import convert
from gadget.trackers.kitsu.records import comment_records
from gadget.trackers.kitsu.state import KitsuState

__all__ = [
    "MAIN_PREVIEW_REFUSED",
    "check_main_preview_allowed",
    "complete_comment",
    "create_comment",
    "create_comment_from_fields",
    "download",
    "set_main_preview",
]

#: The roles Zou refuses set-main-preview to (a client reviews content but does
#: not choose how an entity is illustrated), checked on a real server: users,
#: supervisors, managers and vendors (on their tasks) may set it.
MAIN_PREVIEW_REFUSED = frozenset({"client"})


def create_comment(state: KitsuState, task_id: str, draft: CommentDraft) -> Record:
    """ONE multipart POST ``actions/tasks/{id}/batch-comment``: text (with the
    key's marker), status, checklist, previews and attachments (upload
    timeout; a plain JSON POST to the same route when there is no file).

    Without a status, the task's current one is read first (GET
    ``data/tasks/{id}``: Zou requires one). With ``set_main_preview``, the
    person's role on the task's project is checked first
    (:func:`check_main_preview_allowed`), then one PUT
    ``actions/preview-files/{id}/set-main-preview`` follows the POST. A
    preview or attachment the server dropped or could not process, or a
    main preview that failed, raises PartialPublish with the comment.
    """
    status_id = draft.status_id
    task: Mapping[str, Any] | None = None
    if status_id is None:
        with state.naming_the_record("task", task_id):
            task = state.conn.get(f"data/tasks/{task_id}")
        status_id = str(task["task_status_id"])
    if draft.set_main_preview and draft.previews:
        check_main_preview_allowed(state, task_id, task)
    comment = convert.comment_body(
        draft.text, status_id, draft.checklist, draft.author_id, draft.key
    )
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
    record = convert.comment_record(payload, web=state.web)
    _check_publish(state, payload, record, draft)
    if draft.set_main_preview and record["previews"]:
        _main_preview_or_partial(state, record, draft)
    return record


def check_main_preview_allowed(
    state: KitsuState, task_id: str, task: Mapping[str, Any] | None = None
) -> None:
    """PermissionDenied, before anything is posted, when Zou would refuse the
    person set-main-preview on the task's project (:data:`MAIN_PREVIEW_REFUSED`).

    No request for an admin; else the task's project (from the id index, else
    ``task`` or one GET of it) and the person's role there (:meth:`KitsuState.role_on`).
    """
    user = state.conn.user or {}
    if user.get("role") == "admin":
        return
    project_id = state.index.project_of(task_id)
    if project_id is None:
        if task is None:
            with state.naming_the_record("task", task_id):
                task = state.conn.get(f"data/tasks/{task_id}")
        project_id = str(task.get("project_id") or "") or None
    role = state.role_on(project_id)
    if role in MAIN_PREVIEW_REFUSED:
        who = user.get("email") or user.get("full_name") or "this person"
        raise PermissionDenied(
            f"Kitsu at {state.host} refuses set_main_preview to the role {role!r} ({who} on "
            f"the project of task {task_id}): a client reviews but does not choose an entity's "
            "main preview. Nothing was posted; publish without set_main_preview=True"
        )


def create_comment_from_fields(state: KitsuState, fields: Mapping[str, Any]) -> Record:
    """``create("comment", fields)``: the fields made a draft (text, status,
    author, checklist, key; no file), published by :func:`create_comment`."""
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
        key=fields.get("key"),
    )
    return create_comment(state, str(fields["task_id"]), draft)


def complete_comment(
    state: KitsuState,
    task_id: str,
    record: Record,
    draft: CommentDraft,
    finish_main: Callable[[Record], Record],
) -> Record:
    """Finish a comment posted earlier with ``draft.key``: the files it lacks, then
    the main preview (``finish_main``: the contract's default step).

    A preview of the comment left without its file (a record Zou made whose
    upload never came) gets the draft's file again, into that same record
    (POST ``pictures/preview-files/{id}``); a draft preview the comment lacks
    is added (POST ``.../add-preview``, then its file); attachments it lacks
    are added (POST ``.../add-attachment``). A step that fails, or a preview
    still broken, raises PartialPublish naming what is missing.
    """
    comment_id = str(record["id"])
    previews = list(record.get("previews") or [])
    named = [p for p in previews if p.get("name")]
    unfilled = [p for p in previews if not p.get("name")]
    wanting: list[Path] = []
    for path in draft.previews:
        twin = next((p for p in named if p["name"] == path.stem), None)
        if twin is None:
            wanting.append(path)
        else:
            named.remove(twin)
    have = {a.get("name") for a in record.get("attachments") or []}
    lacking = [p for p in draft.attachments if p.name not in have]
    base = f"actions/tasks/{task_id}/comments/{comment_id}"
    try:
        for path in wanting:
            if unfilled:
                target = str(unfilled.pop(0)["id"])
            else:
                made = state.conn.post(f"{base}/add-preview", {})
                target = str(made["id"])
            with state.naming_the_record("preview", target):
                state.conn.upload(f"pictures/preview-files/{target}", {}, {"file": path})
        if lacking:
            parts = {f"file-{i}": path for i, path in enumerate(lacking)}
            state.conn.upload(f"{base}/add-attachment", {}, parts)
    except GadgetError as failed:
        raise _partial(
            state, record, draft, ["previews"] if wanting else ["attachments"], failed
        ) from failed
    if wanting or lacking:
        with state.naming_the_record("comment", comment_id):
            payload = state.conn.get(f"data/comments/{comment_id}")
        record = comment_records(state, [payload])[0]
    broken = [p for p in record["previews"] if str(p.get("status") or "").lower() == "broken"]
    if broken or len(record["previews"]) < len(draft.previews):
        raise _partial(state, record, draft, ["previews"], None)
    return finish_main(record)


def _missing_steps(draft: CommentDraft, missing: list[str]) -> list[str]:
    """``missing``, plus the main preview when the draft asks for one (it waits for them)."""
    if draft.set_main_preview and draft.previews and "main_preview" not in missing:
        missing = [*missing, "main_preview"]
    return missing


def _partial(
    state: KitsuState,
    record: Record,
    draft: CommentDraft,
    missing: list[str],
    failure: BaseException | None,
    problems: str = "",
) -> PartialPublish:
    """The PartialPublish of a comment that landed without the ``missing`` steps."""
    missing = _missing_steps(draft, missing)
    landed = [s for s in publish_steps(draft) if s not in missing]
    why = problems or (str(failure) if failure is not None else "a preview is broken")
    return PartialPublish(
        f"publish on task {record.get('task_id')} on Kitsu at {state.host}: the comment "
        f"{record['id']} was posted (with its status), but not {', '.join(missing)}: {why}. "
        f"Publish again with idempotency_key={draft.key!r} to finish it (nothing is posted twice)",
        comment=record,
        landed=landed,
        missing=missing,
        key=draft.key,
    )


def _main_preview_or_partial(state: KitsuState, record: Record, draft: CommentDraft) -> None:
    """Set the comment's first preview as the main one; a failure is a PartialPublish."""
    try:
        set_main_preview(state, str(record["previews"][0]["id"]))
    except GadgetError as failed:
        raise _partial(state, record, draft, ["main_preview"], failed) from failed


def _check_publish(
    state: KitsuState, payload: Mapping[str, Any], record: Record, draft: CommentDraft
) -> None:
    """A preview or attachment Zou dropped (or could not process) is a partial publish."""
    previews = [p for p in payload.get("preview_files") or [] if isinstance(p, Mapping)]
    broken = [p for p in previews if str(p.get("status") or "").lower() == "broken"]
    attachments = payload.get("attachment_files") or []
    problems, missing = [], []
    if len(previews) < len(draft.previews):
        sent = ", ".join(p.name for p in draft.previews)
        problems.append(
            f"{len(draft.previews) - len(previews)} of the previews ({sent}) were dropped "
            "by the server (unsupported format or failed processing)"
        )
    if broken:
        names = ", ".join(f"{p.get('original_name')}.{p.get('extension')}" for p in broken)
        problems.append(f"the server could not process the preview(s) {names} (broken)")
    if problems:
        missing.append("previews")
    if len(attachments) < len(draft.attachments):
        sent = ", ".join(p.name for p in draft.attachments)
        problems.append(f"attachments were dropped by the server ({sent})")
        missing.append("attachments")
    if problems:
        raise _partial(state, record, draft, missing, None, "; ".join(problems))


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
