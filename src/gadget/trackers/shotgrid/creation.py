"""Creating records on ShotGrid: one entity, many in one batch, and the two
kinds that are list values (an asset type, a task status).

Before anything is sent, the links of the new records are checked (one find
per linked entity type: ShotGrid would store a link to a retired entity),
and the values through the tracker's checks (``_payload``). Several rows go
in one ``batch``, one transaction on a real server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gadget.errors import NotFound, PartialWrite, ValidationError
from gadget.trackers.base import Record, Records, Tracker
from gadget.trackers.shotgrid import convert
from gadget.trackers.shotgrid.queries import as_list
from gadget.trackers.shotgrid.schema import normalize

if TYPE_CHECKING:
    from gadget.trackers.shotgrid.tracker import ShotGridTracker


def create(tracker: ShotGridTracker, kind: str, fields: Mapping[str, Any]) -> Record:
    if kind == "asset_type":
        return create_list_value(tracker, convert.ASSET_TYPE_FIELD, str(fields["name"]), kind)
    if kind == "task_status":
        return create_status(tracker, fields)
    departments = None
    if kind == "person":
        fields, departments = tracker.person_fields(fields)
    check_links(tracker, kind, [fields])
    data = tracker.write_payload(kind, fields, entity_kind=fields.get("entity_kind"))
    if kind == "project" and "archived" not in data:
        data["archived"] = False
    if kind == "person":
        first, last = fields.get("first_name") or "", fields.get("last_name") or ""
        data["name"] = f"{first} {last}".strip() or str(fields.get("email") or "")
        data.setdefault("login", fields.get("email"))
    if kind == "task" and fields.get("project_id") is None and "entity" in data:
        data["project"] = project_of(tracker, data["entity"])
    _default_status(tracker, kind, data)
    entity_type = convert.ENTITY_TYPES[kind]
    made = tracker.connection.call("create", entity_type, data)
    if departments:
        add_departments(tracker, str(made["id"]), departments)
    return tracker.get(kind, str(made["id"]))


def add_departments(tracker: ShotGridTracker, person_id: str, departments: list[str]) -> None:
    """A new person's departments, all in one batch; when it fails, the person
    is deleted again (nothing is left) and the failure raised, or, when that
    fails too, a PartialWrite names the person left without its departments."""
    try:
        tracker.connection.call("batch", tracker.department_requests(person_id, departments))
    except Exception as failure:
        try:
            tracker.connection.call("delete", "HumanUser", int(person_id))
        except Exception:
            raise PartialWrite(
                f"person {person_id} was created but its departments were not written "
                f"({failure}), and it could not be deleted again",
                "person",
                [person_id],
            ) from failure
        raise


def check_links(tracker: ShotGridTracker, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Refuse rows linking entities that do not exist (or were deleted):
    ShotGrid would store the link; one find per linked entity type."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        for field, target in convert.LINKS.get(kind, {}).items():
            if target is None:
                target = convert.ENTITY_TYPES.get(str(row.get("entity_kind") or "shot"))
            value = row.get(field)
            if value is None or target is None or field == "preview_id":
                continue
            for ident in as_list(value):
                wanted.setdefault(target, set()).add(convert.sgid(ident, field))
    for entity_type, ids in wanted.items():
        found = tracker.connection.find(entity_type, [["id", "in", sorted(ids)]], ["id"])
        gone = sorted(ids - {f["id"] for f in found})
        if gone:
            raise NotFound(entity_type.lower(), {"id": ", ".join(map(str, gone))})


def create_many(tracker: ShotGridTracker, kind: str, rows: Sequence[Mapping[str, Any]]) -> Records:
    """Every row or none: links checked first, then one ``batch`` (one
    transaction on a real server)."""
    if kind in ("asset_type", "task_status", "person") or not rows:
        return Tracker.create_many(tracker, kind, rows)
    check_links(tracker, kind, rows)
    requests = []
    for row in rows:
        data = tracker.write_payload(kind, row, entity_kind=row.get("entity_kind"))
        if kind == "project":
            data.setdefault("archived", False)
        _default_status(tracker, kind, data)
        requests.append(
            {"request_type": "create", "entity_type": convert.ENTITY_TYPES[kind], "data": data}
        )
    made = tracker.connection.call("batch", requests)
    ids = [str(m["id"]) for m in made]
    by_id = {r["id"]: r for r in tracker.list(kind, {"id": ids})}
    return [by_id[i] for i in ids]


def project_of(tracker: ShotGridTracker, entity: Mapping[str, Any]) -> Any:
    found = tracker.connection.find(entity["type"], [["id", "is", entity["id"]]], ["project"])
    return found[0]["project"] if found else None


def create_list_value(
    tracker: ShotGridTracker, where: tuple[str, str], value: str, kind: str
) -> Record:
    """Add a value to a list field of the site's schema (an asset type, a
    status code): ``schema_field_update`` with the valid values and it.

    The field's valid values are read afresh (``schema_field_read``) right
    before the update, not taken from the schema read at connection: a
    value another session added since is kept, not written over."""
    values = current_valid_values(tracker, where)
    if value in values:
        raise ValidationError(f"the {kind.replace('_', ' ')} {value!r} exists")
    tracker.connection.call(
        "schema_field_update", where[0], where[1], {"valid_values": [*values, value]}
    )
    tracker.schema.set_valid_values(*where, [*values, value])
    return tracker.get(kind, value)


def current_valid_values(tracker: ShotGridTracker, where: tuple[str, str]) -> list[str]:
    """A list field's valid values as the site holds them now (one
    ``schema_field_read``); the tracker's schema learns them too."""
    entity_type, field = where
    answer = tracker.connection.call("schema_field_read", entity_type, field)
    values: list[str] = normalize({entity_type: answer})[entity_type][field]["valid_values"]
    tracker.schema.set_valid_values(entity_type, field, values)
    return values


def create_status(tracker: ShotGridTracker, fields: Mapping[str, Any]) -> Record:
    code = str(fields.get("short_name") or "")
    if not code:
        raise ValidationError("a ShotGrid status needs a short_name (its code)")
    flags = {f for f in convert.STATUS_FLAG_FIELDS if fields.get(f)}
    have = set(tracker.roles.get(code, ()))
    if flags - have:
        # a ShotGrid status has no role field: a role gadget kept here only
        # would be lost at the next connection
        raise ValidationError(
            f"a ShotGrid status carries no role: {', '.join(sorted(flags - have))} of "
            f"{code!r} comes from the code table or the option status_roles "
            "(docs/shotgrid.md)"
        )
    if code in current_valid_values(tracker, convert.TASK_STATUS_FIELD):
        raise ValidationError(f"the task status {code!r} exists")
    existing = tracker.connection.find("Status", [["code", "is", code]], ["code"])
    if not existing:
        data: dict[str, Any] = {"code": code, "name": fields.get("name") or code}
        if fields.get("color"):
            data["bg_color"] = convert.color_out(fields["color"])
        tracker.connection.call("create", "Status", data)
    return create_list_value(tracker, convert.TASK_STATUS_FIELD, code, "task_status")


def _default_status(tracker: ShotGridTracker, kind: str, data: dict[str, Any]) -> None:
    """A new task given no status takes the site's default one."""
    default = tracker.default_status_code
    if kind == "task" and "sg_status_list" not in data and default:
        data["sg_status_list"] = default
