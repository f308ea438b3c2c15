"""The session's identity map: records become bound entities, one per id.

:class:`IdentityMap` turns the records a tracker returns into entities bound
to their session: one object per kind and id for as long as something holds
it (a weak map), updated in place when fresher data arrives. How a record
becomes constructor arguments is planned once per kind (:func:`_plan`). A
partial record (``trackers.base.MISSING``) leaves fields unset; the first
read of one runs the group's :class:`Loader`, which reads them for every
entity read together, once.

Binding makes no request. Completing a partial entity costs the one tracker
call of its group's loader, or one ``get`` for an entity read alone;
:meth:`IdentityMap.reload` is one ``get``.
"""

from __future__ import annotations

import collections
import functools
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from gadget.entities import ENTITY_CLASSES, ChecklistItem, Entity
from gadget.trackers.base import MISSING

if TYPE_CHECKING:
    from gadget.session import Session
    from gadget.trackers.base import Tracker

__all__ = ["IdentityMap", "Loader", "describe", "unset"]


class Loader:
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
        elif alias == "custom_data":
            special = "dict"
        elif alias == "raw":
            special = "mapping"
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


def unset(entity: Entity, name: str) -> bool:
    """Whether a partial record left ``entity``'s field ``name`` out (no read)."""
    try:
        object.__getattribute__(entity, name)
    except AttributeError:
        return True
    return False


def describe(entity: Any) -> str:
    """``shot 'sq170_sh0224'`` (no I/O: only what the entity holds)."""
    kind = str(getattr(entity, "kind", type(entity).__name__)).replace("_", " ")
    label = getattr(entity, "id", "")
    if kind == "task":
        return f"{kind} {label!r}"
    if not isinstance(entity, Entity):
        label = getattr(entity, "name", None) or label
    elif not unset(entity, "name"):  # a name a partial record left out is not read
        label = entity.name or label  # type: ignore[attr-defined]
    return f"{kind} {label!r}"


class IdentityMap:
    """One session's entities by kind and id, and the binding of records to them.

    ``session`` is what bound entities call into; ``tracker`` gives the open
    tracker (it raises once the session is closed); ``lock`` is the
    session's. Binding makes no request; :meth:`complete` and :meth:`reload`
    read (see the module docstring).
    """

    def __init__(
        self, session: Session, lock: threading.RLock, tracker: Callable[[], Tracker]
    ) -> None:
        self._session = session
        self._lock = lock
        self._tracker = tracker
        # by kind, then id (the id is the entity's own string: no key of its own)
        self._held: collections.defaultdict[str, weakref.WeakValueDictionary[str, Entity]] = (
            collections.defaultdict(weakref.WeakValueDictionary)
        )

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
            return tuple(self.bind("preview", r) for r in value or ())
        if special == "attachments":
            return tuple(self.bind("attachment", r) for r in value or ())
        if special == "checklist":
            return tuple(
                ChecklistItem(i, str(c.get("text", "")), bool(c.get("checked")))
                for i, c in enumerate(value or ())
            )
        if special == "entries":
            return tuple(dict(e) for e in value or ())
        # records are the tracker's copies (the contract): taken as they are
        if special == "dict":  # None: the entity makes its dict when first read
            return value if type(value) is dict or value is None else dict(value)
        if special == "mapping":  # a read-only view of the payload: any mapping
            return value if isinstance(value, Mapping) else dict(value or {})
        return value if type(value) is list else list(value or [])  # "list"

    def bind(self, kind: str, record: Mapping[str, Any], group: Any = None) -> Entity:
        """The entity of one record (see :meth:`bind_all`)."""
        entity: Entity = self.bind_all(kind, (record,), group)[0]
        return entity

    def bind_all(
        self, kind: str, records: Iterable[Mapping[str, Any]], group: Any = None
    ) -> list[Any]:
        """The entities of ``records`` (all of ``kind``), each the one object the
        session holds for its id: made on first sight, updated in place after.
        ``group``, when given, becomes their sibling group (``gadget._prefetch``)."""
        cls = ENTITY_CLASSES[kind]
        lazy = _lazy_fields(kind)
        held = self._held[kind]
        session = self._session
        out = []
        with self._lock:  # once for all of them
            for record in records:
                values = self._values(kind, record)
                missing = record.get(MISSING) or ()
                key = str(values["id"])
                obj = held.get(key)
                if obj is None:
                    obj = cls(**values, session=session, group=group)
                    for name in missing:
                        if name in lazy:
                            object.__delattr__(obj, name)  # read later through complete()
                    held[key] = obj
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

    # -- what is held ------------------------------------------------------
    def get(self, kind: str, ident: str) -> Entity | None:
        """The entity held for ``kind`` and ``ident``, if any (no request)."""
        with self._lock:
            return self._held[kind].get(ident)

    def held(self, kinds: Iterable[str], ident: Any) -> Entity | None:
        """The entity held for ``ident`` under one of ``kinds`` (identity is kind + id)."""
        if not isinstance(ident, str):
            return None
        with self._lock:
            for kind in kinds:
                hit = self._held[kind].get(ident)
                if hit is not None:
                    return hit
        return None

    def forget(self, kind: str, ident: str) -> None:
        """Hold the entity of ``kind`` and ``ident`` no more (it was deleted)."""
        with self._lock:
            self._held[kind].pop(ident, None)

    # -- reading what is missing -------------------------------------------
    def complete(self, entity: Entity) -> None:
        """Load the fields a partial record left out of ``entity`` (and of the
        records read with it: one tracker call for all of them)."""
        loader = getattr(entity._group, "complete", None)
        if loader is not None:
            loader()
        kind = entity.kind
        if any(unset(entity, name) for name in _lazy_fields(kind)):
            self.reload(entity)  # read alone, or changed since: its own record
        for name, default in _lazy_fields(kind).items():
            if unset(entity, name):  # the tracker does not have it at all
                object.__setattr__(entity, name, default())

    def reload(self, entity: Entity) -> None:
        """Read ``entity`` again, in place: one ``get``."""
        self.bind(entity.kind, self._tracker().get(entity.kind, entity.id))
