"""The session: one tracker, its caches and its identity map.

Entities and collections call into the session; the session calls the
tracker and turns the records it returns into bound entities. It owns:

- an identity map, so one id gives one object per session (entities are
  updated in place when fresher data arrives);
- a per-session TTL cache of query results (reference data such as task
  types, statuses and persons included), cleared for a kind on every write
  through this session; ``connect(..., cache=False)`` turns it off;
- sibling prefetch: the first child-collection read on an entity that came
  from a loaded collection loads that child collection for every sibling in
  one ``Tracker.list_children`` call (``session.no_prefetch()`` opts out);
  shots and assets are listed with their tasks when the tracker has one
  request for both (``Tracker.list_with_children``);
- partial records: fields a fast route left out (``trackers.base.MISSING``)
  are loaded for everything read together on the first read of one of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from gadget._cache import cache_key
from gadget._checks import ALSO_KEYED_BY, as_date, as_int
from gadget._identity import describe
from gadget._writing import _Writing
from gadget.collections import Collection, Items, Team
from gadget.config import TrackerConfig, load_config, mask_url
from gadget.entities import Entity
from gadget.entities.production import CastingEntry
from gadget.entities.review import PlaylistEntry
from gadget.entities.task import TimeSpent
from gadget.errors import (
    ConfigError,
    GadgetError,
    MultipleFound,
    NotFound,
    Unsupported,
    ValidationError,
    closest_names,
)
from gadget.ids import get_id
from gadget.kinds import KINDS
from gadget.trackers.base import Record
from gadget.trackers.registry import resolve

if TYPE_CHECKING:
    from gadget.entities import (
        AssetType,
        Department,
        Person,
        Project,
        Shot,
        Task,
        TaskStatus,
        TaskType,
    )


__all__ = ["Session", "connect", "project_from_env"]


class Session(_Writing):
    """A connection to one tracker with its caches. Made by :func:`connect`."""

    # -- public surface ----------------------------------------------------
    @property
    def config(self) -> TrackerConfig:
        return self._tracker.config

    @property
    def capabilities(self) -> frozenset[str]:
        """What the tracker offers beyond the core (see ``trackers.base.CAPABILITIES``)."""
        return self._tracker.capabilities

    def __repr__(self) -> str:
        closed = " (closed)" if self._closed else ""
        return f"<Session {self._tracker.name} {mask_url(self.config.url)}{closed}>"

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._closed

    def close(self) -> None:
        """Close the tracker connection (a Kitsu password session logs out).

        Closing twice is harmless. Entities of the session keep the values
        they hold; anything that would ask the tracker afterwards (and
        :attr:`tracker` itself) raises :class:`~gadget.errors.TrackerUnavailable`.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._tracker.close()

    def _top(self, kind: str) -> Collection[Any]:
        return Collection(self, kind, {}, label=f"the {KINDS[kind].plural.replace('_', ' ')}")

    @property
    def projects(self) -> Collection[Project]:
        return self._top("project")

    @property
    def task_types(self) -> Collection[TaskType]:
        return self._top("task_type")

    @property
    def task_statuses(self) -> Collection[TaskStatus]:
        return self._top("task_status")

    @property
    def asset_types(self) -> Collection[AssetType]:
        return self._top("asset_type")

    @property
    def persons(self) -> Collection[Person]:
        return self._top("person")

    @property
    def departments(self) -> Collection[Department]:
        return self._top("department")

    @property
    def me(self) -> Person:
        """The person this session is logged in as."""
        if self._me is None:
            self._me = self._identity.bind("person", self.tracker.whoami())  # type: ignore[assignment]
        assert self._me is not None
        return self._me

    @property
    def sees_all_projects(self) -> bool:
        """Whether ``session.projects`` holds every project of the tracker.

        False on a tracker that shows people other than admins only the
        projects whose team they are on (``Tracker.projects_by_team``: Kitsu),
        for such a person. Reads :attr:`me` (on Kitsu 1 request, the first time).
        """
        return not self.tracker.projects_by_team or self.me.role == "admin"

    def _not_found_hint(self, kind: str) -> str | None:
        """Why a lookup of ``kind`` that found nothing may have missed what exists."""
        if kind != "project":
            return None
        try:
            if self.sees_all_projects:
                return None
            me = self.me
        except GadgetError:  # the error being raised matters more than the hint
            return None
        who = me.name or me.email or "this person"
        if me.email and me.email != who:
            who += f" <{me.email}>"
        return (
            f"the project may exist but {who} (role {me.role}) is not on its team: on "
            f"{self.tracker.name} people other than admins see only the projects whose team "
            "they are on; ask an admin or a manager of the project to add them "
            "(project.team.add(person))"
        )

    @property
    def events(self) -> Any:
        """The tracker's live event stream: ``session.events.on("task:status-changed", fn)``,
        then ``session.events.run()`` (blocks) or ``.start()`` (background thread).

        Raises Unsupported for a tracker without one.
        """
        events = getattr(self.tracker, "events", None)
        if events is None:
            raise Unsupported(f"the {self.tracker.name} tracker has no event stream")
        return events

    def search(self, text: str, project: Any = None) -> list[Entity]:
        """Entities whose names match ``text`` (the tracker's full-text search)."""
        pid = self._resolve("project", project) if project is not None else None
        return [self._identity.bind(kind, rec) for kind, rec in self.tracker.search(text, pid)]

    def set_casting(self, casting: Mapping[Any, Iterable[Any]]) -> None:
        """Replace the casting of many shots at once: ``{shot: [(asset, n), ...]}``."""
        self._set_casting(casting)

    @contextlib.contextmanager
    def no_prefetch(self) -> Iterator[Session]:
        """Within the block, child collections load one parent at a time.

        Only the calling thread (or asyncio task) reads without prefetch:
        the switch is a context variable, so other threads of the session
        keep prefetching. Blocks nest; each restores what it found.
        """
        with self._prefetcher.disabled():
            yield self

    # -- casting, time spent, playlists, team, files -----------------------
    def _casting(self, shot: Shot) -> list[CastingEntry]:
        self.tracker.require("casting")
        key = cache_key("casting", {"shot_id": shot.id})
        found = self._cache.get(key)
        if found is None:
            by_shot = self.tracker.get_casting(self._prefetcher.siblings(shot))
            for sid, rows in by_shot.items():
                entries = [
                    CastingEntry(
                        self._ref("asset", r["asset_id"], {"project_id": shot.project_id}),
                        int(r.get("nb_occurences") or 1),
                        str(r.get("label") or ""),
                    )
                    for r in rows
                ]
                if sid == shot.id:
                    found = entries
                else:
                    self._cache.put(
                        cache_key("casting", {"shot_id": sid}), entries, prefetched=True
                    )
            found = found or []
            self._cache.put(key, found)
        return list(found)

    def _set_casting(self, casting: Mapping[Any, Iterable[Any]]) -> None:
        self.tracker.require("casting")
        by_project: dict[str, dict[str, list[Record]]] = {}
        for shot, entries in casting.items():
            shot_ent: Any = shot if isinstance(shot, Entity) else self._ref("shot", get_id(shot))
            rows: list[Record] = []
            for e in entries:
                if isinstance(e, CastingEntry):
                    asset, count, label = e.asset, e.nb_occurences, e.label
                elif isinstance(e, tuple):
                    if len(e) not in (2, 3):
                        raise ValidationError(
                            f"a casting entry is an asset, (asset, n) or (asset, n, label), "
                            f"not {e!r}"
                        )
                    asset, count, label = e[0], e[1], (e[2] if len(e) > 2 else "")
                else:
                    asset, count, label = e, 1, ""
                if as_int(count, "nb_occurences") < 1:
                    raise ValidationError(f"nb_occurences must be at least 1, not {count}")
                rows.append(
                    {
                        "asset_id": self._resolve(
                            "asset", asset, {"project_id": shot_ent.project_id}
                        ),
                        "nb_occurences": count,
                        "label": label,
                    }
                )
            by_project.setdefault(shot_ent.project_id, {})[shot_ent.id] = rows
        for project_id, mapping in by_project.items():
            self.tracker.set_casting(project_id, mapping)
        self._invalidate("casting", "cast_in")

    def _cast_in(self, asset: Any) -> Items[Any]:
        self.tracker.require("casting")
        shots = [self._identity.bind("shot", r) for r in self.tracker.list_cast_in(asset.id)]
        return Items(shots, f"shots casting {asset!r}")

    def _time_spent(self, task: Task) -> list[TimeSpent]:
        self.tracker.require("time_spent")
        return [
            TimeSpent(self._ref("person", r["person_id"]), r["date"], r["duration"])
            for r in self.tracker.list_time_spent(task.id)
        ]

    def _set_time_spent(
        self,
        task: Task,
        person: Any,
        date: Any,
        duration: dt.timedelta | None,
        hours: float,
        minutes: float,
        *,
        add: bool,
    ) -> TimeSpent:
        self.tracker.require("time_spent")
        if duration is None:
            duration = dt.timedelta(hours=hours, minutes=minutes)
        if not isinstance(duration, dt.timedelta) or duration <= dt.timedelta(0):
            raise ValidationError(f"time spent must be a positive duration, not {duration!r}")
        pid = self._resolve("person", person)
        day = as_date(date, "date")
        rec = self.tracker.set_time_spent(task.id, pid, day, duration, add=add)
        # a tracker may assign the person to record the time (Kitsu does)
        self._invalidate("task")
        return TimeSpent(self._ref("person", rec["person_id"]), rec["date"], rec["duration"])

    def _playlist_entries(self, playlist: Any) -> Items[PlaylistEntry]:
        kind = playlist.for_entity or "shot"
        within = {"project_id": playlist.project_id}
        entries = [
            PlaylistEntry(
                self._ref(kind, e["entity_id"], within),
                self._ref("preview", e.get("preview_id")),
            )
            for e in playlist._entries
        ]
        return Items(entries, f"entries of {playlist!r}")

    def _playlist_add(self, playlist: Any, entity: Any, preview: Any) -> None:
        self.tracker.require("playlists")
        target = self._playlist_member(playlist, entity)
        if preview is None:
            preview_id = getattr(target, "preview_id", None)
        else:
            preview_id = self._resolve("preview", preview)
        record = self.tracker.add_playlist_entry(playlist.id, target.id, preview_id)
        self._invalidate("playlist")
        self._identity.bind("playlist", record)

    def _playlist_member(self, playlist: Any, entity: Any) -> Any:
        """The shot or asset ``entity`` names, checked to fit ``playlist`` (its
        kind is the playlist's ``for_entity``, its project the playlist's);
        ValidationError otherwise, before anything is written. An id not held
        by the session is read once (one ``get``) to learn what it is."""
        kind = playlist.for_entity or "shot"
        what = f"a {kind} playlist"
        if isinstance(entity, Entity):
            if entity.kind != kind:
                raise ValidationError(
                    f"{what} takes {kind}s, not {describe(entity)} (nothing was written)"
                )
            target: Any = entity
        else:
            ident = self._resolve(kind, entity, {"project_id": playlist.project_id})
            try:
                target = self._ref(kind, ident)
            except NotFound as exc:
                raise ValidationError(
                    f"{what} takes {kind}s; {ident!r} is no {kind} (nothing was written)"
                ) from exc
        if target.project_id != playlist.project_id:
            raise ValidationError(
                f"{describe(target)} is not in the project of playlist {playlist.name!r} "
                "(nothing was written)"
            )
        return target

    def _team_of(self, project: Project) -> Team[Person]:
        scope = {"project_id": project.id}
        return Team(self, "person", scope, label=f"team of {describe(project)}", owner=project)

    def _set_team_member(self, project_id: str, person: Any, member: bool) -> None:
        self.tracker.require("team")
        self.tracker.set_team_member(project_id, self._resolve("person", person), member)
        self._invalidate("person")

    def _download(self, entity: Entity, path: Path) -> Path:
        return self.tracker.download(entity.kind, entity.id, path)

    def _fetch(self, coll: Collection[Any], key: str) -> Any:
        kind = coll.kind
        if not isinstance(key, str) or not key:
            raise ValidationError(f"fetch() takes a non-empty string key, not {key!r}")
        if kind == "shot" and "/" in key:
            seq_name, shot_name = key.split("/", 1)
            project_id = coll._scope.get("project_id") or coll._defaults.get("project_id")
            sequences = self._collection("sequence", {"project_id": project_id}, owner=coll._owner)
            seq = sequences.get(name=seq_name)
            return coll.get(name=shot_name, sequence_id=seq.id)
        if kind == "task":
            types = self._cache.get(cache_key("task_type", {})) if self._cache_on else None
            by_name = "task_type_name" in self.tracker.name_filters
            if self.tracker.looks_like_id(key) or types is not None or not by_name:
                found = self._query(
                    kind, {**coll._query, "task_type_id": self._resolve("task_type", key)}
                )
            else:  # the tracker matches the name: no task-type list to read first
                found = self._query(kind, {**coll._query, "task_type_name": key})
            if len(found) == 1:
                return found[0]
            if not found:
                names = [t.task_type.name for t in self._query(kind, coll._query)]
                raise NotFound("task", {"task_type": key}, coll._label, closest_names(key, names))
            # several tasks of one type (a tracker whose rule allows it): their
            # names tell them apart (names a fast listing left out load here, once)
            named = ", ".join(repr(t.name) for t in found)
            raise MultipleFound(
                f"{len(found)} tasks of task type {key!r} in {coll._label}: {named}; "
                f"pick one by name: get(task_type={key!r}, name=...)"
            )
        by_key = {KINDS[kind].key: key}
        if kind not in ALSO_KEYED_BY:
            return coll.get(**by_key)
        try:
            return coll.get(**by_key)
        except NotFound as missed:  # the second name writes accept too
            try:
                return coll.get(**{ALSO_KEYED_BY[kind]: key})
            except NotFound:
                raise missed from None


def connect(
    url: str | None = None,
    *,
    login: str | None = None,
    password: str | None = None,
    token: str | None = None,
    project: str | None = None,
    cache: bool = True,
    cache_ttl: float = 300.0,
    prefetch: bool = True,
    config: TrackerConfig | None = None,
    options: Mapping[str, Any] | None = None,
    create: bool = False,
) -> Session:
    """Open a session and authenticate at once.

    With no ``url``, settings come from the environment / ``adm_env.yml``
    (see :mod:`gadget.config`). Bad credentials raise AuthenticationError here.
    ``options`` are the tracker's own settings (Kitsu: ``timeout``,
    ``upload_timeout``, ``retries``, ``ssl_verify``; the local tracker:
    ``timeout``, ``journal_mode``), added to those of ``config``; a key the
    tracker does not know is a ConfigError naming the ones it does.

    ``create=True`` lets the local tracker make a new database when its
    ``sqlite:///`` file does not exist (without it a missing file is a
    ConfigError and nothing is created); ``login``, if given, becomes the new
    database's first admin. Trackers with a server ignore it.
    """
    if config is None:
        if url is None:
            config = load_config(login=login, password=password, token=token, project=project)
        else:
            config = TrackerConfig(
                url=url, login=login, password=password, token=token, project=project
            )
    if options is not None:
        if not isinstance(options, Mapping):
            raise ConfigError(
                f"options is a mapping such as {{'timeout': 60}}, not {type(options).__name__}"
            )
        config = attrs.evolve(config, options={**config.options, **options})
    if create and not config.create:
        config = attrs.evolve(config, create=True)
    tracker = resolve(config.url)(config)
    tracker.open()
    return Session(tracker, cache=cache, cache_ttl=cache_ttl, prefetch=prefetch)


def project_from_env(name: str | None = None, **options: Any) -> Project:
    """Connect from the environment and return TRACKER_PROJECT (or ``name``).

    ``options`` go to :func:`connect` (``cache``, ``prefetch``, ``options``
    for the tracker ...). The project owns the session: ``with`` it, or
    ``project.session.close()``.
    """
    config = load_config()
    wanted = name or config.project
    if not wanted:
        raise ConfigError(
            "TRACKER_PROJECT is not set: looked in the environment and in adm_env.yml "
            f"(settings came from {config.source}); set it or pass Project.from_env(name=...)"
        )
    session = connect(config=config, **options)
    try:
        return session.projects.fetch(wanted)
    except BaseException:
        session.close()  # nobody else holds this session: not left open
        raise
