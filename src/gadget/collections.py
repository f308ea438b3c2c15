"""Lazy collections: ``project.shots``, ``shot.tasks``, ``session.persons`` ...

A :class:`Collection` is a query, not a list: building one does no I/O, and
neither does its ``repr``. Iterating or ``len()`` loads it whole in one
request (through the session, which caches and prefetches); ``get(name=...)``
on a collection not loaded yet asks the tracker for that one entity.

This module is generic: it imports no entity module and no tracker; the
session it is given does the work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from gadget._lists import Readable, ReadOnlyList
from gadget.errors import MultipleFound, NotFound, closest_names

if TYPE_CHECKING:
    from gadget.session import Session

__all__ = ["Collection", "Items", "Team", "matches"]

T = TypeVar("T")


def matches(item: Any, fields: Mapping[str, Any]) -> bool:
    """True when ``item`` has every field equal to the given value (exactly).

    A list or tuple value means "any of"; a list-valued attribute matches a
    scalar it contains (``department_ids=dept_id``).
    """
    for name, want in fields.items():
        have = getattr(item, name, None)
        if isinstance(want, (list, tuple, set, frozenset)):
            if have not in want:
                return False
        elif isinstance(have, (list, tuple)) and not isinstance(want, (list, tuple)):
            if want not in have:
                return False
        elif have != want:
            return False
    return True


class _Base(Readable[T]):
    """What every collection offers on top of ``_all()``."""

    def _pick(
        self,
        found: list[T],
        criteria: Mapping[str, Any],
        pool: Iterable[Any],
        hint: str | None = None,
    ) -> T:
        if len(found) == 1:
            return found[0]
        if not found:
            field = next((k for k in criteria if k in ("name", "short_name", "email")), "name")
            names = [str(getattr(x, field, "") or "") for x in pool]
            target = str(criteria.get(field, ""))
            close = closest_names(target, names) if target else []
            raise NotFound(self._what(), dict(criteria), self._label, close, hint)
        raise MultipleFound(
            f"{len(found)} {self._what()} match {_fmt(criteria)} in {self._label}: "
            + ", ".join(repr(x) for x in found[:5])
        )

    def _what(self) -> str:
        return "item"


def _fmt(criteria: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in criteria.items())


class Items(_Base[T], ReadOnlyList[T]):
    """An already-loaded list (a comment's previews, an asset's cast-in shots,
    a playlist's entries) with the same reading methods as a :class:`Collection`.

    A read-only :class:`collections.abc.Sequence`: indexing, slicing (to a
    list), ``len``, ``reversed``, ``index``, ``count``, ``in``; equal to a
    list holding the same items. No I/O: it holds what was read.
    """

    def __init__(self, items: Iterable[T], label: str = "items") -> None:
        self._items = list(items)
        self._label = label

    def _all(self) -> list[T]:
        return self._items

    def __repr__(self) -> str:
        return f"<{self._label}: {len(self._items)}>"

    def get(self, **fields: Any) -> T:
        """The one item whose fields equal the given values; NotFound / MultipleFound."""
        found = [x for x in self._items if matches(x, fields)]
        return self._pick(found, fields, self._items)

    def filter(self, **fields: Any) -> Items[T]:
        return Items([x for x in self._items if matches(x, fields)], self._label)


class Collection(_Base[T]):
    """A lazy, filterable set of entities of one kind under one parent.

    ``scope`` is the parent's filter (``{"project_id": ...}``), ``filters``
    the narrowing added by :meth:`filter`, ``defaults`` the fields
    :meth:`new` adds (a sequence's shots get its project).
    """

    def __init__(
        self,
        session: Session,
        kind: str,
        scope: Mapping[str, Any],
        *,
        label: str,
        owner: Any = None,
        filters: Mapping[str, Any] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self._session = session
        self.kind = kind
        self._scope = dict(scope)
        self._filters = dict(filters or {})
        self._defaults = dict(defaults or {})
        self._label = label
        self._owner = owner
        self._snapshot: list[T] | None = None

    def __repr__(self) -> str:
        extra = f" where {_fmt(self._filters)}" if self._filters else ""
        return f"<Collection {self._label}{extra}>"

    def _what(self) -> str:
        return self.kind.replace("_", " ")

    @property
    def _query(self) -> dict[str, Any]:
        return {**self._scope, **self._filters}

    def _all(self) -> list[T]:
        if self._snapshot is not None:
            return self._snapshot
        found: list[T] = self._session._query(self.kind, self._query)
        if not self._session._cache_on:
            # without a session cache, this collection object keeps its one load
            # (list() calls len() then iter(): one request, not two)
            self._snapshot = found
        return found

    def __contains__(self, item: object) -> bool:
        ident = getattr(item, "id", item)
        return any(getattr(x, "id", None) == ident for x in self._all())

    # -- queries -----------------------------------------------------------
    def filter(self, **fields: Any) -> Collection[T]:
        """A narrower collection (no I/O). Relations take entities, ids or names."""
        extra = self._session._normalize_filters(self.kind, fields, self._scope)
        return Collection(
            self._session,
            self.kind,
            self._scope,
            label=self._label,
            owner=self._owner,
            filters={**self._filters, **extra},
            defaults=self._defaults,
        )

    def get(self, **fields: Any) -> T:
        """Exactly one entity whose fields equal the values given.

        Raises NotFound (naming the closest names) or MultipleFound. On a
        collection not loaded yet, one filtered request.
        """
        if not fields:
            raise TypeError("get() needs at least one field, e.g. get(name='sh0010')")
        criteria = self._session._normalize_filters(self.kind, fields, self._scope)
        found: list[T] = self._session._query(self.kind, {**self._query, **criteria})
        if found:
            return self._pick(found, fields, [])
        # only the error path lists the whole scope, to name the closest matches,
        # and asks why what was looked for may exist all the same
        pool = self._session._query(self.kind, self._query)
        return self._pick(found, fields, pool, self._session._not_found_hint(self.kind))

    def fetch(self, key: str) -> T:
        """``get()`` by the natural key: a shot's name (or "sequence/shot"), a
        task's task-type name, a status's short name (or display name), a
        person's e-mail (or full name), else a name. Writes accept the same."""
        return self._session._fetch(self, key)  # type: ignore[no-any-return]

    def refresh(self) -> Collection[T]:
        """Forget what was loaded for this collection; the next read reloads."""
        self._snapshot = None
        self._session._invalidate(self.kind)
        return self

    # -- writes ------------------------------------------------------------
    def new(self, **fields: Any) -> T:
        """Create an entity here; AlreadyExists when its natural key is taken."""
        return self._session._new(self, fields)  # type: ignore[no-any-return]

    def new_many(self, rows: Iterable[Mapping[str, Any]]) -> list[T]:
        """Create several entities, as few requests as the tracker allows."""
        return self._session._new_many(self, [dict(r) for r in rows])

    def ensure(self, **fields: Any) -> T:
        """The existing entity with this natural key, else a new one (get-or-create)."""
        return self._session._ensure(self, fields)  # type: ignore[no-any-return]


class Team(Collection[T]):
    """A project's team: the people on it, and the one collection with
    :meth:`add` and :meth:`remove` (``project.team.add(jane)``).

    It reads like any collection (a person filtered on the project); what
    :meth:`filter` returns is a plain, read-only query of the team. People
    are created on the session (``session.persons.new(...)``), not here.
    """

    def add(self, person: Any) -> None:
        """Put a person (entity, id or e-mail) on the team; one request."""
        self._session._set_team_member(self._scope["project_id"], person, True)

    def remove(self, person: Any) -> None:
        """Take a person off the team; one request."""
        self._session._set_team_member(self._scope["project_id"], person, False)
