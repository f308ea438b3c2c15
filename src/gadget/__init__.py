"""gadget: one tracker-independent entity layer over production trackers.

::

    from gadget import Project

    project = Project.from_env()
    shot = project.shots.get(name="sq170_sh0224")
    task = shot.tasks.fetch("Anim3D")
    task.comments.new(comment="blocking pass", status="wip", preview=["v012.png"],
                      set_main_preview=True)

``import gadget`` stays cheap: tracker packages (and gazu) load when a
tracker is first opened.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gadget._dcc import PublishHandle, PublishResult, publish
    from gadget.collections import Collection, Items, Team
    from gadget.config import TrackerConfig, load_config
    from gadget.entities import (
        Asset,
        AssetType,
        Attachment,
        CastingEntry,
        ChecklistItem,
        Comment,
        Department,
        Entity,
        Episode,
        Person,
        Playlist,
        PlaylistEntry,
        Preview,
        Project,
        Sequence,
        Shot,
        Task,
        TaskStatus,
        TaskType,
        TimeSpent,
    )
    from gadget.errors import (
        AlreadyExists,
        AuthenticationError,
        ConfigError,
        GadgetError,
        MultipleFound,
        NotFound,
        OutcomeUnknown,
        PartialPublish,
        PartialWrite,
        PermissionDenied,
        TrackerUnavailable,
        Unsupported,
        ValidationError,
    )
    from gadget.ids import get_id
    from gadget.session import Session, connect

# Public names load on first use (PEP 562), so ``import gadget`` costs almost
# nothing and a DCC pays only for what it touches.
_HOMES = {
    "get_id": "gadget.ids",
    "publish": "gadget._dcc",
    "PublishHandle": "gadget._dcc",
    "PublishResult": "gadget._dcc",
    "Collection": "gadget.collections",
    "Items": "gadget.collections",
    "Team": "gadget.collections",
    "TrackerConfig": "gadget.config",
    "load_config": "gadget.config",
    "Session": "gadget.session",
    "connect": "gadget.session",
    **dict.fromkeys(
        [
            "Asset",
            "AssetType",
            "Attachment",
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
        ],
        "gadget.entities",
    ),
    **dict.fromkeys(
        [
            "AlreadyExists",
            "AuthenticationError",
            "ConfigError",
            "GadgetError",
            "MultipleFound",
            "NotFound",
            "OutcomeUnknown",
            "PartialPublish",
            "PartialWrite",
            "PermissionDenied",
            "TrackerUnavailable",
            "Unsupported",
            "ValidationError",
        ],
        "gadget.errors",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gadget' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__version__ = "0.1.0"

__all__ = [
    "AlreadyExists",
    "Asset",
    "AssetType",
    "Attachment",
    "AuthenticationError",
    "CastingEntry",
    "ChecklistItem",
    "Collection",
    "Comment",
    "ConfigError",
    "Department",
    "Entity",
    "Episode",
    "GadgetError",
    "Items",
    "MultipleFound",
    "NotFound",
    "OutcomeUnknown",
    "PartialPublish",
    "PartialWrite",
    "PermissionDenied",
    "Person",
    "Playlist",
    "PlaylistEntry",
    "Preview",
    "Project",
    "PublishHandle",
    "PublishResult",
    "Sequence",
    "Session",
    "Shot",
    "Task",
    "TaskStatus",
    "TaskType",
    "Team",
    "TimeSpent",
    "TrackerConfig",
    "TrackerUnavailable",
    "Unsupported",
    "ValidationError",
    "connect",
    "get_id",
    "load_config",
    "publish",
]
