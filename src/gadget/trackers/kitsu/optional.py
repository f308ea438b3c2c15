"""The optional capabilities besides publishing and delete: casting, time
spent, playlists, team membership and full-text search.

Each function answers one of the contract's optional methods
(``gadget.trackers.base.OPTIONAL_METHODS``) whose capability the Kitsu
tracker declares; ``search`` is there too, though not declared, because it
works only where Kitsu's indexer runs (it raises Unsupported otherwise).

What each call costs (requests):

=====================================  ==============================================
``get_casting``                        1 GET ``entities/{shot}/casting`` for one shot,
                                       else 1 GET ``sequences/all/casting`` per
                                       project (+1 GET of the shots the id index
                                       does not place in a project)
``set_casting``                        1 PUT ``entities/casting`` per project (Zou
                                       before 1.0.54: 1 GET + 1 PUT per shot)
``list_cast_in``                       1 GET ``data/assets/{id}/cast-in`` + 1 GET of
                                       those shots
``list_time_spent``                    1 GET ``actions/tasks/{id}/time-spents``
``set_time_spent``                     1 POST (4 the first time for a person not
                                       assigned to the task yet)
``add_playlist_entry``                 1 POST ``actions/playlists/{id}/add-entity``
``set_team_member``                    1 POST or 1 DELETE ``data/projects/{id}/team``
``search``                             1 POST ``data/search``
=====================================  ==============================================
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from gadget.errors import GadgetError, PermissionDenied, Unsupported, ValidationError
from gadget.trackers.base import Pairs, Record, Records
from gadget.trackers.kitsu import convert, queries, routes
from gadget.trackers.kitsu.features import RouteMissing
from gadget.trackers.kitsu.records import record_from
from gadget.trackers.kitsu.state import KitsuState

__all__ = [
    "add_playlist_entry",
    "get_casting",
    "list_cast_in",
    "list_time_spent",
    "search",
    "set_casting",
    "set_team_member",
    "set_time_spent",
]

#: The indexes ``search`` asks, and the kind of their records.
_INDEX_NAMES = {"assets": "asset", "shots": "shot", "persons": "person"}

_Ids = list[str]


# -- casting -----------------------------------------------------------------
def _projects_of(state: KitsuState, ids: Sequence[str], kind: str) -> dict[str, _Ids]:
    """Group entity ids by project (the index, else one GET of the unknown ones)."""
    by_project: dict[str, _Ids] = {}
    unknown: _Ids = []
    for ident in ids:
        project_id = state.index.project_of(ident)
        if project_id:
            by_project.setdefault(project_id, []).append(ident)
        else:
            unknown.append(ident)
    for chunk in routes.chunks(unknown):
        for payload in state.conn.get(routes.ROUTES[kind], {"id": json.dumps(chunk)}):
            record = record_from(state, kind, payload)
            by_project.setdefault(str(record["project_id"]), []).append(str(record["id"]))
    return by_project


def get_casting(state: KitsuState, shot_ids: Sequence[str]) -> dict[str, Records]:
    """GET ``data/projects/{id}/entities/{shot}/casting`` for one shot, else one GET
    ``data/projects/{id}/sequences/all/casting`` per project."""
    ids = list(dict.fromkeys(str(i) for i in shot_ids))
    out: dict[str, Records] = {i: [] for i in ids}
    for project_id, shots in _projects_of(state, ids, "shot").items():
        if len(shots) == 1:
            rows = state.conn.get(f"data/projects/{project_id}/entities/{shots[0]}/casting")
            out[shots[0]] = convert.casting_rows(rows)
            continue
        table = state.conn.get(f"data/projects/{project_id}/sequences/all/casting")
        for shot_id in shots:
            out[shot_id] = convert.casting_rows(table.get(shot_id) or [])
    return out


def set_casting(
    state: KitsuState, project_id: str, casting: Mapping[str, Sequence[Record]]
) -> None:
    """ONE PUT ``data/projects/{id}/entities/casting`` for every shot given.

    A Zou before 1.0.54 has no such route (its features say so, or it
    answers that the route is missing: remembered): one GET of the project's
    casting, then one PUT ``data/projects/{id}/entities/{shot}/casting`` per
    shot; when one fails, the shots already written get their casting back
    (all or nothing, as the one PUT) and the error is raised.
    """
    body = {str(shot): convert.casting_payload(rows) for shot, rows in casting.items()}
    if not body:
        return
    known = state.known_features()
    bulk = known is None or known.bulk_casting
    if bulk and not state.refused("data/projects/entities/casting"):
        try:
            # Zou spends ~0.2 s per shot on this PUT: give the answer time to match
            state.conn.put(
                f"data/projects/{project_id}/entities/casting", body, extra_time=0.5 * len(body)
            )
            return
        except RouteMissing:
            state.features()  # an older Zou: one too old is refused here
            state.refuse("data/projects/entities/casting")
    _set_casting_per_shot(state, project_id, body)


def _set_casting_per_shot(
    state: KitsuState, project_id: str, body: Mapping[str, list[dict[str, Any]]]
) -> None:
    """One PUT per shot, undone on failure (Zou before 1.0.54)."""
    table = state.conn.get(f"data/projects/{project_id}/sequences/all/casting")
    before = {
        shot: convert.casting_payload(convert.casting_rows(table.get(shot) or [])) for shot in body
    }
    written: list[str] = []
    try:
        for shot, rows in body.items():
            state.conn.put(f"data/projects/{project_id}/entities/{shot}/casting", rows)
            written.append(shot)
    except BaseException:
        for shot in written:
            with contextlib.suppress(GadgetError):  # the first error is the one to tell
                state.conn.put(f"data/projects/{project_id}/entities/{shot}/casting", before[shot])
        raise


def list_cast_in(state: KitsuState, asset_id: str) -> Records:
    """GET ``data/assets/{id}/cast-in``, then one GET of those shots."""
    with state.naming_the_record("asset", asset_id):
        rows = state.conn.get(f"data/assets/{asset_id}/cast-in")
    shot_ids = [str(r["shot_id"]) for r in rows if r.get("shot_id")]
    if not shot_ids:
        return []
    filters: dict[str, Any] = {"id": shot_ids}
    asset_project = state.index.project_of(asset_id)
    if asset_project:
        filters["project_id"] = asset_project
    return queries.list_records(state, "shot", filters)


# -- time spent --------------------------------------------------------------
def list_time_spent(state: KitsuState, task_id: str) -> Records:
    """GET ``actions/tasks/{id}/time-spents`` (durations in minutes)."""
    with state.naming_the_record("task", task_id):
        answer = state.conn.get(f"actions/tasks/{task_id}/time-spents")
    rows = [
        convert.time_spent_record(row)
        for key, value in answer.items()
        if key != "total" and isinstance(value, list)
        for row in value
    ]
    return sorted(rows, key=lambda r: (r["date"] or dt.date.min, r["person_id"] or ""))


def set_time_spent(
    state: KitsuState,
    task_id: str,
    person_id: str,
    date: dt.date,
    duration: dt.timedelta,
    *,
    add: bool = False,
) -> Record:
    """POST ``actions/tasks/{id}/time-spents/{date}/persons/{person}`` (``/add`` to add).

    Kitsu records time only for a person assigned to the task. When it
    refuses because the person is not assigned, the person is assigned
    (GET ``data/tasks/{id}``, PUT ``actions/persons/{id}/assign``) and
    the time posted again: 4 requests instead of 1, the first time only.
    """
    route = f"actions/tasks/{task_id}/time-spents/{date.isoformat()}/persons/{person_id}"
    if add:
        route += "/add"
    body = {"duration": convert.to_minutes(duration)}
    try:
        with state.naming_the_record("task", task_id):
            try:
                payload = state.conn.post(route, body)
            except PermissionDenied:
                task = state.conn.get(f"data/tasks/{task_id}")
                if person_id in (task.get("assignees") or []):
                    raise
                state.conn.put(f"actions/persons/{person_id}/assign", {"task_ids": [task_id]})
                payload = state.conn.post(route, body)
    except PermissionDenied as exc:
        raise PermissionDenied(
            f"{exc}. Kitsu records time spent only for a person assigned to the task, "
            "logged by that person, a manager of the project or an admin"
        ) from exc
    return convert.time_spent_record(payload)


# -- playlists, team, search ------------------------------------------------
def add_playlist_entry(
    state: KitsuState, playlist_id: str, entity_id: str, preview_id: str | None
) -> Record:
    """POST ``actions/playlists/{id}/add-entity`` (answers the playlist)."""
    body: dict[str, Any] = {"entity_id": entity_id}
    if preview_id:
        body["preview_file_id"] = preview_id
    with state.naming_the_record("playlist", playlist_id):
        payload = state.conn.post(f"actions/playlists/{playlist_id}/add-entity", body)
    return record_from(state, "playlist", payload)


def set_team_member(state: KitsuState, project_id: str, person_id: str, member: bool) -> None:
    """POST ``data/projects/{id}/team`` or DELETE ``data/projects/{id}/team/{person}``."""
    if member:
        state.conn.post(f"data/projects/{project_id}/team", {"person_id": person_id})
    else:
        state.conn.delete(f"data/projects/{project_id}/team/{person_id}")


def search(state: KitsuState, text: str, project_id: str | None = None) -> Pairs:
    """POST ``data/search``: needs Kitsu's full-text indexer (Meilisearch).

    Raises Unsupported, naming the indexer, when the server has none
    running (Zou answers 500); this is why ``search`` is not declared
    in the tracker's ``capabilities``.
    """
    body: dict[str, Any] = {"query": text, "index_names": list(_INDEX_NAMES), "limit": 20}
    if project_id:
        body["project_id"] = project_id
    try:
        answer = state.conn.post("data/search", body, reads=True)
    except GadgetError as exc:  # TrackerUnavailable included: Zou answers 500
        if isinstance(exc, (PermissionDenied, ValidationError)):
            raise
        raise Unsupported(
            f"full-text search on Kitsu at {state.host} needs the Meilisearch indexer "
            "(Zou's INDEXER_HOST / INDEXER_PORT) running beside the server, and POST "
            "/data/search failed: the indexer is missing or down. Filter collections "
            "by name instead (project.shots.filter(name=...))"
        ) from exc
    pairs: Pairs = []
    for index, kind in _INDEX_NAMES.items():
        for payload in answer.get(index) or []:
            pairs.append((kind, record_from(state, kind, payload)))
    return pairs
