"""Zou's routes per kind, and the chunking of id lists; no I/O here.

Every module of the Kitsu tracker finds its routes here: the GET route of
each kind (one record is ``{route}/{id}``, the collection ``{route}``), where
PUT and DELETE differ, which deletions need ``?force=true`` and which
listings ``relations=true``. An ``IN`` filter (``?id=["...", ...]``) holds at
most :data:`CHUNK` ids, to keep the request line under the 4 KB gunicorn
accepts: a longer id list costs one request per chunk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gadget.errors import ValidationError

__all__ = [
    "CHUNK",
    "DELETE_ROUTES",
    "ENTITY_KINDS",
    "FORCE_DELETE",
    "OPERATIONS",
    "RELATIONS",
    "ROUTES",
    "UPDATE_ROUTES",
    "chunks",
    "operation",
    "route",
]

#: Ids per ``IN`` filter: 60 UUIDs keep a request line under gunicorn's 4 KB.
CHUNK = 60
#: Kinds that are Zou ``Entity`` rows.
ENTITY_KINDS = ("episode", "sequence", "shot", "asset")

#: GET route of one record / of the collection, per kind.
ROUTES: dict[str, str] = {
    "project": "data/projects",
    "episode": "data/episodes",
    "sequence": "data/sequences",
    "shot": "data/shots",
    "asset_type": "data/asset-types",
    "asset": "data/assets",
    "task_type": "data/task-types",
    "task_status": "data/task-status",
    "task": "data/tasks",
    "comment": "data/comments",
    "preview": "data/preview-files",
    "attachment": "data/attachment-files",
    "person": "data/persons",
    "department": "data/departments",
    "playlist": "data/playlists",
}
#: PUT route prefix, where it differs from :data:`ROUTES`.
UPDATE_ROUTES: dict[str, str] = {
    "episode": "data/entities",
    "sequence": "data/entities",
    "shot": "data/entities",
    "asset": "data/entities",
    "asset_type": "data/entity-types",
}
#: DELETE route prefix, where it differs from :data:`ROUTES`.
DELETE_ROUTES: dict[str, str] = {"asset_type": "data/entity-types"}
#: Kinds deleted with ``?force=true`` (with what depends on them).
FORCE_DELETE = frozenset(
    {"project", "episode", "sequence", "shot", "asset", "task", "person", "preview"}
)
#: Collection routes that need ``relations=true`` to list id relations.
RELATIONS = frozenset({"task", "person", "preview"})


def route(kind: str) -> str:
    """The GET route of ``kind``; a ValidationError for a kind Kitsu has no route for."""
    try:
        return ROUTES[kind]
    except KeyError:
        raise ValidationError(f"the Kitsu tracker has no kind {kind!r}") from None


def chunks(values: Sequence[str], size: int = CHUNK) -> list[list[str]]:
    """``values`` cut in lists of at most ``size``: one request each."""
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


#: What a request does, in words, for the messages of refused requests:
#: (method, route pattern, operation). The first match wins.
OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("POST", r"actions/tasks/[^/]+/batch-comment", "post a comment on a task"),
    ("POST", r"actions/tasks/[^/]+/comment", "post a comment on a task"),
    ("PUT", r"actions/preview-files/[^/]+/set-main-preview", "set the main preview"),
    ("POST", r"actions/tasks/[^/]+/time-spents/.*", "add time spent on a task"),
    ("PUT", r"actions/persons/[^/]+/assign", "assign a task"),
    ("POST", r"data/projects/[^/]+/team", "add a person to a project's team"),
    ("DELETE", r"data/projects/[^/]+/team/.*", "remove a person from a project's team"),
    ("POST", r"data/projects/[^/]+/settings/task-types", "add a task type to a project"),
    ("POST", r"data/projects/[^/]+/(shots|sequences|episodes|assets)", "create {0}"),
    ("POST", r"data/projects/[^/]+/asset-types/[^/]+/assets/new", "create assets"),
    ("POST", r"data/([a-z-]+)", "create {0}"),
    ("PUT", r"data/([a-z-]+)/[^/]+", "update {0}"),
    ("DELETE", r"data/([a-z-]+)/[^/]+", "delete {0}"),
    ("GET", r"data/([a-z-]+).*", "read {0}"),
)


def operation(method: str, path: str) -> str:
    """What ``method path`` does, in words: ``"post a comment on a task"``,
    ``"create shots"``; ``"METHOD /route"`` for a request the table lacks."""
    route_path = path.split("?", 1)[0].strip("/")
    for verb, pattern, words in OPERATIONS:
        found = re.fullmatch(pattern, route_path) if verb == method else None
        if found:
            return words.format(*(g.replace("-", " ") for g in found.groups()))
    return f"{method} /{route_path}"
