"""People and departments."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import attrs

from gadget.entities.base import Entity

if TYPE_CHECKING:
    from gadget.collections import Collection, Items

__all__ = ["Department", "Person"]


@attrs.define(eq=False, kw_only=True, repr=False)
class Person(Entity):
    """A user of the tracker; looked up by ``email``. ``name`` is the full name."""

    kind: ClassVar[str] = "person"
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    role: str | None = None
    department_ids: list[str] = attrs.field(factory=list)
    active: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    full_name = name

    @property
    def departments(self) -> Items[Department]:
        """The person's departments (a read-only sequence)."""
        found = [self.session._ref("department", d) for d in self.department_ids]
        return self.session._items(found, f"departments of {self!r}")


@attrs.define(eq=False, kw_only=True, repr=False)
class Department(Entity):
    kind: ClassVar[str] = "department"
    name: str = ""
    color: str | None = None

    @property
    def persons(self) -> Collection[Person]:
        return self.session.persons.filter(department_ids=self.id)
