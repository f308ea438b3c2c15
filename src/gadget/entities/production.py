"""Production entities: projects, episodes, sequences, shots, asset types, assets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from gadget._lists import ReadOnlyList
from gadget.entities.base import Entity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from gadget.collections import Collection, Items, Team
    from gadget.entities.comment import Preview
    from gadget.entities.people import Person
    from gadget.entities.review import Playlist
    from gadget.entities.task import Task

__all__ = ["Asset", "AssetType", "CastingEntry", "Episode", "Project", "Sequence", "Shot"]


@attrs.define(eq=False, kw_only=True, repr=False)
class Project(Entity):
    """A production. ``production_type`` is short, featurefilm or tvshow;
    ``status`` is "open" (a new project) or "closed" on every tracker."""

    kind: ClassVar[str] = "project"
    name: str = ""
    code: str | None = None
    production_type: str | None = None
    status: str | None = None
    fps: float | None = None
    description: str | None = None

    @classmethod
    def from_env(cls, name: str | None = None, **connect_options: Any) -> Project:
        """Connect with the environment / adm_env.yml settings and open TRACKER_PROJECT.

        ``name`` overrides TRACKER_PROJECT; ``connect_options`` go to
        :func:`gadget.connect` (``cache``, ``prefetch``, ``options`` ...).
        Costs the login plus one lookup. The project owns the session it
        opened: ``with Project.from_env() as project:`` closes it at the end
        of the block (or call ``project.session.close()``).
        """
        from gadget.session import project_from_env

        return project_from_env(name, **connect_options)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the project's session (every entity of that session shares it)."""
        self.session.close()

    @property
    def is_open(self) -> bool:
        return (self.status or "open").lower() == "open"

    @property
    def episodes(self) -> Collection[Episode]:
        return self.session._collection("episode", {"project_id": self.id}, owner=self)

    @property
    def sequences(self) -> Collection[Sequence]:
        return self.session._collection("sequence", {"project_id": self.id}, owner=self)

    @property
    def shots(self) -> Collection[Shot]:
        """The project's shots; iterating loads them all in one request."""
        return self.session._collection("shot", {"project_id": self.id}, owner=self)

    @property
    def assets(self) -> Collection[Asset]:
        return self.session._collection("asset", {"project_id": self.id}, owner=self)

    @property
    def playlists(self) -> Collection[Playlist]:
        return self.session._collection("playlist", {"project_id": self.id}, owner=self)

    @property
    def team(self) -> Team[Person]:
        """The people on the project, a collection of its own:
        ``project.team.add(person)`` / ``.remove(person)``."""
        return self.session._team_of(self)

    @property
    def tasks(self) -> Collection[Task]:
        """Every task of the project (shots and assets)."""
        return self.session._collection("task", {"project_id": self.id}, owner=self)

    @property
    def my_tasks(self) -> Collection[Task]:
        """The project's tasks assigned to the logged-in person (``session.me``),
        what a DCC launcher shows first: ``project.tasks.filter(assignee=me)``.
        On Kitsu, two requests whatever the project's size."""
        return self.tasks.filter(assignee=self.session.me)


@attrs.define(eq=False, kw_only=True, repr=False)
class Episode(Entity):
    kind: ClassVar[str] = "episode"
    name: str = ""
    project_id: str | None = None
    description: str | None = None

    @property
    def project(self) -> Project:
        return self.session._ref("project", self.project_id)

    @property
    def shots(self) -> Collection[Shot]:
        """The shots of the episode's sequences: walked with their tasks, only
        this part of the project is read (on Kitsu, one request)."""
        return self.session._collection(
            "shot", {"project_id": self.project_id, "episode_id": self.id}, owner=self
        )

    @property
    def sequences(self) -> Collection[Sequence]:
        return self.session._collection(
            "sequence",
            {"episode_id": self.id},
            owner=self,
            defaults={"project_id": self.project_id},
        )


@attrs.define(eq=False, kw_only=True, repr=False)
class Sequence(Entity):
    kind: ClassVar[str] = "sequence"
    name: str = ""
    project_id: str | None = None
    episode_id: str | None = None
    description: str | None = None

    @property
    def project(self) -> Project:
        return self.session._ref("project", self.project_id)

    @property
    def episode(self) -> Episode | None:
        return self.session._ref("episode", self.episode_id)

    @property
    def shots(self) -> Collection[Shot]:
        return self.session._collection(
            "shot", {"sequence_id": self.id}, owner=self, defaults={"project_id": self.project_id}
        )


@attrs.define(eq=False, kw_only=True, repr=False)
class Shot(Entity):
    """A shot. ``frame_in``/``frame_out``/``fps`` are first-class; ``nb_frames``
    defaults to ``frame_out - frame_in + 1`` when both ends are given."""

    kind: ClassVar[str] = "shot"
    name: str = ""
    project_id: str | None = None
    sequence_id: str | None = None
    frame_in: int | None = None
    frame_out: int | None = None
    fps: float | None = None
    nb_frames: int | None = None
    description: str | None = None
    preview_id: str | None = None

    @property
    def project(self) -> Project:
        return self.session._ref("project", self.project_id)

    @property
    def sequence(self) -> Sequence | None:
        return self.session._ref("sequence", self.sequence_id)

    @property
    def qualified_name(self) -> str:
        """``"sequence/shot"``, the key that is unique in a project."""
        seq = self.sequence
        return f"{seq.name}/{self.name}" if seq else self.name

    @property
    def tasks(self) -> Collection[Task]:
        """The shot's tasks; the first access on a shot of a loaded collection
        loads the tasks of all its siblings in one request."""
        return self.session._collection(
            "task",
            {"entity_id": self.id, "entity_kind": "shot"},
            owner=self,
            defaults={"project_id": self.project_id},
        )

    @property
    def casting(self) -> Casting:
        """The assets cast in this shot; ``shot.casting.set([(asset, 2)])`` replaces it."""
        return Casting(self)

    @property
    def main_preview(self) -> Preview | None:
        """The shot's thumbnail preview, or None."""
        return self.session._ref("preview", self.preview_id)


@attrs.define(eq=False, kw_only=True, repr=False)
class AssetType(Entity):
    kind: ClassVar[str] = "asset_type"
    name: str = ""
    short_name: str | None = None


@attrs.define(eq=False, kw_only=True, repr=False)
class Asset(Entity):
    kind: ClassVar[str] = "asset"
    name: str = ""
    project_id: str | None = None
    asset_type_id: str | None = None
    episode_id: str | None = None
    description: str | None = None
    preview_id: str | None = None

    @property
    def project(self) -> Project:
        return self.session._ref("project", self.project_id)

    @property
    def asset_type(self) -> AssetType:
        return self.session._ref("asset_type", self.asset_type_id)

    @property
    def episode(self) -> Episode | None:
        return self.session._ref("episode", self.episode_id)

    @property
    def tasks(self) -> Collection[Task]:
        return self.session._collection(
            "task",
            {"entity_id": self.id, "entity_kind": "asset"},
            owner=self,
            defaults={"project_id": self.project_id},
        )

    @property
    def cast_in(self) -> Items[Shot]:
        """The shots this asset is cast in (one request)."""
        return self.session._cast_in(self)

    @property
    def main_preview(self) -> Preview | None:
        return self.session._ref("preview", self.preview_id)


@attrs.define(frozen=True)
class CastingEntry:
    """One asset cast in a shot, ``nb_occurences`` times (Kitsu's spelling)."""

    asset: Asset
    nb_occurences: int = 1
    label: str = ""


class Casting(ReadOnlyList[CastingEntry]):
    """A shot's casting: a read-only sequence of :class:`CastingEntry`; ``set()`` replaces it.

    Getting ``shot.casting`` costs nothing; the first read of its entries
    (iterating, ``len``, indexing, ``==``) loads the casting of the shot and,
    for a shot of a loaded collection, of its siblings in the same request.
    This object keeps what it read; ``shot.casting`` again reads afresh
    (from the session's cache).
    """

    def __init__(self, shot: Shot) -> None:
        self._shot = shot
        self._label = f"casting of {shot!r}"
        self._loaded: list[CastingEntry] | None = None

    def _all(self) -> list[CastingEntry]:
        if self._loaded is None:
            self._loaded = self._shot.session._casting(self._shot)
        return self._loaded

    def __repr__(self) -> str:
        return f"<{self._label}>"

    @property
    def assets(self) -> list[Asset]:
        return [e.asset for e in self._all()]

    def set(self, entries: Iterable[CastingEntry | Asset | tuple[Any, int]]) -> None:
        """Replace the casting: entries are CastingEntry, assets, or (asset, count)."""
        self._shot.session._set_casting({self._shot: list(entries)})
        self._loaded = None  # the next read sees the new casting
