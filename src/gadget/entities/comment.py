"""Comments and what they carry: previews, attachments, checklist items."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import attrs

from gadget.entities.base import Entity

if TYPE_CHECKING:
    from gadget.collections import Items
    from gadget.entities.people import Person
    from gadget.entities.task import Task, TaskStatus

__all__ = ["Attachment", "ChecklistItem", "Comment", "Preview"]


@attrs.define(frozen=True)
class ChecklistItem:
    """One checklist line of a comment; ``id`` is its index in the list."""

    id: int
    text: str
    checked: bool = False


@attrs.define(eq=False, kw_only=True, repr=False)
class Preview(Entity):
    """An uploaded preview file. ``name`` is the file's stem ("render" for render.png)."""

    kind: ClassVar[str] = "preview"
    name: str = ""
    extension: str | None = None
    revision: int | None = None
    status: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    task_id: str | None = None
    comment_id: str | None = None

    def download(self, path: str | Path) -> Path:
        """Download the file to ``path``; returns the path. One request."""
        return self.session._download(self, Path(path))


@attrs.define(eq=False, kw_only=True, repr=False)
class Attachment(Entity):
    """A file attached to a comment. ``name`` is the full file name ("notes.pdf")."""

    kind: ClassVar[str] = "attachment"
    name: str = ""
    extension: str | None = None
    size: int | None = None
    comment_id: str | None = None

    def download(self, path: str | Path) -> Path:
        """Download the file to ``path``; returns the path. One request."""
        return self.session._download(self, Path(path))


@attrs.define(eq=False, kw_only=True, repr=False)
class Comment(Entity):
    """A comment on a task, with the status it set, its author and its files.

    ``key`` is the idempotency key it was posted with (``comments.new(...,
    idempotency_key=...)``, else one the session made); None for a comment
    made elsewhere (the tracker's web page, another tool).
    """

    kind: ClassVar[str] = "comment"
    _label_field: ClassVar[str] = "text"
    text: str = ""
    task_id: str | None = None
    status_id: str | None = None
    author_id: str | None = None
    key: str | None = None
    _checklist: tuple[ChecklistItem, ...] = attrs.field(default=(), alias="checklist")
    _previews: tuple[Preview, ...] = attrs.field(default=(), alias="previews")
    _attachments: tuple[Attachment, ...] = attrs.field(default=(), alias="attachments")

    @property
    def task(self) -> Task:
        return self.session._ref("task", self.task_id)

    @property
    def status(self) -> TaskStatus | None:
        return self.session._ref("task_status", self.status_id)

    @property
    def author(self) -> Person | None:
        return self.session._ref("person", self.author_id)

    @property
    def previews(self) -> Items[Preview]:
        return self.session._items(self._previews, "previews of this comment")

    @property
    def attachments(self) -> Items[Attachment]:
        return self.session._items(self._attachments, "attachments of this comment")

    @property
    def checklist(self) -> Items[ChecklistItem]:
        return self.session._items(self._checklist, "checklist of this comment")
