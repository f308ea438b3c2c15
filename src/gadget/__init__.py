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

from gadget._ids import get_id
from gadget.collections import Collection, Items
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
    PermissionDenied,
    TrackerUnavailable,
    Unsupported,
    ValidationError,
)
from gadget.session import Session, connect

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
    "PermissionDenied",
    "Person",
    "Playlist",
    "PlaylistEntry",
    "Preview",
    "Project",
    "Sequence",
    "Session",
    "Shot",
    "Task",
    "TaskStatus",
    "TaskType",
    "TimeSpent",
    "TrackerConfig",
    "TrackerUnavailable",
    "Unsupported",
    "ValidationError",
    "connect",
    "get_id",
    "load_config",
]
