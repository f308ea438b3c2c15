"""The session's reading half: the identity map, the query cache, prefetch.

:class:`_Reading` turns the records a tracker returns into bound entities
(one object per kind and id, updated in place when fresher data arrives),
answers queries from a per-session TTL cache, prefetches the children of
siblings in one call, and loads the fields partial records left out.
:class:`gadget.session.Session` is built on it.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from gadget._cache import CacheKey, QueryCache, cache_key
from gadget._identity import IdentityMap, Loader, describe
from gadget.collections import Collection, Items, matches
from gadget.config import mask_url
from gadget.entities import ENTITY_CLASSES, Entity
from gadget.errors import TrackerUnavailable
from gadget.kinds import KINDS
from gadget.trackers.base import MISSING, Record

if TYPE_CHECKING:
    from gadget.entities import Person
    from gadget.session import Session
    from gadget.trackers.base import Tracker


logger = logging.getLogger("gadget.session")

#: kinds small enough to load whole to resolve one reference
_REFERENCE_KINDS = frozenset(
    {"project", "task_type", "task_status", "asset_type", "department", "person"}
)


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


class _Group:
    """Ids loaded together by one collection read (siblings, for prefetch)."""

    __slots__ = ("__weakref__", "complete", "family", "generation", "ids", "kind")

    def __init__(
        self,
        kind: str,
        ids: list[str],
        generation: int,
        family: list[str] | None = None,
        complete: Loader | None = None,
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


class _Reading:
    """The identity map, the query cache and the reads behind them."""

    def __init__(
        self,
        tracker: Tracker,
        *,
        cache: bool = True,
        cache_ttl: float = 300.0,
        cache_size: int = 20_000,
        prefetch: bool = True,
    ) -> None:
        self._tracker = tracker
        self._lock = threading.RLock()
        self._identity = IdentityMap(cast("Session", self), self._lock, lambda: self.tracker)
        self._cache = QueryCache(self._lock, enabled=cache, ttl=cache_ttl, size=cache_size)
        # per thread / context: ``no_prefetch()`` in one thread leaves the others alone
        # (a new thread starts from the session's setting)
        self._prefetch_var: contextvars.ContextVar[bool] = contextvars.ContextVar(
            f"gadget_prefetch_{id(self):x}", default=prefetch
        )
        self._me: Person | None = None
        self._closed = False

    @property
    def tracker(self) -> Tracker:
        """The tracker behind this session (also the escape hatch to what gadget
        does not wrap). Once the session is closed, TrackerUnavailable: nothing
        asks a closed tracker."""
        if self._closed:
            raise TrackerUnavailable(
                f"this session is closed (the {self._tracker.name} tracker at "
                f"{mask_url(self._tracker.config.url)}); connect again"
            )
        return self._tracker

    @property
    def _cache_on(self) -> bool:
        """Whether this session keeps query results (``connect(..., cache=False)``)."""
        return self._cache.enabled

    @property
    def _prefetch(self) -> bool:
        """Whether sibling prefetch is on in the calling thread (context)."""
        return self._prefetch_var.get()

    def _bind_many(
        self, kind: str, records: Sequence[Mapping[str, Any]], complete: Loader | None = None
    ) -> list[Any]:
        group = _Group(
            kind, [str(r["id"]) for r in records], self._cache.generation, None, complete
        )
        return self._identity.bind_all(kind, records, group)

    def _items(self, items: Iterable[Any], label: str) -> Items[Any]:
        return Items(items, label)

    # -- reading -----------------------------------------------------------
    def clear_cache(self) -> None:
        """Forget every cached query result (entities already held stay valid)."""
        self._cache.clear()

    def _invalidate(self, *kinds: str) -> None:
        """Forget the cached query results of ``kinds`` (after a write)."""
        self._cache.invalidate(*kinds)

    def _collection(
        self,
        kind: str,
        scope: Mapping[str, Any],
        *,
        owner: Any = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> Collection[Any]:
        plural = KINDS[kind].plural.replace("_", " ")
        label = f"{plural} of {describe(owner)}" if owner is not None else plural
        return Collection(
            cast("Session", self), kind, scope, label=label, owner=owner, defaults=defaults
        )

    def _query(self, kind: str, filters: Mapping[str, Any]) -> list[Any]:
        """Entities of ``kind`` matching ``filters`` exactly (normalized field names)."""
        spec = KINDS[kind]
        accepted = set(spec.filters) | {"id", spec.key} | self.tracker.name_filters
        server = {k: v for k, v in filters.items() if k in accepted and v is not None}
        key = cache_key(kind, server)
        found = self._cache.get(key)
        if found is None:
            # a narrowing of a query already loaded is answered from it
            broader = {k: v for k, v in server.items() if k not in (spec.key, "id", "name")}
            if broader != server:
                found = self._cache.get(cache_key(kind, broader)) if self._cache_on else None
        if found is None:
            found = self._load(kind, server, key)
        # the final match is exact; server-only filters (a person's team) are not attributes
        cls = ENTITY_CLASSES[kind]
        local = {k: v for k, v in filters.items() if k not in server or hasattr(cls, k)}
        return [e for e in found if matches(e, local)]

    def _load(self, kind: str, server: dict[str, Any], key: CacheKey) -> list[Any]:
        if self._prefetch and len(server) == 1:
            ((field, parent_id),) = server.items()
            parent = self._identity.held(_parent_kinds(kind, field), parent_id)
            group = getattr(parent, "_group", None) if parent is not None else None
            # projects are never prefetched through: one project's shots, not the studio's
            if (
                group is not None
                and group.kind != "project"
                and len(group.ids) > 1
                and group.generation == self._cache.generation
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
        self._cache.put(key, entities)
        return entities

    @contextlib.contextmanager
    def _alongside(self, kinds: Iterable[str]) -> Iterator[None]:
        """Read the reference lists of ``kinds`` not cached yet in threads of their
        own while the block runs; the block ends when they are read.

        Only for a tracker that gains from it and with the cache on (else the
        lists would be read again). A failed read is left for the caller that
        needs the list: it reads it again and sees the error.
        """
        wanted = [k for k in kinds if self._cache_on and self._cache.get(cache_key(k, {})) is None]
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
            self._identity.bind_all(kind, self.tracker.list(kind, server))

        def full_children() -> None:
            answer = self.tracker.list_children(child_kind, field, parent_ids, parent_kind=kind)
            for found in answer.values():
                self._identity.bind_all(child_kind, found)

        partial = any(MISSING in r for r in records)
        entities = self._bind_many(kind, records, Loader(full_parents) if partial else None)
        family = [str(r["id"]) for found in children.values() for r in found]
        partial = any(MISSING in r for found in children.values() for r in found)
        loader = Loader(full_children) if partial else None
        for pid in parent_ids:
            found = children.get(pid, ())
            group = _Group(
                child_kind, [str(r["id"]) for r in found], self._cache.generation, family, loader
            )
            bound = self._identity.bind_all(child_kind, found, group)
            self._cache.put(cache_key(child_kind, {field: pid}), bound, prefetched=True)
        return entities

    def _load_children(self, kind: str, field: str, group: _Group, parent_id: str) -> list[Any]:
        limit = self.tracker.children_per_request(kind, field)
        ids = group.prefetch_ids(parent_id, limit)
        mine: list[Any] = []
        with _bulk():
            # the parent's group holds siblings of one kind: the parents' kind
            by_parent = self.tracker.list_children(kind, field, list(ids), parent_kind=group.kind)
            family = [str(r["id"]) for records in by_parent.values() for r in records]
            for pid, records in by_parent.items():
                # one parent's children are siblings; the family is all of them
                children = _Group(
                    kind, [str(r["id"]) for r in records], self._cache.generation, family
                )
                bound = self._identity.bind_all(kind, records, children)
                if pid == parent_id:
                    mine = bound
                else:
                    self._cache.put(cache_key(kind, {field: pid}), bound, prefetched=True)
        self._cache.put(cache_key(kind, {field: parent_id}), mine)
        return mine

    def _ref(self, kind: str, ident: str | None, within: Mapping[str, Any] | None = None) -> Any:
        """The entity of ``kind`` with id ``ident`` (None for None)."""
        if ident is None:
            return None
        hit = self._identity.get(kind, ident)
        if hit is not None:
            return hit
        if kind in _REFERENCE_KINDS or within:
            for e in self._query(kind, dict(within or {})):
                if e.id == ident:
                    return e
        return self._identity.bind(kind, self.tracker.get(kind, ident))

    def _complete(self, entity: Entity) -> None:
        """Load the fields a partial record left out of ``entity`` (entities call this)."""
        self._identity.complete(entity)

    def _reload(self, entity: Entity) -> None:
        """Read ``entity`` again, in place: one ``get``."""
        self._identity.reload(entity)
