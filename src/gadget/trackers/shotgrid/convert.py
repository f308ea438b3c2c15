"""ShotGrid <-> gadget records: every ShotGrid field name lives here.

Declared tables (which entity type holds each kind, which field holds each
normalized field) and pure functions over them; no I/O. The site's schema
(:class:`gadget.trackers.shotgrid.schema.SiteSchema`) is passed in where a
value depends on the site (valid values, its own ``sg_*`` fields).

Ids: ShotGrid ids are integers unique per entity type; a gadget id is the
integer as a string, and the kind says the type. Two kinds are not entities
on ShotGrid: an asset type is a value of the list field ``Asset.sg_asset_type``
and a task status a value of ``Task.sg_status_list``; their gadget id is the
value itself (``"Character"``, ``"ip"``), which is not all digits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from gadget.errors import ValidationError
from gadget.kinds import KINDS
from gadget.trackers.base import Record

Payload = dict[str, Any]
Link = dict[str, Any]

#: kind -> ShotGrid entity type
ENTITY_TYPES: dict[str, str] = {
    "project": "Project",
    "episode": "Episode",
    "sequence": "Sequence",
    "shot": "Shot",
    "asset": "Asset",
    "task_type": "Step",
    "task": "Task",
    "comment": "Note",
    "preview": "Version",
    "attachment": "Attachment",
    "person": "HumanUser",
    "department": "Department",
    "playlist": "Playlist",
}
#: the entity types a task's ``entity`` link may point at, and back
ENTITY_KINDS: dict[str, str] = {
    "Shot": "shot",
    "Asset": "asset",
    "Sequence": "sequence",
    "Episode": "episode",
    "Project": "project",
}
#: the list field whose values are asset types, and the status field of tasks
ASSET_TYPE_FIELD = ("Asset", "sg_asset_type")
TASK_STATUS_FIELD = ("Task", "sg_status_list")

#: kind -> ((gadget field, ShotGrid field), ...): plain renames. The ShotGrid
#: field may be absent from a site (``sg_fps``): the tracker then reads None
#: and refuses a write naming the field the site lacks.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "project": (
        ("name", "name"),
        ("code", "tank_name"),
        ("production_type", "sg_type"),
        ("status", "archived"),
        ("fps", "sg_fps"),
        ("description", "sg_description"),
    ),
    "episode": (("name", "code"), ("project_id", "project"), ("description", "description")),
    "sequence": (
        ("name", "code"),
        ("project_id", "project"),
        ("episode_id", "episode"),
        ("description", "description"),
    ),
    "shot": (
        ("name", "code"),
        ("project_id", "project"),
        ("sequence_id", "sg_sequence"),
        ("frame_in", "sg_cut_in"),
        ("frame_out", "sg_cut_out"),
        ("fps", "sg_fps"),
        ("nb_frames", "sg_cut_duration"),
        ("description", "description"),
        ("preview_id", "sg_main_version"),
    ),
    "asset": (
        ("name", "code"),
        ("project_id", "project"),
        ("asset_type_id", "sg_asset_type"),
        ("episode_id", "sg_episode"),
        ("description", "description"),
        ("preview_id", "sg_main_version"),
    ),
    "task_type": (
        ("name", "code"),
        ("short_name", "short_name"),
        ("color", "color"),
        ("for_entity", "entity_type"),
        ("priority", "list_order"),
        ("department_id", "sg_department"),
    ),
    "task": (
        ("name", "content"),
        ("project_id", "project"),
        ("entity_id", "entity"),
        ("task_type_id", "step"),
        ("status_id", "sg_status_list"),
        ("assignee_ids", "task_assignees"),
        ("start_date", "start_date"),
        ("due_date", "due_date"),
        ("estimation", "est_in_mins"),
        ("description", "sg_description"),
        ("nb_retakes", "sg_nb_retakes"),
    ),
    "comment": (
        ("text", "content"),
        ("task_id", "tasks"),
        ("status_id", "sg_task_status"),
        ("author_id", "user"),
        ("checklist", "sg_checklist"),
        ("key", "sg_gadget_key"),
    ),
    "preview": (
        ("name", "code"),
        ("task_id", "sg_task"),
        ("comment_id", "notes"),
        ("width", "sg_width"),
        ("height", "sg_height"),
    ),
    "attachment": (("name", "filename"), ("size", "file_size")),
    "person": (
        ("first_name", "firstname"),
        ("last_name", "lastname"),
        ("email", "email"),
        ("department_ids", "department"),
        ("active", "sg_status_list"),
    ),
    "department": (("name", "name"), ("color", "color")),
    "playlist": (("name", "code"), ("project_id", "project"), ("entries", "versions")),
}
#: ShotGrid fields every read asks for besides the renamed ones
EXTRA_READ: dict[str, tuple[str, ...]] = {
    "task": ("entity",),
    "person": ("login", "name"),
    "comment": ("note_links", "attachments", "created_at"),
    "preview": ("entity", "sg_uploaded_movie", "frame_count", "created_at"),
    "attachment": ("this_file", "file_extension"),
}
#: the link fields: gadget field -> the entity type linked (None: the record says)
LINKS: dict[str, dict[str, str | None]] = {
    "episode": {"project_id": "Project"},
    "sequence": {"project_id": "Project", "episode_id": "Episode"},
    "shot": {"project_id": "Project", "sequence_id": "Sequence", "preview_id": "Version"},
    "asset": {"project_id": "Project", "episode_id": "Episode", "preview_id": "Version"},
    "task_type": {"department_id": "Department"},
    "task": {
        "project_id": "Project",
        "entity_id": None,
        "task_type_id": "Step",
        "assignee_ids": "HumanUser",
    },
    "comment": {"task_id": "Task", "author_id": "HumanUser"},
    "preview": {"task_id": "Task", "comment_id": "Note"},
    "person": {"department_ids": "Department"},
    "playlist": {"project_id": "Project"},
}
#: gadget fields held by a multi-entity field (the others link one entity)
MULTI = frozenset({"assignee_ids", "task_id", "comment_id", "entries"})
#: Project.sg_type values of gadget's production types
PRODUCTION_TYPES: dict[str, str] = {
    "short": "Short Film",
    "featurefilm": "Feature Film",
    "tvshow": "TV Series",
    "commercial": "Commercial",
    "effects": "Effects",
    "gamecinematic": "Game Cinematic",
    "other": "Other",
}
#: role flags of the usual ShotGrid task status codes (a code not named has none)
STATUS_FLAGS: dict[str, tuple[str, ...]] = {
    "wtg": ("is_default",),
    "ip": ("is_wip",),
    "rev": ("is_feedback_request",),
    "rtk": ("is_retake",),
    "fin": ("is_done",),
}
STATUS_FLAG_FIELDS = ("is_default", "is_wip", "is_feedback_request", "is_retake", "is_done")


# -- values -----------------------------------------------------------------
def gid(value: Any) -> str | None:
    """A gadget id from a ShotGrid link or integer id."""
    if value is None:
        return None
    if isinstance(value, dict):
        return str(value["id"])
    return str(value)


def sgid(value: str, what: str = "id") -> int:
    """A ShotGrid integer id from a gadget id; ValidationError when not one."""
    text = str(value)
    if not text.isdigit():
        raise ValidationError(f"{what} {value!r} is not a ShotGrid id (an integer)")
    return int(text)


def link(entity_type: str, ident: str, what: str = "id") -> Link:
    return {"type": entity_type, "id": sgid(ident, what)}


def color_in(value: Any) -> str | None:
    """``"255,0,0"`` (ShotGrid) -> ``"#ff0000"``."""
    if not value or not isinstance(value, str):
        return None
    try:
        parts = [int(p) for p in value.split(",")]
    except ValueError:
        return value
    return "#" + "".join(f"{p:02x}" for p in parts) if len(parts) == 3 else value


def color_out(value: Any) -> str | None:
    """``"#ff0000"`` -> ``"255,0,0"``."""
    if value is None:
        return None
    text = str(value)
    if len(text) == 7 and text.startswith("#"):
        try:
            return ",".join(str(int(text[i : i + 2], 16)) for i in (1, 3, 5))
        except ValueError:
            pass
    raise ValidationError(f"color {value!r} is not a #rrggbb colour")


def parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def from_minutes(value: Any) -> dt.timedelta | None:
    return None if value is None else dt.timedelta(minutes=value)


def to_minutes(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, dt.timedelta):
        raise ValidationError(f"{what} must be a timedelta, not {value!r}")
    return int(value.total_seconds() // 60)


def _as_list(value: Any) -> list[Any]:
    return [*value] if isinstance(value, (list, tuple)) else [value]


def flags_of(code: str) -> dict[str, bool]:
    have = STATUS_FLAGS.get(code, ())
    return {flag: flag in have for flag in STATUS_FLAG_FIELDS}


# -- records ----------------------------------------------------------------
def read_fields(kind: str, site_fields: Mapping[str, Any]) -> list[str]:
    """The ShotGrid fields a read of ``kind`` asks for: the renamed ones the site
    has, the extra ones, and the site's own custom-data fields."""
    wanted = ["created_at", "updated_at"]
    for _, field in FIELDS.get(kind, ()):
        if field in site_fields and field not in wanted:
            wanted.append(field)
    for field in EXTRA_READ.get(kind, ()):
        if field in site_fields and field not in wanted:
            wanted.append(field)
    wanted.extend(f for f in custom_fields(kind, site_fields) if f not in wanted)
    return wanted


def custom_fields(kind: str, site_fields: Mapping[str, Any]) -> list[str]:
    """The site's own ``sg_*`` fields of ``kind``'s entity type that are not
    renamed into a normalized field: they make up ``custom_data``."""
    mapped = {field for _, field in FIELDS.get(kind, ())}
    return sorted(
        f
        for f, spec in site_fields.items()
        if f.startswith("sg_")
        and f not in mapped
        and not spec.get("read_only")
        and spec["type"] not in ("entity", "multi_entity", "image", "url", "status_list")
    )


def custom_key(field: str) -> str:
    """``sg_lens`` -> ``lens``: the custom_data key of a site field."""
    return field[3:]


def _date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def to_record(kind: str, payload: Payload, site_fields: Mapping[str, Any], url: str) -> Record:
    """A gadget record from a ShotGrid payload of ``kind``."""
    record: Record = {f: None for f in KINDS[kind].fields}
    record.update(
        id=str(payload["id"]),
        created_at=payload.get("created_at"),
        updated_at=payload.get("updated_at"),
        url=f"{url}/detail/{ENTITY_TYPES[kind]}/{payload['id']}",
        raw=dict(payload),
    )
    links = LINKS.get(kind, {})
    for name, field in FIELDS.get(kind, ()):
        value = payload.get(field)
        if name in links:
            if isinstance(value, list):
                ids = [gid(v) for v in value or () if isinstance(v, dict)]
                record[name] = (
                    ids if name.endswith("_ids") or name == "entries" else (ids[0] if ids else None)
                )
            else:
                record[name] = gid(value)
        else:
            record[name] = value
    record["custom_data"] = {
        custom_key(f): _date(payload[f])
        for f in custom_fields(kind, site_fields)
        if payload.get(f) is not None
    }
    _READERS.get(kind, _nothing)(record, payload)
    return record


def _nothing(record: Record, payload: Payload) -> None:
    return None


def _read_project(record: Record, payload: Payload) -> None:
    record["status"] = "closed" if payload.get("archived") else "open"
    by_label = {v: k for k, v in PRODUCTION_TYPES.items()}
    record["production_type"] = by_label.get(payload.get("sg_type") or "", payload.get("sg_type"))
    record["name"] = payload.get("name")


def _read_shot(record: Record, payload: Payload) -> None:
    cut_in, cut_out = payload.get("sg_cut_in"), payload.get("sg_cut_out")
    record["nb_frames"] = (
        cut_out - cut_in + 1 if cut_in is not None and cut_out is not None else None
    )


def _read_task_type(record: Record, payload: Payload) -> None:
    record["color"] = color_in(payload.get("color"))
    entity_type = payload.get("entity_type")
    record["for_entity"] = entity_type
    record["for_shots"] = entity_type == "Shot"


def _read_task(record: Record, payload: Payload) -> None:
    entity = payload.get("entity")
    record["entity_kind"] = ENTITY_KINDS.get(entity["type"]) if entity else None
    record["start_date"] = parse_date(payload.get("start_date"))
    record["due_date"] = parse_date(payload.get("due_date"))
    record["estimation"] = from_minutes(payload.get("est_in_mins"))
    record["nb_retakes"] = payload.get("sg_nb_retakes") or 0
    record["assignee_ids"] = [
        str(a["id"]) for a in payload.get("task_assignees") or () if a["type"] == "HumanUser"
    ]


#: A comment's idempotency key on a site without ``Note.sg_gadget_key``: the
#: last line of its content, after a blank line (shown on the site's page).
_KEY_LINE = re.compile(r"(?:\n\n)?\[gadget:(?P<key>[A-Za-z0-9_.:-]{1,128})\]\s*\Z")


def content_with_key(text: str, key: str | None) -> str:
    """A Note's content holding ``key`` on its last line (sites without the key field)."""
    if key is None:
        return text
    return f"{text}\n\n[gadget:{key}]" if text else f"[gadget:{key}]"


def split_key(content: str) -> tuple[str, str | None]:
    """``(text, key)`` of a Note's content: the key's line taken off (None without)."""
    found = _KEY_LINE.search(content)
    if found is None:
        return content, None
    return content[: found.start()], found.group("key")


def _read_comment(record: Record, payload: Payload) -> None:
    text, key = split_key(payload.get("content") or "")
    record["text"] = text
    if not record.get("key"):
        record["key"] = key
    record["checklist"] = list((payload.get("sg_checklist") or {}).get("items", []))
    record["previews"] = []
    record["attachments"] = []


def _read_preview(record: Record, payload: Payload) -> None:
    movie = payload.get("sg_uploaded_movie") or {}
    name = str(movie.get("name") or "") if isinstance(movie, dict) else ""
    record["extension"] = name.rsplit(".", 1)[-1].lower() if "." in name else None
    record["status"] = "ready" if movie else "processing"
    record["revision"] = None  # the rank among the task's Versions: see publishing.embed
    record["duration"] = None


def _read_attachment(record: Record, payload: Payload) -> None:
    record["extension"] = payload.get("file_extension")
    if record["extension"] is None and "." in str(record["name"] or ""):
        record["extension"] = str(record["name"]).rsplit(".", 1)[-1].lower()


def _read_person(record: Record, payload: Payload) -> None:
    record["active"] = payload.get("sg_status_list") != "dis"
    department = payload.get("department")
    record["department_ids"] = [str(department["id"])] if department else []
    record["role"] = "user"


def _read_department(record: Record, payload: Payload) -> None:
    record["color"] = color_in(payload.get("color"))


def _read_playlist(record: Record, payload: Payload) -> None:
    record["entries"] = []
    record["for_entity"] = "shot"
    record["for_client"] = False


_READERS: dict[str, Callable[[Record, Payload], None]] = {
    "project": _read_project,
    "shot": _read_shot,
    "task_type": _read_task_type,
    "task": _read_task,
    "comment": _read_comment,
    "preview": _read_preview,
    "attachment": _read_attachment,
    "person": _read_person,
    "department": _read_department,
    "playlist": _read_playlist,
}


def asset_type_record(value: str) -> Record:
    """An asset type record from a value of ``Asset.sg_asset_type``."""
    return {
        "id": value,
        "name": value,
        "short_name": value,
        "created_at": None,
        "updated_at": None,
        "custom_data": {},
        "url": None,
        "raw": {"value": value},
    }


def status_record(code: str, status: Payload | None) -> Record:
    """A task status record from a value of ``Task.sg_status_list`` and its
    ``Status`` entity (its name and colour), when the site has one."""
    return {
        "id": code,
        "short_name": code,
        "name": (status or {}).get("name") or code,
        "color": color_in((status or {}).get("bg_color")),
        **flags_of(code),
        "created_at": (status or {}).get("created_at"),
        "updated_at": (status or {}).get("updated_at"),
        "custom_data": {},
        "url": None,
        "raw": dict(status or {"code": code}),
    }


def casting_entry(payload: Payload) -> Record:
    """A casting entry from an ``AssetShotConnection`` row."""
    return {
        "asset_id": gid(payload.get("asset")),
        "nb_occurences": int(payload.get("sg_occurrences") or 1),
        "label": "",
    }


def time_spent_record(payload: Payload) -> Record:
    return {
        "person_id": gid(payload.get("user")),
        "date": parse_date(payload.get("date")),
        "duration": from_minutes(payload.get("duration") or 0),
    }


# -- writes -----------------------------------------------------------------
def to_shotgrid(
    kind: str,
    fields: Mapping[str, Any],
    site_fields: Mapping[str, Any],
    *,
    entity_kind: str | None = None,
) -> Payload:
    """The ShotGrid data of a create or update of ``kind`` from normalized
    fields; ValidationError naming a field the site lacks."""
    renames = dict(FIELDS.get(kind, ()))
    links = LINKS.get(kind, {})
    data: Payload = {}
    for name, value in fields.items():
        if name in ("custom_data", "id", "entity_kind", "nb_frames", "nb_retakes"):
            continue
        if kind == "task_type" and name == "for_shots":
            continue
        field = renames.get(name)
        if field is None:
            if value in (None, [], False, 0, ""):
                continue
            raise ValidationError(
                f"a ShotGrid {kind.replace('_', ' ')} cannot hold {name} (no such field)"
            )
        if field not in site_fields:
            if value is None:
                continue
            raise ValidationError(
                f"this ShotGrid site has no field {ENTITY_TYPES[kind]}.{field} "
                f"to hold the {kind.replace('_', ' ')}'s {name}"
            )
        data[field] = _write_value(kind, name, value, links, entity_kind)
    if kind == "task_type" and "for_shots" in fields and "for_entity" not in fields:
        data["entity_type"] = "Shot" if fields["for_shots"] else "Asset"
    cut = (data.get("sg_cut_in"), data.get("sg_cut_out"))
    if kind == "shot" and cut[0] is not None and cut[1] is not None:
        data["sg_cut_duration"] = cut[1] - cut[0] + 1
    return data


def _write_value(
    kind: str,
    name: str,
    value: Any,
    links: Mapping[str, str | None],
    entity_kind: str | None,
) -> Any:
    if name in links:
        target = links[name]
        if target is None:  # a task's entity: the record says the kind
            target = ENTITY_TYPES.get(entity_kind or "shot", "Shot")
        if kind == "person" and name == "department_ids":  # one Department per person
            values = [v for v in _as_list(value) if v is not None]
            if len(values) > 1:
                raise ValidationError("a ShotGrid person is in one department at most")
            return link(target, values[0], name) if values else None
        if name in MULTI or name.endswith("_ids") or (kind == "comment" and name == "task_id"):
            return [link(target, v, name) for v in _as_list(value) if v is not None]
        return None if value is None else link(target, value, name)
    if kind == "project" and name == "status":
        return str(value).lower() == "closed"
    if kind == "project" and name == "production_type":
        return PRODUCTION_TYPES.get(str(value), value)
    if name in ("start_date", "due_date"):
        return None if value is None else _date(value)
    if name == "estimation":
        return to_minutes(value, name)
    if name == "color":
        return color_out(value)
    if kind == "person" and name == "active":
        return "act" if value else "dis"
    if kind == "comment" and name == "checklist":
        return {"items": list(value)}
    if kind == "asset" and name == "asset_type_id":
        return value
    return value
