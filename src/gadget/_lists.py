"""The read-only list behind every loaded list of gadget.

:class:`ReadOnlyList` is a :class:`collections.abc.Sequence` over a list
that its subclass loads (``_all()``): ``Items`` (a comment's previews, an
asset's cast-in shots, a playlist's entries), a shot's casting, a task's
time spent. It indexes, slices (to a list), measures, reverses, finds
(``index``, ``count``, ``in``) and compares equal to a list with the same
items, like a list that cannot be changed in place. :class:`Readable`, its
base, is the reading a lazy collection shares with it. It imports nothing of
gadget, so entities and collections can both build on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Generic, TypeVar, overload

__all__ = ["ReadOnlyList", "Readable"]

T = TypeVar("T")


class Readable(Generic[T]):
    """The reading every list-like of gadget offers on top of ``_all()``: a lazy
    collection as much as a loaded list (iterate, ``len``, index and slice,
    ``all()``, ``first()``)."""

    #: what the list holds, for reprs and error messages
    _label: str = "items"

    def _all(self) -> list[T]:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._all()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())

    def all(self) -> list[T]:
        """Everything, as a new list."""
        return list(self._all())

    def first(self) -> T | None:
        """The first item, or None when empty."""
        items = self._all()
        return items[0] if items else None


class ReadOnlyList(Readable[T], Sequence[T]):
    """A read-only sequence of already-read items; ``==`` a list with the same items."""

    def __reversed__(self) -> Iterator[T]:
        return reversed(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        items = self._all()
        return items.index(value, start, len(items) if stop is None else stop)

    def count(self, value: Any) -> int:
        return self._all().count(value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReadOnlyList):
            return self._all() == other._all()
        if isinstance(other, list):
            return self._all() == other
        return NotImplemented

    # compared by content, which may change on a reload: not hashable, like a list
    __hash__: ClassVar[None] = None  # type: ignore[assignment]
