"""Reading a query the cache does not hold, with what a walk will read next.

:class:`Prefetcher` is how a session reads from the tracker. Entities read
together form a sibling :class:`Group`; the first child-collection read on
one of them reads that collection for every sibling in one
``Tracker.list_children`` call (a window of ``children_per_request`` when
the tracker caps it). A project's shots and assets are listed with their
tasks when the tracker has one request for both
(``Tracker.list_with_children``), and, on a tracker that gains from parallel
reads (``Tracker.concurrent_reads``), the task types and statuses the walk
will need are read alongside in threads. While the answers are bound the
cyclic garbage collector is paused (:data:`_gc_paused`).

What it costs: one ``list`` per query, or one ``list_with_children`` for a
whole listing of shots or assets (plus at most the two reference ``list``
alongside, once per session), or one ``list_children`` for the children of
all the siblings; then 0 for each sibling's children, which wait in the
query cache. ``session.no_prefetch()`` turns the sibling reads off for the
calling thread.

A listing with its children whose answer carried a validator is kept by the
cache past its lifetime (:class:`gadget._cache.Walk`); reading it again
passes that validator to ``list_with_children``, and an UNCHANGED answer
makes the kept entities fresh again: no binding, their sibling groups
current again.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gadget._cache import CacheKey, QueryCache, cache_key
from gadget._identity import IdentityMap, Loader
from gadget.kinds import KINDS
from gadget.trackers.base import MISSING, Record, Unchanged

if TYPE_CHECKING:
    from gadget.entities import Entity
    from gadget.trackers.base import Tracker

__all__ = ["Group", "Prefetcher"]

logger = logging.getLogger("gadget.session")


def _one_parent(kind: str, server: Mapping[str, Any]) -> tuple[str, Any, str] | None:
    """``(parent field, parent id, parent kind)`` when the filters ``server`` ask
    for the children of one parent: one reference field (a sequence's shots),
    or a task's ``entity_id`` with its ``entity_kind`` (ids may be unique per
    kind only, so the kind is told, never guessed); else None."""
    if len(server) == 1:
        ((field, parent_id),) = server.items()
        ref = KINDS[kind].refs.get(field)
        return (field, parent_id, ref) if ref else None
    if len(server) == 2 and kind == "task":
        parent_kind = server.get("entity_kind")
        if parent_kind in ("shot", "asset") and "entity_id" in server:
            return "entity_id", server["entity_id"], parent_kind
    return None


def _child_filters(field: str, parent_id: str, parent_kind: str) -> dict[str, str]:
    """The filters of one parent's child collection, as that collection sends
    them (``shot.tasks``: its id and its kind), so a prefetched answer is found
    under the key the collection asks for."""
    if field == "entity_id":
        return {field: parent_id, "entity_kind": parent_kind}
    return {field: parent_id}


#: the child collection read together with a listing of these kinds, when the
#: tracker has one request for both (``Tracker.list_with_children``)
_EMBEDDED = {"shot": ("task", "entity_id"), "asset": ("task", "entity_id")}
#: the reference lists those children point at, read alongside the listing
#: when the tracker gains from parallel reads (``Tracker.concurrent_reads``)
_ALONGSIDE = {"task": ("task_type", "task_status")}


class Group:
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


#: ``with _gc_paused():`` the collector is off for the block; process-wide,
#: as the collector is (the one module-level state: a depth count and a lock)
_gc_paused = _GcPause()


class Prefetcher:
    """Reads for one session: sibling prefetch, listings with their children,
    reference lists read alongside (costs in the module docstring).

    ``tracker`` gives the open tracker; what is read is bound by ``identity``
    and kept in ``cache``. ``enabled`` is the session's prefetch setting,
    which :meth:`disabled` turns off for the calling thread (or asyncio task).
    """

    def __init__(
        self,
        tracker: Callable[[], Tracker],
        identity: IdentityMap,
        cache: QueryCache,
        *,
        enabled: bool,
    ) -> None:
        self._tracker = tracker
        self._identity = identity
        self._cache = cache
        # per thread / context: ``no_prefetch()`` in one thread leaves the others alone
        # (a new thread starts from the session's setting)
        self._enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
            f"gadget_prefetch_{id(self):x}", default=enabled
        )

    @property
    def enabled(self) -> bool:
        """Whether sibling prefetch is on in the calling thread (context)."""
        return self._enabled.get()

    @contextlib.contextmanager
    def disabled(self) -> Iterator[None]:
        """Within the block, in the calling thread, no sibling prefetch (blocks nest)."""
        token = self._enabled.set(False)
        try:
            yield
        finally:
            self._enabled.reset(token)

    def siblings(self, entity: Entity) -> list[str]:
        """The ids to read a per-entity value (a shot's casting) for with
        ``entity``'s: its sibling group's when prefetch is on and no write has
        come since the group was read, else its own. No request."""
        group = entity._group
        if self.enabled and group is not None and group.generation == self._cache.generation:
            return list(group.ids)
        return [entity.id]

    def bind_group(
        self, kind: str, records: Sequence[Mapping[str, Any]], complete: Loader | None = None
    ) -> list[Any]:
        """Bind ``records`` as one sibling group (no request)."""
        group = Group(kind, [str(r["id"]) for r in records], self._cache.generation, None, complete)
        return self._identity.bind_all(kind, records, group)

    def load(self, kind: str, server: dict[str, Any], key: CacheKey) -> list[Any]:
        """Read the query of ``kind`` with filters ``server`` (cached under
        ``key``): through the parent's siblings, with children, or alone."""
        tracker = self._tracker()
        since = self._cache.generation  # a write meanwhile: what is read is not kept
        prefetch = self.enabled
        one = _one_parent(kind, server) if prefetch else None
        if one is not None:
            field, parent_id, parent_kind = one
            parent = self._identity.held((parent_kind,), parent_id)
            group = getattr(parent, "_group", None) if parent is not None else None
            # projects are never prefetched through: one project's shots, not the studio's
            if (
                group is not None
                and group.kind != "project"
                and len(group.ids) > 1
                and group.generation == self._cache.generation
            ):
                return self._load_children(kind, field, group, parent_id, since)
        child_kind, field = _EMBEDDED.get(kind, ("", ""))
        if child_kind and prefetch and not server.keys() & {"id", KINDS[kind].key}:
            # a walk kept past its lifetime is revalidated
            validator = self._cache.validator(key)
            # a project's whole listing: a walk to come, which reads its references
            # (those whose lifetime passed too: while the revalidation is in flight)
            walk = set(server) == {"project_id"}
            with self._alongside(_ALONGSIDE.get(child_kind, ()) if walk else ()), _gc_paused():
                if validator is None:
                    both = tracker.list_with_children(kind, server, child_kind, field)
                else:
                    both = tracker.list_with_children(
                        kind, server, child_kind, field, validator=validator
                    )
                    if isinstance(both, Unchanged):
                        kept = self._cache.revalidated(key, validator, since=since)
                        if kept is not None:
                            logger.debug("the %s listing %s is unchanged: kept", kind, server)
                            self._refresh_groups(key, since)
                            return kept
                        # a write came meanwhile: what is kept is not trusted
                        both = tracker.list_with_children(kind, server, child_kind, field)
                if isinstance(both, tuple):
                    validator = getattr(both, "validator", None)
                    return self._bind_with_children(
                        kind, server, key, child_kind, field, *both, validator, since=since
                    )
        with _gc_paused():
            entities = self.bind_group(kind, tracker.list(kind, server))
        self._cache.put(key, entities, since=since)
        return entities

    def _refresh_groups(self, key: CacheKey, generation: int) -> None:
        """The sibling groups of a walk revalidated in ``generation`` are as current
        as a new read's: they are prefetched through again, though a write came
        since they were read (a group another read replaced is left as it is)."""
        for found in self._cache.walk_entries(key):
            group = getattr(found[0], "_group", None) if found else None
            if (
                group is not None
                and len(group.ids) == len(found)
                and all(e._group is group for e in found)
            ):
                group.generation = generation

    @contextlib.contextmanager
    def _alongside(self, kinds: Iterable[str]) -> Iterator[None]:
        """Read the reference lists of ``kinds`` not cached yet in threads of their
        own while the block runs; the block ends when they are read.

        Only for a tracker that gains from it and with the cache on (else the
        lists would be read again). A failed read is left for the caller that
        needs the list: it reads it again and sees the error.
        """
        cache = self._cache
        wanted = [k for k in kinds if cache.enabled and cache.get(cache_key(k, {})) is None]
        if not wanted or not self._tracker().concurrent_reads:
            yield
            return

        def read(kind: str) -> None:
            key = cache_key(kind, {})
            try:
                if cache.get(key) is None:  # the whole list, as session.<kind>s reads it
                    self.load(kind, {}, key)
            except Exception:  # read again, and raised, where it is needed
                logger.debug("reading the %s list alongside failed", kind, exc_info=True)

        threads = [  # in copies of the caller's context: its deadline holds there too
            threading.Thread(
                target=contextvars.copy_context().run,
                args=(read, k),
                name=f"gadget-{k}",
                daemon=True,
            )
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
        key: CacheKey,
        child_kind: str,
        field: str,
        records: Sequence[Record],
        children: Mapping[str, Sequence[Record]],
        validator: str | None,
        *,
        since: int,
    ) -> list[Any]:
        """Bind a listing read together with each result's children: the children
        are cached as each parent's child collection (a walk costs no more reads),
        the whole as a walk to revalidate when the answer came with a validator."""
        parent_ids = [str(r["id"]) for r in records]

        def full_parents() -> None:
            self._identity.bind_all(kind, self._tracker().list(kind, server))

        def full_children() -> None:
            answer = self._tracker().list_children(child_kind, field, parent_ids, parent_kind=kind)
            for found in answer.values():
                self._identity.bind_all(child_kind, found)

        partial = any(MISSING in r for r in records)
        entities = self.bind_group(kind, records, Loader(full_parents) if partial else None)
        family = [str(r["id"]) for found in children.values() for r in found]
        partial = any(MISSING in r for found in children.values() for r in found)
        loader = Loader(full_children) if partial else None
        kept: dict[CacheKey, list[Any]] = {}
        for pid in parent_ids:
            found = children.get(pid, ())
            group = Group(
                child_kind, [str(r["id"]) for r in found], self._cache.generation, family, loader
            )
            bound = self._identity.bind_all(child_kind, found, group)
            kept[cache_key(child_kind, _child_filters(field, pid, kind))] = bound
        self._cache.put_walk(key, entities, kept, validator=validator, since=since)
        return entities

    def _load_children(
        self, kind: str, field: str, group: Group, parent_id: str, since: int
    ) -> list[Any]:
        tracker = self._tracker()
        limit = tracker.children_per_request(kind, field)
        ids = group.prefetch_ids(parent_id, limit)
        mine: list[Any] = []
        with _gc_paused():
            # the parent's group holds siblings of one kind: the parents' kind
            by_parent = tracker.list_children(kind, field, list(ids), parent_kind=group.kind)
            family = [str(r["id"]) for records in by_parent.values() for r in records]
            for pid, records in by_parent.items():
                # one parent's children are siblings; the family is all of them
                children = Group(
                    kind, [str(r["id"]) for r in records], self._cache.generation, family
                )
                bound = self._identity.bind_all(kind, records, children)
                if pid == parent_id:
                    mine = bound
                else:
                    key = cache_key(kind, _child_filters(field, pid, group.kind))
                    self._cache.put(key, bound, prefetched=True, since=since)
        key = cache_key(kind, _child_filters(field, parent_id, group.kind))
        self._cache.put(key, mine, since=since)
        return mine
