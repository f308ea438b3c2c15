"""Kitsu (Zou) payloads <-> gadget records: every vendor field rename lives here.

Pure functions on plain dicts: no I/O, no gazu, no requests. The renames are
declared in tables (:data:`FIELDS`: Kitsu name -> gadget name, per kind) and
the value conversions in :data:`VALUE_TYPES`; the functions below only walk
them, plus the few shapes a table cannot say:

- ``data`` is ``custom_data`` on every kind; a shot's ``frame_in``,
  ``frame_out`` and ``fps`` live inside Zou's ``data`` but are first-class
  gadget fields, left out of ``custom_data`` on read and merged back into
  ``data`` on write (:func:`merge_data`);
- a task type's ``for_entity`` ("Shot", "Asset" ...) gives ``for_shots``;
- a project's ``project_status_id`` gives ``status`` ("open" / "closed");
- previews and attachments come as dicts (``/data/tasks/{id}/comments``),
  as id lists (``/data/comments/{id}``, ``relations=true`` lists) or under
  ``preview_files`` (the batch-comment answer): :func:`comment_record` gives
  them one shape whichever endpoint returned them;
- ``estimation`` and time-spent ``duration`` are minutes in Zou,
  ``timedelta`` in gadget; Zou's naive timestamps are UTC;
- a comment's idempotency key lives at the end of its text, as the HTML
  comment ``<!-- gadget:KEY -->`` (Zou's batch-comment request takes no
  free data; Kitsu's web page renders the text as Markdown and sanitizes
  the HTML, which drops HTML comments, so the marker is never shown):
  :func:`text_with_key` writes it, :func:`split_key` takes it off every text
  read, so a record's ``text`` is what the caller wrote and its ``key`` the key.

Every record carries ``raw``, the payload it was built from, and ``url``,
the Kitsu web page of the entity where one exists.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from gadget.errors import ValidationError
from gadget.kinds import IdUrl
from gadget.trackers.base import MISSING

__all__ = [
    "COMMON_FIELDS",
    "ENTITY_TYPE_KINDS",
    "EVENT_FIELDS",
    "FIELDS",
    "READ_ONLY",
    "SERVER_FILTERS",
    "SHOT_DATA_FIELDS",
    "VALUE_TYPES",
    "CompactRow",
    "as_partial",
    "attachment_record",
    "casting_payload",
    "casting_rows",
    "comment_body",
    "comment_record",
    "compact_with_tasks_records",
    "entity_kind_of",
    "event_record",
    "from_minutes",
    "left_out",
    "merge_data",
    "parse_date",
    "parse_datetime",
    "playlist_entries",
    "preview_record",
    "split_key",
    "text_with_key",
    "time_spent_record",
    "to_kitsu",
    "to_minutes",
    "to_record",
    "web_url",
    "with_tasks_payloads",
    "with_tasks_records",
]

Payload = Mapping[str, Any]
Record = dict[str, Any]
Records = list[Record]

#: Fields every kind shares: Kitsu name -> gadget name.
COMMON_FIELDS: dict[str, str] = {
    "id": "id",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "data": "custom_data",
}

#: Kitsu name -> gadget name, per gadget kind (besides :data:`COMMON_FIELDS`).
FIELDS: dict[str, dict[str, str]] = {
    "project": {
        "name": "name",
        "code": "code",
        "production_type": "production_type",
        "project_status_id": "status",
        "fps": "fps",
        "description": "description",
    },
    "episode": {"name": "name", "project_id": "project_id", "description": "description"},
    "sequence": {
        "name": "name",
        "project_id": "project_id",
        "parent_id": "episode_id",
        "description": "description",
    },
    "shot": {
        "name": "name",
        "project_id": "project_id",
        "parent_id": "sequence_id",
        "nb_frames": "nb_frames",
        "description": "description",
        "preview_file_id": "preview_id",
    },
    "asset_type": {"name": "name", "short_name": "short_name"},
    "asset": {
        "name": "name",
        "project_id": "project_id",
        "entity_type_id": "asset_type_id",
        "source_id": "episode_id",
        "description": "description",
        "preview_file_id": "preview_id",
    },
    "task_type": {
        "name": "name",
        "short_name": "short_name",
        "color": "color",
        "for_entity": "for_entity",
        "department_id": "department_id",
        "priority": "priority",
    },
    "task_status": {
        "name": "name",
        "short_name": "short_name",
        "color": "color",
        "is_done": "is_done",
        "is_retake": "is_retake",
        "is_wip": "is_wip",
        "is_feedback_request": "is_feedback_request",
        "is_default": "is_default",
    },
    "task": {
        "name": "name",
        "project_id": "project_id",
        "entity_id": "entity_id",
        "task_type_id": "task_type_id",
        "task_status_id": "status_id",
        "assignees": "assignee_ids",
        "retake_count": "nb_retakes",
        "start_date": "start_date",
        "due_date": "due_date",
        "estimation": "estimation",
        "priority": "priority",
        "description": "description",
    },
    "comment": {
        "text": "text",
        "object_id": "task_id",
        "task_status_id": "status_id",
        "person_id": "author_id",
        "checklist": "checklist",
        "previews": "previews",
        "attachment_files": "attachments",
    },
    "preview": {
        "original_name": "name",
        "extension": "extension",
        "revision": "revision",
        "status": "status",
        "width": "width",
        "height": "height",
        "duration": "duration",
        "task_id": "task_id",
    },
    "attachment": {
        "name": "name",
        "extension": "extension",
        "size": "size",
        "comment_id": "comment_id",
    },
    "person": {
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "email",
        "role": "role",
        "departments": "department_ids",
        "active": "active",
    },
    "department": {"name": "name", "color": "color"},
    "playlist": {
        "name": "name",
        "project_id": "project_id",
        "episode_id": "episode_id",
        "for_entity": "for_entity",
        "for_client": "for_client",
        "shots": "entries",
    },
    "time_spent": {
        "task_id": "task_id",
        "person_id": "person_id",
        "date": "date",
        "duration": "duration",
    },
}

#: Gadget fields whose values change type on the way: (kind, gadget field) -> type.
#: ``minutes``: Zou minutes <-> timedelta; ``date``: ISO date(time) <-> date;
#: ``number``: Zou's fps text ("25") <-> int/float; ``ids``: id lists;
#: ``lower``: a lower-cased word (preview status). Every ``*_id`` field maps
#: Zou's empty string to None.
VALUE_TYPES: dict[tuple[str, str], str] = {
    ("project", "fps"): "number",
    ("task", "start_date"): "date",
    ("task", "due_date"): "date",
    ("task", "estimation"): "minutes",
    ("task", "assignee_ids"): "ids",
    ("person", "department_ids"): "ids",
    ("preview", "status"): "lower",
    ("time_spent", "date"): "date",
    ("time_spent", "duration"): "minutes",
}

#: A shot's fields that Zou keeps inside ``data``.
SHOT_DATA_FIELDS = ("frame_in", "frame_out", "fps")

#: Gadget fields a write may not set, per kind (derived or kept by Kitsu).
READ_ONLY: dict[str, frozenset[str]] = {
    "task": frozenset({"nb_retakes", "entity_kind"}),
    "comment": frozenset({"previews", "attachments", "task_id", "author_id", "key"}),
    "playlist": frozenset({"entries"}),
    "preview": frozenset(
        {"extension", "revision", "width", "height", "duration", "task_id", "comment_id"}
    ),
    "attachment": frozenset({"extension", "size", "comment_id"}),
}

#: Zou entity type names that are not asset types -> gadget kind.
ENTITY_TYPE_KINDS: dict[str, str] = {
    "Shot": "shot",
    "Sequence": "sequence",
    "Episode": "episode",
    "Edit": "edit",
    "Concept": "concept",
    "Scene": "scene",
}

_TASK_TYPE_ENTITIES = {"shot": "Shot", "asset": "Asset"}

#: Zou event payload keys -> gadget names (other keys are kept as they are).
EVENT_FIELDS: dict[str, str] = {
    "id": "event_id",
    "new_task_status_id": "status_id",
    "task_status_id": "status_id",
    "previous_task_status_id": "previous_status_id",
    "preview_file_id": "preview_id",
    "object_id": "task_id",
    "entity_type_id": "asset_type_id",
}


# -- values -------------------------------------------------------------------
def parse_datetime(value: Any) -> dt.datetime | None:
    """An aware UTC datetime from Zou's timestamp (naive ISO text in UTC)."""
    if value is None or value == "":
        return None
    if type(value) is str and "Z" not in value:  # Zou's own form: naive, UTC
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    elif isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).replace("Z", "+00:00")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


def parse_date(value: Any) -> dt.date | None:
    """A date from Zou's ``2026-03-18`` or ``2026-03-18T00:00:00``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def from_minutes(value: Any) -> dt.timedelta | None:
    """Zou stores estimations and time spent in minutes (a float)."""
    if value is None or value == "":
        return None
    if value == 0:  # most tasks of a listing: one shared (immutable) zero
        return _NO_TIME
    return dt.timedelta(minutes=float(value))


_NO_TIME = dt.timedelta(0)


def to_minutes(value: dt.timedelta | None) -> float | None:
    """The minutes Zou stores for a duration (whole minutes stay integral)."""
    if value is None:
        return None
    if not isinstance(value, dt.timedelta):
        raise ValidationError(f"a duration must be a datetime.timedelta, not {value!r}")
    minutes = value.total_seconds() / 60
    return float(round(minutes, 6))


def _number(value: Any) -> int | float | None:
    """Zou's fps (text on projects, a number in shot data) as an int or a float."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _id(value: Any) -> str | None:
    """An id, with Zou's empty string (and the text "None") read as no id."""
    if value is None or value == "" or value == "None":
        return None
    if type(value) is str:
        return value
    if isinstance(value, Mapping):
        return _id(value.get("id"))
    return str(value)


def _ids(value: Any) -> list[str]:
    out: list[str] = []
    for item in value or ():
        ident = _id(item)
        if ident is not None and ident not in out:
            out.append(ident)
    return out


def _lower(value: Any) -> str | None:
    return str(value).lower() if value is not None else None


_READERS: dict[str, Callable[[Any], Any]] = {
    "date": parse_date,
    "minutes": from_minutes,
    "number": _number,
    "ids": _ids,
    "lower": _lower,
}


def _reader(kind: str, field: str) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is read (None: as it is)."""
    vtype = VALUE_TYPES.get((kind, field))
    if vtype is not None:
        return _READERS[vtype]
    return _id if field.endswith("_id") else None


@functools.cache
def _field_readers(kind: str) -> tuple[tuple[str, str, Callable[[Any], Any] | None], ...]:
    """(Kitsu name, gadget name, reader) of every field of ``kind``, walked per record."""
    return tuple((kitsu, gadget, _reader(kind, gadget)) for kitsu, gadget in FIELDS[kind].items())


def _write_value(kind: str, field: str, value: Any) -> Any:
    vtype = VALUE_TYPES.get((kind, field))
    if value is None:
        return None
    if vtype == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if vtype == "minutes":
        return to_minutes(value)
    if vtype == "number":
        return str(value)
    if vtype == "ids":
        return list(value)
    return value


# -- kinds and web pages ----------------------------------------------------------
def entity_kind_of(payload: Payload, entity_types: Mapping[str, str] | None = None) -> str | None:
    """The gadget kind of a Zou entity payload (shot, sequence, episode, asset ...).

    Uses the payload's ``type`` ("Shot", "Asset" ...) and, for the generic
    "Entity" type, ``entity_type_id`` looked up in ``entity_types`` (id ->
    entity type name, from ``/data/entity-types``).
    """
    vtype = payload.get("type")
    if vtype == "Asset":
        return "asset"
    if isinstance(vtype, str) and vtype in ENTITY_TYPE_KINDS:
        return ENTITY_TYPE_KINDS[vtype]
    type_id = _id(payload.get("entity_type_id"))
    if entity_types is not None and type_id is not None and type_id in entity_types:
        name = entity_types[type_id]
        return ENTITY_TYPE_KINDS.get(name, "asset")
    return None


def web_url(
    kind: str, payload: Payload, web: str | None, entity_kind: str | None = None
) -> str | None:
    """The Kitsu web page of an entity (the forms gazu's ``get_*_url`` build), or None."""
    if not web:
        return None
    ident = payload.get("id")
    pid = _id(payload.get("project_id"))
    base = f"{web.rstrip('/')}/productions/{pid}"
    if kind == "project":
        return f"{web.rstrip('/')}/productions/{ident}/"
    if kind == "person":
        return f"{web.rstrip('/')}/people/{ident}/"
    if pid is None:
        return None
    if kind == "episode":
        return f"{base}/episodes/{ident}/shots/"
    if kind == "sequence":
        episode = _id(payload.get("parent_id"))
        prefix = f"{base}/episodes/{episode}" if episode else base
        return f"{prefix}/sequences/{ident}/"
    if kind == "shot":
        episode = _id(payload.get("episode_id"))
        prefix = f"{base}/episodes/{episode}" if episode else base
        return f"{prefix}/shots/{ident}/"
    if kind == "asset":
        episode = _id(payload.get("source_id") or payload.get("episode_id"))
        prefix = f"{base}/episodes/{episode}" if episode else base
        return f"{prefix}/assets/{ident}/"
    if kind == "task":
        section = "assets" if entity_kind == "asset" else "shots"
        return f"{base}/{section}/tasks/{ident}/"
    if kind == "playlist":
        return f"{base}/playlists/{ident}/"
    return None


# -- reads ----------------------------------------------------------------------
def _base(
    kind: str,
    payload: Payload,
    web: str | None,
    entity_kind: str | None = None,
    *,
    owned: bool = False,
) -> Record:
    record: Record = {
        "id": _id(payload.get("id")),
        "created_at": parse_datetime(payload.get("created_at")),
        "updated_at": parse_datetime(payload.get("updated_at")),
        "custom_data": dict(payload.get("data") or {}),
        "url": web_url(kind, payload, web, entity_kind),
        "raw": payload if owned and isinstance(payload, dict) else dict(payload),
    }
    for kitsu, gadget, read in _field_readers(kind):
        if kitsu in payload:
            value = payload[kitsu]
            record[gadget] = value if read is None else read(value)
    return record


def to_record(
    kind: str,
    payload: Payload,
    *,
    web: str | None = None,
    project_statuses: Mapping[str, str] | None = None,
    entity_kind: str | None = None,
    owned: bool = False,
) -> Record:
    """The gadget record of one Zou payload of ``kind``.

    ``web`` is the Kitsu web root (for ``url``), ``project_statuses`` maps
    project status ids to names ("Open" -> "open"), ``entity_kind`` is the
    kind of a task's entity ("shot" or "asset") when known. ``owned``: the
    payload is the caller's to give away, kept as ``raw`` without a copy.
    """
    if kind == "comment":
        return comment_record(payload, web=web)
    if kind == "preview":
        return preview_record(payload)
    if kind == "attachment":
        return attachment_record(payload)
    if kind == "time_spent":
        return time_spent_record(payload)
    record = _base(kind, payload, web, entity_kind, owned=owned)
    if kind == "project":
        status_id = _id(payload.get("project_status_id"))
        name = (project_statuses or {}).get(status_id or "")
        record["status"] = name.lower() if name else None
    elif kind == "shot":
        _read_shot(record, payload)
    elif kind in ("sequence", "asset") and record.get("episode_id") is None:
        # /data/sequences/{id} and /data/assets/{id} add the episode as episode_id
        record["episode_id"] = _id(payload.get("episode_id"))
    elif kind == "task_type":
        for_entity = payload.get("for_entity")
        record["for_shots"] = str(for_entity or "").lower() == "shot"
    elif kind == "task":
        record["entity_kind"] = entity_kind
        if record.get("nb_retakes") is None and "retake_count" in payload:
            record["nb_retakes"] = 0
    elif kind == "playlist":
        record["entries"] = playlist_entries(payload.get("shots"))
    return record


# -- listings with their tasks -------------------------------------------------
#: with-tasks asset rows name two columns as the asset routes do not
_WITH_TASKS_ASSET_KEYS = {"asset_type_id": "entity_type_id", "episode_id": "source_id"}


def with_tasks_payloads(answer: Any, kind: str) -> list[dict[str, Any]]:
    """The shot (or asset) payloads of a ``/data/{shots,assets}/with-tasks`` answer,
    each with its ``tasks`` as a list of task payloads.

    With ``compact=true`` Zou answers positional rows under a header naming
    the columns (``shot_fields`` or ``asset_fields``, and ``task_fields``);
    a server without that option answers the plain list of dicts.
    """
    if not isinstance(answer, Mapping):
        return [dict(p) for p in answer or ()]
    rows = answer.get("rows") or []
    if not answer.get("compact"):
        return [dict(p) for p in rows]
    columns = list(answer.get(f"{kind}_fields") or ())
    task_columns = list(answer.get("task_fields") or ())
    out = []
    for row in rows:
        payload = dict(zip(columns, row, strict=False))
        payload["tasks"] = [
            dict(zip(task_columns, t, strict=False)) for t in payload.get("tasks") or ()
        ]
        out.append(payload)
    return out


#: columns of with-tasks parent rows whose values repeat from row to row
_REPEATED_PARENT_COLUMNS = frozenset(
    (
        "entity_type_id",
        "episode_id",
        "episode_name",
        "parent_id",
        "project_id",
        "project_name",
        "sequence_id",
        "sequence_name",
        "source_id",
        "type",
    )
)


class CompactRow(Mapping[str, Any]):
    """One positional row of a compact listing, read as the payload it stands
    for: ``columns`` (shared by every row of the answer) maps a name to its
    position, ``extra`` (shared too) adds what the listing implies for every row
    (the project). Nothing is copied: a walk keeps the rows Zou sent, once."""

    __slots__ = ("_columns", "_extra", "_row")

    def __init__(
        self, columns: Mapping[str, int], row: Sequence[Any], extra: Mapping[str, Any]
    ) -> None:
        self._columns = columns
        self._row = row
        self._extra = extra

    def __getitem__(self, key: str) -> Any:
        index = self._columns.get(key)
        if index is not None and index < len(self._row):
            return self._row[index]
        return self._extra[key]

    def __iter__(self) -> Iterator[str]:
        size = len(self._row)
        names = [name for name, index in self._columns.items() if index < size]
        names += [name for name in self._extra if name not in self._columns]
        return iter(names)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"CompactRow({dict(self)!r})"


def _parent_record(
    kind: str,
    payload: dict[str, Any],
    project_id: str,
    web: str | None,
    missing: tuple[str, ...] | None,
) -> tuple[Record, tuple[str, ...]]:
    """A with-tasks shot's (or asset's) partial record, and what such rows leave
    out (``missing``, worked out from the first row when None)."""
    if kind == "asset":
        for theirs, ours in _WITH_TASKS_ASSET_KEYS.items():
            if ours not in payload and theirs in payload:
                payload[ours] = payload[theirs]
    payload.setdefault("project_id", project_id)
    if missing is None:
        missing = left_out(kind, payload)
    return as_partial(to_record(kind, payload, web=web, owned=True), missing), missing


def compact_with_tasks_records(
    kind: str,
    header: Mapping[str, Any],
    rows: Iterable[list[Any]],
    *,
    project_id: str,
    web: str | None = None,
    sequence_id: str | None = None,
) -> tuple[Records, dict[str, Records]]:
    """:func:`with_tasks_records` straight from a compact answer's rows (only
    the shots of ``sequence_id`` when given).

    ``header`` names the columns (the answer itself, or the first line of a
    streamed one); ``rows`` may be the answer's ``rows`` or an iterator over
    a streamed body, consumed as it arrives. The same records, made without
    a payload dict per row: the columns are looked up once per answer, each
    record reads its row by position, and its ``raw`` is a
    :class:`CompactRow` over the row Zou sent. Shots (or assets) go through
    :func:`to_record` (one per parent); tasks, the many, take the short way.
    """
    columns = list(header.get(f"{kind}_fields") or ())
    task_columns = list(header.get("task_fields") or ())
    parent_index = {name: i for i, name in enumerate(columns) if name != "tasks"}
    tasks_at = columns.index("tasks") if "tasks" in columns else None
    task_index = {name: i for i, name in enumerate(task_columns)}
    extra = {"project_id": project_id}
    # (position, field, reader): an id column's reader is left out (Zou's ids
    # are strings; "" is None), a reader is called on a value that is not None
    plan = tuple(
        (task_index[k], g, None if read is _id else read, read is _id)
        for k, g, read in _field_readers("task")
        if k in task_index
    )
    task_missing = left_out("task", dict.fromkeys((*task_columns, "project_id")))
    id_at = task_index.get("id")
    data_at = task_index.get("data")
    retakes = "retake_count" in task_index
    section = "assets" if kind == "asset" else "shots"
    url = IdUrl(f"{web.rstrip('/')}/productions/{project_id}/{section}/tasks/") if web else None
    shared = [  # values that repeat from task to task: one object each
        task_index[n]
        for n in ("entity_id", "task_status_id", "task_type_id", "duration", "estimation")
        if n in task_index
    ]

    seen: dict[tuple[type, Any], Any] = {}
    empty_at = task_index.get("assignees")
    urls: dict[str, IdUrl] = {}
    parents: Records = []
    children: dict[str, Records] = {}
    missing: tuple[str, ...] | None = None
    repeated = [i for name, i in parent_index.items() if name in _REPEATED_PARENT_COLUMNS]
    for row in rows:
        for index in repeated:
            value = row[index] if index < len(row) else None
            if type(value) is str:
                row[index] = seen.setdefault((str, value), value)
        payload = {name: row[i] for name, i in parent_index.items() if i < len(row)}
        if payload.get("canceled"):
            continue
        if sequence_id is not None and payload.get("sequence_id") != sequence_id:
            continue
        tasks = None
        if tasks_at is not None and tasks_at < len(row):
            tasks, row[tasks_at] = row[tasks_at], None  # the parent's raw hides them
        record, missing = _parent_record(kind, payload, project_id, web, missing)
        if kind == "shot":  # the row itself (an asset's renames keep its dict)
            record["raw"] = CompactRow(parent_index, row, extra)
            if web and isinstance(record.get("url"), str):  # one IdUrl per episode
                episode = _id(payload.get("episode_id"))
                where = f"/episodes/{episode}" if episode else ""
                prefix = f"{web.rstrip('/')}/productions/{project_id}{where}/shots/"
                record["url"] = urls.get(prefix) or urls.setdefault(prefix, IdUrl(prefix))
        parents.append(record)
        found: Records = []
        children[record["id"]] = found
        parent_id = record["id"]
        for task in tasks or ():
            # one string object per repeated id (the rows are kept as raw)
            for index in shared:
                value = task[index]
                if value == parent_id:
                    task[index] = parent_id
                elif value is not None:  # keyed by type too: 0 and 0.0 stay apart
                    task[index] = seen.setdefault((type(value), value), value)
            if empty_at is not None and task[empty_at] == []:
                task[empty_at] = ()  # no assignee: one shared empty value
            task = tuple(task)  # a kept row: no room to grow
            ident = task[id_at] if id_at is not None else None
            data = task[data_at] if data_at is not None else None
            rec: Record = {
                "id": ident,
                "custom_data": dict(data) if data else None,
                "url": url,
                "raw": CompactRow(task_index, task, extra),
                "project_id": project_id,
                "entity_kind": kind,
            }
            for index, name, read, is_id in plan:
                value = task[index]
                if value is None or read is None:
                    rec[name] = (value or None) if is_id else value
                else:
                    rec[name] = read(value)
            if retakes and rec.get("nb_retakes") is None:
                rec["nb_retakes"] = 0
            if task_missing:
                rec[MISSING] = task_missing
            found.append(rec)
    return parents, children


def left_out(kind: str, payload: Payload) -> tuple[str, ...]:
    """The gadget fields of ``kind`` that ``payload`` does not carry."""
    missing = [g for k, g in FIELDS[kind].items() if k not in payload]
    missing += [name for name in ("created_at", "updated_at") if name not in payload]
    return tuple(missing)


def as_partial(record: Record, missing: tuple[str, ...]) -> Record:
    """``record`` without the fields ``missing`` names, listed under MISSING (none: as it is)."""
    if missing:
        for name in missing:
            record.pop(name, None)
        record[MISSING] = missing
    return record


def with_tasks_records(
    kind: str, payloads: Sequence[dict[str, Any]], *, project_id: str, web: str | None = None
) -> tuple[Records, dict[str, Records]]:
    """Shot (or asset) records of one project and the task records of each.

    These listings leave fields out (task names and descriptions, every
    ``created_at``): the records are partial and say so under ``MISSING``.
    Canceled shots and assets are left out, as every listing does.
    """
    parents: Records = []
    children: dict[str, Records] = {}
    missing: tuple[str, ...] | None = None
    task_missing: tuple[str, ...] | None = None
    for payload in payloads:
        if payload.get("canceled"):
            continue
        tasks = payload.pop("tasks", None) or ()
        record, missing = _parent_record(kind, payload, project_id, web, missing)
        parents.append(record)
        found = children[record["id"]] = []
        for task in tasks:
            task.setdefault("project_id", payload["project_id"])
            if task_missing is None:
                task_missing = left_out("task", task)
            record = to_record("task", task, web=web, entity_kind=kind, owned=True)
            found.append(as_partial(record, task_missing))
    return parents, children


def _read_shot(record: Record, payload: Payload) -> None:
    data = dict(payload.get("data") or {})
    for name in SHOT_DATA_FIELDS:
        value = data.pop(name, None)
        if value is None:
            value = payload.get(name)  # with-tasks and /data/shots/{id} copy them up
        record[name] = _number(value) if name == "fps" else _int_or_none(value)
    record["custom_data"] = data
    if record.get("sequence_id") is None and payload.get("sequence_id"):
        record["sequence_id"] = _id(payload.get("sequence_id"))


def _int_or_none(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def preview_record(
    payload: Payload | str,
    *,
    comment_id: str | None = None,
    task_id: str | None = None,
) -> Record:
    """A preview record from any of Zou's preview shapes (a dict, or a bare id).

    ``original_name`` (the uploaded file's stem) is the gadget ``name``;
    Zou's own ``name`` (a generated token) stays in ``raw``.
    """
    if isinstance(payload, str):
        payload = {"id": payload}
    record = _base("preview", payload, None)
    record.setdefault("name", "")
    if record.get("name") is None:
        record["name"] = ""
    comments = payload.get("comments")
    if comment_id is None and isinstance(comments, list) and comments:
        comment_id = _id(comments[0])
    if comment_id is None:
        comment_id = _id(payload.get("comment_id"))
    record["comment_id"] = comment_id
    if record.get("task_id") is None:
        record["task_id"] = task_id
    for name in ("revision", "width", "height"):
        if record.get(name) is not None:
            record[name] = int(record[name])
    if record.get("duration") is not None:
        record["duration"] = float(record["duration"])
    return record


def attachment_record(payload: Payload | str, *, comment_id: str | None = None) -> Record:
    """An attachment record: ``name`` is the full file name ("notes.pdf")."""
    if isinstance(payload, str):
        payload = {"id": payload}
    record = _base("attachment", payload, None)
    if record.get("comment_id") is None:
        record["comment_id"] = comment_id
    if record.get("name") is None:
        record["name"] = ""
    if record.get("extension") is None and record["name"] and "." in record["name"]:
        record["extension"] = record["name"].rsplit(".", 1)[1].lower()
    return record


def comment_record(
    payload: Payload,
    *,
    previews: Mapping[str, Payload] | None = None,
    attachments: Mapping[str, Payload] | None = None,
    web: str | None = None,
) -> Record:
    """A comment record with its previews and attachments in one shape.

    Zou gives previews as dicts (``/data/tasks/{id}/comments``), as ids
    (``/data/comments/{id}``, ``relations=true`` lists) or, in the
    batch-comment answer, as dicts under ``preview_files`` with ``previews``
    left empty. Ids are looked up in ``previews`` / ``attachments`` (id ->
    payload, fetched by the tracker); an id not found there gives a record
    holding only its id.
    """
    record = _base("comment", payload, web)
    cid = record["id"]
    task_id = _id(payload.get("object_id"))
    record["task_id"] = task_id
    if record.get("status_id") is None:
        record["status_id"] = _id(payload.get("task_status"))
    if record.get("author_id") is None:
        record["author_id"] = _id(payload.get("person"))
    record["text"], record["key"] = split_key(payload.get("text") or "")
    items = payload.get("preview_files") or payload.get("previews") or []
    record["previews"] = [
        preview_record(_resolve(p, previews), comment_id=cid, task_id=task_id) for p in items
    ]
    files = payload.get("attachment_files") or []
    record["attachments"] = [
        attachment_record(_resolve(a, attachments), comment_id=cid) for a in files
    ]
    record["checklist"] = [
        {"id": i, "text": str(item.get("text", "")), "checked": bool(item.get("checked"))}
        for i, item in enumerate(payload.get("checklist") or ())
        if isinstance(item, Mapping)
    ]
    return record


def _resolve(item: Any, table: Mapping[str, Payload] | None) -> Payload | str:
    if isinstance(item, Mapping):
        return item
    ident = str(item)
    if table is not None and ident in table:
        return table[ident]
    return ident


def time_spent_record(payload: Payload) -> Record:
    """``{person_id, task_id, date, duration}`` from a Zou time spent (minutes)."""
    record = _base("time_spent", payload, None)
    record.setdefault("duration", dt.timedelta(0))
    return record


def playlist_entries(shots: Any) -> list[dict[str, str | None]]:
    """A playlist's ``shots`` column (shots or assets alike) as gadget entries."""
    out: list[dict[str, str | None]] = []
    for item in shots or ():
        if isinstance(item, Mapping) and _id(item.get("entity_id") or item.get("id")):
            out.append(
                {
                    "entity_id": _id(item.get("entity_id") or item.get("id")),
                    "preview_id": _id(item.get("preview_file_id")),
                }
            )
    return out


def event_record(event_name: str, payload: Payload) -> Record:
    """A live event as gadget sees it: ``event`` (Kitsu's name), renamed ids, ``raw``."""
    record: Record = {"event": event_name}
    for key, value in payload.items():
        name = EVENT_FIELDS.get(key, key)
        if name not in record or record[name] is None:
            record[name] = value
    record["raw"] = dict(payload)
    return record


def casting_rows(rows: Iterable[Payload]) -> list[Record]:
    """Casting entries of a shot: ``{asset_id, nb_occurences, label}``."""
    return [
        {
            "asset_id": _id(row.get("asset_id")),
            "nb_occurences": int(row.get("nb_occurences") or 1),
            "label": str(row.get("label") or ""),
        }
        for row in rows
        if _id(row.get("asset_id"))
    ]


def casting_payload(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The body rows of PUT ``/data/projects/{id}/entities/casting`` for one shot."""
    return [
        {
            "asset_id": e["asset_id"],
            "nb_occurences": int(e.get("nb_occurences") or 1),
            "label": str(e.get("label") or ""),
        }
        for e in entries
    ]


# -- writes ---------------------------------------------------------------------
def merge_data(
    kind: str,
    current: Mapping[str, Any] | None,
    custom_data: Mapping[str, Any] | None,
    shot_fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole ``data`` dict to write: stored data, updated custom data, frame fields.

    A shot's frame fields always come from the stored data or ``shot_fields``,
    never from ``custom_data`` (where they are not custom), so writing custom
    data never drops them. A frame field set to None is removed.
    """
    data = dict(current or {})
    for key, value in (custom_data or {}).items():
        if kind == "shot" and key in SHOT_DATA_FIELDS:
            continue
        data[key] = value
    for key, value in (shot_fields or {}).items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def to_kitsu(
    kind: str,
    fields: Mapping[str, Any],
    *,
    current_data: Mapping[str, Any] | None = None,
    project_status_ids: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Zou body for writing normalized ``fields`` of ``kind``.

    ``current_data`` is the entity's stored ``data`` (read first by the
    tracker when ``custom_data`` or a shot frame field is written: a
    read-modify-write, so nothing already in ``data`` is lost).
    ``project_status_ids`` maps "open"/"closed" to project status ids.
    Raises ValidationError for a field Kitsu cannot store.
    """
    table = {g: k for k, g in FIELDS[kind].items()}
    read_only = READ_ONLY.get(kind, frozenset())
    body: dict[str, Any] = {}
    custom: dict[str, Any] | None = None
    shot_fields: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("id", "created_at", "updated_at", "url", "raw"):
            continue
        if name == "custom_data":
            custom = dict(value or {})
        elif kind == "shot" and name in SHOT_DATA_FIELDS:
            shot_fields[name] = value
        elif kind == "task_type" and name == "for_shots":
            if "for_entity" not in fields:
                body["for_entity"] = "Shot" if value else "Asset"
        elif kind == "project" and name == "status":
            body["project_status_id"] = _status_id(value, project_status_ids)
        elif name in read_only:
            raise ValidationError(f"Kitsu does not let gadget write {kind}.{name}")
        elif name in table:
            body[table[name]] = _write_value(kind, name, value)
        else:
            raise ValidationError(f"Kitsu has no {kind.replace('_', ' ')} field for {name!r}")
    if kind == "task_type" and isinstance(body.get("for_entity"), str):
        body["for_entity"] = _TASK_TYPE_ENTITIES.get(body["for_entity"].lower(), body["for_entity"])
    if custom is not None or shot_fields:
        body["data"] = merge_data(kind, current_data, custom, shot_fields)
    return body


def _status_id(value: Any, ids: Mapping[str, str] | None) -> str:
    wanted = str(value or "").lower()
    for name, ident in (ids or {}).items():
        if name.lower() == wanted:
            return ident
    known = ", ".join(sorted(n.lower() for n in (ids or {})))
    raise ValidationError(f"a Kitsu project status is one of {known}, not {value!r}")


#: Query parameters the collection routes filter on: gadget filter -> Zou column.
SERVER_FILTERS: dict[str, dict[str, str]] = {
    "project": {"id": "id", "name": "name"},
    "episode": {"id": "id", "project_id": "project_id", "name": "name"},
    "sequence": {"id": "id", "project_id": "project_id", "episode_id": "parent_id", "name": "name"},
    "shot": {"id": "id", "project_id": "project_id", "sequence_id": "parent_id", "name": "name"},
    "asset_type": {"id": "id", "name": "name"},
    "asset": {
        "id": "id",
        "project_id": "project_id",
        "asset_type_id": "entity_type_id",
        "episode_id": "source_id",
        "name": "name",
    },
    "task_type": {
        "id": "id",
        "name": "name",
        "for_entity": "for_entity",
        "department_id": "department_id",
    },
    "task_status": {"id": "id", "short_name": "short_name", "name": "name"},
    "task": {
        "id": "id",
        "project_id": "project_id",
        "entity_id": "entity_id",
        "task_type_id": "task_type_id",
        "status_id": "task_status_id",
    },
    "preview": {"id": "id", "task_id": "task_id"},
    "person": {"id": "id", "email": "email", "role": "role"},
    "department": {"id": "id", "name": "name"},
    "playlist": {"id": "id", "project_id": "project_id", "name": "name"},
}


#: The marker of a comment's idempotency key at the end of its text; the
#: blank line before it is part of it (none when the text is empty).
_KEY_MARKER = re.compile(r"(?:\n\n)?<!-- gadget:(?P<key>[A-Za-z0-9_.:-]{1,128}) -->\s*\Z")


def text_with_key(text: str, key: str | None) -> str:
    """The text Kitsu stores: ``text``, then ``<!-- gadget:KEY -->`` after a blank line."""
    if key is None:
        return text
    marker = f"<!-- gadget:{key} -->"
    return f"{text}\n\n{marker}" if text else marker


def split_key(stored: str) -> tuple[str, str | None]:
    """``(text, key)`` of a stored comment text: the marker taken off (key None without)."""
    found = _KEY_MARKER.search(stored)
    if found is None:
        return stored, None
    return stored[: found.start()], found.group("key")


def comment_body(
    text: str,
    status_id: str,
    checklist: Sequence[tuple[str, bool]],
    author_id: str | None,
    key: str | None = None,
) -> dict[str, Any]:
    """One comment of a batch-comment request, in Zou's field names; the key in
    a marker at the end of the text (:func:`text_with_key`)."""
    body: dict[str, Any] = {
        "text": text_with_key(text, key),
        "task_status_id": status_id,
        "checklist": [{"text": t, "checked": c} for t, c in checklist],
    }
    if author_id:
        body["person_id"] = author_id
    return body
