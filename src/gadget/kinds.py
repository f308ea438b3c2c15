"""The normalized vocabulary: which kinds of entity exist and what their records hold.

A *record* is a plain ``dict`` a tracker returns (and accepts) using only the
normalized field names below. Trackers rename vendor fields into these inside
their own converter module; the session turns records into entities.

Every record has ``id`` (str), ``created_at`` / ``updated_at`` (datetime or
None), ``custom_data`` (dict, or None for none), ``url`` (str, :class:`IdUrl` or None) and ``raw``
(the vendor payload, a mapping, possibly empty). The fields particular to each kind follow.
Fields ending in ``_id`` hold the id of the kind named in ``refs``.

A public module: tracker authors import :data:`KINDS` from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["COMMON_FIELDS", "KINDS", "IdUrl", "KindSpec"]

COMMON_FIELDS = ("id", "created_at", "updated_at", "custom_data", "url", "raw")


@dataclass(frozen=True, slots=True)
class IdUrl:
    """A record's ``url`` made from its id when read: ``prefix + id + suffix``.

    A listing of thousands of records shares one instead of holding a
    string each; ``entity.url`` is always the string.
    """

    prefix: str
    suffix: str = "/"

    def of(self, ident: str) -> str:
        """The address of the entity ``ident``."""
        return f"{self.prefix}{ident}{self.suffix}"


@dataclass(frozen=True)
class KindSpec:
    """What one kind of entity looks like in records.

    ``fields``: the kind's own fields (besides :data:`COMMON_FIELDS`).
    ``refs``: field -> kind it points at (``sequence_id`` -> ``sequence``).
    ``key``: the natural-key field ``fetch()`` looks up.
    ``scope``: fields that, with ``key``, must be unique together (``new()``
    raises ``AlreadyExists`` when a record with the same values exists).
    ``filters``: the fields a tracker must accept in ``list()`` filters, in
    addition to ``id`` and ``key``.
    """

    name: str
    fields: tuple[str, ...]
    refs: dict[str, str] = field(default_factory=dict)
    key: str = "name"
    scope: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    label: str = ""

    @property
    def plural(self) -> str:
        return self.label or self.name + "s"


KINDS: dict[str, KindSpec] = {
    s.name: s
    for s in (
        KindSpec(
            "project",
            ("name", "code", "production_type", "status", "fps", "description"),
            filters=("status",),
        ),
        KindSpec(
            "episode",
            ("name", "project_id", "description"),
            refs={"project_id": "project"},
            scope=("project_id",),
            filters=("project_id",),
        ),
        KindSpec(
            "sequence",
            ("name", "project_id", "episode_id", "description"),
            refs={"project_id": "project", "episode_id": "episode"},
            scope=("project_id", "episode_id"),
            filters=("project_id", "episode_id"),
        ),
        KindSpec(
            "shot",
            (
                "name",
                "project_id",
                "sequence_id",
                "frame_in",
                "frame_out",
                "fps",
                "nb_frames",
                "description",
                "preview_id",
            ),
            refs={"project_id": "project", "sequence_id": "sequence", "preview_id": "preview"},
            scope=("sequence_id",),
            # episode_id: "in this episode" (through the sequence), not a field
            filters=("project_id", "sequence_id", "episode_id"),
        ),
        KindSpec("asset_type", ("name", "short_name")),
        KindSpec(
            "asset",
            ("name", "project_id", "asset_type_id", "episode_id", "description", "preview_id"),
            refs={
                "project_id": "project",
                "asset_type_id": "asset_type",
                "episode_id": "episode",
                "preview_id": "preview",
            },
            scope=("project_id", "asset_type_id"),
            filters=("project_id", "asset_type_id", "episode_id"),
        ),
        KindSpec(
            "task_type",
            ("name", "short_name", "color", "for_entity", "for_shots", "department_id", "priority"),
            refs={"department_id": "department"},
            filters=("for_entity", "department_id"),
        ),
        KindSpec(
            "task_status",
            (
                "name",
                "short_name",
                "color",
                "is_done",
                "is_retake",
                "is_wip",
                "is_feedback_request",
                "is_default",
            ),
            key="short_name",
            label="task_statuses",
        ),
        KindSpec(
            "task",
            (
                "name",
                "project_id",
                "entity_id",
                "entity_kind",
                "task_type_id",
                "status_id",
                "assignee_ids",
                "nb_retakes",
                "start_date",
                "due_date",
                "estimation",
                "priority",
                "description",
            ),
            refs={
                "project_id": "project",
                "task_type_id": "task_type",
                "status_id": "task_status",
            },
            key="task_type_id",
            scope=("entity_id",),
            # assignee_id: "assigned to" (a person among assignee_ids), not a field
            filters=(
                "project_id",
                "entity_id",
                "entity_kind",
                "task_type_id",
                "status_id",
                "assignee_id",
            ),
        ),
        KindSpec(
            "comment",
            (
                "text",
                "task_id",
                "status_id",
                "author_id",
                "checklist",
                "previews",
                "attachments",
                "key",
            ),
            refs={"task_id": "task", "status_id": "task_status", "author_id": "person"},
            key="id",
            filters=("task_id",),
        ),
        KindSpec(
            "preview",
            (
                "name",
                "extension",
                "revision",
                "status",
                "width",
                "height",
                "duration",
                "task_id",
                "comment_id",
            ),
            refs={"task_id": "task", "comment_id": "comment"},
            key="id",
            filters=("task_id", "comment_id"),
        ),
        KindSpec(
            "attachment",
            ("name", "extension", "size", "comment_id"),
            refs={"comment_id": "comment"},
            key="id",
            filters=("comment_id",),
        ),
        KindSpec(
            "person",
            ("first_name", "last_name", "email", "role", "department_ids", "active"),
            key="email",
            # a ``project_id`` filter means "on that project's team"
            filters=("role", "project_id"),
        ),
        KindSpec("department", ("name", "color")),
        KindSpec(
            "playlist",
            ("name", "project_id", "episode_id", "for_entity", "for_client", "entries"),
            refs={"project_id": "project", "episode_id": "episode"},
            scope=("project_id",),
            filters=("project_id",),
        ),
    )
}
