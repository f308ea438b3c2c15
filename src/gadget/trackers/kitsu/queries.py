"""Reads: ``get``, ``list``, ``list_children`` and the with-tasks walk.

Filters become Zou's query parameters (``convert.SERVER_FILTERS``; a list is
an ``IN`` of at most 60 ids per request, see :mod:`~gadget.trackers.kitsu.routes`),
and what Zou matched loosely (names are ``ILIKE``) is matched exactly here,
as is what Zou cannot filter on: a task's ``entity_kind``, known from the id
index (:func:`~gadget.trackers.kitsu.records.entity_kinds`) as every task record
needs it anyway: the filter costs no request.
Kinds Zou lists otherwise have their own paths: comments by task (and their
order, below), attachments and previews through their comments, persons by
project team, tasks by task-type name.

What each call costs (requests):

=====================================  ==============================================
``get_record``                         1 GET ``data/<route>/{id}`` (+ what the record
                                       needs, :mod:`~gadget.trackers.kitsu.records`)
``list_records(kind, filters)``        1 GET of the collection route (an ``IN``
                                       filter of more than 60 ids: 1 per 60)
``list_records("task", ...)``          by ``entity_id`` and ``task_type_name``: 1 GET
                                       ``data/shots/{id}/tasks`` (or assets) for an
                                       entity in the id index, else 1 GET
                                       ``data/task-types`` + 1 GET ``data/tasks`` (+
                                       what the records need, as for ``get_record``)
``list_children("task", "entity_id")`` 1 GET ``data/tasks?entity_id=[...]``, or 1 GET
                                       ``data/projects/{id}/tasks`` beyond 60 parents
``list_children("comment", ...)``      1 GET per task for one task; for many, 1 GET
                                       ``data/comments?object_id=[...]`` + 1 for their
                                       previews + 1 for their attachments + 1 per task
                                       with two comments in one second (admins;
                                       others 1 GET per task)
``list_with_children``                 1 GET ``data/{shots,assets}/with-tasks``
=====================================  ==============================================

Comments come newest first by the exact time on every path. Zou's bulk
route gives ``created_at`` to the second only and in no particular order;
:func:`_break_ties` asks the per-task route again for the tasks with a tie,
and only for those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from gadget.errors import NotFound, PermissionDenied, ValidationError
from gadget.trackers.base import Record, Records
from gadget.trackers.kitsu import convert, routes
from gadget.trackers.kitsu.records import (
    comment_records,
    newest_first,
    record_from,
    records_from,
    task_records,
)
from gadget.trackers.kitsu.state import KitsuState

__all__ = [
    "children_per_request",
    "get_record",
    "list_children",
    "list_records",
    "list_with_children",
]

_Ids = list[str]
_Payloads = list[Mapping[str, Any]]


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset))


def _as_list(value: Any) -> _Ids:
    return [str(v) for v in value] if _is_list(value) else [str(value)]


def _matches(record: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    """Exact match of a record on normalized filters (fields it lacks were filtered server-side)."""
    for name, want in filters.items():
        if want is None or name not in record:
            continue
        have = record[name]
        if _is_list(want):
            if isinstance(have, list):
                if not any(w in have for w in want):
                    return False
            elif have not in want:
                return False
        elif isinstance(have, list):
            if want not in have:
                return False
        elif have != want:
            return False
    return True


def get_record(state: KitsuState, kind: str, ident: str) -> Record:
    """GET ``data/<route>/{id}`` (comments: + their previews and attachments)."""
    route = routes.route(kind)
    if not isinstance(ident, str) or not state.looks_like_id(ident):
        raise state.not_found(kind, {"id": ident})
    with state.naming_the_record(kind, ident):
        payload = state.conn.get(f"{route}/{ident}")
    return (
        records_from(state, kind, [payload])[0]
        if kind in ("task", "comment")
        else record_from(state, kind, payload)
    )


def list_records(
    state: KitsuState, kind: str, filters: Mapping[str, Any], entity_kind: str | None = None
) -> Records:
    """The ``kind`` records matching every filter (``Tracker.list``); tasks read
    here are of entities of ``entity_kind`` when given."""
    routes.route(kind)
    wanted = {k: v for k, v in filters.items() if v is not None}
    for field, value in list(wanted.items()):
        if field == "id" or field.endswith("_id"):
            # Zou answers 400 to a malformed id: nothing can match one
            ids = [i for i in _as_list(value) if state.looks_like_id(i)]
            if not ids:
                return []
            wanted[field] = ids if _is_list(value) else ids[0]
        elif _is_list(value) and not value:
            return []
    if kind == "task" and "task_type_name" in wanted:
        records = _tasks_by_type_name(state, wanted)
    elif kind == "comment":
        records = _list_comments(state, wanted)
    elif kind == "attachment":
        records = _list_attachments(state, wanted)
    elif kind == "preview" and "comment_id" in wanted:
        comments = _list_comments(state, {"id": wanted["comment_id"]})
        records = [p for c in comments for p in c["previews"]]
    elif kind == "person" and "project_id" in wanted:
        records = []
        for project_id in _as_list(wanted["project_id"]):
            rows = state.conn.get(f"data/projects/{project_id}/team")
            records.extend(record_from(state, "person", p) for p in rows)
    else:
        records = records_from(state, kind, _query(state, kind, wanted), entity_kind)
    return [r for r in records if _matches(r, wanted)]


def _tasks_by_type_name(state: KitsuState, wanted: dict[str, Any]) -> Records:
    """Tasks filtered by task-type name: one GET ``data/{shots,assets}/{id}/tasks``
    for one known entity (its rows name their type), else the task types
    by name first."""
    names = _as_list(wanted.pop("task_type_name"))
    entity_id = wanted.get("entity_id")
    known = state.index.known(entity_id) if isinstance(entity_id, str) else None
    if known is not None and known[0] in ("shot", "asset"):
        rows = state.conn.get(f"data/{known[0]}s/{entity_id}/tasks", {"relations": "true"})
        rows = [p for p in rows if p.get("task_type_name") in names]
        # a server that leaves assignees out says so: they are read when asked for
        return [
            convert.as_partial(record, convert.left_out("task", payload))
            for record, payload in zip(task_records(state, rows), rows, strict=True)
        ]
    type_ids = [str(t["id"]) for t in state.conn.get("data/task-types") if t.get("name") in names]
    if not type_ids:
        return []
    return [
        r
        for r in list_records(state, "task", {"task_type_id": type_ids, **wanted})
        if r.get("task_type_id") in type_ids
    ]


def _query(state: KitsuState, kind: str, filters: Mapping[str, Any]) -> _Payloads:
    """GET the collection route with the filters Zou understands (``IN`` for lists)."""
    columns = convert.SERVER_FILTERS.get(kind, {})
    params: dict[str, Any] = {}
    chunked: tuple[str, _Ids] | None = None
    for field, value in filters.items():
        if kind == "project" and field == "status":
            ids = state.project_status_ids()
            names = _as_list(value)
            found = [ids[n.lower()] for n in names if n.lower() in ids]
            if not found:
                return []
            params["project_status_id"] = found[0] if len(found) == 1 else json.dumps(found)
            continue
        column = columns.get(field)
        if column is None:
            continue
        if _is_list(value):
            values = _as_list(value)
            if field == "name":
                if len(values) == 1:
                    params[column] = values[0]
                continue  # several names: matched here, not by Zou's ILIKE
            if len(values) == 1:
                params[column] = values[0]
            elif chunked is None and len(values) > routes.CHUNK:
                chunked = (column, values)
            else:
                params[column] = json.dumps(values)
        else:
            params[column] = value if isinstance(value, str) else json.dumps(value)
    if kind in routes.ENTITY_KINDS and "project_id" not in params:
        # Zou refuses an entity listing filtered by its parent alone (a name check
        # before a creation) to anyone but an admin; the parent's project lets it
        project_id = _project_in_index(state, filters)
        if project_id is not None:
            params["project_id"] = project_id
    if kind in routes.RELATIONS:
        params["relations"] = "true"
    route = routes.ROUTES[kind]
    if chunked is None:
        return list(state.conn.get(route, params or None))
    column, values = chunked
    rows: _Payloads = []
    for chunk in routes.chunks(values):
        rows.extend(state.conn.get(route, {**params, column: json.dumps(chunk)}))
    return rows


def _project_in_index(state: KitsuState, filters: Mapping[str, Any]) -> str | None:
    """The project of the first single id filter the index knows (no request)."""
    for field, value in filters.items():
        if field.endswith("_id") and isinstance(value, str):
            project_id = state.index.project_of(value)
            if project_id is not None:
                return project_id
    return None


def _list_comments(state: KitsuState, filters: Mapping[str, Any]) -> Records:
    if "task_id" in filters:
        return _comments_of(state, _as_list(filters["task_id"]))
    if "id" in filters:
        payloads = [state.conn.get(f"data/comments/{i}") for i in _as_list(filters["id"])]
        return comment_records(state, payloads)
    raise ValidationError("comments are listed by task (task_id=...) or by id")


def _comments_of(state: KitsuState, task_ids: _Ids) -> Records:
    """One GET ``data/tasks/{id}/comments``, or for many tasks GET ``data/comments`` (IN),
    whose order :func:`_break_ties` then makes exact."""
    if len(task_ids) > 1:
        try:
            payloads: _Payloads = []
            for chunk in routes.chunks(task_ids):
                payloads.extend(
                    state.conn.get(
                        "data/comments",
                        {"object_id": json.dumps(chunk), "relations": "true"},
                    )
                )
            return _break_ties(state, comment_records(state, payloads))
        except PermissionDenied:  # data/comments is for admins
            pass
    payloads = []
    for task_id in task_ids:
        payloads.extend(state.conn.get(f"data/tasks/{task_id}/comments"))
    return comment_records(state, payloads)


def _break_ties(state: KitsuState, records: Records) -> Records:
    """Newest first by the exact time, for comments read in bulk.

    ``data/comments`` gives ``created_at`` to the second only and in no
    particular order, so two comments of one task posted within a second
    cannot be ordered from it. Zou's per-task route sorts by the exact
    time (it too shows only seconds): one GET ``data/tasks/{id}/comments``
    per task with such a tie (only those tasks) gives their order.
    """
    seen: set[tuple[Any, Any]] = set()
    tied: dict[str, None] = {}
    for record in records:
        moment = (record.get("task_id"), record.get("created_at"))
        if moment in seen:
            tied[str(moment[0])] = None
        seen.add(moment)
    if not tied:
        return records
    rank: dict[str, int] = {}
    for task_id in tied:
        try:
            rows = state.conn.get(f"data/tasks/{task_id}/comments")
        except NotFound:  # the task went meanwhile: its comments keep the bulk order
            continue
        rank.update((str(row["id"]), i) for i, row in enumerate(rows))
    # stable sorts: by the per-task order, then newest first (ties keep that order)
    return newest_first(sorted(records, key=lambda r: rank.get(r["id"], len(rank))))


def _list_attachments(state: KitsuState, filters: Mapping[str, Any]) -> Records:
    if "comment_id" in filters:
        comments = _list_comments(state, {"id": filters["comment_id"]})
        return [a for c in comments for a in c["attachments"]]
    if "id" in filters:
        return [get_record(state, "attachment", i) for i in _as_list(filters["id"])]
    raise ValidationError("attachments are listed by comment (comment_id=...) or by id")


def list_children(
    state: KitsuState, kind: str, parent_field: str, parent_ids: Sequence[str], *, parent_kind: str
) -> dict[str, Records]:
    """The ``kind`` records of many parents, in one request where Zou allows it.

    Tasks of many shots/assets: one GET ``data/tasks?entity_id=[...]``
    (or one GET ``data/projects/{id}/tasks`` beyond 60 parents of one
    project, found in the id index); their entity kind is ``parent_kind``
    (Zou's task rows do not say it). Shots of sequences: one GET
    ``data/shots?parent_id=[...]``; comments of tasks: see :func:`_comments_of`.
    """
    ids = list(dict.fromkeys(str(i) for i in parent_ids))
    out: dict[str, Records] = {i: [] for i in ids}
    if not ids:
        return out
    entity_kind = parent_kind if (kind, parent_field) == ("task", "entity_id") else None
    records: Records
    if entity_kind is not None and len(ids) > routes.CHUNK:
        projects = {state.index.project_of(i) for i in ids}
        if len(projects) == 1 and None not in projects:
            (project_id,) = projects
            wanted = set(ids)
            rows = [
                p
                for p in state.conn.get(f"data/projects/{project_id}/tasks")
                if str(p.get("entity_id")) in wanted
            ]
            records = task_records(state, rows, entity_kind)
        else:
            records = list_records(state, kind, {parent_field: ids}, entity_kind)
    else:
        records = list_records(state, kind, {parent_field: ids}, entity_kind)
    for record in records:
        parent = record.get(parent_field)
        if parent in out:
            out[parent].append(record)
    return out


def list_with_children(
    state: KitsuState, kind: str, filters: Mapping[str, Any], child_kind: str, parent_field: str
) -> tuple[Records, dict[str, Records]] | None:
    """Every shot (or asset) of one project with its tasks: ONE GET
    ``data/{shots,assets}/with-tasks?project_id=`` (``compact=true``: positional
    rows, half the bytes). Its records are partial: task names and
    descriptions and every ``created_at`` come on first read, in one request."""
    if kind not in ("shot", "asset") or (child_kind, parent_field) != ("task", "entity_id"):
        return None
    wanted = {k: v for k, v in filters.items() if v is not None}
    project_id = wanted.get("project_id")
    if set(wanted) != {"project_id"} or not isinstance(project_id, str):
        return None
    if not state.looks_like_id(project_id):
        return [], {}
    answer = state.conn.get(
        f"data/{kind}s/with-tasks", {"project_id": project_id, "compact": "true"}
    )
    records, children = convert.with_tasks_records(
        kind, convert.with_tasks_payloads(answer, kind), project_id=project_id, web=state.web
    )
    for record in records:
        state.index.remember(record["id"], kind, project_id)
    return records, children


def children_per_request(kind: str, parent_field: str) -> int | None:
    """Tasks of one project's shots or assets come in one request whatever their
    number; other children by id lists of at most CHUNK (60) parents per request."""
    return None if (kind, parent_field) == ("task", "entity_id") else routes.CHUNK
