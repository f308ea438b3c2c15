"""The session's writing half: user input resolved and checked, then written.

:class:`_Writing` turns what callers pass (entities, ids, names, dates) into
the normalized fields a tracker accepts, refuses bad input before anything
is written, and keeps the caches right after every write.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from gadget._reading import _REFERENCE_KINDS, _Reading
from gadget.collections import Collection
from gadget.entities import ENTITY_CLASSES, ChecklistItem, Entity
from gadget.errors import (
    AlreadyExists,
    NotFound,
    ValidationError,
    closest_names,
)
from gadget.ids import get_id
from gadget.kinds import KINDS
from gadget.trackers.base import CommentDraft

#: user-facing aliases of list-valued reference fields
_LIST_REFS = {
    "assignees": ("assignee_ids", "person"),
    "departments": ("department_ids", "department"),
}
#: kinds named by a second field when their natural key does not match, in
#: reads (``fetch``) and writes alike: a status by its display name
#: ("Approved" as well as "app"), a person by full name as well as e-mail
ALSO_KEYED_BY = {"task_status": "name", "person": "name"}


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(f"{what} must be a date or 'YYYY-MM-DD', not {value!r}")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an integer, not {value!r}")
    return value


#: what custom data may hold, on every tracker: JSON's own values
_JSON_SCALARS = (str, int, float, bool, type(None))


def _check_json(data: Any, what: str) -> None:
    """Refuse custom data that is not a JSON object of JSON values (dict with
    string keys, list, str, int, float, bool, None), naming the key at fault.

    One rule for every tracker, checked before anything is sent: a tracker
    would otherwise store a datetime as a string here and fail at send time
    there. A finite float only (JSON has no NaN or infinity); no tuple or set
    (they would come back as lists, or not at all).
    """
    if not isinstance(data, dict):
        raise ValidationError(f"{what} must be a dict, not {type(data).__name__}")

    def check(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ValidationError(
                        f"{what}{path} has the key {key!r}: JSON object keys are strings "
                        "(nothing was written)"
                    )
                check(item, f"{path}[{key!r}]")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                check(item, f"{path}[{index}]")
        elif not isinstance(value, _JSON_SCALARS):
            raise ValidationError(
                f"{what}{path} is a {type(value).__name__} ({value!r}), not a JSON value: "
                "dict, list, str, int, float, bool or None (nothing was written)"
            )
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(
                f"{what}{path} is {value!r}: JSON has no NaN or infinity (nothing was written)"
            )

    check(data, "")


def _alternatives(values: Iterable[str]) -> str:
    """``a, b or c``."""
    shown = list(values)
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _exists(
    kind: str, data: Mapping[str, Any], unique: Iterable[str], label: str, existing: Any
) -> AlreadyExists:
    """AlreadyExists naming the values of the uniqueness rule (the parent's are in
    ``label``) and the entity that holds them."""
    scope = KINDS[kind].scope
    shown = [f for f in unique if f not in scope] or list(unique)
    values = ", ".join(f"{f}={data.get(f)!r}" for f in shown)
    return AlreadyExists(
        f"{kind.replace('_', ' ')} with {values} already exists in {label}: "
        f"{existing!r} (nothing was written)",
        existing=existing,
    )


class _Writing(_Reading):
    """Resolving user input, then creating, updating, deleting and publishing."""

    # -- resolving user input ----------------------------------------------
    def _resolve(self, kind: str, value: Any, scope: Mapping[str, Any] | None = None) -> Any:
        """An id from an entity, a dict, an id string or a natural key (name)."""
        if value is None:
            return None
        if isinstance(value, Entity):
            if kind != "entity" and value.kind != kind:
                raise ValidationError(
                    f"expected a {kind.replace('_', ' ')}, got {type(value).__name__} {value!r}"
                )
            return value.id
        if isinstance(value, Mapping):
            return get_id(value)
        if not isinstance(value, str):
            raise ValidationError(
                f"expected a {kind.replace('_', ' ')} (entity, id or name), got {value!r}"
            )
        if kind == "entity" or self.tracker.looks_like_id(value):
            return value
        spec = KINDS[kind]
        within = {k: v for k, v in (scope or {}).items() if k == "project_id" and k in spec.fields}
        if kind not in _REFERENCE_KINDS and not within:
            raise ValidationError(
                f"cannot look up {kind.replace('_', ' ')} {value!r} by name here; pass the entity"
            )
        pool = self._query(kind, within) if kind in _REFERENCE_KINDS or within else []
        field = spec.key
        hits = [e for e in pool if getattr(e, field, None) == value]
        if not hits and kind in ALSO_KEYED_BY:
            hits = [e for e in pool if getattr(e, ALSO_KEYED_BY[kind], None) == value]
        if len(hits) == 1:
            return hits[0].id
        if len(hits) > 1:
            raise ValidationError(
                f"{len(hits)} {spec.plural.replace('_', ' ')} are called {value!r}; pass the entity"
            )
        names = [str(getattr(e, field, "") or "") for e in pool]
        raise NotFound(kind.replace("_", " "), {field: value}, None, closest_names(value, names))

    def _user_fields(self, kind: str) -> dict[str, tuple[str, str | None, bool]]:
        """User field name -> (record field, referenced kind or None, is list)."""
        spec = KINDS[kind]
        out: dict[str, tuple[str, str | None, bool]] = {
            f: (f, None, False)
            for f in spec.fields
            if f not in ("previews", "attachments", "entries", "checklist")
        }
        out["custom_data"] = ("custom_data", None, False)
        out["id"] = ("id", None, False)
        for field, ref in spec.refs.items():
            out[field] = (field, ref, False)
            out[field[: -len("_id")]] = (field, ref, False)
        if kind == "task":
            out["entity"] = out["entity_id"] = ("entity_id", "entity", False)
        for alias, (field, ref) in _LIST_REFS.items():
            if field in spec.fields:
                out[alias] = out[field] = (field, ref, True)
        return out

    def _normalize_filters(
        self, kind: str, fields: Mapping[str, Any], scope: Mapping[str, Any]
    ) -> dict[str, Any]:
        known = self._user_fields(kind)
        cls = ENTITY_CLASSES[kind]
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name in known:
                field, ref, _ = known[name]
                if ref is not None and value is not None:
                    if isinstance(value, (list, tuple, set)):
                        value = [self._resolve(ref, v, scope) for v in value]
                    else:
                        value = self._resolve(ref, value, scope)
                out[field] = value
            elif hasattr(cls, name):
                out[name] = value
            else:
                raise ValidationError(
                    f"{kind.replace('_', ' ')}s have no field {name!r}; known: {', '.join(sorted(known))}"
                )
        return out

    def _normalize_write(
        self, kind: str, fields: Mapping[str, Any], scope: Mapping[str, Any]
    ) -> dict[str, Any]:
        known = self._user_fields(kind)
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name not in known or name == "id" or (kind == "task" and name == "nb_retakes"):
                raise ValidationError(
                    f"cannot set {name!r} on a {kind.replace('_', ' ')}; settable: "
                    + ", ".join(sorted(k for k in known if k != "id"))
                )
            field, ref, is_list = known[name]
            if ref is not None and value is not None:
                if is_list:
                    if isinstance(value, (str, Entity, Mapping)):
                        value = [value]
                    value = [self._resolve(ref, v, scope) for v in value]
                else:
                    value = self._resolve(ref, value, {**scope, **out})
            out[field] = value
        self._validate(kind, out)
        return out

    def _validate(self, kind: str, data: dict[str, Any]) -> None:
        """Check and coerce written values; raise ValidationError naming the field."""
        what = kind.replace("_", " ")
        for name in ("name", "short_name", "email", "first_name"):
            if name in data and (not isinstance(data[name], str) or not data[name].strip()):
                raise ValidationError(
                    f"a {what}'s {name} must be a non-empty string, not {data[name]!r}"
                )
        if "custom_data" in data:
            _check_json(data["custom_data"], f"a {what}'s custom_data")
        for name in ("frame_in", "frame_out", "nb_frames", "priority"):
            if data.get(name) is not None:
                _int(data[name], name)
        if data.get("fps") is not None and (
            isinstance(data["fps"], bool)
            or not isinstance(data["fps"], (int, float))
            or data["fps"] <= 0
        ):
            raise ValidationError(f"fps must be a positive number, not {data['fps']!r}")
        if kind == "project":
            self._validate_project(data)
        if kind == "person" and "email" in data and "@" not in data["email"]:
            raise ValidationError(f"{data['email']!r} is not an e-mail address")
        for name in ("start_date", "due_date"):
            if data.get(name) is not None:
                data[name] = _date(data[name], name)
        if data.get("estimation") is not None and not isinstance(data["estimation"], dt.timedelta):
            raise ValidationError(
                f"estimation must be a datetime.timedelta, not {data['estimation']!r}"
            )
        if kind == "task_type":
            if "for_shots" in data and "for_entity" not in data:
                data["for_entity"] = "Shot" if data["for_shots"] else "Asset"
            elif "for_entity" in data:
                data["for_shots"] = str(data["for_entity"]).lower() == "shot"
        if kind == "playlist" and data.get("for_entity") not in (None, "shot", "asset"):
            raise ValidationError(
                f"a playlist is for 'shot' or 'asset', not {data['for_entity']!r}"
            )

    def _validate_project(self, data: dict[str, Any]) -> None:
        """A project's production type and status: values the tracker declares."""
        tracker = self.tracker
        production = data.get("production_type")
        if production is not None and production not in tracker.production_types:
            raise ValidationError(
                f"production_type must be one of {_alternatives(tracker.production_types)} "
                f"on the {tracker.name} tracker, not {production!r} (nothing was written)"
            )
        if "status" in data:
            status = data["status"]
            if not isinstance(status, str) or status.lower() not in tracker.project_statuses:
                raise ValidationError(
                    f"a project's status is {_alternatives(tracker.project_statuses)} (any case) "
                    f"on the {tracker.name} tracker, not {status!r} (nothing was written)"
                )
            data["status"] = status.lower()

    # -- writing -----------------------------------------------------------
    def _prepare_new(self, coll: Collection[Any], fields: Mapping[str, Any]) -> dict[str, Any]:
        kind = coll.kind
        spec = KINDS[kind]
        scope = coll._scope
        if kind == "person" and "project_id" in scope:
            raise ValidationError(
                "create people with session.persons.new(...), then project.team.add(person)"
            )
        data = {**coll._defaults, **scope, **self._normalize_write(kind, fields, scope)}
        if kind == "shot":
            if not data.get("sequence_id"):
                raise ValidationError("a shot needs a sequence: new(name=..., sequence=seq)")
            seq = self._ref("sequence", data["sequence_id"])
            data.setdefault("project_id", seq.project_id)
            if data.get("project_id") != seq.project_id:
                raise ValidationError(f"sequence {seq.name!r} belongs to another project")
            if data.get("frame_in") is not None and data.get("frame_out") is not None:
                if data["frame_out"] < data["frame_in"]:
                    raise ValidationError(
                        f"frame_out {data['frame_out']} is before frame_in {data['frame_in']}"
                    )
                data.setdefault("nb_frames", data["frame_out"] - data["frame_in"] + 1)
        if kind == "task" and not data.get("task_type_id"):
            raise ValidationError("a task needs a task_type (name or entity)")
        if kind == "asset" and not data.get("asset_type_id"):
            raise ValidationError("an asset needs an asset_type (name or entity)")
        if kind == "playlist":
            data.setdefault("for_entity", "shot")
        # what the tracker would store anyway, known before the key is checked
        for field, value in self.tracker.field_defaults.get(kind, {}).items():
            if data.get(field) is None:
                data[field] = value
        if spec.key not in data or data[spec.key] in (None, ""):
            raise ValidationError(f"a new {kind.replace('_', ' ')} needs {spec.key}")
        return data

    def _holders(self, kind: str, data: Mapping[str, Any], skip: str | None = None) -> list[Any]:
        """The entities holding ``data``'s values of the tracker's uniqueness rule
        for ``kind`` (``Tracker.unique_fields``): its natural key under the same parent."""
        unique = self.tracker.unique_fields(kind)
        if not unique:
            return []
        criteria = {f: data.get(f) for f in unique}
        return [e for e in self._query(kind, criteria) if e.id != skip]

    def _check_free(
        self, kind: str, data: Mapping[str, Any], label: str, skip: str | None = None
    ) -> None:
        taken = self._holders(kind, data, skip)
        if taken:
            raise _exists(kind, data, self.tracker.unique_fields(kind), label, taken[0])

    def _new(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        if coll.kind == "comment":
            return self._new_comment(coll, dict(fields))
        data = self._prepare_new(coll, fields)
        self._check_free(coll.kind, data, coll._label)
        return self._create(coll.kind, data)

    def _create(self, kind: str, data: Mapping[str, Any]) -> Any:
        record = self.tracker.create(kind, data)
        self._invalidate(kind)
        return self._identity.bind(kind, record)

    def _new_many(self, coll: Collection[Any], rows: list[dict[str, Any]]) -> list[Any]:
        if coll.kind == "comment":
            return [self._new_comment(coll, row) for row in rows]
        prepared = [self._prepare_new(coll, row) for row in rows]
        spec = KINDS[coll.kind]
        unique = self.tracker.unique_fields(coll.kind)
        # one lookup per parent, not one per row: the rule's fields the tracker
        # filters on, but the natural key, which differs from row to row
        parent = [f for f in unique if f in spec.filters and f != spec.key]
        seen: set[tuple[Any, ...]] = set()
        taken: dict[tuple[Any, ...], dict[tuple[Any, ...], Any]] = {}
        for data in prepared:
            ident = tuple(data.get(f) for f in unique)
            if unique and ident in seen:
                shown = [f for f in unique if f not in spec.scope] or unique
                values = ", ".join(f"{f}={data.get(f)!r}" for f in shown)
                raise ValidationError(f"{values} is given twice (nothing was written)")
            seen.add(ident)
            if not unique:
                continue
            group = tuple(data.get(f) for f in parent)
            if group not in taken:
                siblings = self._query(coll.kind, dict(zip(parent, group, strict=True)))
                taken[group] = {tuple(getattr(e, f, None) for f in unique): e for e in siblings}
            if ident in taken[group]:
                raise _exists(coll.kind, data, unique, coll._label, taken[group][ident])
        try:  # all or nothing (else PartialWrite names what is left)
            records = self.tracker.create_many(coll.kind, prepared)
        finally:
            self._invalidate(coll.kind)
        return self._prefetcher.bind_group(coll.kind, records)

    def _ensure(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        data = self._prepare_new(coll, fields)
        found = self._holders(coll.kind, data)
        return found[0] if found else self._create(coll.kind, data)

    def _update(self, entity: Entity, fields: Mapping[str, Any]) -> None:
        kind = entity.kind
        scope = {"project_id": getattr(entity, "project_id", None)}
        data = self._normalize_write(kind, fields, scope)
        if not data:
            return
        if (
            kind == "shot"
            and ("frame_in" in data or "frame_out" in data)
            and "nb_frames" not in data
        ):
            fin = data.get("frame_in", getattr(entity, "frame_in", None))
            fout = data.get("frame_out", getattr(entity, "frame_out", None))
            if fin is not None and fout is not None:
                if fout < fin:
                    raise ValidationError(f"frame_out {fout} is before frame_in {fin}")
                data["nb_frames"] = fout - fin + 1
        unique = self.tracker.unique_fields(kind)
        if data.keys() & set(unique):
            merged = {f: data.get(f, getattr(entity, f, None)) for f in unique}
            self._check_free(kind, merged, "the same parent", skip=entity.id)
        record = self.tracker.update(kind, entity.id, data)
        self._invalidate(kind)
        self._identity.bind(kind, record)

    def _delete(self, entity: Entity) -> None:
        self.tracker.require("delete")
        self.tracker.delete(entity.kind, entity.id)
        self._identity.forget(entity.kind, entity.id)
        self.clear_cache()

    def _new_comment(self, coll: Collection[Any], fields: dict[str, Any]) -> Any:
        return self._post_comment(coll._scope["task_id"], self._draft(dict(fields)))

    def _draft(self, fields: dict[str, Any]) -> CommentDraft:
        """Check a publish's fields and turn them into a draft; nothing is sent."""
        text = fields.pop("comment", None)
        if text is None:
            text = fields.pop("text", "")
        if not isinstance(text, str):
            raise ValidationError(f"comment must be a string, not {type(text).__name__}")
        status = fields.pop("status", None)
        previews = self._paths(fields.pop("preview", None), fields.pop("previews", None), "preview")
        attachments = self._paths(fields.pop("attachments", None), None, "attachment")
        checklist = self._checklist(fields.pop("checklist", None) or ())
        main = bool(fields.pop("set_main_preview", False))
        author = fields.pop("author", None)
        progress = fields.pop("progress", None)
        if fields:
            raise ValidationError(
                f"comments.new() got unknown field(s) {', '.join(sorted(fields))}; known: comment, "
                "status, preview, attachments, checklist, set_main_preview, author, progress"
            )
        if progress is not None and not callable(progress):
            raise ValidationError("progress must be a callable taking (bytes_sent, bytes_total)")
        if previews:
            self.tracker.require("previews")
        if attachments:
            self.tracker.require("attachments")
        if main and not previews:
            raise ValidationError("set_main_preview=True needs at least one preview")
        return CommentDraft(
            text=text,
            status_id=self._resolve("task_status", status) if status is not None else None,
            author_id=self._resolve("person", author) if author is not None else None,
            checklist=checklist,
            previews=previews,
            attachments=attachments,
            set_main_preview=main,
            progress=progress,
        )

    def _post_comment(self, task_id: str, draft: CommentDraft) -> Any:
        record = self.tracker.create_comment(task_id, draft)
        comment = self._identity.bind("comment", record)
        self._after_comment(task_id, draft.status_id, draft.set_main_preview, comment)
        return comment

    def publish_many(
        self,
        items: Iterable[tuple[Any, Mapping[str, Any]]],
        *,
        max_workers: int = 4,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Any]:
        """Post comments on several tasks, uploads in parallel.

        ``items`` are ``(task, fields)`` pairs, ``fields`` as for
        ``task.comments.new(...)``. Every pair is checked before anything is
        sent (a missing file posts nothing). At most ``max_workers`` publishes
        are in flight; ``progress(bytes_sent, bytes_total)`` hears the bytes
        of all of them together. Returns the comments in the order given.
        """
        if max_workers < 1:
            raise ValidationError("max_workers must be at least 1")
        jobs = [(self._resolve("task", task), self._draft(dict(fields))) for task, fields in items]
        total = sum(p.stat().st_size for _, d in jobs for p in (*d.previews, *d.attachments))
        sent = [0] * len(jobs)
        lock = threading.Lock()

        def reporter(index: int) -> Callable[[int, int], None]:
            def report(done: int, _total: int) -> None:
                with lock:
                    sent[index] = done
                    so_far = sum(sent)
                if progress is not None:
                    progress(so_far, total)

            return report

        def run(index: int) -> Any:
            task_id, draft = jobs[index]
            return self._post_comment(task_id, attrs.evolve(draft, progress=reporter(index)))

        if len(jobs) < 2 or max_workers == 1:
            return [run(i) for i in range(len(jobs))]
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="gadget") as pool:
            return list(pool.map(run, range(len(jobs))))

    def _after_comment(self, task_id: str, status_id: str | None, main: bool, comment: Any) -> None:
        """Bring held entities in line with what the publish changed, without a request."""
        self._invalidate("comment", "preview", "task", "shot", "asset")
        with self._lock:
            task = self._identity.get("task", task_id)
        if task is None:
            return
        if status_id is not None and status_id != task.status_id:  # type: ignore[attr-defined]
            new_status = self._ref("task_status", status_id)
            if new_status.is_retake:
                task.nb_retakes += 1  # type: ignore[attr-defined]
            task.status_id = status_id  # type: ignore[attr-defined]
        if main and comment.previews:
            owner = self._identity.held(
                (task.entity_kind or "shot",),  # type: ignore[attr-defined]
                task.entity_id,  # type: ignore[attr-defined]
            )
            if owner is not None and hasattr(owner, "preview_id"):
                owner.preview_id = comment.previews[0].id

    @staticmethod
    def _paths(one: Any, many: Any, what: str) -> tuple[Path, ...]:
        given = one if one is not None else many
        if given is None:
            return ()
        if isinstance(given, (str, Path)):
            given = [given]
        out = []
        for p in given:
            path = Path(p).expanduser()
            if path.is_dir():
                raise ValidationError(
                    f"{what} {str(p)!r} is a directory; give the file(s) in it (nothing was posted)"
                )
            if not path.exists():
                raise ValidationError(f"{what} file {str(p)!r} does not exist (nothing was posted)")
            if not path.is_file():
                raise ValidationError(
                    f"{what} {str(p)!r} is not a regular file (nothing was posted)"
                )
            out.append(path)
        return tuple(out)

    @staticmethod
    def _checklist(items: Iterable[Any]) -> tuple[tuple[str, bool], ...]:
        out = []
        for item in items:
            if isinstance(item, str):
                out.append((item, False))
            elif isinstance(item, ChecklistItem):
                out.append((item.text, item.checked))
            elif isinstance(item, Mapping) and "text" in item:
                out.append((str(item["text"]), bool(item.get("checked", False))))
            elif isinstance(item, tuple) and len(item) == 2:
                out.append((str(item[0]), bool(item[1])))
            else:
                raise ValidationError(
                    "a checklist item is a string, (text, checked) or "
                    f"{{'text': ..., 'checked': ...}}, not {item!r}"
                )
        return tuple(out)
