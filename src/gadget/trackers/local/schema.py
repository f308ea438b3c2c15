"""The SQLite schema of the local tracker, its migrations and its static metadata.

One table per kind of :data:`gadget.kinds.KINDS`, named after the kind, with
the common columns (``seq``, ``id``, ``created_at``, ``updated_at``,
``custom_data``) followed by the kind's own fields. ``seq`` is an
``AUTOINCREMENT`` insertion sequence: it gives creation order and breaks ties
between equal timestamps. Values that are not plain SQL values are stored as
text: dates in ISO format, durations as seconds, lists and dicts as JSON.

Four auxiliary tables hold values without ids of their own: ``casting``,
``time_spent``, ``team`` and ``playlist_entry``.

The schema version lives in ``PRAGMA user_version``. :data:`MIGRATIONS`
``[n]`` holds the statements that move a database from version ``n`` to
``n + 1``; the statements of a released version are never edited, a change
is a new migration.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AUX_DELETE",
    "AUX_NULL",
    "DEFAULT_ASSET_TYPES",
    "DEFAULT_STATUSES",
    "DEPENDENTS",
    "EXTRA_COLUMNS",
    "FIELD_TYPES",
    "LIST_REFS",
    "MIGRATIONS",
    "READ_ONLY",
    "REQUIRED",
    "SCHEMA_VERSION",
    "FieldType",
]

_COMMON = """
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    custom_data TEXT NOT NULL DEFAULT '{}'"""

_V1: tuple[str, ...] = (
    f"""CREATE TABLE project ({_COMMON},
    name TEXT NOT NULL,
    code TEXT,
    production_type TEXT,
    status TEXT,
    fps NUMERIC,
    description TEXT)""",
    f"""CREATE TABLE episode ({_COMMON},
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    description TEXT)""",
    "CREATE INDEX episode_project ON episode (project_id)",
    f"""CREATE TABLE sequence ({_COMMON},
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    episode_id TEXT,
    description TEXT)""",
    "CREATE INDEX sequence_project ON sequence (project_id)",
    "CREATE INDEX sequence_episode ON sequence (episode_id)",
    f"""CREATE TABLE shot ({_COMMON},
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    sequence_id TEXT NOT NULL,
    frame_in INTEGER,
    frame_out INTEGER,
    fps NUMERIC,
    nb_frames INTEGER,
    description TEXT,
    preview_id TEXT)""",
    "CREATE INDEX shot_project ON shot (project_id)",
    "CREATE INDEX shot_sequence ON shot (sequence_id)",
    f"""CREATE TABLE asset_type ({_COMMON},
    name TEXT NOT NULL,
    short_name TEXT)""",
    f"""CREATE TABLE asset ({_COMMON},
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    asset_type_id TEXT NOT NULL,
    episode_id TEXT,
    description TEXT,
    preview_id TEXT)""",
    "CREATE INDEX asset_project ON asset (project_id)",
    f"""CREATE TABLE task_type ({_COMMON},
    name TEXT NOT NULL,
    short_name TEXT,
    color TEXT,
    for_entity TEXT,
    for_shots INTEGER NOT NULL DEFAULT 0,
    department_id TEXT,
    priority INTEGER)""",
    f"""CREATE TABLE task_status ({_COMMON},
    name TEXT NOT NULL,
    short_name TEXT NOT NULL UNIQUE,
    color TEXT,
    is_done INTEGER NOT NULL DEFAULT 0,
    is_retake INTEGER NOT NULL DEFAULT 0,
    is_wip INTEGER NOT NULL DEFAULT 0,
    is_feedback_request INTEGER NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0)""",
    f"""CREATE TABLE task ({_COMMON},
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    task_type_id TEXT NOT NULL,
    status_id TEXT NOT NULL,
    assignee_ids TEXT NOT NULL DEFAULT '[]',
    nb_retakes INTEGER NOT NULL DEFAULT 0,
    start_date TEXT,
    due_date TEXT,
    estimation REAL,
    priority INTEGER,
    description TEXT)""",
    "CREATE INDEX task_project ON task (project_id)",
    "CREATE INDEX task_entity ON task (entity_id)",
    f"""CREATE TABLE comment ({_COMMON},
    text TEXT NOT NULL DEFAULT '',
    task_id TEXT NOT NULL,
    status_id TEXT,
    author_id TEXT,
    checklist TEXT NOT NULL DEFAULT '[]')""",
    "CREATE INDEX comment_task ON comment (task_id)",
    f"""CREATE TABLE preview ({_COMMON},
    name TEXT NOT NULL,
    extension TEXT NOT NULL,
    revision INTEGER NOT NULL,
    status TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    duration REAL,
    task_id TEXT NOT NULL,
    comment_id TEXT,
    path TEXT NOT NULL)""",
    "CREATE INDEX preview_task ON preview (task_id)",
    "CREATE INDEX preview_comment ON preview (comment_id)",
    f"""CREATE TABLE attachment ({_COMMON},
    name TEXT NOT NULL,
    extension TEXT NOT NULL,
    size INTEGER NOT NULL,
    comment_id TEXT NOT NULL,
    path TEXT NOT NULL)""",
    "CREATE INDEX attachment_comment ON attachment (comment_id)",
    f"""CREATE TABLE person ({_COMMON},
    first_name TEXT,
    last_name TEXT,
    email TEXT NOT NULL UNIQUE,
    role TEXT,
    department_ids TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1)""",
    f"""CREATE TABLE department ({_COMMON},
    name TEXT NOT NULL,
    color TEXT)""",
    f"""CREATE TABLE playlist ({_COMMON},
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    episode_id TEXT,
    for_entity TEXT,
    for_client INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX playlist_project ON playlist (project_id)",
    """CREATE TABLE playlist_entry (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    playlist_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    preview_id TEXT,
    UNIQUE (playlist_id, entity_id))""",
    "CREATE INDEX playlist_entry_entity ON playlist_entry (entity_id)",
    """CREATE TABLE casting (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    shot_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    nb_occurences INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    UNIQUE (shot_id, asset_id))""",
    "CREATE INDEX casting_asset ON casting (asset_id)",
    """CREATE TABLE time_spent (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    date TEXT NOT NULL,
    duration REAL NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_id, person_id, date))""",
    "CREATE INDEX time_spent_person ON time_spent (person_id)",
    """CREATE TABLE team (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    UNIQUE (project_id, person_id))""",
    "CREATE INDEX team_person ON team (person_id)",
)

#: Project statuses are "open" / "closed" on every tracker (version 1 wrote
#: "Open"); a project without one is open, as Kitsu has none without.
_V2: tuple[str, ...] = (
    "UPDATE project SET status = lower(status) WHERE status IS NOT NULL",
    "UPDATE project SET status = 'open' WHERE status IS NULL",
)

#: A comment keeps the idempotency key it was posted with (None for those of
#: older versions): one comment per key and task, so the same publish again
#: finds the comment instead of posting it twice.
_V3: tuple[str, ...] = (
    "ALTER TABLE comment ADD COLUMN key TEXT",
    "CREATE UNIQUE INDEX comment_key ON comment (task_id, key)",
)

#: ``MIGRATIONS[n]`` moves a database from ``user_version`` n to n + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)

FieldType = Literal[
    "text", "int", "number", "float", "bool", "date", "duration", "ids", "checklist"
]

#: How each stored field of each kind is validated, stored and read back.
#: Embedded lists (a comment's previews, a playlist's entries) are not here:
#: they are read from their own tables.
FIELD_TYPES: dict[str, dict[str, FieldType]] = {
    "project": {
        "name": "text",
        "code": "text",
        "production_type": "text",
        "status": "text",
        "fps": "number",
        "description": "text",
    },
    "episode": {"name": "text", "project_id": "text", "description": "text"},
    "sequence": {
        "name": "text",
        "project_id": "text",
        "episode_id": "text",
        "description": "text",
    },
    "shot": {
        "name": "text",
        "project_id": "text",
        "sequence_id": "text",
        "frame_in": "int",
        "frame_out": "int",
        "fps": "number",
        "nb_frames": "int",
        "description": "text",
        "preview_id": "text",
    },
    "asset_type": {"name": "text", "short_name": "text"},
    "asset": {
        "name": "text",
        "project_id": "text",
        "asset_type_id": "text",
        "episode_id": "text",
        "description": "text",
        "preview_id": "text",
    },
    "task_type": {
        "name": "text",
        "short_name": "text",
        "color": "text",
        "for_entity": "text",
        "for_shots": "bool",
        "department_id": "text",
        "priority": "int",
    },
    "task_status": {
        "name": "text",
        "short_name": "text",
        "color": "text",
        "is_done": "bool",
        "is_retake": "bool",
        "is_wip": "bool",
        "is_feedback_request": "bool",
        "is_default": "bool",
    },
    "task": {
        "name": "text",
        "project_id": "text",
        "entity_id": "text",
        "entity_kind": "text",
        "task_type_id": "text",
        "status_id": "text",
        "assignee_ids": "ids",
        "nb_retakes": "int",
        "start_date": "date",
        "due_date": "date",
        "estimation": "duration",
        "priority": "int",
        "description": "text",
    },
    "comment": {
        "text": "text",
        "task_id": "text",
        "status_id": "text",
        "author_id": "text",
        "checklist": "checklist",
        "key": "text",
    },
    "preview": {
        "name": "text",
        "extension": "text",
        "revision": "int",
        "status": "text",
        "width": "int",
        "height": "int",
        "duration": "float",
        "task_id": "text",
        "comment_id": "text",
    },
    "attachment": {"name": "text", "extension": "text", "size": "int", "comment_id": "text"},
    "person": {
        "first_name": "text",
        "last_name": "text",
        "email": "text",
        "role": "text",
        "department_ids": "ids",
        "active": "bool",
    },
    "department": {"name": "text", "color": "text"},
    "playlist": {
        "name": "text",
        "project_id": "text",
        "episode_id": "text",
        "for_entity": "text",
        "for_client": "bool",
    },
}

#: Stored columns that are not record fields (they still appear in ``raw``).
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"preview": ("path",), "attachment": ("path",)}

#: Fields a caller cannot write: embedded lists and what the tracker derives.
READ_ONLY: dict[str, frozenset[str]] = {
    "comment": frozenset({"previews", "attachments"}),
    "playlist": frozenset({"entries"}),
    "preview": frozenset(
        {"extension", "revision", "width", "height", "duration", "task_id", "comment_id"}
    ),
    "attachment": frozenset({"extension", "size", "comment_id"}),
}

#: Fields a record cannot be stored without (checked after defaults and derivations).
REQUIRED: dict[str, tuple[str, ...]] = {
    "project": ("name",),
    "episode": ("name", "project_id"),
    "sequence": ("name", "project_id"),
    "shot": ("name", "sequence_id", "project_id"),
    "asset_type": ("name",),
    "asset": ("name", "project_id", "asset_type_id"),
    "task_type": ("name",),
    "task_status": ("short_name", "name"),
    "task": ("entity_id", "task_type_id", "project_id", "status_id", "name"),
    "comment": ("task_id",),
    "preview": ("name",),
    "attachment": ("name",),
    "person": ("email",),
    "department": ("name",),
    "playlist": ("name", "project_id"),
}

#: Fields holding a list of ids: kind -> {field: kind of the ids}.
LIST_REFS: dict[str, dict[str, str]] = {
    "task": {"assignee_ids": "person"},
    "person": {"department_ids": "department"},
}

DeleteAction = Literal["cascade", "null", "restrict"]

#: What happens to the records of other kinds when a record is deleted:
#: parent kind -> [(child kind, field pointing at the parent, action)].
DEPENDENTS: dict[str, tuple[tuple[str, str, DeleteAction], ...]] = {
    "project": (
        ("episode", "project_id", "cascade"),
        ("sequence", "project_id", "cascade"),
        ("shot", "project_id", "cascade"),
        ("asset", "project_id", "cascade"),
        ("task", "project_id", "cascade"),
        ("playlist", "project_id", "cascade"),
    ),
    "episode": (
        ("sequence", "episode_id", "cascade"),
        ("playlist", "episode_id", "cascade"),
        ("asset", "episode_id", "null"),
    ),
    "sequence": (("shot", "sequence_id", "cascade"),),
    "shot": (("task", "entity_id", "cascade"),),
    "asset": (("task", "entity_id", "cascade"),),
    "asset_type": (("asset", "asset_type_id", "cascade"),),
    "task_type": (("task", "task_type_id", "cascade"),),
    "task_status": (("task", "status_id", "restrict"), ("comment", "status_id", "restrict")),
    "task": (("comment", "task_id", "cascade"), ("preview", "task_id", "cascade")),
    "comment": (("preview", "comment_id", "cascade"), ("attachment", "comment_id", "cascade")),
    "preview": (("shot", "preview_id", "null"), ("asset", "preview_id", "null")),
    "person": (("comment", "author_id", "null"),),
    "department": (("task_type", "department_id", "null"),),
}

#: Rows of auxiliary tables deleted with a record: kind -> [(table, column)].
AUX_DELETE: dict[str, tuple[tuple[str, str], ...]] = {
    "project": (("team", "project_id"),),
    "shot": (("casting", "shot_id"), ("playlist_entry", "entity_id")),
    "asset": (("casting", "asset_id"), ("playlist_entry", "entity_id")),
    "task": (("time_spent", "task_id"),),
    "person": (("team", "person_id"), ("time_spent", "person_id")),
    "playlist": (("playlist_entry", "playlist_id"),),
}

#: Columns of auxiliary tables set to NULL when a record is deleted.
AUX_NULL: dict[str, tuple[tuple[str, str], ...]] = {
    "preview": (("playlist_entry", "preview_id"),),
}

#: The task statuses a new database starts with: those of a new Kitsu server
#: (``zou init-data``), with their names, colors and flags. Kitsu's three
#: concept statuses (neutral, approved, rejected) come too; Kitsu makes
#: "neutral" the default of concept tasks, which gadget does not model, so
#: here "todo" stays the one default status of new tasks.
DEFAULT_STATUSES: tuple[dict[str, object], ...] = (
    {"short_name": "todo", "name": "Todo", "color": "#f5f5f5", "is_default": True},
    {"short_name": "wip", "name": "Work In Progress", "color": "#3273dc", "is_wip": True},
    {
        "short_name": "wfa",
        "name": "Waiting For Approval",
        "color": "#ab26ff",
        "is_feedback_request": True,
    },
    {"short_name": "retake", "name": "Retake", "color": "#ff3860", "is_retake": True},
    {"short_name": "done", "name": "Done", "color": "#22d160", "is_done": True},
    {"short_name": "ready", "name": "Ready To Start", "color": "#fbc02d"},
    {"short_name": "neutral", "name": "Neutral", "color": "#CCCCCC"},
    {"short_name": "approved", "name": "Approved", "color": "#66BB6A"},
    {"short_name": "rejected", "name": "Rejected", "color": "#E81123"},
)

#: The asset types a new database starts with: those of a new Kitsu server.
DEFAULT_ASSET_TYPES: tuple[str, ...] = ("Character", "Prop", "Environment", "FX")
