"""gadget's entities and values: typed attrs classes, one module per family."""

from __future__ import annotations

from gadget.entities.base import Entity
from gadget.entities.comment import Attachment, ChecklistItem, Comment, Preview
from gadget.entities.people import Department, Person
from gadget.entities.production import (
    Asset,
    AssetType,
    Casting,
    CastingEntry,
    Episode,
    Project,
    Sequence,
    Shot,
)
from gadget.entities.review import Playlist, PlaylistEntry
from gadget.entities.task import Task, TaskStatus, TaskType, TimeSpent, TimeSpentLog

__all__ = [
    "ENTITY_CLASSES",
    "Asset",
    "AssetType",
    "Attachment",
    "Casting",
    "CastingEntry",
    "ChecklistItem",
    "Comment",
    "Department",
    "Entity",
    "Episode",
    "Person",
    "Playlist",
    "PlaylistEntry",
    "Preview",
    "Project",
    "Sequence",
    "Shot",
    "Task",
    "TaskStatus",
    "TaskType",
    "TimeSpent",
    "TimeSpentLog",
]

#: kind name -> entity class
ENTITY_CLASSES: dict[str, type[Entity]] = {
    cls.kind: cls
    for cls in (
        Project,
        Episode,
        Sequence,
        Shot,
        AssetType,
        Asset,
        TaskType,
        TaskStatus,
        Task,
        Comment,
        Preview,
        Attachment,
        Person,
        Department,
        Playlist,
    )
}
