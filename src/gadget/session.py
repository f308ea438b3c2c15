"""The session: one tracker, its caches and its identity map.

Entities and collections call into the session; the session calls the
tracker and turns the records it returns into bound entities. It is built
from parts, each a class of its own in a private module, given what it
needs (the tracker, the session's lock, each other):

- :class:`gadget._identity.IdentityMap`: one id gives one object per
  session (entities are updated in place when fresher data arrives); partial
  records (fields a fast route left out, ``trackers.base.MISSING``) are
  completed for everything read together on the first read of one of them;
- :class:`gadget._cache.QueryCache`: a per-session TTL cache of query
  results (reference data such as task types, statuses and persons
  included), cleared for a kind on every write through this session;
  ``connect(..., cache=False)`` turns it off;
- :class:`gadget._prefetch.Prefetcher`: the reads, with sibling prefetch
  (the first child-collection read on an entity that came from a loaded
  collection loads that child collection for every sibling in one
  ``Tracker.list_children`` call; ``session.no_prefetch()`` opts out);
  shots and assets are listed with their tasks when the tracker has one
  request for both (``Tracker.list_with_children``);
- :class:`gadget._checks.InputChecks`: entities, ids and names resolved,
  filters and writes normalized and checked against the tracker's declared
  rules before anything is written;
- :class:`gadget._publishing.Publisher`: comments drafted, checked and
  posted, one at a time or with :meth:`Session.publish_many`.

What entities and collections call (``session._query``, ``_ref``,
``_collection``, ``_resolve``, ``_new``, ``_update`` ...) is the session's
narrow internal protocol; each of those delegates to a part.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from gadget._cache import QueryCache, cache_key
from gadget._checks import ALSO_KEYED_BY, REFERENCE_KINDS, InputChecks
from gadget._identity import IdentityMap, describe
from gadget._prefetch import Prefetcher
from gadget._publishing import Publisher
from gadget.collections import Collection, Items, Team, matches
from gadget.config import TrackerConfig, load_config, mask_url
from gadget.entities import ENTITY_CLASSES, Entity
from gadget.entities.production import CastingEntry
from gadget.entities.review import PlaylistEntry
from gadget.entities.task import TimeSpent
from gadget.errors import (
    ConfigError,
    GadgetError,
    MultipleFound,
    NotFound,
    OutcomeUnknown,
    TrackerUnavailable,
    Unsupported,
    ValidationError,
    closest_names,
)
from gadget.kinds import KINDS
from gadget.trackers.base import Tracker, check_key
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


class Session:
    """A connection to one tracker with its caches. Made by :func:`connect`.

    ``cache``, ``cache_ttl`` and ``cache_size`` set the query cache,
    ``prefetch`` sibling prefetch (see the module docstring).
    """

    def __init__(
        self,
        tracker: Tracker,
        *,
        cache: bool = True,
        cache_ttl: float = 300.0,
        cache_size: int = 20_000,
        prefetch: bool = True,
    ) -> None:
        self._tracker = tracker
        self._lock = threading.RLock()
        self._closed = False
        self._me: Person | None = None
        #: the idempotency keys of this session's time-spent additions: key ->
        #: ((task id, person id, day), what was recorded)
        self._time_keys: dict[str, tuple[tuple[str, str, dt.date], TimeSpent]] = {}
        #: additions with a key whose outcome is unknown: key -> (where, before, total)
        self._time_pending: dict[
            str, tuple[tuple[str, str, dt.date], dt.timedelta | None, dt.timedelta]
        ] = {}
        opened = self._open_tracker
        self._cache = QueryCache(self._lock, enabled=cache, ttl=cache_ttl, size=cache_size)
        #: whether query results are kept (fixed for the session's life; collections
        #: read it on every load, so a plain attribute)
        self._cache_on = self._cache.enabled
        self._identity = IdentityMap(self, self._lock, opened)
        self._prefetcher = Prefetcher(opened, self._identity, self._cache, enabled=prefetch)
        self._checks = InputChecks(opened, self._query, self._ref)
        self._publisher = Publisher(opened, self._checks, self._identity, self._cache, self._ref)

    # -- public surface ----------------------------------------------------
    @property
    def tracker(self) -> Tracker:
        """The tracker behind this session (also the escape hatch to what gadget
        does not wrap). Once the session is closed, TrackerUnavailable: nothing
        asks a closed tracker."""
        if self._closed:
            raise TrackerUnavailable(
                f"this session is closed (the {self._tracker.name} tracker at "
                f"{mask_url(self._tracker.config.url)}); connect again"
            )
        return self._tracker

    def _open_tracker(self) -> Tracker:
        """:attr:`tracker`, as the parts ask for it (TrackerUnavailable once closed)."""
        return self.tracker

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

    def deadline(self, seconds: float) -> contextlib.AbstractContextManager[Any]:
        """Within the block, the calling thread's tracker calls end within ``seconds``.

        The bound covers the whole block: every request, retry and backoff,
        with no extension for uploads. When time runs out the call raises
        ``TrackerUnavailable`` (nothing landed) or, for a write that was sent,
        ``OutcomeUnknown``. Blocks nest (the earlier end wins); other threads
        are not bound. Outside a block each call has the session's own
        deadline (``gadget.connect(deadline=...)``). A tracker that cannot
        bound its calls ignores it (docs/getting-started.md says which).
        """
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            raise ValidationError(f"a deadline is a number of seconds above 0, not {seconds!r}")
        return self.tracker.deadline(float(seconds))

    def clear_cache(self) -> None:
        """Forget every cached query result (entities already held stay valid)."""
        self._cache.clear()

    def publish_many(
        self,
        items: Iterable[tuple[Any, Mapping[str, Any]]],
        *,
        max_workers: int = 4,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Any]:
        """Post comments on several tasks, uploads in parallel.

        ``items`` are ``(task, fields)`` pairs, ``fields`` as for
        ``task.comments.new(...)``. Every pair is checked before anything is
        sent (a missing file posts nothing). At most ``max_workers`` publishes
        are in flight; ``progress(bytes_sent, bytes_total)`` hears the bytes
        of all of them together. Returns the comments in the order given.
        """
        return self._publisher.publish_many(items, max_workers=max_workers, progress=progress)

    # -- what entities and collections call: each delegates to a part -----
    def _items(self, items: Iterable[Any], label: str) -> Items[Any]:
        return Items(items, label)

    def _invalidate(self, *kinds: str) -> None:
        """Forget the cached query results of ``kinds`` (after a write)."""
        self._cache.invalidate(*kinds)

    def _collection(
        self,
        kind: str,
        scope: Mapping[str, Any],
        *,
        owner: Any = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> Collection[Any]:
        plural = KINDS[kind].plural.replace("_", " ")
        label = f"{plural} of {describe(owner)}" if owner is not None else plural
        return Collection(self, kind, scope, label=label, owner=owner, defaults=defaults)

    def _query(self, kind: str, filters: Mapping[str, Any]) -> list[Any]:
        """Entities of ``kind`` matching ``filters`` exactly (normalized field names)."""
        spec = KINDS[kind]
        accepted = set(spec.filters) | {"id", spec.key} | self.tracker.name_filters
        server = {k: v for k, v in filters.items() if k in accepted and v is not None}
        key = cache_key(kind, server)
        found = self._cache.get(key)
        if found is None:
            # a narrowing of a query already loaded is answered from it
            broader = {k: v for k, v in server.items() if k not in (spec.key, "id", "name")}
            if broader != server:
                found = self._cache.get(cache_key(kind, broader)) if self._cache_on else None
        if found is None:
            found = self._prefetcher.load(kind, server, key)
        # the final match is exact: a tracker matches every filter it is sent
        # exactly (the contract), but may match a name loosely, and a narrowing
        # answered from a broader cached answer dropped the key, the id and the
        # name; server-only filters (a person's team) are not attributes
        cls = ENTITY_CLASSES[kind]
        again = (spec.key, "id", "name")
        local = {
            k: v for k, v in filters.items() if k not in server or (k in again and hasattr(cls, k))
        }
        return [e for e in found if matches(e, local)]

    def _ref(self, kind: str, ident: str | None, within: Mapping[str, Any] | None = None) -> Any:
        """The entity of ``kind`` with id ``ident`` (None for None)."""
        if ident is None:
            return None
        hit = self._identity.get(kind, ident)
        if hit is not None:
            return hit
        if kind in REFERENCE_KINDS or within:
            for e in self._query(kind, dict(within or {})):
                if e.id == ident:
                    return e
        return self._identity.bind(kind, self.tracker.get(kind, ident))

    def _complete(self, entity: Entity) -> None:
        """Load the fields a partial record left out of ``entity`` (entities call this)."""
        self._identity.complete(entity)

    def _reload(self, entity: Entity) -> None:
        """Read ``entity`` again, in place: one ``get``."""
        self._identity.reload(entity)

    def _resolve(self, kind: str, value: Any, scope: Mapping[str, Any] | None = None) -> Any:
        """An id from an entity, a dict, an id string or a natural key (name)."""
        return self._checks.resolve(kind, value, scope)

    def _normalize_filters(
        self, kind: str, fields: Mapping[str, Any], scope: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``filter()``/``get()`` fields as the tracker's field names, references resolved."""
        return self._checks.normalize_filters(kind, fields, scope)

    def _new(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        if coll.kind == "comment":
            return self._publisher.new_comment(coll, dict(fields))
        data = self._checks.prepare_new(coll, fields)
        self._checks.check_free(coll.kind, data, coll._label)
        return self._create(coll.kind, data)

    def _create(self, kind: str, data: Mapping[str, Any]) -> Any:
        try:
            record = self.tracker.create(kind, data)
        finally:  # a failed write may have landed: what was cached is not trusted
            self._invalidate(kind)
        return self._identity.bind(kind, record)

    def _new_many(self, coll: Collection[Any], rows: list[dict[str, Any]]) -> list[Any]:
        if coll.kind == "comment":
            return [self._publisher.new_comment(coll, row) for row in rows]
        prepared = [self._checks.prepare_new(coll, row) for row in rows]
        self._checks.check_new_rows(coll, prepared)
        try:  # all or nothing (else PartialWrite names what is left)
            records = self.tracker.create_many(coll.kind, prepared)
        finally:
            self._invalidate(coll.kind)
        return self._prefetcher.bind_group(coll.kind, records)

    def _ensure(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        data = self._checks.prepare_new(coll, fields)
        found = self._checks.holders(coll.kind, data)
        return found[0] if found else self._create(coll.kind, data)

    def _update(self, entity: Entity, fields: Mapping[str, Any]) -> None:
        kind = entity.kind
        data = self._checks.prepare_update(entity, fields)
        if not data:
            return
        try:
            record = self.tracker.update(kind, entity.id, data)
        finally:  # a failed write may have landed: what was cached is not trusted
            self._invalidate(kind)
        self._identity.bind(kind, record)

    def _delete(self, entity: Entity) -> None:
        self.tracker.require("delete")
        try:
            self.tracker.delete(entity.kind, entity.id)
        finally:  # a failed deletion may have removed some of what depends on it
            self.clear_cache()
        self._identity.forget(entity.kind, entity.id)

    # -- casting, time spent, playlists, team, files -----------------------
    def _casting(self, shot: Shot) -> list[CastingEntry]:
        self.tracker.require("casting")
        key = cache_key("casting", {"shot_id": shot.id})
        found = self._cache.get(key)
        since = self._cache.generation
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
                        cache_key("casting", {"shot_id": sid}),
                        entries,
                        prefetched=True,
                        since=since,
                    )
            found = found or []
            self._cache.put(key, found, since=since)
        return list(found)

    def _set_casting(self, casting: Mapping[Any, Iterable[Any]]) -> None:
        self.tracker.require("casting")
        by_project = self._checks.casting_rows(casting)
        try:
            for project_id, mapping in by_project.items():
                self.tracker.set_casting(project_id, mapping)
        finally:  # a failed write may have landed: what was cached is not trusted
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
        key: str | None = None,
    ) -> TimeSpent:
        """Set a person's time on a task for a day, or add to it, never twice.

        An addition is a read of the day's time, then a set of the new total
        (``Tracker.set_time_spent`` without ``add``): a set is safe to repeat,
        so a write that may have landed (OutcomeUnknown) is resolved by
        reading again, and set again only when it did not land. With ``key``,
        an addition made once by this session is not made again (the
        session remembers the keys of its additions, not the tracker).
        """
        tracker = self.tracker
        tracker.require("time_spent")
        if key is not None:
            key = check_key(key)
        pid, day, duration = self._checks.time_spent(person, date, duration, hours, minutes)
        pending = None
        if key is not None:
            with self._lock:
                done = self._time_keys.get(key)
                pending = self._time_pending.get(key)
            if done is not None:
                if done[0] != (task.id, pid, day):
                    raise ValidationError(
                        f"idempotency_key {key!r} was used for another time spent "
                        f"(task {done[0][0]}, person {done[0][1]}, {done[0][2]}); nothing was written"
                    )
                return done[1]
        before: dt.timedelta | None = None
        total = duration
        try:
            if pending is not None and pending[0] == (task.id, pid, day):
                # the same key after an unknown outcome: finish that addition, not a new one
                _, before, total = pending
                rec = self._finish_pending(tracker, task.id, pid, day, before, total, key)
            else:
                before = self._spent(tracker, task.id, pid, day) if add else None
                total = duration + (before or dt.timedelta(0))
                if total < dt.timedelta(0):
                    raise ValidationError(
                        f"time spent cannot be negative ({total}); nothing was written"
                    )
                rec = self._set_total(tracker, task.id, pid, day, total, before, key)
        except OutcomeUnknown:
            if key is not None:
                with self._lock:
                    self._time_pending[key] = ((task.id, pid, day), before, total)
            raise
        finally:  # a failed write may have landed; a tracker may assign the person (Kitsu)
            self._invalidate("task")
        spent = TimeSpent(self._ref("person", rec["person_id"]), rec["date"], rec["duration"])
        if key is not None:
            with self._lock:
                self._time_keys[key] = ((task.id, pid, day), spent)
                self._time_pending.pop(key, None)
        return spent

    def _finish_pending(
        self,
        tracker: Tracker,
        task_id: str,
        person_id: str,
        day: dt.date,
        before: dt.timedelta | None,
        total: dt.timedelta,
        key: str | None,
    ) -> Mapping[str, Any]:
        """An addition whose outcome was unknown, asked again with its key: read the
        day's time; it landed when it is the total, it did not when it is still
        what it was before (then it is set now); else OutcomeUnknown again."""
        now = self._spent(tracker, task_id, person_id, day)
        if now == total:
            return {"person_id": person_id, "date": day, "duration": total}
        if before is None or now == before:
            return self._set_total(tracker, task_id, person_id, day, total, before, key)
        raise OutcomeUnknown(
            f"time spent of person {person_id} on task {task_id} for {day} is now {now}, "
            f"neither {before} (before) nor {total} (after the addition with key {key!r}): "
            "someone else wrote it meanwhile; read task.time_spent and set it",
            key=key,
            operation="time spent",
        )

    @staticmethod
    def _spent(tracker: Tracker, task_id: str, person_id: str, day: dt.date) -> dt.timedelta:
        """A person's time on a task for one day, as the tracker has it (one read)."""
        return sum(
            (
                r["duration"]
                for r in tracker.list_time_spent(task_id)
                if r["person_id"] == person_id and r["date"] == day
            ),
            dt.timedelta(0),
        )

    def _set_total(
        self,
        tracker: Tracker,
        task_id: str,
        person_id: str,
        day: dt.date,
        total: dt.timedelta,
        before: dt.timedelta | None,
        key: str | None,
    ) -> Mapping[str, Any]:
        """Set the day's total; after an ambiguous failure, read it again and set it
        again only when the first set did not land."""
        try:
            return tracker.set_time_spent(task_id, person_id, day, total)
        except OutcomeUnknown as unknown:
            what = f"time spent of person {person_id} on task {task_id} for {day}"
            advice = (
                f"read task.time_spent, or call time_spent.set(..., duration={total!r}) "
                "which is safe to repeat"
            )
            try:
                now = self._spent(tracker, task_id, person_id, day)
            except GadgetError as lookup:
                raise OutcomeUnknown(
                    f"{what}: {unknown}; reading it again failed too ({lookup}): it was to "
                    f"become {total}; {advice}",
                    key=key,
                    operation=unknown.operation,
                ) from unknown
            if now == total:  # it landed
                return {"person_id": person_id, "date": day, "duration": total}
            if before is not None and now != before:
                raise OutcomeUnknown(
                    f"{what}: {unknown}; it is now {now}, neither {before} (before) nor "
                    f"{total} (after): someone else wrote it meanwhile; {advice}",
                    key=key,
                    operation=unknown.operation,
                ) from unknown
            return tracker.set_time_spent(task_id, person_id, day, total)  # it did not land

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
        target = self._checks.playlist_member(playlist, entity)
        if preview is None:
            preview_id = getattr(target, "preview_id", None)
        else:
            preview_id = self._resolve("preview", preview)
        try:
            record = self.tracker.add_playlist_entry(playlist.id, target.id, preview_id)
        finally:  # a failed write may have landed: what was cached is not trusted
            self._invalidate("playlist")
        self._identity.bind("playlist", record)

    def _team_of(self, project: Project) -> Team[Person]:
        scope = {"project_id": project.id}
        return Team(self, "person", scope, label=f"team of {describe(project)}", owner=project)

    def _set_team_member(self, project_id: str, person: Any, member: bool) -> None:
        self.tracker.require("team")
        person_id = self._resolve("person", person)
        try:
            self.tracker.set_team_member(project_id, person_id, member)
        finally:  # a failed write may have landed: what was cached is not trusted
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
    timeout: float | None = None,
    deadline: float | None = None,
    ca_bundle: str | None = None,
    proxy: str | None = None,
) -> Session:
    """Open a session and authenticate at once.

    With no ``url``, settings come from the environment / ``adm_env.yml``
    (see :mod:`gadget.config`). Bad credentials raise AuthenticationError here.
    ``options`` are the tracker's own settings (Kitsu: ``timeout``,
    ``connect_timeout``, ``deadline``, ``seconds_per_mb``, ``retries``,
    ``ssl_verify``; the local tracker: ``timeout``, ``journal_mode``;
    ShotGrid: ``sudo_as_login``, ``status_roles``, ``timeout``;
    docs/capabilities.md lists them all), added to those of ``config``; a
    key the tracker does not know is a ConfigError naming the ones it does.

    ``timeout`` (seconds one request may wait on the tracker), ``deadline``
    (seconds one call may take with its retries), ``ca_bundle`` (a file of
    trusted certificates) and ``proxy`` (an HTTP(S) proxy URL) win over
    TRACKER_TIMEOUT, TRACKER_DEADLINE, TRACKER_CA_BUNDLE and TRACKER_PROXY;
    a tracker option of the same name wins over them.

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
    bounds: dict[str, Any] = {
        "timeout": timeout,
        "deadline": deadline,
        "ca_bundle": ca_bundle,
        "proxy": proxy,
    }
    given = {name: value for name, value in bounds.items() if value is not None}
    if given:
        config = attrs.evolve(config, **given)
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
