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
``list_children("task", "entity_id")`` 1 GET ``data/tasks?entity_id=[...]``, or beyond
                                       60 parents 1 GET ``data/sequences/{id}/shot-tasks``
                                       (shots of one sequence) or ``data/projects/{id}/tasks``
``list_children("comment", ...)``      1 GET per task for one task; for many of one
                                       project, beyond 60 tasks (not admins: from 8),
                                       1 GET ``data/projects/{id}/comments`` (+1 GET
                                       ``data/persons`` for a user); else 1 GET
                                       ``data/comments?object_id=[...]`` per 60 tasks
                                       (admins; others 1 GET per task); then 1 for
                                       the previews (per project beyond 60) + 1 for
                                       the attachments + 1 per task with two
                                       comments in one second
``list_with_children``                 1 GET ``data/{shots,assets}/with-tasks``; with
                                       a validator, the same GET with
                                       ``If-None-Match`` (a 304: no body)
=====================================  ==============================================

Comments come newest first by the exact time on every path. Zou's bulk
route gives ``created_at`` to the second only and in no particular order;
:func:`_break_ties` asks the per-task route again for the tasks with a tie,
and only for those.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gadget.errors import NotFound, PermissionDenied, ValidationError
from gadget.trackers.base import Listing, Record, Records, Unchanged
from gadget.trackers.kitsu import convert, routes
from gadget.trackers.kitsu.features import RouteMissing
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
    if kind == "shot" and "episode_id" in wanted:
        records = _shots_of_episodes(state, wanted)
    elif kind == "task" and "assignee_id" in wanted:
        records = _assigned_tasks(state, wanted)
    elif kind == "task" and "task_type_name" in wanted:
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
        # a project looked up by name or id: its status is read when asked for
        lookup = kind == "project" and bool(wanted) and set(wanted) <= {"name", "id"}
        found = _query(state, kind, wanted)
        records = records_from(state, kind, found, entity_kind, lookup=lookup)
    return [r for r in records if _matches(r, wanted)]


def _shots_of_episodes(state: KitsuState, wanted: dict[str, Any]) -> Records:
    """Shots "in these episodes": one GET ``data/episodes/{id}/shots`` each
    (shots of sequences in no episode: the project's shots and sequences)."""
    episodes = _as_list(wanted.pop("episode_id"))
    records: Records = []
    for episode_id in episodes:
        with state.naming_the_record("episode", episode_id):
            rows = state.conn.get(f"data/episodes/{episode_id}/shots")
        records.extend(records_from(state, "shot", rows))
    return records


#: Zou's entity types whose tasks gadget does not model (it reads tasks of
#: shots and assets); any other entity type is an asset type
_NOT_ASSETS = frozenset({"Shot", "Sequence", "Episode", "Edit", "Concept", "Scene"})


def _assigned_tasks(state: KitsuState, wanted: dict[str, Any]) -> Records:
    """Tasks assigned to ``wanted["assignee_id"]`` (the filter "assigned to").

    The logged-in person's tasks of one project: GET ``data/user/tasks`` (the
    open ones) and GET ``data/user/done-tasks``, whatever the project's size,
    kept to that project; for an admin GET ``data/persons/{id}/tasks`` and
    ``done-tasks`` (the same rows, of every open project, team or not). The
    user routes cover the open projects whose team the person is on: when
    neither answer has a task of the project, GET ``data/projects/{id}`` says
    whether that is why, and if it is, the project's tasks are read and
    filtered (what anybody else's tasks cost).
    """
    assignee = str(wanted.pop("assignee_id"))
    user = state.conn.user or {}
    me = str(user.get("id") or "")
    project_id = wanted.get("project_id")
    if assignee == me and isinstance(project_id, str):
        admin = user.get("role") == "admin"
        mine = (
            (f"data/persons/{me}/tasks", f"data/persons/{me}/done-tasks")
            if admin
            else ("data/user/tasks", "data/user/done-tasks")
        )
        rows = [
            row
            for route in mine
            for row in state.conn.get(route)
            if str(row.get("project_id")) == project_id
        ]
        if rows or _sees_own_tasks(state, project_id, me, admin=admin):
            return _todo_records(state, rows)
    return [r for r in list_records(state, "task", wanted) if assignee in r["assignee_ids"]]


def _sees_own_tasks(state: KitsuState, project_id: str, me: str, *, admin: bool) -> bool:
    """Whether Zou's "my tasks" routes cover ``project_id`` for ``me``: it is
    open and they are on its team, or an admin (one GET ``data/projects/{id}``)."""
    with state.naming_the_record("project", project_id):
        project = state.conn.get(f"data/projects/{project_id}")
    status = state.project_statuses().get(str(project.get("project_status_id")), "")
    team = {str(p) for p in project.get("team") or ()}
    return status.lower() == "open" and (admin or me in team)


def _todo_records(state: KitsuState, rows: _Payloads) -> Records:
    """Task records of the rows of Zou's "my tasks" routes (they name the
    entity's type: a shot's, or an asset type's)."""
    out = []
    for row in rows:
        type_name = str(row.get("entity_type_name") or "")
        if type_name in _NOT_ASSETS - {"Shot"}:
            continue
        kind = "shot" if type_name == "Shot" else "asset"
        state.index.remember(str(row["entity_id"]), kind, str(row.get("project_id")))
        record = record_from(state, "task", row, entity_kind=kind)
        out.append(convert.as_partial(record, convert.left_out("task", row)))
    return out


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


#: from this many tasks of one project on, a login refused the admin's bulk
#: route reads the project's comments in one request rather than one per task
PROJECT_COMMENTS_FROM = 8
#: roles whose per-task comment route shows comments by clients (Zou hides
#: them from the others); vendors and clients never reach the project route
_SEE_CLIENT_COMMENTS = frozenset({"admin", "manager", "supervisor"})


def _comments_of(state: KitsuState, task_ids: _Ids) -> Records:
    """The comments of ``task_ids``, newest first, in as few requests as the
    login's role allows (costs in the module docstring):

    - one task: GET ``data/tasks/{id}/comments``;
    - many tasks of one project, beyond 60 (or, for a login refused the bulk
      route, from :data:`PROJECT_COMMENTS_FROM`): ONE GET
      ``data/projects/{id}/comments`` (admins, managers, supervisors, users),
      kept to those tasks, and for a user without the comments of clients,
      as the per-task route shows them;
    - else GET ``data/comments?object_id=[...]`` per 60 tasks (admins);
    - else one GET per task.

    A route refused once (or missing: an older Zou) is not asked again
    (:meth:`KitsuState.refused`).
    The bulk answers are put in exact order by :func:`_break_ties`.
    """
    if len(task_ids) == 1:
        (task_id,) = task_ids
        return comment_records(state, state.conn.get(f"data/tasks/{task_id}/comments"))
    project_id = _one_project(state, task_ids)
    found = _by_project(state, project_id, task_ids)
    if found is not None:
        return found
    if not state.refused("data/comments"):
        try:
            payloads: _Payloads = []
            for chunk in routes.chunks(task_ids):
                payloads.extend(
                    state.conn.get(
                        "data/comments",
                        {"object_id": json.dumps(chunk), "relations": "true"},
                    )
                )
            return _break_ties(state, comment_records(state, payloads, project_id=project_id))
        except (PermissionDenied, RouteMissing):  # data/comments is for admins
            state.refuse("data/comments")
        found = _by_project(state, project_id, task_ids)
        if found is not None:
            return found
    payloads = []
    for task_id in task_ids:
        payloads.extend(state.conn.get(f"data/tasks/{task_id}/comments"))
    return comment_records(state, payloads)


def _by_project(state: KitsuState, project_id: str | None, task_ids: _Ids) -> Records | None:
    """The comments of ``task_ids`` from ONE GET ``data/projects/{id}/comments``
    when that route suits (module docstring), else None."""
    many = len(task_ids) > routes.CHUNK
    if state.refused("data/comments"):
        many = len(task_ids) >= PROJECT_COMMENTS_FROM
    if project_id is None or not many or state.refused("data/projects/comments"):
        return None
    known = state.known_features()
    if known is not None and not known.project_comments and state.role_on(None) != "admin":
        return None  # before Zou 0.19.64 the route is for admins only
    try:
        rows = state.conn.get(f"data/projects/{project_id}/comments")
    except (PermissionDenied, RouteMissing):  # vendors and clients; an older Zou
        state.refuse("data/projects/comments")
        return None
    wanted = set(task_ids)
    mine = [r for r in rows if str(r.get("object_id")) in wanted]
    shown = _as_the_task_route_shows(state, mine)
    return _break_ties(state, comment_records(state, shown, project_id=project_id))


def _one_project(state: KitsuState, task_ids: _Ids) -> str | None:
    """The project of every task in ``task_ids`` when the id index knows it
    and it is one, else None (no request)."""
    projects = {state.index.project_of(i) for i in task_ids}
    if len(projects) == 1:
        (project_id,) = projects
        return project_id
    return None


def _as_the_task_route_shows(state: KitsuState, rows: _Payloads) -> _Payloads:
    """The comments of ``rows`` the logged-in person's per-task route shows:
    all of them for admins, managers and supervisors; for a user, none by a
    client (one GET ``data/persons`` for the authors' roles)."""
    # the studio role (role_on(None): no request): the project route's answer
    # names no project role, see docs/kitsu.md
    if state.role_on(None) in _SEE_CLIENT_COMMENTS or not rows:
        return rows
    clients = {str(p["id"]) for p in state.conn.get("data/persons") if p.get("role") == "client"}
    return [r for r in rows if str(r.get("person_id")) not in clients]


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
    (beyond 60 parents, one GET ``data/sequences/{id}/shot-tasks`` for shots
    of one sequence, else ``data/projects/{id}/tasks`` for parents of one
    project: both found in the id index); their entity kind is ``parent_kind``
    (Zou's task rows do not say it). Shots of sequences: one GET
    ``data/shots?parent_id=[...]``; comments of tasks: see :func:`_comments_of`.
    """
    ids = list(dict.fromkeys(str(i) for i in parent_ids))
    out: dict[str, Records] = {i: [] for i in ids}
    if not ids:
        return out
    entity_kind = parent_kind if (kind, parent_field) == ("task", "entity_id") else None
    records: Records
    sequences = {state.index.sequence_of(i) for i in ids} if entity_kind == "shot" else {None}
    if (
        entity_kind is not None
        and len(ids) > routes.CHUNK
        and len(sequences) == 1
        and None not in sequences
        and not state.refused("data/sequences/shot-tasks")
    ):
        (sequence_id,) = sequences
        found = _shot_tasks_of_sequence(state, str(sequence_id), set(ids))
        if found is not None:
            records = found
        else:
            records = list_records(state, kind, {parent_field: ids}, entity_kind)
    elif entity_kind is not None and len(ids) > routes.CHUNK:
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


def _shot_tasks_of_sequence(
    state: KitsuState, sequence_id: str, wanted: set[str]
) -> Records | None:
    """The tasks of shots of one sequence: ONE GET
    ``data/sequences/{id}/shot-tasks`` (with-tasks ignores a ``sequence_id``),
    kept to the shots asked; None when the route is refused (vendors)."""
    try:
        rows = state.conn.get(f"data/sequences/{sequence_id}/shot-tasks", {"relations": "true"})
    except (PermissionDenied, RouteMissing):  # vendors; an older Zou
        state.refuse("data/sequences/shot-tasks")
        return None
    return task_records(state, [p for p in rows if str(p.get("entity_id")) in wanted], "shot")


def list_with_children(
    state: KitsuState,
    kind: str,
    filters: Mapping[str, Any],
    child_kind: str,
    parent_field: str,
    validator: str | None = None,
) -> Listing | Unchanged | None:
    """Shots (or assets) with their tasks, in one request where Zou has one.

    A project's, or one episode's shots: ONE GET
    ``data/{shots,assets}/with-tasks?project_id=[&episode_id=]``
    (``compact=true``: positional rows, half the bytes; ``stream=true``: one
    row a line, turned into records while the body arrives); its records are
    partial: task names and descriptions and every ``created_at`` come on
    first read, in one request. Other filters (with-tasks ignores a
    ``sequence_id``): None, and the session reads the tasks as children.

    The answer carries Zou's ETag as its validator (Zou 1.0.69 and later send
    one for a project's board; an older Zou none: the Listing has no validator and
    the session reads it all again next time). Given ``validator``, the GET
    sends ``If-None-Match``; Zou's 304 (nothing of the project's entities,
    tasks, entity types or the caller's subscriptions changed, nor the
    caller or their role) answers UNCHANGED, with no body.

    On a server whose features are known (:meth:`KitsuState.known_features`)
    and lack them, the GET has no ``compact`` nor ``stream`` (Zou before
    1.0.53: its body is read whole) and no ``If-None-Match`` (before 1.0.69). Unknown, ``compact=true`` is asked (an
    older Zou ignores it) and a plain answer makes the tracker read the
    server's version, once (+1 GET of the API root).
    """
    if kind not in ("shot", "asset") or (child_kind, parent_field) != ("task", "entity_id"):
        return None
    wanted = {k: v for k, v in filters.items() if v is not None}
    sequence_id = wanted.pop("sequence_id", None)
    if sequence_id is not None:  # one sequence of an episode: that episode's, kept to it
        found = _episode_of_sequence(state, kind, sequence_id, wanted)
        if found is None:
            return None
        wanted = found
    project_id = wanted.get("project_id")
    episode_id = wanted.get("episode_id")
    if set(wanted) - {"episode_id"} != {"project_id"} or not isinstance(project_id, str):
        return None
    if episode_id is not None and (kind != "shot" or not isinstance(episode_id, str)):
        return None
    if not state.looks_like_id(project_id) or (episode_id and not state.looks_like_id(episode_id)):
        return Listing([], {})
    known = state.known_features()
    params = {"project_id": project_id}
    if known is None or known.compact:
        params["compact"] = "true"
    if episode_id:
        params["episode_id"] = episode_id
    if known is not None and not known.etag:
        validator = None  # a Zou before 1.0.69 knows no If-None-Match
    path = f"data/{kind}s/with-tasks"
    compact = [False]  # whether the answer came in the compact form

    def consume(
        header: Mapping[str, Any], rows: Iterable[Any]
    ) -> tuple[Records, dict[str, Records]]:
        if header.get("compact"):
            compact[0] = True
            return convert.compact_with_tasks_records(
                kind, header, rows, project_id=project_id, web=state.web, sequence_id=sequence_id
            )
        payloads = convert.with_tasks_payloads(list(rows), kind)
        if sequence_id is not None:
            payloads = [p for p in payloads if p.get("sequence_id") == sequence_id]
        return convert.with_tasks_records(kind, payloads, project_id=project_id, web=state.web)

    if known is None or known.stream:  # an older Zou answers the whole body at once
        both, etag = state.conn.get_streamed(path, params, validator, consume)
    else:
        answer, etag = state.conn.get_validated(path, params, validator)
        both = answer if isinstance(answer, Unchanged) else consume(*_header_and_rows(answer))
    if isinstance(both, Unchanged):
        return both
    if known is None and not compact[0]:
        # a plain answer to compact=true: a Zou before 1.0.53, read its version
        # once (the next walks ask the plain form; one too old is refused)
        state.features()
    records, children = both
    _remember(state, kind, project_id, records, children)
    return Listing(records, children, etag)


def _episode_of_sequence(
    state: KitsuState, kind: str, sequence_id: Any, wanted: dict[str, Any]
) -> dict[str, Any] | None:
    """The with-tasks filters that read the episode of ``sequence_id`` (with-tasks
    ignores a ``sequence_id``; its episode's shots are one request, kept to the
    sequence): None when the sequence has no episode the id index knows (a
    feature film's, or one not read yet: its shots are read, then their tasks)."""
    if kind != "shot" or not isinstance(sequence_id, str) or set(wanted) - {"project_id"}:
        return None
    known = state.index.known(sequence_id)
    episode_id = state.index.episode_of(sequence_id)
    if known is None or known[0] != "sequence" or not known[1] or not episode_id:
        return None
    if wanted.get("project_id", known[1]) != known[1]:
        return None
    return {"project_id": known[1], "episode_id": episode_id}


def _header_and_rows(answer: Any) -> tuple[Mapping[str, Any], Iterable[Any]]:
    """A with-tasks answer as (header, rows): compact, or the plain list."""
    if isinstance(answer, Mapping):
        return answer, answer.get("rows") or ()
    return {}, answer or ()


def _remember(
    state: KitsuState,
    kind: str,
    project_id: str | None,
    records: Records,
    children: Mapping[str, Records],
) -> None:
    """Put a walk's parents and tasks in the id index (their comments are read
    by project)."""
    state.index.remember_all((record["id"] for record in records), kind, project_id)
    if kind == "shot":
        for record in records:
            state.index.remember_sequence(record["id"], record.get("sequence_id"))
    state.index.remember_all(
        (task["id"] for tasks in children.values() for task in tasks), "task", project_id
    )


def children_per_request(kind: str, parent_field: str) -> int | None:
    """Tasks of one project's shots or assets, and comments of one project's
    tasks, come in one request whatever their number; other children by id
    lists of at most CHUNK (60) parents per request."""
    if (kind, parent_field) in (("task", "entity_id"), ("comment", "task_id")):
        return None
    return routes.CHUNK
