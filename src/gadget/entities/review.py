"""Playlists (review sessions) and their entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from gadget.entities.base import Entity

if TYPE_CHECKING:
    from gadget.collections import Items
    from gadget.entities.comment import Preview
    from gadget.entities.production import Project

__all__ = ["Playlist", "PlaylistEntry"]


@attrs.define(frozen=True)
class PlaylistEntry:
    """A shot or asset in a playlist, with the preview shown for it."""

    entity: Any
    preview: Preview | None = None


@attrs.define(eq=False, kw_only=True, repr=False)
class Playlist(Entity):
    """A review playlist of shots or assets (``for_entity`` "shot" or "asset")."""

    kind: ClassVar[str] = "playlist"
    name: str = ""
    project_id: str | None = None
    episode_id: str | None = None
    for_entity: str | None = None
    for_client: bool = False
    _entries: tuple[dict[str, Any], ...] = attrs.field(default=(), alias="entries")

    @property
    def project(self) -> Project:
        return self.session._ref("project", self.project_id)

    @property
    def entries(self) -> Items[PlaylistEntry]:
        """The entries in order, entities and previews resolved (a read-only sequence)."""
        return self.session._playlist_entries(self)

    def add(self, entity: Any, preview: Any = None) -> Playlist:
        """Add a shot or asset, shown with ``preview`` (default: its main preview).

        One request.
        """
        self.session._playlist_add(self, entity, preview)
        return self
