"""The session: one tracker, its caches and its identity map.

Entities and collections call into the session; the session calls the
tracker and turns the records it returns into bound entities. It owns:

- an identity map, so one id gives one object per session (entities are
  updated in place when fresher data arrives);
- a per-session TTL cache of query results (reference data such as task
  types, statuses and persons included), cleared for a kind on every write
  through this session; ``connect(..., cache=False)`` turns it off;
- sibling prefetch: the first child-collection read on an entity that came
  from a loaded collection loads that child collection for every sibling in
  one ``Tracker.list_children`` call (``session.no_prefetch()`` opts out);
  shots and assets are listed with their tasks when the tracker has one
  request for both (``Tracker.list_with_children``);
- partial records: fields a fast route left out (``trackers.base.MISSING``)
  are loaded for everything read together on the first read of one of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from cachetools import TTLCache

from gadget._ids import get_id, looks_like_id
from gadget._kinds import KINDS
from gadget.collections import Collection, Items, matches
from gadget.config import TrackerConfig, load_config
from gadget.entities import ENTITY_CLASSES, ChecklistItem, Entity
from gadget.entities.production import CastingEntry
from gadget.entities.review import PlaylistEntry
from gadget.entities.task import TimeSpent
from gadget.errors import (
    AlreadyExists,
    ConfigError,
    GadgetError,
    NotFound,
    Unsupported,
    ValidationError,
    closest_names,
)
from gadget.trackers.base import MISSING, CommentDraft, Record
from gadget.trackers.registry import resolve

if TYPE_CHECKING:
    from gadget.entities import (
        AssetType,
        Department,
        Person,
        Project,
        Shot,
        Task,
        TaskStatus,
        TaskType,
    )
    from gadget.trackers.base import Tracker

__all__ = ["Session", "connect", "project_from_env"]

logger = logging.getLogger("gadget.session")

#: kinds small enough to load whole to resolve one reference
_REFERENCE_KINDS = frozenset(
    {"project", "task_type", "task_status", "asset_type", "department", "person"}
)
#: user-facing aliases of list-valued reference fields
_LIST_REFS = {
    "assignees": ("assignee_ids", "person"),
    "departments": ("department_ids", "department"),
}
_PRODUCTION_TYPES = ("short", "featurefilm", "tvshow")
_Key = tuple[str, tuple[tuple[str, Any], ...]]


def _parent_kinds(kind: str, field: str) -> tuple[str, ...]:
    """Which kinds a parent field of ``kind`` points at (a task's entity: shot or asset)."""
    if field == "entity_id":
        return ("shot", "asset")
    ref = KINDS[kind].refs.get(field)
    return (ref,) if ref else ()


#: the child collection read together with a listing of these kinds, when the
#: tracker has one request for both (``Tracker.list_with_children``)
_EMBEDDED = {"shot": ("task", "entity_id"), "asset": ("task", "entity_id")}
#: the reference lists those children point at, read alongside the listing
#: when the tracker gains from parallel reads (``Tracker.concurrent_reads``)
_ALONGSIDE = {"task": ("task_type", "task_status")}


class _Loader:
    """Loads the fields partial records left out, once, for all of them."""

    __slots__ = ("_fn", "_lock")

    def __init__(self, fn: Callable[[], None]) -> None:
        self._fn: Callable[[], None] | None = fn
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            fn, self._fn = self._fn, None
            if fn is None:
                return
            try:
                fn()
            except BaseException:
                self._fn = fn  # not loaded: the next read tries again
                raise


class _Group:
    """Ids loaded together by one collection read (siblings, for prefetch)."""

    __slots__ = ("__weakref__", "complete", "family", "generation", "ids", "kind")

    def __init__(
        self,
        kind: str,
        ids: list[str],
        generation: int,
        family: list[str] | None = None,
        complete: _Loader | None = None,
    ) -> None:
        self.kind = kind
        self.ids = ids  # loaded by one collection read: one parent's children
        self.generation = generation
        # loaded by the same tracker call: the children of every prefetched parent
        self.family = ids if family is None else family
        # loads what partial records of this group left out (None: nothing left out)
        self.complete = complete

    def prefetch_ids(self, ident: str, limit: int | None) -> list[str]:
        """The ids to load children for with ``ident``'s: the whole family when
        one request covers it, else the siblings, else a window of ``limit``."""
        if limit is None or len(self.family) <= limit:
            return self.family
        if len(self.ids) <= limit:
            return self.ids
        start = self.ids.index(ident) // limit * limit
        return self.ids[start : start + limit]


_Fix = tuple[str, str, Any, "Callable[[], Any] | None"]


@functools.cache
def _plan(kind: str) -> tuple[frozenset[str], tuple[_Fix, ...]]:
    """How a record of ``kind`` becomes constructor arguments: the fields a
    record may set, and those among them that need more than being taken as
    they are, each with its special reading ("" for none), its default and
    its factory (a None gives the default)."""
    known, fixes = [], []
    for f in attrs.fields(ENTITY_CLASSES[kind]):
        alias = f.alias
        if alias in ("session", "group"):
            continue
        known.append(alias)
        special = ""
        if kind == "comment" and alias in ("previews", "attachments", "checklist"):
            special = alias
        elif kind == "playlist" and alias == "entries":
            special = "entries"
        elif alias in ("custom_data", "raw"):
            special = "dict"
        elif alias in ("assignee_ids", "department_ids"):
            special = "list"
        factory = f.default.factory if isinstance(f.default, attrs.Factory) else None  # type: ignore[arg-type]
        if special or factory is not None or f.default not in (None, attrs.NOTHING):
            fixes.append((alias, special, f.default, factory))
    return frozenset(known), tuple(fixes)


@functools.cache
def _names(kind: str) -> tuple[tuple[str, str], ...]:
    """(alias, attribute name) of every field a record sets."""
    return tuple(
        (f.alias, f.name)
        for f in attrs.fields(ENTITY_CLASSES[kind])
        if f.alias not in ("session", "group")
    )


@functools.cache
def _lazy_fields(kind: str) -> dict[str, Callable[[], Any]]:
    """The fields a partial record may leave out, each with its default."""
    out: dict[str, Callable[[], Any]] = {}
    for f in attrs.fields(ENTITY_CLASSES[kind]):
        if f.name != f.alias or f.name == "id":
            continue
        if isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            out[f.name] = f.default.factory
        else:
            out[f.name] = functools.partial(lambda value: value, f.default)
    return out


class _GcPause:
    """Pause Python's cyclic garbage collector while bulk answers are read and bound.

    Tens of thousands of containers are made that all stay alive (the decoded
    answer, records, entities): the collector's passes over them find nothing
    and cost about a tenth of a large walk. Blocks may overlap (threads of
    one session, or several sessions): the collector runs again when the last
    one ends, unless it was already off when the first one began.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._paused = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._paused = gc.isenabled()
                if self._paused:
                    gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._paused:
                    gc.enable()


_bulk = _GcPause()


def _unset(entity: Entity, name: str) -> bool:
    try:
        object.__getattribute__(entity, name)
    except AttributeError:
        return True
    return False


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    return value


def _key(kind: str, filters: Mapping[str, Any]) -> _Key:
    return kind, tuple(sorted((k, _freeze(v)) for k, v in filters.items()))


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


def _exists(kind: str, key: Any, label: str, existing: Any) -> AlreadyExists:
    spec = KINDS[kind]
    return AlreadyExists(
        f"{kind.replace('_', ' ')} with {spec.key}={key!r} already exists in {label}: "
        f"{existing!r} (nothing was written)",
        existing=existing,
    )


def _describe(entity: Any) -> str:
    """``shot 'sq170_sh0224'`` (no I/O: only what the entity holds)."""
    kind = str(getattr(entity, "kind", type(entity).__name__)).replace("_", " ")
    label = getattr(entity, "id", "")
    if kind == "task":
        return f"{kind} {label!r}"
    if not isinstance(entity, Entity):
        label = getattr(entity, "name", None) or label
    elif not _unset(entity, "name"):  # a name a partial record left out is not read
        label = entity.name or label  # type: ignore[attr-defined]
    return f"{kind} {label!r}"


class Session:
    """A connection to one tracker with its caches. Made by :func:`connect`."""

    def __init__(
        self,
        tracker: Tracker,
        *,
        cache: bool = True,
        cache_ttl: float = 300.0,
        cache_size: int = 20_000,
        prefetch: bool = True,
    ) -> None:
        self.tracker = tracker
        self._lock = threading.RLock()
        self._identity: weakref.WeakValueDictionary[tuple[str, str], Entity] = (
            weakref.WeakValueDictionary()
        )
        self._cache_on = cache
        self._queries: TTLCache[_Key, list[Any]] = TTLCache(cache_size, cache_ttl)
        # when the cache is off, prefetched sibling results wait here until read once
        self._prefetched: dict[_Key, list[Any]] = {}
        self._prefetch = prefetch
        self._generation = 0
        self._me: Person | None = None

    # -- public surface ----------------------------------------------------
    @property
    def config(self) -> TrackerConfig:
        return self.tracker.config

    @property
    def capabilities(self) -> frozenset[str]:
        """What the tracker offers beyond the core (see ``trackers.base.CAPABILITIES``)."""
        return self.tracker.capabilities

    def __repr__(self) -> str:
        url = self.config.url
        if "@" in url.split("://", 1)[-1].split("/", 1)[0]:
            scheme, rest = url.split("://", 1)
            url = f"{scheme}://***@{rest.split('@', 1)[1]}"
        return f"<Session {self.tracker.name} {url}>"

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the tracker connection."""
        self.tracker.close()

    def _top(self, kind: str) -> Collection[Any]:
        return Collection(self, kind, {}, label=f"the {KINDS[kind].plural.replace('_', ' ')}")

    @property
    def projects(self) -> Collection[Project]:
        return self._top("project")

    @property
    def task_types(self) -> Collection[TaskType]:
        return self._top("task_type")

    @property
    def task_statuses(self) -> Collection[TaskStatus]:
        return self._top("task_status")

    @property
    def asset_types(self) -> Collection[AssetType]:
        return self._top("asset_type")

    @property
    def persons(self) -> Collection[Person]:
        return self._top("person")

    @property
    def departments(self) -> Collection[Department]:
        return self._top("department")

    @property
    def me(self) -> Person:
        """The person this session is logged in as."""
        if self._me is None:
            self._me = self._bind("person", self.tracker.whoami())  # type: ignore[assignment]
        assert self._me is not None
        return self._me

    @property
    def events(self) -> Any:
        """The tracker's live event stream: ``session.events.on("task:status-changed", fn)``,
        then ``session.events.run()`` (blocks) or ``.start()`` (background thread).

        Raises Unsupported for a tracker without one.
        """
        events = getattr(self.tracker, "events", None)
        if events is None:
            raise Unsupported(f"the {self.tracker.name} tracker has no event stream")
        return events

    def search(self, text: str, project: Any = None) -> list[Entity]:
        """Entities whose names match ``text`` (the tracker's full-text search)."""
        pid = self._resolve("project", project) if project is not None else None
        return [self._bind(kind, rec) for kind, rec in self.tracker.search(text, pid)]

    def set_casting(self, casting: Mapping[Any, Iterable[Any]]) -> None:
        """Replace the casting of many shots at once: ``{shot: [(asset, n), ...]}``."""
        self._set_casting(casting)

    @contextlib.contextmanager
    def no_prefetch(self) -> Iterator[Session]:
        """Within the block, child collections load one parent at a time."""
        before, self._prefetch = self._prefetch, False
        try:
            yield self
        finally:
            self._prefetch = before

    def clear_cache(self) -> None:
        """Forget every cached query result (entities already held stay valid)."""
        with self._lock:
            self._queries.clear()
            self._prefetched.clear()
            self._generation += 1

    # -- binding -----------------------------------------------------------
    def _values(self, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
        known, fixes = _plan(kind)
        out = dict(record)  # one copy in C, then what is not a field goes
        for alias in out.keys() - known:
            del out[alias]
        for alias, special, default, factory in fixes:
            if alias not in out:
                continue
            value = out[alias]
            if special:
                value = self._special(special, value)
            if value is None:
                if factory is not None:
                    value = factory()
                elif default is not attrs.NOTHING:
                    value = default
            out[alias] = value
        return out

    def _special(self, special: str, value: Any) -> Any:
        if special == "previews":
            return tuple(self._bind("preview", r) for r in value or ())
        if special == "attachments":
            return tuple(self._bind("attachment", r) for r in value or ())
        if special == "checklist":
            return tuple(
                ChecklistItem(i, str(c.get("text", "")), bool(c.get("checked")))
                for i, c in enumerate(value or ())
            )
        if special == "entries":
            return tuple(dict(e) for e in value or ())
        # records are the tracker's copies (the contract): taken as they are
        if special == "dict":
            return value if type(value) is dict else dict(value or {})
        return value if type(value) is list else list(value or [])  # "list"

    def _bind(self, kind: str, record: Mapping[str, Any], group: _Group | None = None) -> Entity:
        entity: Entity = self._bind_all(kind, (record,), group)[0]
        return entity

    def _bind_all(
        self, kind: str, records: Iterable[Mapping[str, Any]], group: _Group | None = None
    ) -> list[Any]:
        """The entities of ``records`` (all of ``kind``), each the one object the
        session holds for its id: made on first sight, updated in place after."""
        cls = ENTITY_CLASSES[kind]
        lazy = _lazy_fields(kind)
        identity = self._identity
        out = []
        with self._lock:  # once for all of them
            for record in records:
                values = self._values(kind, record)
                missing = record.get(MISSING) or ()
                key = (kind, str(values["id"]))
                obj = identity.get(key)
                if obj is None:
                    obj = cls(**values, session=self, group=group)
                    for name in missing:
                        if name in lazy:
                            object.__delattr__(obj, name)  # read later through _complete
                    identity[key] = obj
                else:
                    if missing and "raw" in values:  # keep what the fuller payload had
                        values["raw"] = {**obj.raw, **values["raw"]}
                    for alias, name in _names(kind):
                        if alias in values:
                            setattr(obj, name, values[alias])
                    if group is not None:
                        obj._group = group
                out.append(obj)
        return out

    def _bind_many(
        self, kind: str, records: Sequence[Mapping[str, Any]], complete: _Loader | None = None
    ) -> list[Any]:
        group = _Group(kind, [str(r["id"]) for r in records], self._generation, None, complete)
        return self._bind_all(kind, records, group)

    def _complete(self, entity: Entity) -> None:
        """Load the fields a partial record left out of ``entity`` (and of the
        records read with it: one tracker call for all of them)."""
        loader = getattr(entity._group, "complete", None)
        if loader is not None:
            loader()
        kind = entity.kind
        if any(_unset(entity, name) for name in _lazy_fields(kind)):
            self._reload(entity)  # read alone, or changed since: its own record
        for name, default in _lazy_fields(kind).items():
            if _unset(entity, name):  # the tracker does not have it at all
                object.__setattr__(entity, name, default())

    def _items(self, items: Iterable[Any], label: str) -> Items[Any]:
        return Items(items, label)

    # -- reading -----------------------------------------------------------
    def _collection(
        self,
        kind: str,
        scope: Mapping[str, Any],
        *,
        owner: Any = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> Collection[Any]:
        plural = KINDS[kind].plural.replace("_", " ")
        if kind == "person" and "project_id" in scope:
            plural = "team"
        label = f"{plural} of {_describe(owner)}" if owner is not None else plural
        return Collection(self, kind, scope, label=label, owner=owner, defaults=defaults)

    def _cache_get(self, key: _Key) -> list[Any] | None:
        with self._lock:
            if self._cache_on:
                return self._queries.get(key)
            return self._prefetched.pop(key, None)

    def _cache_put(self, key: _Key, value: list[Any], *, prefetched: bool = False) -> None:
        with self._lock:
            if self._cache_on:
                self._queries[key] = value
            elif prefetched:
                self._prefetched[key] = value

    def _query(self, kind: str, filters: Mapping[str, Any]) -> list[Any]:
        """Entities of ``kind`` matching ``filters`` exactly (normalized field names)."""
        spec = KINDS[kind]
        accepted = set(spec.filters) | {"id", spec.key} | self.tracker.name_filters
        server = {k: v for k, v in filters.items() if k in accepted and v is not None}
        key = _key(kind, server)
        found = self._cache_get(key)
        if found is None:
            # a narrowing of a query already loaded is answered from it
            broader = {k: v for k, v in server.items() if k not in (spec.key, "id", "name")}
            if broader != server:
                found = self._cache_get(_key(kind, broader)) if self._cache_on else None
        if found is None:
            found = self._load(kind, server, key)
        # the final match is exact; server-only filters (a person's team) are not attributes
        cls = ENTITY_CLASSES[kind]
        local = {k: v for k, v in filters.items() if k not in server or hasattr(cls, k)}
        return [e for e in found if matches(e, local)]

    def _held(self, kinds: Iterable[str], ident: Any) -> Entity | None:
        """The entity held for ``ident`` under one of ``kinds`` (identity is kind + id)."""
        if not isinstance(ident, str):
            return None
        with self._lock:
            for kind in kinds:
                hit = self._identity.get((kind, ident))
                if hit is not None:
                    return hit
        return None

    def _load(self, kind: str, server: dict[str, Any], key: _Key) -> list[Any]:
        if self._prefetch and len(server) == 1:
            ((field, parent_id),) = server.items()
            parent = self._held(_parent_kinds(kind, field), parent_id)
            group = getattr(parent, "_group", None) if parent is not None else None
            # projects are never prefetched through: one project's shots, not the studio's
            if (
                group is not None
                and group.kind != "project"
                and len(group.ids) > 1
                and group.generation == self._generation
            ):
                return self._load_children(kind, field, group, parent_id)
        child_kind, field = _EMBEDDED.get(kind, ("", ""))
        both = None
        if child_kind and self._prefetch and not server.keys() & {"id", KINDS[kind].key}:
            # a project's whole listing: a walk to come, which reads its references
            walk = set(server) == {"project_id"}
            with self._alongside(_ALONGSIDE.get(child_kind, ()) if walk else ()), _bulk():
                both = self.tracker.list_with_children(kind, server, child_kind, field)
                if both is not None:
                    entities = self._bind_with_children(kind, server, child_kind, field, *both)
        if both is None:
            with _bulk():
                entities = self._bind_many(kind, self.tracker.list(kind, server))
        self._cache_put(key, entities)
        return entities

    @contextlib.contextmanager
    def _alongside(self, kinds: Iterable[str]) -> Iterator[None]:
        """Read the reference lists of ``kinds`` not cached yet in threads of their
        own while the block runs; the block ends when they are read.

        Only for a tracker that gains from it and with the cache on (else the
        lists would be read again). A failed read is left for the caller that
        needs the list: it reads it again and sees the error.
        """
        wanted = [k for k in kinds if self._cache_on and self._cache_get(_key(k, {})) is None]
        if not wanted or not self.tracker.concurrent_reads:
            yield
            return

        def read(kind: str) -> None:
            try:
                self._query(kind, {})
            except Exception:  # read again, and raised, where it is needed
                logger.debug("reading the %s list alongside failed", kind, exc_info=True)

        threads = [
            threading.Thread(target=read, args=(k,), name=f"gadget-{k}", daemon=True)
            for k in wanted
        ]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            for thread in threads:
                thread.join()

    def _bind_with_children(
        self,
        kind: str,
        server: dict[str, Any],
        child_kind: str,
        field: str,
        records: Sequence[Record],
        children: Mapping[str, Sequence[Record]],
    ) -> list[Any]:
        """Bind a listing read together with each result's children: the children
        are cached as each parent's child collection (a walk costs no more reads)."""
        parent_ids = [str(r["id"]) for r in records]

        def full_parents() -> None:
            self._bind_all(kind, self.tracker.list(kind, server))

        def full_children() -> None:
            for found in self.tracker.list_children(child_kind, field, parent_ids).values():
                self._bind_all(child_kind, found)

        partial = any(MISSING in r for r in records)
        entities = self._bind_many(kind, records, _Loader(full_parents) if partial else None)
        family = [str(r["id"]) for found in children.values() for r in found]
        partial = any(MISSING in r for found in children.values() for r in found)
        loader = _Loader(full_children) if partial else None
        for pid in parent_ids:
            found = children.get(pid, ())
            group = _Group(
                child_kind, [str(r["id"]) for r in found], self._generation, family, loader
            )
            bound = self._bind_all(child_kind, found, group)
            self._cache_put(_key(child_kind, {field: pid}), bound, prefetched=True)
        return entities

    def _load_children(self, kind: str, field: str, group: _Group, parent_id: str) -> list[Any]:
        limit = self.tracker.children_per_request(kind, field)
        ids = group.prefetch_ids(parent_id, limit)
        mine: list[Any] = []
        with _bulk():
            by_parent = self.tracker.list_children(kind, field, list(ids))
            family = [str(r["id"]) for records in by_parent.values() for r in records]
            for pid, records in by_parent.items():
                # one parent's children are siblings; the family is all of them
                children = _Group(kind, [str(r["id"]) for r in records], self._generation, family)
                bound = self._bind_all(kind, records, children)
                if pid == parent_id:
                    mine = bound
                else:
                    self._cache_put(_key(kind, {field: pid}), bound, prefetched=True)
        self._cache_put(_key(kind, {field: parent_id}), mine)
        return mine

    def _ref(self, kind: str, ident: str | None, within: Mapping[str, Any] | None = None) -> Any:
        """The entity of ``kind`` with id ``ident`` (None for None)."""
        if ident is None:
            return None
        with self._lock:
            hit = self._identity.get((kind, ident))
        if hit is not None:
            return hit
        if kind in _REFERENCE_KINDS or within:
            for e in self._query(kind, dict(within or {})):
                if e.id == ident:
                    return e
        return self._bind(kind, self.tracker.get(kind, ident))

    def _reload(self, entity: Entity) -> None:
        self._bind(entity.kind, self.tracker.get(entity.kind, entity.id))

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
        if looks_like_id(value) or kind == "entity":
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
        if not hits and kind == "person":
            hits = [e for e in pool if e.name == value]
        if not hits and kind == "task_status":
            hits = [e for e in pool if e.name == value]
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
        if "custom_data" in data and not isinstance(data["custom_data"], dict):
            raise ValidationError(
                f"custom_data must be a dict, not {type(data['custom_data']).__name__}"
            )
        for name in ("frame_in", "frame_out", "nb_frames", "priority"):
            if data.get(name) is not None:
                _int(data[name], name)
        if data.get("fps") is not None and (
            isinstance(data["fps"], bool)
            or not isinstance(data["fps"], (int, float))
            or data["fps"] <= 0
        ):
            raise ValidationError(f"fps must be a positive number, not {data['fps']!r}")
        if kind == "project" and data.get("production_type") not in (None, *_PRODUCTION_TYPES):
            raise ValidationError(
                f"production_type must be one of {', '.join(_PRODUCTION_TYPES)}, not {data['production_type']!r}"
            )
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

    # -- writing -----------------------------------------------------------
    def _invalidate(self, *kinds: str) -> None:
        with self._lock:
            for key in [k for k in list(self._queries.keys()) if k[0] in kinds]:
                self._queries.pop(key, None)
            self._prefetched.clear()
            self._generation += 1

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
        if spec.key not in data or data[spec.key] in (None, ""):
            raise ValidationError(f"a new {kind.replace('_', ' ')} needs {spec.key}")
        return data

    def _holders(self, kind: str, data: Mapping[str, Any], skip: str | None = None) -> list[Any]:
        """The entities holding ``data``'s natural key under the same parent."""
        spec = KINDS[kind]
        if spec.key == "id":
            return []
        criteria = {f: data.get(f) for f in spec.scope}
        criteria[spec.key] = data[spec.key]
        return [e for e in self._query(kind, criteria) if e.id != skip]

    def _check_free(
        self, kind: str, data: Mapping[str, Any], label: str, skip: str | None = None
    ) -> None:
        taken = self._holders(kind, data, skip)
        if taken:
            raise _exists(kind, data[KINDS[kind].key], label, taken[0])

    def _new(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        if coll.kind == "comment":
            return self._new_comment(coll, dict(fields))
        data = self._prepare_new(coll, fields)
        self._check_free(coll.kind, data, coll._label)
        return self._create(coll.kind, data)

    def _create(self, kind: str, data: Mapping[str, Any]) -> Any:
        record = self.tracker.create(kind, data)
        self._invalidate(kind)
        return self._bind(kind, record)

    def _new_many(self, coll: Collection[Any], rows: list[dict[str, Any]]) -> list[Any]:
        if coll.kind == "comment":
            return [self._new_comment(coll, row) for row in rows]
        prepared = [self._prepare_new(coll, row) for row in rows]
        spec = KINDS[coll.kind]
        seen: set[tuple[Any, ...]] = set()
        taken: dict[tuple[Any, ...], dict[Any, Any]] = {}
        for data in prepared:
            scope = tuple(data.get(f) for f in spec.scope)
            ident = (*scope, data[spec.key])
            if ident in seen:
                raise ValidationError(f"{data[spec.key]!r} is given twice")
            seen.add(ident)
            if spec.key == "id":
                continue
            if scope not in taken:  # one lookup per parent, not one per row
                siblings = self._query(coll.kind, dict(zip(spec.scope, scope, strict=True)))
                taken[scope] = {getattr(e, spec.key): e for e in siblings}
            if data[spec.key] in taken[scope]:
                raise _exists(coll.kind, data[spec.key], coll._label, taken[scope][data[spec.key]])
        try:  # all or nothing (else PartialWrite names what is left)
            records = self.tracker.create_many(coll.kind, prepared)
        finally:
            self._invalidate(coll.kind)
        return self._bind_many(coll.kind, records)

    def _ensure(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        data = self._prepare_new(coll, fields)
        found = self._holders(coll.kind, data)
        return found[0] if found else self._create(coll.kind, data)

    def _update(self, entity: Entity, fields: Mapping[str, Any]) -> None:
        kind = entity.kind
        spec = KINDS[kind]
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
        if spec.key in data and spec.key != "id":
            merged = {f: data.get(f, getattr(entity, f, None)) for f in (*spec.scope, spec.key)}
            self._check_free(kind, merged, "the same parent", skip=entity.id)
        record = self.tracker.update(kind, entity.id, data)
        self._invalidate(kind)
        self._bind(kind, record)

    def _delete(self, entity: Entity) -> None:
        self.tracker.require("delete")
        self.tracker.delete(entity.kind, entity.id)
        with self._lock:
            self._identity.pop((entity.kind, entity.id), None)
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
        comment = self._bind("comment", record)
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
            task = self._identity.get(("task", task_id))
        if task is None:
            return
        if status_id is not None and status_id != task.status_id:  # type: ignore[attr-defined]
            new_status = self._ref("task_status", status_id)
            if new_status.is_retake:
                task.nb_retakes += 1  # type: ignore[attr-defined]
            task.status_id = status_id  # type: ignore[attr-defined]
        if main and comment.previews:
            owner = self._held(
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
            if not path.is_file():
                raise ValidationError(f"{what} file {str(p)!r} does not exist (nothing was posted)")
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
            elif isinstance(item, Mapping):
                out.append((str(item["text"]), bool(item.get("checked", False))))
            elif isinstance(item, tuple) and len(item) == 2:
                out.append((str(item[0]), bool(item[1])))
            else:
                raise ValidationError(
                    f"a checklist item is a string or (text, checked), not {item!r}"
                )
        return tuple(out)

    # -- casting, time spent, playlists, team, files -----------------------
    def _casting(self, shot: Shot) -> list[CastingEntry]:
        self.tracker.require("casting")
        key = _key("casting", {"shot_id": shot.id})
        found = self._cache_get(key)
        if found is None:
            group = shot._group
            ids = [shot.id]
            if self._prefetch and group is not None and group.generation == self._generation:
                ids = list(group.ids)
            by_shot = self.tracker.get_casting(ids)
            for sid, rows in by_shot.items():
                entries = [
                    CastingEntry(
                        self._ref("asset", r["asset_id"], {"project_id": shot.project_id}),
                        int(r.get("nb_occurences") or 1),
                        str(r.get("label") or ""),
                    )
                    for r in rows
                ]
                if sid == shot.id:
                    found = entries
                else:
                    self._cache_put(_key("casting", {"shot_id": sid}), entries, prefetched=True)
            found = found or []
            self._cache_put(key, found)
        return list(found)

    def _set_casting(self, casting: Mapping[Any, Iterable[Any]]) -> None:
        self.tracker.require("casting")
        by_project: dict[str, dict[str, list[Record]]] = {}
        for shot, entries in casting.items():
            shot_ent: Any = shot if isinstance(shot, Entity) else self._ref("shot", get_id(shot))
            rows: list[Record] = []
            for e in entries:
                if isinstance(e, CastingEntry):
                    asset, count, label = e.asset, e.nb_occurences, e.label
                elif isinstance(e, tuple):
                    asset, count, label = e[0], e[1], (e[2] if len(e) > 2 else "")
                else:
                    asset, count, label = e, 1, ""
                if _int(count, "nb_occurences") < 1:
                    raise ValidationError(f"nb_occurences must be at least 1, not {count}")
                rows.append(
                    {
                        "asset_id": self._resolve(
                            "asset", asset, {"project_id": shot_ent.project_id}
                        ),
                        "nb_occurences": count,
                        "label": label,
                    }
                )
            by_project.setdefault(shot_ent.project_id, {})[shot_ent.id] = rows
        for project_id, mapping in by_project.items():
            self.tracker.set_casting(project_id, mapping)
        self._invalidate("casting", "cast_in")

    def _cast_in(self, asset: Any) -> Items[Any]:
        self.tracker.require("casting")
        shots = [self._bind("shot", r) for r in self.tracker.list_cast_in(asset.id)]
        return Items(shots, f"shots casting {asset!r}")

    def _time_spent(self, task: Task) -> list[TimeSpent]:
        self.tracker.require("time_spent")
        return [
            TimeSpent(self._ref("person", r["person_id"]), r["date"], r["duration"])
            for r in self.tracker.list_time_spent(task.id)
        ]

    def _set_time_spent(
        self,
        task: Task,
        person: Any,
        date: Any,
        duration: dt.timedelta | None,
        hours: float,
        minutes: float,
        *,
        add: bool,
    ) -> TimeSpent:
        self.tracker.require("time_spent")
        if duration is None:
            duration = dt.timedelta(hours=hours, minutes=minutes)
        if not isinstance(duration, dt.timedelta) or duration <= dt.timedelta(0):
            raise ValidationError(f"time spent must be a positive duration, not {duration!r}")
        pid = self._resolve("person", person)
        day = _date(date, "date")
        rec = self.tracker.set_time_spent(task.id, pid, day, duration, add=add)
        # a tracker may assign the person to record the time (Kitsu does)
        self._invalidate("task")
        return TimeSpent(self._ref("person", rec["person_id"]), rec["date"], rec["duration"])

    def _playlist_entries(self, playlist: Any) -> list[PlaylistEntry]:
        kind = playlist.for_entity or "shot"
        within = {"project_id": playlist.project_id}
        return [
            PlaylistEntry(
                self._ref(kind, e["entity_id"], within),
                self._ref("preview", e.get("preview_id")),
            )
            for e in playlist._entries
        ]

    def _playlist_add(self, playlist: Any, entity: Any, preview: Any) -> None:
        self.tracker.require("playlists")
        entity_id = self._resolve("entity", entity)
        if preview is None and isinstance(entity, Entity):
            preview_id = getattr(entity, "preview_id", None)
        else:
            preview_id = self._resolve("preview", preview)
        record = self.tracker.add_playlist_entry(playlist.id, entity_id, preview_id)
        self._invalidate("playlist")
        self._bind("playlist", record)

    def _team(self, coll: Collection[Any], person: Any, member: bool) -> None:
        if coll.kind != "person" or "project_id" not in coll._scope:
            raise GadgetError("add()/remove() are for a project's team: project.team.add(person)")
        self.tracker.require("team")
        self.tracker.set_team_member(
            coll._scope["project_id"], self._resolve("person", person), member
        )
        self._invalidate("person")

    def _download(self, entity: Entity, path: Path) -> Path:
        return self.tracker.download(entity.kind, entity.id, path)

    def _fetch(self, coll: Collection[Any], key: str) -> Any:
        kind = coll.kind
        if not isinstance(key, str) or not key:
            raise ValidationError(f"fetch() takes a non-empty string key, not {key!r}")
        if kind == "shot" and "/" in key:
            seq_name, shot_name = key.split("/", 1)
            project_id = coll._scope.get("project_id") or coll._defaults.get("project_id")
            sequences = self._collection("sequence", {"project_id": project_id}, owner=coll._owner)
            seq = sequences.get(name=seq_name)
            return coll.get(name=shot_name, sequence_id=seq.id)
        if kind == "task":
            types = self._cache_get(_key("task_type", {})) if self._cache_on else None
            by_name = "task_type_name" in self.tracker.name_filters
            if looks_like_id(key) or types is not None or not by_name:
                found = self._query(
                    kind, {**coll._query, "task_type_id": self._resolve("task_type", key)}
                )
            else:  # the tracker matches the name: no task-type list to read first
                found = self._query(kind, {**coll._query, "task_type_name": key})
            if len(found) == 1:
                return found[0]
            if not found:
                names = [t.task_type.name for t in self._query(kind, coll._query)]
                raise NotFound("task", {"task_type": key}, coll._label, closest_names(key, names))
            return coll._pick(found, {"task_type": key}, ())
        return coll.get(**{KINDS[kind].key: key})


def connect(
    url: str | None = None,
    *,
    login: str | None = None,
    password: str | None = None,
    token: str | None = None,
    project: str | None = None,
    cache: bool = True,
    cache_ttl: float = 300.0,
    prefetch: bool = True,
    config: TrackerConfig | None = None,
) -> Session:
    """Open a session and authenticate at once.

    With no ``url``, settings come from the environment / ``adm_env.yml``
    (see :mod:`gadget.config`). Bad credentials raise AuthenticationError here.
    """
    if config is None:
        if url is None:
            config = load_config(login=login, password=password, token=token, project=project)
        else:
            config = TrackerConfig(
                url=url, login=login, password=password, token=token, project=project
            )
    tracker = resolve(config.url)(config)
    tracker.open()
    return Session(tracker, cache=cache, cache_ttl=cache_ttl, prefetch=prefetch)


def project_from_env(name: str | None = None, **options: Any) -> Project:
    """Connect from the environment and return TRACKER_PROJECT (or ``name``)."""
    config = load_config()
    wanted = name or config.project
    if not wanted:
        raise ConfigError(
            "TRACKER_PROJECT is not set: looked in the environment and in adm_env.yml "
            f"(settings came from {config.source}); set it or pass Project.from_env(name=...)"
        )
    session = connect(config=config, **options)
    return session.projects.fetch(wanted)
