"""Reading: stored rows into normalized records, and ``list()`` filters into SQL.

Functions of an open ``sqlite3.Connection`` (the caller holds the lock and
the transaction). Each SELECT reads one table; embedded lists (a comment's
previews and attachments, a playlist's entries) take one more query per list
for all the records at once, never one per record.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from gadget.errors import NotFound, ValidationError
from gadget.kinds import KINDS, KindSpec
from gadget.trackers.base import Record
from gadget.trackers.local.schema import FIELD_TYPES
from gadget.trackers.local.values import from_db, load_json, normalize, parse_timestamp, to_db

__all__ = [
    "MAX_VARIABLES",
    "Condition",
    "accepted_filters",
    "chunks",
    "embed",
    "filter_condition",
    "get",
    "ids_where",
    "marks",
    "order_by",
    "q",
    "record_of",
    "select",
    "select_where",
    "spec",
    "unique",
]

#: Most ``?`` placeholders one statement may carry (SQLite's limit, with a margin).
MAX_VARIABLES = 32000 if sqlite3.sqlite_version_info >= (3, 32, 0) else 900


def q(name: str) -> str:
    """A quoted SQL identifier (table and column names come from the schema)."""
    return '"' + name + '"'


def marks(values: Sequence[Any]) -> str:
    """``?, ?, ?``: one placeholder per value."""
    return ", ".join("?" * len(values))


def chunks(values: Sequence[str], size: int | None = None) -> Iterator[list[str]]:
    """``values`` in slices small enough for one statement (``MAX_VARIABLES`` by default)."""
    step = max(MAX_VARIABLES if size is None else size, 1)
    for start in range(0, len(values), step):
        yield list(values[start : start + step])


def unique(values: Iterable[str]) -> list[str]:
    """The values without repeats, in their first order."""
    return list(dict.fromkeys(values))


def spec(kind: str) -> KindSpec:
    """The spec of a kind; ValidationError naming the known kinds otherwise."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValidationError(f"unknown kind {kind!r}; kinds: {', '.join(sorted(KINDS))}") from None


def accepted_filters(kind: str) -> set[str]:
    """The fields ``list()`` accepts for a kind: ``id``, its key and its spec's filters."""
    kind_spec = KINDS[kind]
    extra = {"task_type_name"} if kind == "task" else set()
    return {"id", kind_spec.key, *kind_spec.filters, *extra}


def order_by(kind: str, table: str | None = None) -> str:
    """Creation order; comments newest first (ties broken by insertion sequence)."""
    prefix = f"{q(table)}." if table else ""
    if kind == "comment":
        return f"{prefix}created_at DESC, {prefix}seq DESC"
    return f"{prefix}seq"


def record_of(kind: str, row: sqlite3.Row) -> Record:
    """The normalized record of a stored row; ``raw`` is the row as a plain dict.

    Embedded lists start empty (:func:`embed` fills them).
    """
    raw = dict(row)
    raw.pop("gadget_parent", None)
    record: Record = {
        "id": raw["id"],
        "created_at": parse_timestamp(raw["created_at"]),
        "updated_at": parse_timestamp(raw["updated_at"]),
        "custom_data": load_json(raw["custom_data"], {}),
        "url": None,
        "raw": raw,
    }
    types = FIELD_TYPES[kind]
    for field in KINDS[kind].fields:
        record[field] = from_db(types[field], raw[field]) if field in types else []
    return record


def embed(conn: sqlite3.Connection, kind: str, records: Sequence[Record]) -> None:
    """Fill the embedded lists: a comment's previews and attachments, a playlist's entries."""
    if not records or kind not in ("comment", "playlist"):
        return
    by_id = {r["id"]: r for r in records}
    for chunk in chunks(list(by_id)):
        if kind == "comment":
            for child, field in (("preview", "previews"), ("attachment", "attachments")):
                rows = conn.execute(
                    f"SELECT * FROM {child} WHERE comment_id IN ({marks(chunk)}) ORDER BY seq",
                    chunk,
                ).fetchall()
                for row in rows:
                    by_id[row["comment_id"]][field].append(record_of(child, row))
        else:
            rows = conn.execute(
                "SELECT playlist_id, entity_id, preview_id FROM playlist_entry "
                f"WHERE playlist_id IN ({marks(chunk)}) ORDER BY seq",
                chunk,
            ).fetchall()
            for row in rows:
                by_id[row["playlist_id"]]["entries"].append(
                    {"entity_id": row["entity_id"], "preview_id": row["preview_id"]}
                )


def select(
    conn: sqlite3.Connection, kind: str, where: str = "1", params: Sequence[Any] = ()
) -> list[Record]:
    """Records of ``kind`` matching a WHERE clause, in :func:`order_by` order."""
    rows = conn.execute(
        f"SELECT * FROM {q(kind)} WHERE {where} ORDER BY {order_by(kind)}", params
    ).fetchall()
    records = [record_of(kind, row) for row in rows]
    embed(conn, kind, records)
    return records


def get(conn: sqlite3.Connection, kind: str, id: str) -> Record:
    """One record by id; ``NotFound(kind, {"id": id})`` when absent."""
    records = select(conn, kind, "id = ?", [id])
    if not records:
        raise NotFound(kind, {"id": id})
    return records[0]


def ids_where(conn: sqlite3.Connection, kind: str, field: str, values: Sequence[str]) -> set[str]:
    """Ids of the ``kind`` records whose ``field`` is one of ``values``."""
    found: set[str] = set()
    for chunk in chunks(values):
        rows = conn.execute(
            f"SELECT id FROM {q(kind)} WHERE {q(field)} IN ({marks(chunk)})", chunk
        ).fetchall()
        found.update(str(row["id"]) for row in rows)
    return found


@attrs.frozen
class Condition:
    """One ``list()`` filter as SQL: ``template`` gets ``{}`` replaced by placeholders.

    An "any of" condition (``many``) may be run in chunks when its values do
    not fit in one statement.
    """

    template: str
    params: tuple[Any, ...] = ()
    many: bool = False

    def sql(self, params: Sequence[Any] | None = None) -> str:
        """The SQL text for ``params`` (default: all of them)."""
        return self.template.format(marks(self.params if params is None else params))


def filter_condition(kind: str, field: str, value: Any) -> Condition:
    """The :class:`Condition` of one ``list()`` filter; ValidationError for unknown fields.

    A list, tuple or set means "any of" (an empty one matches nothing); None
    means "unset"; the person filter ``project_id`` means team membership.
    """
    accepted = accepted_filters(kind)
    if field not in accepted:
        raise ValidationError(
            f"cannot filter {kind} records on {field!r}; "
            f"accepted filters: {', '.join(sorted(accepted))}"
        )
    ftype = FIELD_TYPES[kind].get(field, "text")
    many = isinstance(value, (list, tuple, set, frozenset))
    values = list(value) if many else [value]
    params = tuple(to_db(ftype, normalize(kind, field, ftype, v)) for v in values)
    if kind == "task" and field == "task_type_name":
        if not params or None in params:
            return Condition("0")
        return Condition(
            "task_type_id IN (SELECT id FROM task_type WHERE name IN ({}))", params, many=True
        )
    if kind == "shot" and field == "episode_id":
        rest = tuple(p for p in params if p is not None)
        inside = "episode_id IN ({})" if rest else "0"
        if None in params:
            inside += " OR episode_id IS NULL"
        return Condition(
            f"sequence_id IN (SELECT id FROM sequence WHERE {inside})", rest, many=bool(rest)
        )
    if kind == "task" and field == "assignee_id":
        if not params or None in params:
            return Condition("0")
        return Condition(
            "EXISTS (SELECT 1 FROM json_each(assignee_ids) WHERE value IN ({}))",
            params,
            many=True,
        )
    if kind == "person" and field == "project_id":
        if None in params:
            raise ValidationError("the person filter project_id needs a project id, not None")
        if not params:
            return Condition("0")
        return Condition(
            "id IN (SELECT person_id FROM team WHERE project_id IN ({}))", params, many=True
        )
    column = q(field)
    if not many:
        if params[0] is None:
            return Condition(f"{column} IS NULL")
        return Condition(f"{column} = ?", params)
    if not params:
        return Condition("0")
    if None in params:
        rest = tuple(p for p in params if p is not None)
        if not rest:
            return Condition(f"{column} IS NULL")
        return Condition(f"({column} IS NULL OR {column} IN ({{}}))", rest, many=True)
    return Condition(f"{column} IN ({{}})", params, many=True)


def select_where(
    conn: sqlite3.Connection, kind: str, conditions: Sequence[Condition]
) -> list[Record]:
    """Records matching every condition: one SELECT, split only past SQLite's variable limit."""
    count = sum(len(c.params) for c in conditions)
    if count <= MAX_VARIABLES:
        where = " AND ".join(c.sql() for c in conditions) or "1"
        return select(conn, kind, where, [p for c in conditions for p in c.params])
    big = max(conditions, key=lambda c: len(c.params) if c.many else -1)
    if not big.many:
        raise ValidationError(f"too many filter values for one query ({count})")
    others = [c for c in conditions if c is not big]
    room = MAX_VARIABLES - sum(len(c.params) for c in others)
    fixed_sql = [c.sql() for c in others]
    fixed_params = [p for c in others for p in c.params]
    merged: dict[str, Record] = {}
    for chunk in chunks(list(big.params), room):
        where = " AND ".join([*fixed_sql, big.sql(chunk)])
        for record in select(conn, kind, where, [*fixed_params, *chunk]):
            merged[record["id"]] = record
    records = sorted(merged.values(), key=lambda r: int(r["raw"]["seq"]))
    if kind == "comment":
        records.sort(key=lambda r: (r["raw"]["created_at"], r["raw"]["seq"]), reverse=True)
    return records
