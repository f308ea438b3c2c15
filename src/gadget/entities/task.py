"""Task types, task statuses, tasks and time spent."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from gadget._lists import ReadOnlyList
from gadget.entities.base import Entity

if TYPE_CHECKING:
    from gadget.collections import Collection, Items
    from gadget.entities.comment import Comment
    from gadget.entities.people import Department, Person
    from gadget.entities.production import Project

__all__ = ["Task", "TaskStatus", "TaskType", "TimeSpent", "TimeSpentLog"]


@attrs.define(eq=False, kw_only=True, repr=False)
class TaskType(Entity):
    """A kind of work (Animation, Lighting ...). ``for_shots`` is True for shot
    task types; ``for_entity`` keeps the tracker's own value ("Shot", "Asset" ...)."""

    kind: ClassVar[str] = "task_type"
    name: str = ""
    short_name: str | None = None
    color: str | None = None
    for_entity: str | None = None
    for_shots: bool = False
    department_id: str | None = None
    priority: int | None = None

    @property
    def department(self) -> Department | None:
        return self.session._ref("department", self.department_id)


@attrs.define(eq=False, kw_only=True, repr=False)
class TaskStatus(Entity):
    """A task status; looked up by ``short_name`` (todo, wip, wfa, retake, done)."""

    kind: ClassVar[str] = "task_status"
    _label_field: ClassVar[str] = "short_name"
    name: str = ""
    short_name: str = ""
    color: str | None = None
    is_done: bool = False
    is_retake: bool = False
    is_wip: bool = False
    is_feedback_request: bool = False
    is_default: bool = False


@attrs.define(eq=False, kw_only=True, repr=False)
class Task(Entity):
    """A task of a shot or an asset, of one task type."""

    kind: ClassVar[str] = "task"
    name: str = ""
    project_id: str | None = None
    entity_id: str | None = None
    entity_kind: str | None = None
    task_type_id: str | None = None
    status_id: str | None = None
    assignee_ids: list[str] = attrs.field(factory=list)
    nb_retakes: int = 0
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    estimation: dt.timedelta | None = None
    priority: int | None = None
    description: str | None = None

    def __repr__(self) -> str:
        try:  # never a read: a name a partial record left out is not shown
            name = object.__getattribute__(self, "name")
        except AttributeError:
            name = None
        shown = f"{name!r}, " if name else ""
        return (
            f"Task({shown}task_type_id={self.task_type_id!r}, entity_id={self.entity_id!r}, "
            f"id={self.id!r})"
        )

    @property
    def task_type(self) -> TaskType:
        return self.session._ref("task_type", self.task_type_id)

    @property
    def status(self) -> TaskStatus:
        return self.session._ref("task_status", self.status_id)

    @property
    def assignees(self) -> Items[Person]:
        """The people assigned (a read-only sequence; ``assign()`` / ``unassign()`` write)."""
        people = [self.session._ref("person", pid) for pid in self.assignee_ids]
        return self.session._items(people, f"assignees of {self!r}")

    @property
    def entity(self) -> Any:
        """The shot or asset this task belongs to."""
        return self.session._ref(self.entity_kind or "shot", self.entity_id)

    @property
    def project(self) -> Project:
        return self.session._ref("project", self.project_id)

    @property
    def comments(self) -> Collection[Comment]:
        """The task's comments, newest first; ``comments.new(...)`` publishes."""
        return self.session._collection("comment", {"task_id": self.id}, owner=self)

    @property
    def time_spent(self) -> TimeSpentLog:
        return TimeSpentLog(self)

    def assign(self, *persons: Any) -> Task:
        """Add assignees (persons, ids or e-mails). One request."""
        ids = list(self.assignee_ids)
        for p in persons:
            pid = self.session._resolve("person", p)
            if pid not in ids:
                ids.append(pid)
        return self.update(assignees=ids)

    def unassign(self, *persons: Any) -> Task:
        """Remove assignees. One request."""
        drop = {self.session._resolve("person", p) for p in persons}
        return self.update(assignees=[i for i in self.assignee_ids if i not in drop])

    def set_status(
        self, status: Any, comment: str = "", *, idempotency_key: str | None = None
    ) -> Comment:
        """Change the status the way trackers record it: a comment carrying it.

        ``idempotency_key``: the same call again with the same key finds the
        comment that carried the change and posts no second one (see
        ``comments.new``)."""
        fields: dict[str, Any] = {"comment": comment, "status": status}
        if idempotency_key is not None:
            fields["idempotency_key"] = idempotency_key
        return self.comments.new(**fields)


@attrs.define(frozen=True)
class TimeSpent:
    """Time a person spent on a task on one day."""

    person: Person
    date: dt.date
    duration: dt.timedelta


class TimeSpentLog(ReadOnlyList[TimeSpent]):
    """A task's time spent: a read-only sequence of :class:`TimeSpent`;
    ``add()`` / ``set()`` write.

    Getting ``task.time_spent`` costs nothing; the first read of its entries
    (iterating, ``len``, ``total``, ``==``) is one request, and this object
    keeps what it read until it writes.
    """

    def __init__(self, task: Task) -> None:
        self._task = task
        self._label = f"time spent on {task!r}"
        self._loaded: list[TimeSpent] | None = None

    def _all(self) -> list[TimeSpent]:
        if self._loaded is None:
            self._loaded = self._task.session._time_spent(self._task)
        return self._loaded

    def __repr__(self) -> str:
        return f"<{self._label}>"

    @property
    def total(self) -> dt.timedelta:
        return sum((t.duration for t in self._all()), dt.timedelta())

    def add(
        self,
        person: Any,
        date: dt.date | str,
        *,
        hours: float = 0,
        minutes: float = 0,
        duration: dt.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> TimeSpent:
        """Add time for a person on a day (added to what is there), never twice.

        Two requests: the day's time is read, then the new total set (a set is
        safe to repeat, so a write that may have landed is checked by reading
        again, never added twice). ``idempotency_key``: this session makes an
        addition with a key once; the same call again returns what it recorded
        (the session keeps the keys, the tracker does not: another process
        repeating an addition should set the total instead).
        """
        self._loaded = None
        return self._task.session._set_time_spent(
            self._task, person, date, duration, hours, minutes, add=True, key=idempotency_key
        )

    def set(
        self,
        person: Any,
        date: dt.date | str,
        *,
        hours: float = 0,
        minutes: float = 0,
        duration: dt.timedelta | None = None,
    ) -> TimeSpent:
        """Set a person's time on a day (replacing what is there). One request."""
        self._loaded = None
        return self._task.session._set_time_spent(
            self._task, person, date, duration, hours, minutes, add=False
        )
