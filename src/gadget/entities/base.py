"""The base of every entity and value.

Entities are thin: attrs data plus a reference to the session that made them.
Navigation (``shot.tasks``, ``task.status``) asks that session; nothing here
imports a tracker or the collection machinery at run time, and no dunder
method does I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs

from gadget.errors import GadgetError
from gadget.kinds import IdUrl

if TYPE_CHECKING:
    from gadget.session import Session

__all__ = ["Entity"]

#: an entity's own type: ``shot.update(...)`` is a Shot to a type checker
_E = TypeVar("_E", bound="Entity")


@attrs.define(eq=False, kw_only=True, repr=False)
class Entity:
    """A tracker object with an ``id``.

    ``custom_data`` is the free-form metadata dict (Kitsu's ``data``);
    ``raw`` is the read-only vendor payload, for what gadget does not wrap.
    Two entities are equal when they have the same kind and id.
    """

    kind: ClassVar[str] = "entity"
    #: Field shown in the repr beside the id.
    _label_field: ClassVar[str] = "name"

    id: str
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    # None until first read (a listing of thousands mostly has none): see custom_data
    _custom_data: dict[str, Any] | None = attrs.field(default=None, alias="custom_data")
    # a string, or the IdUrl of a big listing (made from the id when read)
    _url: str | IdUrl | None = attrs.field(default=None, alias="url")
    # not a copy: the tracker's payload, kept once (the session makes a dict of
    # anything else); no converter, so the class needs no __setattr__ hook
    _raw: Mapping[str, Any] = attrs.field(factory=dict, alias="raw")
    _session: Session | None = attrs.field(default=None, alias="session")
    #: Sibling group: the ids loaded together with this entity (for prefetch).
    _group: Any = attrs.field(default=None, alias="group")

    if not TYPE_CHECKING:  # typed attribute access stays checked

        def __getattr__(self, name: str) -> Any:
            # Python calls this only when normal lookup fails: a field that a
            # partial record left out (trackers.base.MISSING), loaded on first read
            if name.startswith("_") or name not in attrs.fields_dict(type(self)):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            session = object.__getattribute__(self, "_session")
            if session is None:
                raise AttributeError(f"{type(self).__name__} {self.id!r} has no {name!r}")
            session._complete(self)
            return object.__getattribute__(self, name)

    @property
    def custom_data(self) -> dict[str, Any]:
        """The free-form metadata dict (Kitsu's ``data``); a local copy: write
        it back with ``update(custom_data=...)``."""
        data = self._custom_data
        if data is None:
            data = self._custom_data = {}
        return data

    @property
    def url(self) -> str | None:
        """The entity's page on the tracker's web site, or None."""
        url = self._url
        return url.of(self.id) if isinstance(url, IdUrl) else url

    @property
    def raw(self) -> Mapping[str, Any]:
        """The vendor payload this entity was built from (read-only)."""
        return MappingProxyType(self._raw)

    @property
    def session(self) -> Session:
        """The session this entity belongs to."""
        if self._session is None:
            raise GadgetError(f"{type(self).__name__} {self.id!r} is not bound to a session")
        return self._session

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entity):
            return NotImplemented
        return self.kind == other.kind and self.id == other.id

    def __hash__(self) -> int:
        return hash((self.kind, self.id))

    def __repr__(self) -> str:
        try:  # never a read: a label a partial record left out is not shown
            label = object.__getattribute__(self, self._label_field)
        except AttributeError:
            label = None
        shown = f"{label!r}, " if label is not None else ""
        return f"{type(self).__name__}({shown}id={self.id!r})"

    # -- writes ------------------------------------------------------------
    def update(self: _E, **fields: Any) -> _E:
        """Write the given fields through to the tracker; returns this same
        object, holding what the tracker stored (``shot.update(...).nb_frames``).

        Relations accept entities, ids or names (``sequence=seq``);
        ``custom_data`` is merged into the existing dict. One request.
        """
        self.session._update(self, fields)
        return self

    def delete(self) -> None:
        """Delete this entity on the tracker (and what depends on it). One request."""
        self.session._delete(self)

    def refresh(self: _E) -> _E:
        """Reload this entity's fields from the tracker, in place; returns this
        same object. One request."""
        self.session._reload(self)
        return self
