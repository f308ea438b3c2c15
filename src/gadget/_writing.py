"""The session's writing half: user input resolved and checked, then written.

:class:`_Writing` turns what callers pass (entities, ids, names, dates) into
the normalized fields a tracker accepts, refuses bad input before anything
is written, and keeps the caches right after every write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gadget._reading import _Reading
from gadget.collections import Collection
from gadget.entities import Entity


class _Writing(_Reading):
    """Resolving user input, then creating, updating, deleting and publishing."""

    # -- resolving user input (what entities and collections call) ---------
    def _resolve(self, kind: str, value: Any, scope: Mapping[str, Any] | None = None) -> Any:
        """An id from an entity, a dict, an id string or a natural key (name)."""
        return self._checks.resolve(kind, value, scope)

    def _normalize_filters(
        self, kind: str, fields: Mapping[str, Any], scope: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``filter()``/``get()`` fields as the tracker's field names, references resolved."""
        return self._checks.normalize_filters(kind, fields, scope)

    # -- writing -----------------------------------------------------------
    def _new(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        if coll.kind == "comment":
            return self._publisher.new_comment(coll, dict(fields))
        data = self._checks.prepare_new(coll, fields)
        self._checks.check_free(coll.kind, data, coll._label)
        return self._create(coll.kind, data)

    def _create(self, kind: str, data: Mapping[str, Any]) -> Any:
        record = self.tracker.create(kind, data)
        self._invalidate(kind)
        return self._identity.bind(kind, record)

    def _new_many(self, coll: Collection[Any], rows: list[dict[str, Any]]) -> list[Any]:
        if coll.kind == "comment":
            return [self._publisher.new_comment(coll, row) for row in rows]
        prepared = [self._checks.prepare_new(coll, row) for row in rows]
        self._checks.check_new_rows(coll, prepared)
        try:  # all or nothing (else PartialWrite names what is left)
            records = self.tracker.create_many(coll.kind, prepared)
        finally:
            self._invalidate(coll.kind)
        return self._prefetcher.bind_group(coll.kind, records)

    def _ensure(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        data = self._checks.prepare_new(coll, fields)
        found = self._checks.holders(coll.kind, data)
        return found[0] if found else self._create(coll.kind, data)

    def _update(self, entity: Entity, fields: Mapping[str, Any]) -> None:
        kind = entity.kind
        data = self._checks.prepare_update(entity, fields)
        if not data:
            return
        record = self.tracker.update(kind, entity.id, data)
        self._invalidate(kind)
        self._identity.bind(kind, record)

    def _delete(self, entity: Entity) -> None:
        self.tracker.require("delete")
        self.tracker.delete(entity.kind, entity.id)
        self._identity.forget(entity.kind, entity.id)
        self.clear_cache()

    # -- publishing --------------------------------------------------------
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
        return self._publisher.publish_many(items, max_workers=max_workers, progress=progress)
