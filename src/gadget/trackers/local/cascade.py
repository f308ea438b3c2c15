"""Deleting a record and everything that depends on it, following schema.DEPENDENTS.

:func:`plan_deletion` walks the dependency graph (a project's shots, their
tasks, the tasks' comments, the comments' previews...) and refuses when a
``restrict`` dependant would survive (a task status still in use).
:func:`execute_deletion` then sets optional refs to NULL, drops auxiliary
rows and list members, deletes the rows, and returns the stored files the
caller removes once the transaction committed.
"""

from __future__ import annotations

import sqlite3

from gadget.errors import ValidationError
from gadget.trackers.local.records import chunks, ids_where, marks, q
from gadget.trackers.local.schema import AUX_DELETE, AUX_NULL, DEPENDENTS, LIST_REFS
from gadget.trackers.local.values import dump_json, load_json
from gadget.trackers.local.writes import now

__all__ = ["execute_deletion", "plan_deletion"]


def plan_deletion(conn: sqlite3.Connection, kind: str, id: str) -> dict[str, set[str]]:
    """Every record deleted with ``kind``/``id`` as ``{kind: {ids}}``.

    Raises ValidationError when a ``restrict`` dependant would be left behind.
    """
    plan: dict[str, set[str]] = {kind: {id}}
    queue: list[tuple[str, list[str]]] = [(kind, [id])]
    while queue:
        parent, ids = queue.pop()
        for child, field, action in DEPENDENTS.get(parent, ()):
            if action != "cascade":
                continue
            found = ids_where(conn, child, field, ids) - plan.setdefault(child, set())
            if found:
                plan[child] |= found
                queue.append((child, sorted(found)))
    for parent, id_set in plan.items():
        for child, field, action in DEPENDENTS.get(parent, ()):
            if action != "restrict" or not id_set:
                continue
            users = ids_where(conn, child, field, sorted(id_set)) - plan.get(child, set())
            if users:
                raise ValidationError(
                    f"cannot delete {parent} {', '.join(sorted(id_set))}: "
                    f"{len(users)} {child} record(s) still use it ({field})"
                )
    return plan


def execute_deletion(conn: sqlite3.Connection, plan: dict[str, set[str]]) -> list[str]:
    """Apply a deletion plan; return the relative paths of the files it orphaned."""
    stamp = now()
    paths: list[str] = []
    for kind, id_set in plan.items():
        for chunk in chunks(sorted(id_set)):
            places = marks(chunk)
            if kind in ("preview", "attachment"):
                rows = conn.execute(f"SELECT path FROM {kind} WHERE id IN ({places})", chunk)
                paths.extend(str(row["path"]) for row in rows.fetchall())
            for child, field, action in DEPENDENTS.get(kind, ()):
                if action == "null":
                    conn.execute(
                        f"UPDATE {q(child)} SET {q(field)} = NULL, updated_at = ? "
                        f"WHERE {q(field)} IN ({places})",
                        [stamp, *chunk],
                    )
            for table, column in AUX_DELETE.get(kind, ()):
                conn.execute(f"DELETE FROM {table} WHERE {column} IN ({places})", chunk)
            for table, column in AUX_NULL.get(kind, ()):
                conn.execute(
                    f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({places})", chunk
                )
            conn.execute(f"DELETE FROM {q(kind)} WHERE id IN ({places})", chunk)
        for holder, lists in LIST_REFS.items():
            for field, target in lists.items():
                if target == kind and id_set:
                    _remove_from_lists(conn, holder, field, id_set, stamp)
    return paths


def _remove_from_lists(
    conn: sqlite3.Connection, kind: str, field: str, ids: set[str], stamp: str
) -> None:
    """Drop deleted ids from a list field (a task's assignees, a person's departments)."""
    changed: dict[str, list[str]] = {}
    for removed in sorted(ids):
        rows = conn.execute(
            f"SELECT id, {q(field)} FROM {q(kind)} WHERE {q(field)} LIKE ?", [f'%"{removed}"%']
        ).fetchall()
        for row in rows:
            current = changed.get(row["id"], load_json(row[field], []))
            changed[row["id"]] = [i for i in current if i not in ids]
    for row_id, kept in changed.items():
        conn.execute(
            f"UPDATE {q(kind)} SET {q(field)} = ?, updated_at = ? WHERE id = ?",
            [dump_json(kept), stamp, row_id],
        )
