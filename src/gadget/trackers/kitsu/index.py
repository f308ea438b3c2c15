"""The id index: the kind and project of the entities a Kitsu tracker has returned.

Why it exists: Zou's answers leave out two facts that some requests need,
and asking for them would cost a request each time.

- A task row names its entity (``entity_id``) but not whether that is a shot
  or an asset, while a task record says it (``entity_kind``). Reading tasks
  as children, the tracker is told the parents' kind (``list_children``'s
  ``parent_kind``) and needs no index. Reading them otherwise (``get``,
  ``list``, the answer of ``create`` or ``update``) it looks the entity up
  here, and only for entities it has not seen asks Zou (one GET of shots,
  then one of assets for those not found, per project and 60 ids). The kind also picks the per-entity route
  of ``list("task", {"entity_id": ..., "task_type_name": ...})``
  (``data/shots/{id}/tasks`` or ``data/assets/{id}/tasks``: one request,
  where the task types by name would cost one more).
- Some routes are per project while the call names only entities: the tasks
  of more than 60 shots (``data/projects/{id}/tasks``, one request instead of
  one per 60 shots), casting (grouped by project), the shots an asset is
  cast in (narrowed to its project), and a new record given its parent but
  no ``project_id``.

It also keeps each shot's sequence: the tasks of more than 60 shots of one
sequence are read by sequence (``data/sequences/{id}/shot-tasks``), not with
the whole project's.

Episodes, sequences, shots, assets and tasks (a walk's comments are read by
project) are kept: ``(kind, project_id)`` per id, and shots' sequences, both
bounded (the oldest written out first: plain dicts, a fraction of an
LRU structure's memory on a walk of 70,000 ids) so that a long-lived
tracker's memory does not grow without end; an id that fell out is asked
for again. Thread-safe. No I/O here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TypeVar

__all__ = ["IdIndex"]

_K = TypeVar("_K")
_V = TypeVar("_V")


class _Bounded(dict[_K, _V]):
    """A dict of at most ``maxsize`` entries: writing one more drops the oldest
    written (a write moves an entry to the end)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def put(self, key: _K, value: _V) -> None:
        if key in self:
            del self[key]
        elif len(self) >= self.maxsize:
            del self[next(iter(self))]
        self[key] = value


class IdIndex:
    """Entity id -> (kind, project id), for one tracker."""

    def __init__(self, maxsize: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._known: _Bounded[str, tuple[str, str | None]] = _Bounded(maxsize)
        self._sequence: _Bounded[str, str] = _Bounded(maxsize)
        self._episode: _Bounded[str, str] = _Bounded(maxsize)  # a sequence's

    def remember_sequence(self, shot_id: str | None, sequence_id: str | None) -> None:
        """Keep the sequence of a shot (the tasks of many shots of one sequence
        are read by sequence)."""
        if shot_id and sequence_id:
            with self._lock:
                self._sequence.put(shot_id, sequence_id)

    def remember_episode(self, sequence_id: str | None, episode_id: str | None) -> None:
        """Keep the episode of a sequence (a sequence's shots with their tasks are
        read with its episode's)."""
        if sequence_id and episode_id:
            with self._lock:
                self._episode.put(sequence_id, episode_id)

    def episode_of(self, sequence_id: str) -> str | None:
        """The episode of ``sequence_id`` when the index has it, else None."""
        with self._lock:
            return self._episode.get(sequence_id)

    def sequence_of(self, shot_id: str) -> str | None:
        """The sequence of ``shot_id`` when the index has it, else None."""
        with self._lock:
            return self._sequence.get(shot_id)

    def remember(self, ident: str | None, kind: str, project_id: str | None) -> None:
        """Keep ``ident``'s kind and project (nothing for an empty id)."""
        if ident:
            with self._lock:
                self._known.put(ident, (kind, project_id))

    def remember_all(self, idents: Iterable[str], kind: str, project_id: str | None) -> None:
        """Keep the kind and project of many ids of one kind and project (a walk)."""
        entry = (kind, project_id)  # one tuple for all of them
        put = self._known.put
        with self._lock:
            for ident in idents:
                if ident:
                    put(ident, entry)

    def known(self, ident: str) -> tuple[str, str | None] | None:
        """``(kind, project_id)`` of ``ident``, or None when it is not in the index."""
        with self._lock:
            return self._known.get(ident)

    def project_of(self, ident: str) -> str | None:
        """The project of ``ident`` when the index has it, else None."""
        known = self.known(ident)
        return known[1] if known else None

    def forget(self, ident: str) -> None:
        """Drop ``ident`` (it was deleted)."""
        with self._lock:
            self._known.pop(ident, None)
