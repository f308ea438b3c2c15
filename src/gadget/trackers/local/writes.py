"""Writing: validate fields, derive what follows from them, insert and update rows.

Functions of an open ``sqlite3.Connection`` inside a write transaction (the
caller holds it), so every check sees the rows written earlier in the same
transaction and a failure rolls everything back.

Validation, in order: unknown or read-only fields and wrongly typed values;
derived fields (a task's project, entity kind and default status; a
record's project taken from its sequence or episode; a task type's
``for_entity`` / ``for_shots``); required fields; refs to missing records;
refs into another project; the natural key's uniqueness in its scope
(:class:`~gadget.errors.AlreadyExists`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gadget.errors import AlreadyExists, ValidationError
from gadget.kinds import KINDS
from gadget.trackers.local.records import get, ids_where, marks, q
from gadget.trackers.local.schema import FIELD_TYPES, LIST_REFS, READ_ONLY, REQUIRED
from gadget.trackers.local.values import (
    dump_json,
    normalize,
    normalize_custom_data,
    timestamp,
    to_db,
)

__all__ = ["Rules", "entity_of", "insert", "insert_row", "now", "update"]

#: Kinds holding a ``project_id`` (refs between them must stay in one project).
PROJECT_KINDS = frozenset(k for k, types in FIELD_TYPES.items() if "project_id" in types)
#: A project's production types: Kitsu's (those its web app offers; Zou
#: stores any short string).
PRODUCTION_TYPES = ("short", "featurefilm", "tvshow", "assets", "shots")
#: A project's status, as on Kitsu: written in any case, stored lower-case.
PROJECT_STATUSES = ("open", "closed")
ENTITY_KINDS = ("shot", "asset")
#: Uniqueness rules that differ from the kinds' defaults, as on Kitsu: several
#: tasks of one task type on an entity, told apart by their names.
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {"task": ("entity_id", "task_type_id", "name")}


@dataclass(frozen=True)
class Rules:
    """What the tracker declares that its writes check (``Tracker.unique_fields``,
    ``production_types``, ``project_statuses``): kind -> the fields no two
    records share all the values of (empty: none), and the accepted values."""

    unique: Mapping[str, tuple[str, ...]]
    production_types: tuple[str, ...]
    project_statuses: tuple[str, ...]


#: Values of fields a caller did not give on create (every other field is None).
DEFAULTS: dict[str, dict[str, Any]] = {
    "project": {"production_type": "short", "status": "open"},
    "task_type": {"priority": 1},
    "task_status": {
        "is_done": False,
        "is_retake": False,
        "is_wip": False,
        "is_feedback_request": False,
        "is_default": False,
    },
    "task": {"name": "main", "nb_retakes": 0, "assignee_ids": [], "priority": 0},
    "comment": {"text": "", "checklist": []},
    "person": {
        "first_name": "",
        "last_name": "",
        "role": "user",
        "department_ids": [],
        "active": True,
    },
    "playlist": {"for_entity": "shot", "for_client": False},
}


def now() -> str:
    """The stored form of the current UTC time."""
    return timestamp(dt.datetime.now(dt.timezone.utc))


def insert_row(conn: sqlite3.Connection, table: str, row: Mapping[str, Any]) -> None:
    """``INSERT`` one row given as ``{column: SQL value}``."""
    columns = list(row)
    conn.execute(
        f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES ({marks(columns)})",
        [row[c] for c in columns],
    )


def insert(
    conn: sqlite3.Connection,
    kind: str,
    fields: Mapping[str, Any],
    acting_id: str | None,
    rules: Rules,
) -> str:
    """Validate ``fields`` as a new ``kind`` record, insert it and return its new id.

    ``acting_id`` is the author of a comment given without one.
    """
    if kind in ("preview", "attachment"):
        raise ValidationError(f"{kind} records are made from files by create_comment, not create")
    given = check_fields(kind, fields)
    types = FIELD_TYPES[kind]
    values: dict[str, Any] = dict.fromkeys(types)
    for field, default in DEFAULTS.get(kind, {}).items():
        values[field] = list(default) if isinstance(default, list) else default
    values.update({k: v for k, v in given.items() if k != "custom_data"})
    custom = {k: v for k, v in given.get("custom_data", {}).items() if v is not None}
    validate(conn, kind, values, set(given), rules, exclude_id=None, acting_id=acting_id)
    new_id = str(uuid.uuid4())
    stamp = now()
    row = {f: to_db(types[f], values[f]) for f in types}
    row.update(id=new_id, created_at=stamp, updated_at=stamp, custom_data=dump_json(custom))
    insert_row(conn, kind, row)
    after_write(conn, kind, new_id, values)
    return new_id


def update(
    conn: sqlite3.Connection,
    kind: str,
    id: str,
    fields: Mapping[str, Any],
    acting_id: str | None,
    rules: Rules,
) -> None:
    """Validate and write ``fields`` on a record; ``custom_data`` is merged.

    A ``custom_data`` key given with None is removed. NotFound when absent.
    """
    existing = get(conn, kind, id)
    if not fields:
        return
    given = check_fields(kind, fields)
    types = FIELD_TYPES[kind]
    values = {field: existing[field] for field in types}
    values.update({k: v for k, v in given.items() if k != "custom_data"})
    custom = dict(existing["custom_data"])
    for key, value in given.get("custom_data", {}).items():
        if value is None:
            custom.pop(key, None)
        else:
            custom[key] = value
    validate(conn, kind, values, set(given), rules, exclude_id=id, acting_id=acting_id)
    assignments = ", ".join(f"{q(f)} = ?" for f in types)
    conn.execute(
        f"UPDATE {q(kind)} SET {assignments}, updated_at = ?, custom_data = ? WHERE id = ?",
        [*(to_db(types[f], values[f]) for f in types), now(), dump_json(custom), id],
    )
    after_write(conn, kind, id, values)


def check_fields(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse unknown and read-only fields; return the others' normalized values."""
    types = FIELD_TYPES[kind]
    read_only = READ_ONLY.get(kind, frozenset())
    out: dict[str, Any] = {}
    for field, value in fields.items():
        if field in read_only:
            raise ValidationError(f"{kind}.{field} is read-only")
        if field == "custom_data":
            out[field] = normalize_custom_data(kind, value)
        elif field in types:
            out[field] = normalize(kind, field, types[field], value)
        else:
            writable = sorted((set(types) | {"custom_data"}) - read_only)
            raise ValidationError(
                f"unknown field {field!r} for {kind}; accepted: {', '.join(writable)}"
            )
    return out


def validate(
    conn: sqlite3.Connection,
    kind: str,
    values: dict[str, Any],
    given: set[str],
    rules: Rules,
    *,
    exclude_id: str | None,
    acting_id: str | None,
) -> None:
    """Complete derived fields, then check refs, required fields and uniqueness."""
    derive(conn, kind, values, given, acting_id, rules)
    check_refs(conn, kind, values)
    for field in REQUIRED.get(kind, ()):
        value = values.get(field)
        if value is None or value == "":
            raise ValidationError(f"a {kind} needs {field}")
    check_unique(conn, kind, values, exclude_id, rules.unique.get(kind, ()))


def derive(
    conn: sqlite3.Connection,
    kind: str,
    values: dict[str, Any],
    given: set[str],
    acting_id: str | None,
    rules: Rules,
) -> None:
    """Fill what follows from other fields (a task's project, a comment's author...)."""
    if kind == "project":
        production = values.get("production_type")
        if production is not None and production not in rules.production_types:
            raise ValidationError(
                f"project.production_type must be one of {', '.join(rules.production_types)}, "
                f"not {production!r}"
            )
        if "status" in given:
            status = values.get("status")
            if not isinstance(status, str) or status.lower() not in rules.project_statuses:
                raise ValidationError(
                    f"project.status must be {' or '.join(rules.project_statuses)} (any case), "
                    f"not {status!r}"
                )
            values["status"] = status.lower()
    elif kind == "task_status":
        if values.get("name") is None:
            values["name"] = values.get("short_name")
    elif kind == "task_type":
        derive_for_entity(values, given)
    elif kind == "task":
        derive_task(conn, values, given)
    elif kind == "comment":
        if values.get("author_id") is None:
            values["author_id"] = acting_id
        if values.get("status_id") is None and values.get("task_id") is not None:
            row = conn.execute(
                "SELECT status_id FROM task WHERE id = ?", [values["task_id"]]
            ).fetchone()
            if row is not None:
                values["status_id"] = row["status_id"]
    if kind in PROJECT_KINDS:
        derive_project(conn, kind, values)


def derive_task(conn: sqlite3.Connection, values: dict[str, Any], given: set[str]) -> None:
    """A task's entity kind and project come from its entity; its status defaults."""
    entity_id = values.get("entity_id")
    if entity_id is not None:
        entity_kind, project_id = entity_of(conn, entity_id)
        if "entity_kind" in given and values["entity_kind"] != entity_kind:
            raise ValidationError(
                f"task.entity_kind {values['entity_kind']!r} does not match entity_id "
                f"{entity_id}, a {entity_kind}"
            )
        values["entity_kind"] = entity_kind
        moved = "entity_id" in given and "project_id" not in given
        if values.get("project_id") is None or moved:
            values["project_id"] = project_id
        elif values["project_id"] != project_id:
            raise ValidationError(
                f"task.entity_id {entity_id} belongs to project {project_id}, "
                f"not {values['project_id']}"
            )
    if values.get("status_id") is None:
        row = conn.execute(
            "SELECT id FROM task_status WHERE is_default = 1 ORDER BY seq LIMIT 1"
        ).fetchone()
        if row is None:
            raise ValidationError("no default task status exists: give the task a status_id")
        values["status_id"] = row["id"]


def entity_of(conn: sqlite3.Connection, entity_id: str) -> tuple[str, str]:
    """``(kind, project_id)`` of a shot or asset id; ValidationError when neither."""
    for kind in ENTITY_KINDS:
        row = conn.execute(f"SELECT project_id FROM {kind} WHERE id = ?", [entity_id]).fetchone()
        if row is not None:
            return kind, str(row["project_id"])
    raise ValidationError(f"entity_id: no shot or asset with id {entity_id!r}")


def derive_project(conn: sqlite3.Connection, kind: str, values: dict[str, Any]) -> None:
    """Take ``project_id`` from a ref when unset; refuse refs into another project."""
    for field, target in KINDS[kind].refs.items():
        if field == "project_id" or target not in PROJECT_KINDS or not values.get(field):
            continue
        row = conn.execute(
            f"SELECT project_id FROM {q(target)} WHERE id = ?", [values[field]]
        ).fetchone()
        if row is None:
            continue  # reported by check_refs
        if values.get("project_id") is None:
            values["project_id"] = row["project_id"]
        elif values["project_id"] != row["project_id"]:
            raise ValidationError(
                f"{kind}.{field} {values[field]} belongs to project {row['project_id']}, "
                f"not {values['project_id']}"
            )


def derive_for_entity(values: dict[str, Any], given: set[str]) -> None:
    """Keep a task type's ``for_entity`` ("Shot", "Asset", ...) and ``for_shots`` in step."""
    entity = values.get("for_entity")
    for_shots = values.get("for_shots")
    both = "for_entity" in given and "for_shots" in given
    if both and entity is not None and for_shots is not None and for_shots != _is_shot(entity):
        raise ValidationError(f"task_type.for_shots={for_shots} contradicts for_entity={entity!r}")
    if "for_shots" in given and for_shots is not None and "for_entity" not in given:
        if for_shots:
            values["for_entity"] = "Shot"
        elif entity is None or _is_shot(entity):
            values["for_entity"] = "Asset"
    if values.get("for_entity") is None:
        values["for_entity"] = "Shot" if values.get("for_shots") else "Asset"
    values["for_shots"] = _is_shot(values["for_entity"])


def _is_shot(for_entity: str) -> bool:
    return for_entity.lower() == "shot"


def check_refs(conn: sqlite3.Connection, kind: str, values: Mapping[str, Any]) -> None:
    """Every ref field names an existing record of its kind (ValidationError naming both)."""
    for field, target in KINDS[kind].refs.items():
        value = values.get(field)
        if value is None:
            continue
        if conn.execute(f"SELECT 1 FROM {q(target)} WHERE id = ?", [value]).fetchone() is None:
            raise ValidationError(f"{kind}.{field}: no {target} with id {value!r}")
    for field, target in LIST_REFS.get(kind, {}).items():
        wanted = values.get(field) or []
        if not wanted:
            continue
        found = ids_where(conn, target, "id", wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise ValidationError(
                f"{kind}.{field}: no {target} with id {', '.join(repr(m) for m in missing)}"
            )


def check_unique(
    conn: sqlite3.Connection,
    kind: str,
    values: Mapping[str, Any],
    exclude_id: str | None,
    columns: tuple[str, ...],
) -> None:
    """AlreadyExists when another record has the same values in every one of
    ``columns`` (the tracker's uniqueness rule for ``kind``: its key in its scope)."""
    kind_spec = KINDS[kind]
    if not columns or values.get(kind_spec.key) is None:
        return
    types = FIELD_TYPES[kind]
    where = " AND ".join(f"{q(c)} IS ?" for c in columns)
    params = [to_db(types[c], values.get(c)) for c in columns]
    if exclude_id is not None:
        where += " AND id != ?"
        params.append(exclude_id)
    row = conn.execute(f"SELECT id FROM {q(kind)} WHERE {where} LIMIT 1", params).fetchone()
    if row is None:
        return
    existing = get(conn, kind, str(row["id"]))
    key = ", ".join(f"{c}={values.get(c)!r}" for c in columns if c not in kind_spec.scope)
    scope = ", ".join(f"{c}={values.get(c)!r}" for c in columns if c in kind_spec.scope)
    raise AlreadyExists(
        f"a {kind} with {key or scope} already exists"
        + (f" in {scope}" if scope and key else "")
        + f" (id {existing['id']})",
        existing=existing,
    )


def after_write(conn: sqlite3.Connection, kind: str, id: str, values: Mapping[str, Any]) -> None:
    """Keep one default task status: a new default takes the flag from the others."""
    if kind == "task_status" and values.get("is_default"):
        conn.execute(
            "UPDATE task_status SET is_default = 0, updated_at = ? "
            "WHERE is_default = 1 AND id != ?",
            [now(), id],
        )
