"""The session's input checks: what callers pass, resolved and checked.

:class:`InputChecks` turns what callers pass (entities, ids, names, dates)
into the normalized fields a tracker accepts and refuses bad input before
anything is written: field names, value types, custom data (JSON values
only), casting entries, time spent, playlist members, and the rules the
tracker declares (``production_types``, ``project_statuses``,
``field_defaults``, ``unique_fields``, ``looks_like_id``). A natural key already taken under the same parent is an
:class:`~gadget.errors.AlreadyExists` naming the entity that holds it.

What it costs: nothing for entities and ids; a name is looked up in the
cached list of its kind (reference data, or the project's entities: one
``list`` the first time); a uniqueness check is one filtered query (one per
parent for ``new_many``), answered from the cache when it holds the list; a
shot being cast or a playlist member given by an id the session does not
hold is read (one ``get``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from gadget._identity import describe
from gadget.entities import ENTITY_CLASSES, Entity
from gadget.entities.production import CastingEntry
from gadget.errors import AlreadyExists, NotFound, ValidationError, closest_names
from gadget.ids import get_id
from gadget.kinds import KINDS
from gadget.trackers.base import Record

if TYPE_CHECKING:
    from gadget.collections import Collection
    from gadget.trackers.base import Tracker

__all__ = ["ALSO_KEYED_BY", "REFERENCE_KINDS", "InputChecks", "as_date", "as_int"]

#: kinds small enough to load whole to resolve one reference
REFERENCE_KINDS = frozenset(
    {"project", "task_type", "task_status", "asset_type", "department", "person"}
)

#: user-facing aliases of list-valued reference fields
_LIST_REFS = {
    "assignees": ("assignee_ids", "person"),
    "departments": ("department_ids", "department"),
}
#: kinds named by a second field when their natural key does not match, in
#: reads (``fetch``) and writes alike: a status by its display name
#: ("Approved" as well as "app"), a person by full name as well as e-mail
ALSO_KEYED_BY = {"task_status": "name", "person": "name"}


def as_date(value: Any, what: str) -> dt.date:
    """``value`` as a date (a date, a datetime's day or 'YYYY-MM-DD'); else
    ValidationError naming ``what``."""
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


def as_int(value: Any, what: str) -> int:
    """``value`` if it is an integer (not a bool); else ValidationError naming ``what``."""
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


def _already_exists_error(
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


class InputChecks:
    """Resolving and checking one session's input (costs in the module docstring).

    ``tracker`` gives the open tracker, whose declared rules apply;
    ``query(kind, filters)`` is the session's cached query (names and
    uniqueness are looked up through it); ``ref(kind, id)`` the entity held
    or read for an id.
    """

    def __init__(
        self,
        tracker: Callable[[], Tracker],
        query: Callable[[str, Mapping[str, Any]], list[Any]],
        ref: Callable[[str, str], Any],
    ) -> None:
        self._tracker = tracker
        self._query = query
        self._ref = ref

    # -- resolving user input ----------------------------------------------
    def resolve(self, kind: str, value: Any, scope: Mapping[str, Any] | None = None) -> Any:
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
        if kind == "entity" or self._tracker().looks_like_id(value):
            return value
        spec = KINDS[kind]
        within = {k: v for k, v in (scope or {}).items() if k == "project_id" and k in spec.fields}
        if kind not in REFERENCE_KINDS and not within:
            raise ValidationError(
                f"cannot look up {kind.replace('_', ' ')} {value!r} by name here; pass the entity"
            )
        pool = self._query(kind, within) if kind in REFERENCE_KINDS or within else []
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
            # "assigned to": one person among the assignees, filtered by the tracker
            out["assignee"] = out["assignee_id"] = ("assignee_id", "person", False)
        if kind == "shot":
            # "in this episode": through the shot's sequence, filtered by the tracker
            out["episode"] = out["episode_id"] = ("episode_id", "episode", False)
        for alias, (field, ref) in _LIST_REFS.items():
            if field in spec.fields:
                out[alias] = out[field] = (field, ref, True)
        return out

    def normalize_filters(
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
                        value = [self.resolve(ref, v, scope) for v in value]
                    else:
                        value = self.resolve(ref, value, scope)
                out[field] = value
            elif hasattr(cls, name):
                out[name] = value
            else:
                raise ValidationError(
                    f"{kind.replace('_', ' ')}s have no field {name!r}; known: {', '.join(sorted(known))}"
                )
        return out

    def normalize_write(
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
                    value = [self.resolve(ref, v, scope) for v in value]
                else:
                    value = self.resolve(ref, value, {**scope, **out})
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
                as_int(data[name], name)
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
                data[name] = as_date(data[name], name)
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
        tracker = self._tracker()
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

    # -- writes ------------------------------------------------------------
    def prepare_new(self, coll: Collection[Any], fields: Mapping[str, Any]) -> dict[str, Any]:
        kind = coll.kind
        spec = KINDS[kind]
        scope = coll._scope
        if kind == "person" and "project_id" in scope:
            raise ValidationError(
                "create people with session.persons.new(...), then project.team.add(person)"
            )
        data = {**coll._defaults, **scope, **self.normalize_write(kind, fields, scope)}
        if kind == "shot":
            if not data.get("sequence_id"):
                raise ValidationError("a shot needs a sequence: new(name=..., sequence=seq)")
            seq = self._ref("sequence", data["sequence_id"])
            data.setdefault("project_id", seq.project_id)
            if data.get("project_id") != seq.project_id:
                raise ValidationError(f"sequence {seq.name!r} belongs to another project")
            # episode.shots.new(): a shot is in an episode through its sequence
            episode_id = data.pop("episode_id", None)
            if episode_id is not None and seq.episode_id != episode_id:
                raise ValidationError(
                    f"sequence {seq.name!r} is not in this episode: give one of its sequences"
                )
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
        for field, value in self._tracker().field_defaults.get(kind, {}).items():
            if data.get(field) is None:
                data[field] = value
        if spec.key not in data or data[spec.key] in (None, ""):
            raise ValidationError(f"a new {kind.replace('_', ' ')} needs {spec.key}")
        return data

    def holders(self, kind: str, data: Mapping[str, Any], skip: str | None = None) -> list[Any]:
        """The entities holding ``data``'s values of the tracker's uniqueness rule
        for ``kind`` (``Tracker.unique_fields``): its natural key under the same parent."""
        unique = self._tracker().unique_fields(kind)
        if not unique:
            return []
        criteria = {f: data.get(f) for f in unique}
        return [e for e in self._query(kind, criteria) if e.id != skip]

    def check_free(
        self, kind: str, data: Mapping[str, Any], label: str, skip: str | None = None
    ) -> None:
        taken = self.holders(kind, data, skip)
        if taken:
            raise _already_exists_error(
                kind, data, self._tracker().unique_fields(kind), label, taken[0]
            )

    def check_new_rows(self, coll: Collection[Any], prepared: list[dict[str, Any]]) -> None:
        """Refuse rows of ``new_many`` that repeat a natural key or take one that
        exists; one lookup per parent, not one per row."""
        spec = KINDS[coll.kind]
        unique = self._tracker().unique_fields(coll.kind)
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
                raise _already_exists_error(
                    coll.kind, data, unique, coll._label, taken[group][ident]
                )

    def prepare_update(self, entity: Entity, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The normalized fields of ``entity.update(**fields)``, checked: a shot's
        frame count follows its range, a natural key stays free."""
        kind = entity.kind
        scope = {"project_id": getattr(entity, "project_id", None)}
        data = self.normalize_write(kind, fields, scope)
        if not data:
            return data
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
        unique = self._tracker().unique_fields(kind)
        if data.keys() & set(unique):
            merged = {f: data.get(f, getattr(entity, f, None)) for f in unique}
            self.check_free(kind, merged, "the same parent", skip=entity.id)
        return data

    # -- casting, time spent, playlists ------------------------------------
    def casting_rows(
        self, casting: Mapping[Any, Iterable[Any]]
    ) -> dict[str, dict[str, list[Record]]]:
        """``session.set_casting``'s mapping as the tracker's rows, by project
        then shot; a shot given by id that is not held is read (one ``get``)."""
        by_project: dict[str, dict[str, list[Record]]] = {}
        for shot, entries in casting.items():
            shot_ent: Any = shot if isinstance(shot, Entity) else self._ref("shot", get_id(shot))
            rows: list[Record] = []
            for e in entries:
                if isinstance(e, CastingEntry):
                    asset, count, label = e.asset, e.nb_occurences, e.label
                elif isinstance(e, tuple):
                    if len(e) not in (2, 3):
                        raise ValidationError(
                            f"a casting entry is an asset, (asset, n) or (asset, n, label), "
                            f"not {e!r}"
                        )
                    asset, count, label = e[0], e[1], (e[2] if len(e) > 2 else "")
                else:
                    asset, count, label = e, 1, ""
                if as_int(count, "nb_occurences") < 1:
                    raise ValidationError(f"nb_occurences must be at least 1, not {count}")
                rows.append(
                    {
                        "asset_id": self.resolve(
                            "asset", asset, {"project_id": shot_ent.project_id}
                        ),
                        "nb_occurences": count,
                        "label": label,
                    }
                )
            by_project.setdefault(shot_ent.project_id, {})[shot_ent.id] = rows
        return by_project

    def time_spent(
        self, person: Any, date: Any, duration: dt.timedelta | None, hours: float, minutes: float
    ) -> tuple[str, dt.date, dt.timedelta]:
        """(person id, day, duration) of a time-spent entry, checked: a positive
        duration (given, or ``hours`` and ``minutes``), a date."""
        if duration is None:
            duration = dt.timedelta(hours=hours, minutes=minutes)
        if not isinstance(duration, dt.timedelta) or duration <= dt.timedelta(0):
            raise ValidationError(f"time spent must be a positive duration, not {duration!r}")
        pid = self.resolve("person", person)
        day = as_date(date, "date")
        return pid, day, duration

    def playlist_member(self, playlist: Any, entity: Any) -> Any:
        """The shot or asset ``entity`` names, checked to fit ``playlist`` (its
        kind is the playlist's ``for_entity``, its project the playlist's);
        ValidationError otherwise, before anything is written. An id not held
        by the session is read once (one ``get``) to learn what it is."""
        kind = playlist.for_entity or "shot"
        what = f"a {kind} playlist"
        if isinstance(entity, Entity):
            if entity.kind != kind:
                raise ValidationError(
                    f"{what} takes {kind}s, not {describe(entity)} (nothing was written)"
                )
            target: Any = entity
        else:
            ident = self.resolve(kind, entity, {"project_id": playlist.project_id})
            try:
                target = self._ref(kind, ident)
            except NotFound as exc:
                raise ValidationError(
                    f"{what} takes {kind}s; {ident!r} is no {kind} (nothing was written)"
                ) from exc
        if target.project_id != playlist.project_id:
            raise ValidationError(
                f"{describe(target)} is not in the project of playlist {playlist.name!r} "
                "(nothing was written)"
            )
        return target
