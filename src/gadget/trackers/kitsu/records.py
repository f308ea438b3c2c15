"""Zou payloads into records, with the few reads some records need.

The renames themselves are :mod:`~gadget.trackers.kitsu.convert`'s (pure
functions); this module adds what a payload alone does not give: the project
statuses a project record names, the id index kept up to date
(:mod:`~gadget.trackers.kitsu.index`), the entity kind of tasks, and the
preview and attachment records of comments. Reads and writes alike turn
their answers into records here.

What it costs, beyond the request whose answer is converted:

=====================================  ==============================================
``record_from``                        nothing (project records: the project
                                       statuses, once per tracker)
``records_from``                       the same; tasks and comments as below
``task_records``                       nothing when the entity kind is given or the
                                       entities are in the index; for the others 1 GET
                                       ``data/shots?id=[...]`` and, for those not
                                       shots, 1 GET ``data/assets?id=[...]``, per
                                       project and 60 ids
``comment_records``                    nothing when Zou gave the previews and
                                       attachments whole; for ids, 1 GET
                                       ``data/preview-files?id=[...]`` and 1 GET
                                       ``data/attachment-files?id=[...]`` per 60 ids
                                       (non-admins: 1 GET per attachment)
=====================================  ==============================================

Comment records come newest first by ``created_at``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from gadget.errors import PermissionDenied
from gadget.trackers.base import Record, Records
from gadget.trackers.kitsu import convert, routes
from gadget.trackers.kitsu.state import KitsuState

__all__ = [
    "comment_records",
    "entity_kinds",
    "newest_first",
    "record_from",
    "records_from",
    "task_records",
]

_Payloads = list[Mapping[str, Any]]


def record_from(
    state: KitsuState,
    kind: str,
    payload: Mapping[str, Any],
    entity_kind: str | None = None,
    *,
    lookup: bool = False,
) -> Record:
    """The ``kind`` record of one payload; an entity goes into the id index.

    A project's ``status`` needs the project-status list (1 GET, once per
    tracker); a ``lookup`` (a project found by name or id) leaves it out
    while that list is not read yet: the record is partial, and the status
    is read with it when first asked for."""
    statuses = None
    if kind == "project":
        statuses = state.known_project_statuses() if lookup else state.project_statuses()
    record = convert.to_record(
        kind, payload, web=state.web, project_statuses=statuses, entity_kind=entity_kind
    )
    if kind == "project" and statuses is None:
        record = convert.as_partial(record, ("status",))
    if kind in routes.ENTITY_KINDS or kind == "task":  # a task's comments are read by project
        state.index.remember(record["id"], kind, record.get("project_id"))
    if kind == "shot":  # the tasks of a sequence's shots are read by sequence
        state.index.remember_sequence(record["id"], record.get("sequence_id"))
    elif kind == "sequence":  # a sequence's shots with their tasks: with its episode's
        state.index.remember_episode(record["id"], record.get("episode_id"))
    return record


def records_from(
    state: KitsuState,
    kind: str,
    payloads: Iterable[Mapping[str, Any]],
    entity_kind: str | None = None,
    *,
    lookup: bool = False,
) -> Records:
    """The ``kind`` records of payloads; canceled (soft-deleted) entities left out.

    Tasks are of entities of ``entity_kind`` when the caller knows it (see
    :func:`task_records`); comments get their previews and attachments
    (:func:`comment_records`).
    """
    rows = list(payloads)
    if kind == "task":
        return task_records(state, rows, entity_kind)
    if kind == "comment":
        return comment_records(state, rows)
    if kind in routes.ENTITY_KINDS:
        rows = [p for p in rows if not p.get("canceled")]
    return [record_from(state, kind, p, lookup=lookup) for p in rows]


def task_records(state: KitsuState, payloads: _Payloads, entity_kind: str | None = None) -> Records:
    """Task records; their entities are of ``entity_kind`` when the caller knows it
    (``list_children`` is told its parents' kind), else each one's kind comes
    from :func:`entity_kinds`."""
    if entity_kind is not None:
        return [record_from(state, "task", p, entity_kind=entity_kind) for p in payloads]
    kinds = entity_kinds(
        state, {str(p["entity_id"]): p.get("project_id") for p in payloads if p.get("entity_id")}
    )
    return [
        record_from(state, "task", p, entity_kind=kinds.get(str(p.get("entity_id"))))
        for p in payloads
    ]


def entity_kinds(state: KitsuState, wanted: Mapping[str, Any]) -> dict[str, str]:
    """Kind of each entity id (``wanted`` maps it to its project id, or None): the
    index, else one GET of shots and one of assets."""
    out: dict[str, str] = {}
    unknown: dict[str, Any] = {}
    for ident, project_id in wanted.items():
        known = state.index.known(ident)
        if known is not None:
            out[ident] = known[0]
        else:
            unknown[ident] = project_id
    for kind in ("shot", "asset"):
        if not unknown:
            break
        by_project: dict[Any, list[str]] = {}
        for ident, project_id in unknown.items():
            by_project.setdefault(project_id, []).append(ident)
        for project_id, ids in by_project.items():
            params = {"project_id": project_id} if project_id else {}
            for chunk in routes.chunks(ids):
                for payload in state.conn.get(
                    routes.ROUTES[kind], {**params, "id": json.dumps(chunk)}
                ):
                    state.index.remember(str(payload["id"]), kind, payload.get("project_id"))
                    out[str(payload["id"])] = kind
        unknown = {i: p for i, p in unknown.items() if i not in out}
    return out


def comment_records(
    state: KitsuState, payloads: _Payloads, project_id: str | None = None
) -> Records:
    """Comments with previews and attachments resolved whatever shape Zou gave,
    newest first. Previews given by id are read 60 ids per request, or, beyond
    60 and with ``project_id`` (the comments' one project), in ONE GET
    ``data/preview-files?project_id=`` that every role may ask."""
    preview_ids = sorted(
        {str(p) for c in payloads for p in (c.get("previews") or []) if isinstance(p, str)}
    )
    attachment_ids = sorted(
        {str(a) for c in payloads for a in (c.get("attachment_files") or []) if isinstance(a, str)}
    )
    previews: dict[str, Mapping[str, Any]] = {}
    if project_id is not None and len(preview_ids) > routes.CHUNK:
        wanted = set(preview_ids)
        for row in state.conn.get(
            "data/preview-files", {"project_id": project_id, "relations": "true"}
        ):
            if str(row["id"]) in wanted:
                previews[str(row["id"])] = row
    else:
        for chunk in routes.chunks(preview_ids):
            for row in state.conn.get(
                "data/preview-files", {"id": json.dumps(chunk), "relations": "true"}
            ):
                previews[str(row["id"])] = row
    attachments: dict[str, Mapping[str, Any]] = {}
    for chunk in routes.chunks(attachment_ids):
        try:
            rows = state.conn.get("data/attachment-files", {"id": json.dumps(chunk)})
        except PermissionDenied:  # the list route is for admins: one GET each
            rows = [state.conn.get(f"data/attachment-files/{i}") for i in chunk]
        for row in rows:
            attachments[str(row["id"])] = row
    records = [
        convert.comment_record(p, previews=previews, attachments=attachments, web=state.web)
        for p in payloads
    ]
    return newest_first(records)


def newest_first(records: Records) -> Records:
    """``records`` sorted newest first by ``created_at`` (stable: ties keep their order)."""
    epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return sorted(records, key=lambda r: r.get("created_at") or epoch, reverse=True)
