"""Writes: creating records (one creator per kind, several at once all or
nothing), updating and deleting them.

Zou's create routes differ per kind (a shot is POSTed under its project, an
asset under its project and asset type ...): :data:`CREATORS` maps each
kind to the function that knows its route and body. Writing a task status
makes the tracker read the default one again (:class:`KitsuState`).

What each call costs (requests):

=====================================  ==============================================
``create("shot")``                     1 POST ``data/projects/{id}/shots`` (all fields)
``create("task")``                     1 POST ``data/tasks`` (+1 GET project settings
                                       once per project, +1 POST when the task type must
                                       be added to the project; without a status,
                                       the default one read once per tracker, state.py)
``create("project")``                  1 POST (tvshow: +1 DELETE of Zou's automatic
                                       episode)
``create("episode")``                  1 POST (+1 PUT for custom data)
``create`` (other kinds)               1 POST
``create_in_parallel``                 1 POST per row, 4 in flight; after a failure
                                       1 DELETE per record made
``update(kind)``                       1 PUT (+1 GET when ``custom_data`` or a shot frame
                                       field is written: read-modify-write of ``data``;
                                       +1 GET when a comment's text is: its key's marker
                                       is kept)
``delete(kind)``                       1 DELETE (a project: +1 PUT closing it first)
=====================================  ==============================================
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

from gadget.errors import NotFound, ValidationError
from gadget.trackers.base import Record, Records
from gadget.trackers.kitsu import convert, publish, queries, routes
from gadget.trackers.kitsu.records import record_from, records_from, task_records
from gadget.trackers.kitsu.state import KitsuState

__all__ = ["CREATORS", "create", "create_in_parallel", "delete", "update"]

#: The color of a department created without one (Zou requires a color).
DEFAULT_DEPARTMENT_COLOR = "#999999"


def create(state: KitsuState, kind: str, fields: Mapping[str, Any]) -> Record:
    """Create one ``kind`` record by its creator (:data:`CREATORS`); a ValidationError
    for a kind Kitsu makes otherwise (previews and attachments: by publishing)."""
    routes.route(kind)
    data = {k: v for k, v in fields.items() if v is not None or k == "custom_data"}
    creator = CREATORS.get(kind)
    if creator is None:
        raise ValidationError(
            f"Kitsu {kind.replace('_', ' ')}s are not created directly"
            + (
                "; publish them with task.comments.new(...)"
                if kind in ("preview", "attachment")
                else ""
            )
        )
    return creator(state, data)


def create_in_parallel(
    create_one: Callable[[str, Mapping[str, Any]], Record],
    undo: Callable[[str, Sequence[str], BaseException], None],
    kind: str,
    rows: Sequence[Mapping[str, Any]],
) -> Records:
    """Create several records, all or nothing; 4 requests in flight at once
    (``create_one`` each, one POST).

    On the first failure the rows not sent yet are dropped, the records
    already made are handed to ``undo`` (the tracker's ``undo_creations``:
    deleted again, or a PartialWrite naming those left) and the failure is
    raised.
    """
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gadget-kitsu")
    try:
        # each worker runs in a copy of the caller's context: a Session.deadline block holds
        futures = [
            pool.submit(contextvars.copy_context().run, create_one, kind, row) for row in rows
        ]
        _, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()  # not sent yet; those in flight finish
    finally:
        pool.shutdown(wait=True)
    done = [f for f in futures if not f.cancelled()]
    failure = next((f.exception() for f in done if f.exception() is not None), None)
    if failure is None:
        return [f.result() for f in futures]
    made = [str(f.result()["id"]) for f in done if f.exception() is None]
    undo(kind, made, failure)
    raise failure


def _project_of(state: KitsuState, data: Mapping[str, Any], via: str) -> str:
    """The new record's project: given, else its parent's (``via``) from the id index."""
    project_id = data.get("project_id")
    if project_id:
        return str(project_id)
    parent = data.get(via)
    parent_project = state.index.project_of(str(parent)) if parent else None
    if parent_project:
        return parent_project
    raise ValidationError(f"a new record needs project_id (or a known {via})")


def _create_project(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/projects``.

    Zou gives every new tvshow project an episode "E01"; it is deleted
    at once (DELETE ``data/episodes/{id}``) so that a project made
    through gadget starts empty, as on every tracker.
    """
    body = convert.to_kitsu("project", data, project_status_ids=state.project_status_ids())
    payload = dict(state.conn.post("data/projects", body))
    first_episode = payload.pop("first_episode_id", None)
    if first_episode:
        state.conn.delete(f"data/episodes/{first_episode}", {"force": "true"})
    return record_from(state, "project", payload)


def _create_episode(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/projects/{id}/episodes`` (+ PUT ``data/entities/{id}`` for custom data)."""
    project_id = _project_of(state, data, "project_id")
    custom = data.pop("custom_data", None)
    body = convert.to_kitsu("episode", data)
    body.pop("project_id", None)
    body.setdefault("description", "")
    payload = state.conn.post(f"data/projects/{project_id}/episodes", body)
    if custom:
        payload = state.conn.put(f"data/entities/{payload['id']}", {"data": dict(custom)})
    return record_from(state, "episode", payload)


def _create_sequence(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/projects/{id}/sequences`` with name, episode, description and data."""
    project_id = _project_of(state, data, "episode_id")
    body = convert.to_kitsu("sequence", data)
    body.pop("project_id", None)
    if "parent_id" in body:
        body["episode_id"] = body.pop("parent_id")
    return record_from(
        state, "sequence", state.conn.post(f"data/projects/{project_id}/sequences", body)
    )


def _create_shot(state: KitsuState, data: dict[str, Any]) -> Record:
    """ONE POST ``data/projects/{id}/shots``: sequence, nb_frames, description and
    ``data`` with frame_in / frame_out / fps and the custom data."""
    project_id = _project_of(state, data, "sequence_id")
    data.setdefault("custom_data", {})
    body = convert.to_kitsu("shot", data)
    body.pop("project_id", None)
    body.pop("preview_file_id", None)
    if "parent_id" in body:
        body["sequence_id"] = body.pop("parent_id")
    try:
        payload = state.conn.post(f"data/projects/{project_id}/shots", body)
    except NotFound as exc:  # the route exists: its project or sequence is gone
        where = {"project_id": project_id, "sequence_id": body.get("sequence_id")}
        raise state.not_found("project or sequence", where) from exc
    return record_from(state, "shot", payload)


def _create_asset_type(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/entity-types``."""
    body = convert.to_kitsu("asset_type", data)
    return record_from(state, "asset_type", state.conn.post("data/entity-types", body))


def _create_asset(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/projects/{id}/asset-types/{type}/assets/new`` with every field."""
    project_id = _project_of(state, data, "episode_id")
    body = convert.to_kitsu("asset", data)
    body.pop("project_id", None)
    body.pop("preview_file_id", None)
    type_id = body.pop("entity_type_id", None)
    if not type_id:
        raise ValidationError("a new asset needs an asset_type")
    body["episode_id"] = body.pop("source_id", None)
    body.setdefault("description", "")
    body.setdefault("data", {})
    body["is_shared"] = False
    payload = state.conn.post(f"data/projects/{project_id}/asset-types/{type_id}/assets/new", body)
    return record_from(state, "asset", payload)


def _create_task_type(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/task-types``."""
    data.pop("custom_data", None)
    body = convert.to_kitsu("task_type", data)
    return record_from(state, "task_type", state.conn.post("data/task-types", body))


def _create_task_status(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/task-status``."""
    data.pop("custom_data", None)
    body = convert.to_kitsu("task_status", data)
    payload = state.conn.post("data/task-status", body)
    state.forget_default_status()
    return record_from(state, "task_status", payload)


def _create_task(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/tasks`` with type, status, assignees, dates and estimation.

    The task type is added to the project's settings first when missing
    (POST ``data/projects/{id}/settings/task-types``): Kitsu's web UI
    hides tasks of a type the project does not list.
    """
    entity_kind = data.pop("entity_kind", None)
    entity_id = str(data.get("entity_id") or "")
    if not entity_id:
        raise ValidationError("a new task needs an entity (a shot or an asset)")
    project_id = _project_of(state, data, "entity_id")
    data["project_id"] = project_id
    task_type_id = str(data.get("task_type_id") or "")
    state.ensure_task_type(project_id, task_type_id)
    if not data.get("status_id"):  # the default is read only when none is given
        data["status_id"] = state.default_status_id()
    data.setdefault("name", "main")
    body = convert.to_kitsu("task", data)
    payload = state.conn.post("data/tasks", body)
    if entity_kind:
        state.index.remember(entity_id, str(entity_kind), project_id)
    return task_records(state, [payload])[0]


def _create_person(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/persons`` (role "user" unless given)."""
    data.setdefault("role", "user")
    data.pop("project_id", None)
    body = convert.to_kitsu("person", data)
    return record_from(state, "person", state.conn.post("data/persons", body))


def _create_department(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/departments``."""
    data.pop("custom_data", None)
    data.setdefault("color", DEFAULT_DEPARTMENT_COLOR)  # Zou requires one
    body = convert.to_kitsu("department", data)
    return record_from(state, "department", state.conn.post("data/departments", body))


def _create_playlist(state: KitsuState, data: dict[str, Any]) -> Record:
    """POST ``data/playlists``."""
    data.pop("custom_data", None)
    data.setdefault("for_entity", "shot")
    data.setdefault("for_client", False)
    body = convert.to_kitsu("playlist", data)
    return record_from(state, "playlist", state.conn.post("data/playlists", body))


#: The creator of each kind Kitsu makes directly.
CREATORS: dict[str, Callable[[KitsuState, dict[str, Any]], Record]] = {
    "project": _create_project,
    "episode": _create_episode,
    "sequence": _create_sequence,
    "shot": _create_shot,
    "asset_type": _create_asset_type,
    "asset": _create_asset,
    "task_type": _create_task_type,
    "task_status": _create_task_status,
    "task": _create_task,
    "comment": publish.create_comment_from_fields,
    "person": _create_person,
    "department": _create_department,
    "playlist": _create_playlist,
}


def update(state: KitsuState, kind: str, ident: str, fields: Mapping[str, Any]) -> Record:
    """PUT ``data/<route>/{id}`` (entities: ``data/entities/{id}``).

    Writing ``custom_data`` (or a shot's frame_in / frame_out / fps)
    first GETs the stored ``data`` and writes it back merged, so nothing
    in it is lost: 2 requests.
    """
    route = routes.route(kind)
    data = dict(fields)
    current: Mapping[str, Any] | None = None
    touches_data = "custom_data" in data or (
        kind == "shot" and any(f in data for f in convert.SHOT_DATA_FIELDS)
    )
    if touches_data:
        current = state.conn.get(f"{route}/{ident}").get("data") or {}
    if kind == "comment" and isinstance(data.get("text"), str):
        # the idempotency key's marker stays at the end of the new text
        stored = str(state.conn.get(f"{route}/{ident}").get("text") or "")
        data["text"] = convert.text_with_key(data["text"], convert.split_key(stored)[1])
    statuses = state.project_status_ids() if kind == "project" and "status" in data else None
    body = convert.to_kitsu(kind, data, current_data=current, project_status_ids=statuses)
    if not body:
        return queries.get_record(state, kind, ident)
    target = routes.UPDATE_ROUTES.get(kind, route)
    with state.naming_the_record(kind, ident):
        payload = dict(state.conn.put(f"{target}/{ident}", body))
    if kind == "task" and "assignees" in body:
        payload["assignees"] = body["assignees"]
    if kind == "task_status":
        state.forget_default_status()
    if kind == "shot" and "sequence_id" not in payload and payload.get("parent_id"):
        payload.setdefault("sequence_id", payload["parent_id"])
    record = records_from(state, kind, [payload])[0]
    if kind == "task" and "assignees" not in payload:
        # Zou answers a task's PUT without its assignees: say so, never drop them
        record = convert.as_partial(record, ("assignee_ids",))
    return record


def delete(state: KitsuState, kind: str, ident: str) -> None:
    """DELETE ``data/<route>/{id}`` (``?force=true`` for entities, tasks, persons).

    A project is closed first (PUT), as Zou deletes only closed projects.
    """
    route = routes.DELETE_ROUTES.get(kind, routes.route(kind))
    params = {"force": "true"} if kind in routes.FORCE_DELETE else None
    with state.naming_the_record(kind, ident):
        if kind == "project":
            closed = state.project_status_ids().get("closed")
            if closed:
                state.conn.put(f"data/projects/{ident}", {"project_status_id": closed})
        state.conn.delete(f"{route}/{ident}", params)
    state.index.forget(ident)
    if kind == "task_status":
        state.forget_default_status()
