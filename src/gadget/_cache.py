"""The session's query cache: what each query answered, kept for a while.

:class:`QueryCache` holds one session's query results (lists of bound
entities) under a key made of the kind and the filters sent to the tracker,
in a TTL cache of its own (none is shared between sessions). With the cache
off it still keeps the results a prefetch read for siblings, each until it
is read once. Every write through the session forgets the kinds it
touched; the generation counts those forgettings, so a sibling group loaded
before a write is not used to prefetch after it, and a result read while a
write went on in another thread is not kept (:meth:`QueryCache.put` is given
the generation its read began in: a stale list never outlives the write).

A walk (a listing read with its children, ``Tracker.list_with_children``)
whose answer came with a validator is also kept as a :class:`Walk`: when its
entries outlive the TTL they are stale, not gone; :meth:`QueryCache.validator`
gives what to revalidate them with, and :meth:`QueryCache.revalidated` makes
them fresh again, the same lists of the same entities, when the tracker says
the answer is unchanged. A write that forgets a kind of the walk drops it:
a stale entry a write touched is never revalidated. A walk holds references
to the lists the cache holds anyway, never a copy; the walks kept hold at
most ``size`` entries in all, the oldest walk dropped first (the newest is
kept whatever its size).

It makes no request: it only remembers what the session read.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from cachetools import TTLCache

__all__ = ["CacheKey", "QueryCache", "Walk", "cache_key"]

#: (kind, the filters sent to the tracker, sorted and made hashable)
CacheKey = tuple[str, tuple[tuple[str, Any], ...]]


def clock() -> float:
    """The query cache's clock, in seconds (monotonic): what its TTL counts.
    Looked up at each reading, so a test can move it on."""
    return time.monotonic()


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    return value


def cache_key(kind: str, filters: Mapping[str, Any]) -> CacheKey:
    """The key of the query of ``kind`` with these (normalized) filters."""
    return kind, tuple(sorted((k, _freeze(v)) for k, v in filters.items()))


class Walk:
    """A listing and the children read with it, with the tracker's validator
    of that answer: kept past the TTL, to be revalidated rather than read again."""

    __slots__ = ("entries", "kinds", "validator")

    def __init__(self, validator: str, entries: dict[CacheKey, list[Any]]) -> None:
        self.validator = validator
        #: every result of the walk (the listing's first): the lists as cached
        self.entries = entries
        self.kinds = frozenset(key[0] for key in entries)


class QueryCache:
    """One session's query results: a TTL cache, or prefetched results only.

    ``enabled`` False keeps nothing but what :meth:`put` is told was
    prefetched, and hands each of those out once. All of it is guarded by
    the session's ``lock``. No request: memory only (at most ``size``
    results, each for ``ttl`` seconds of ``timer``, by default :func:`clock`;
    and the walks kept for revalidation, see the module docstring).
    """

    def __init__(
        self,
        lock: threading.RLock,
        *,
        enabled: bool,
        ttl: float,
        size: int,
        timer: Callable[[], float] | None = None,
    ) -> None:
        self._lock = lock
        self._enabled = enabled
        self._size = size
        self._queries: TTLCache[CacheKey, list[Any]] = TTLCache(
            size, ttl, timer or (lambda: clock())
        )
        # walks with a validator, by the listing's key, oldest first
        self._walks: OrderedDict[CacheKey, Walk] = OrderedDict()
        # when the cache is off, prefetched sibling results wait here until read once
        self._prefetched: dict[CacheKey, list[Any]] = {}
        #: how many times results were forgotten (a write, clear_cache): a sibling
        #: group of an older generation is not prefetched through
        self.generation = 0

    @property
    def enabled(self) -> bool:
        """Whether query results are kept (``connect(..., cache=False)`` turns it off)."""
        return self._enabled

    def get(self, key: CacheKey) -> list[Any] | None:
        """The result kept for ``key`` (with the cache off, a prefetched one, once)."""
        with self._lock:
            if self._enabled:
                return self._queries.get(key)
            return self._prefetched.pop(key, None)

    def put(
        self,
        key: CacheKey,
        value: list[Any],
        *,
        prefetched: bool = False,
        since: int | None = None,
    ) -> None:
        """Keep ``value`` as the result of ``key``; with the cache off, only a
        ``prefetched`` one (read for a sibling, waiting to be asked for).

        ``since`` is the :attr:`generation` the read began in: when a write
        forgot results meanwhile, the read may hold what the write changed,
        and nothing is kept."""
        with self._lock:
            if since is not None and since != self.generation:
                return
            if self._enabled:
                self._queries[key] = value
            elif prefetched:
                self._prefetched[key] = value

    def put_walk(
        self,
        key: CacheKey,
        value: list[Any],
        children: Mapping[CacheKey, list[Any]],
        *,
        validator: str | None,
        since: int,
    ) -> None:
        """Keep a listing (``key``: ``value``) and the children read with it, all
        of the same age; with the cache on and a ``validator``, as a walk to
        revalidate once they are stale. ``since`` as for :meth:`put`; with the
        cache off, only the children are kept (prefetched, once each)."""
        with self._lock:
            self._walks.pop(key, None)  # an older answer is never revalidated
            if since != self.generation:
                return
            if not self._enabled:
                self._prefetched.update(children)
                return
            with self._queries.timer:  # one instant: they expire together
                for child_key, found in children.items():
                    self._queries[child_key] = found
                self._queries[key] = value
            if validator is not None:
                self._walks[key] = Walk(validator, {key: value, **children})
                self._bound_walks()

    def _bound_walks(self) -> None:
        total = sum(len(w.entries) for w in self._walks.values())
        while len(self._walks) > 1 and total > self._size:
            _, oldest = self._walks.popitem(last=False)
            total -= len(oldest.entries)

    def validator(self, key: CacheKey) -> str | None:
        """The validator of the walk kept for the listing ``key`` (None: there is none)."""
        with self._lock:
            walk = self._walks.get(key)
            return walk.validator if walk is not None and self._enabled else None

    def revalidated(self, key: CacheKey, validator: str, *, since: int) -> list[Any] | None:
        """The tracker said the walk of ``key`` kept with ``validator`` is unchanged:
        its entries are fresh again (a full TTL from now), the same lists;
        returns the listing. None when the walk is gone or another since (a
        write forgot it), or when a write came after ``since`` (the generation
        the revalidation began in)."""
        with self._lock:
            walk = self._walks.get(key)
            if walk is None or walk.validator != validator or since != self.generation:
                return None
            with self._queries.timer:
                for entry_key, found in walk.entries.items():
                    self._queries[entry_key] = found
            self._walks.move_to_end(key)
            return walk.entries[key]

    def walk_entries(self, key: CacheKey) -> list[list[Any]]:
        """The results of the walk kept for the listing ``key`` (none: [])."""
        with self._lock:
            walk = self._walks.get(key)
            return list(walk.entries.values()) if walk is not None else []

    def invalidate(self, *kinds: str) -> None:
        """Forget the results of queries of ``kinds`` and every prefetched one,
        and the walks holding any of them (stale or not)."""
        with self._lock:
            for key in [k for k in list(self._queries.keys()) if k[0] in kinds]:
                self._queries.pop(key, None)
            for key in [k for k, w in self._walks.items() if w.kinds & set(kinds)]:
                del self._walks[key]
            self._prefetched.clear()
            self.generation += 1

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._queries.clear()
            self._walks.clear()
            self._prefetched.clear()
            self.generation += 1
