"""The session's reading half: the identity map, the query cache, prefetch.

:class:`_Reading` turns the records a tracker returns into bound entities
(one object per kind and id, updated in place when fresher data arrives),
answers queries from a per-session TTL cache, prefetches the children of
siblings in one call, and loads the fields partial records left out.
:class:`gadget.session.Session` is built on it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from gadget._cache import QueryCache, cache_key
from gadget._checks import REFERENCE_KINDS, InputChecks
from gadget._identity import IdentityMap, describe
from gadget._prefetch import Prefetcher
from gadget._publishing import Publisher
from gadget.collections import Collection, Items, matches
from gadget.config import mask_url
from gadget.entities import ENTITY_CLASSES, Entity
from gadget.errors import TrackerUnavailable
from gadget.kinds import KINDS

if TYPE_CHECKING:
    from gadget.entities import Person
    from gadget.session import Session
    from gadget.trackers.base import Tracker


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
        self._prefetcher = Prefetcher(
            lambda: self.tracker, self._identity, self._cache, enabled=prefetch
        )
        self._checks = InputChecks(lambda: self.tracker, self._query, self._ref)
        self._publisher = Publisher(
            lambda: self.tracker, self._checks, self._identity, self._cache, self._ref
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
            found = self._prefetcher.load(kind, server, key)
        # the final match is exact; server-only filters (a person's team) are not attributes
        cls = ENTITY_CLASSES[kind]
        local = {k: v for k, v in filters.items() if k not in server or hasattr(cls, k)}
        return [e for e in found if matches(e, local)]

    def _ref(self, kind: str, ident: str | None, within: Mapping[str, Any] | None = None) -> Any:
        """The entity of ``kind`` with id ``ident`` (None for None)."""
        if ident is None:
            return None
        hit = self._identity.get(kind, ident)
        if hit is not None:
            return hit
        if kind in REFERENCE_KINDS or within:
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
