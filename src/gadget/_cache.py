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

It makes no request: it only remembers what the session read.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from cachetools import TTLCache

__all__ = ["CacheKey", "QueryCache", "cache_key"]

#: (kind, the filters sent to the tracker, sorted and made hashable)
CacheKey = tuple[str, tuple[tuple[str, Any], ...]]


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    return value


def cache_key(kind: str, filters: Mapping[str, Any]) -> CacheKey:
    """The key of the query of ``kind`` with these (normalized) filters."""
    return kind, tuple(sorted((k, _freeze(v)) for k, v in filters.items()))


class QueryCache:
    """One session's query results: a TTL cache, or prefetched results only.

    ``enabled`` False keeps nothing but what :meth:`put` is told was
    prefetched, and hands each of those out once. All of it is guarded by
    the session's ``lock``. No request: memory only (at most ``size``
    results, each for ``ttl`` seconds).
    """

    def __init__(self, lock: threading.RLock, *, enabled: bool, ttl: float, size: int) -> None:
        self._lock = lock
        self._enabled = enabled
        self._queries: TTLCache[CacheKey, list[Any]] = TTLCache(size, ttl)
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

    def invalidate(self, *kinds: str) -> None:
        """Forget the results of queries of ``kinds`` and every prefetched one."""
        with self._lock:
            for key in [k for k in list(self._queries.keys()) if k[0] in kinds]:
                self._queries.pop(key, None)
            self._prefetched.clear()
            self.generation += 1

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._queries.clear()
            self._prefetched.clear()
            self.generation += 1
