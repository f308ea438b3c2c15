"""The Kitsu tracker: gadget's Tracker contract over Zou's REST API, through gazu.

:class:`KitsuTracker` declares what Kitsu can do, checks its options, logs
in, offers the escape hatches, and answers each contract method in a line or
two by handing its :class:`~gadget.trackers.kitsu.state.KitsuState` to the
module that does the work. The package, by what each module does (a new
tracker's package can take the same shape):

================  ===================================================================
``tracker.py``    the class: declarations, options, login, escape hatches, the
                  contract methods delegating to the modules below
``client.py``     the gazu client, re-login, errors
``transport.py``  HTTP: time bounds, retries, whether a failed request may have landed
``convert.py``    every field rename, payload <-> record (pure functions)
``routes.py``     Zou's routes per kind; id lists cut to fit a request line
``state.py``      what the tracker keeps: connection, id index, reference data
``index.py``      the id index (entity id -> kind, project), and why it exists
``records.py``    payloads into records, with the reads some records need
``queries.py``    reads: get, list, list_children, the with-tasks walk, comment order
``writes.py``     create (per kind; many at once, all or nothing), update, delete
``publish.py``    comments with previews and attachments, main preview, downloads
``optional.py``   casting, time spent, playlists, team, search
``events.py``     live events (socket.io)
================  ===================================================================

Each module's docstring says what its calls cost in requests; docs/kitsu.md
gives what the session's calls cost (``project.shots``,
``task.comments.new(...)`` ...), measured on a real server. gazu (and
requests, socketio) are imported when a tracker is constructed, never by
``import gadget``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import functools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from gadget.errors import ConfigError
from gadget.trackers.base import (
    CommentDraft,
    Listing,
    Pairs,
    Record,
    Records,
    Tracker,
    Unchanged,
)
from gadget.trackers.kitsu import optional, publish, queries, writes
from gadget.trackers.kitsu.records import record_from
from gadget.trackers.kitsu.state import KitsuState

if TYPE_CHECKING:
    from gazu.client import KitsuClient

    from gadget.config import TrackerConfig
    from gadget.trackers.kitsu.client import KitsuConnection
    from gadget.trackers.kitsu.events import KitsuEvents

__all__ = ["KitsuTracker"]

#: The contract methods that talk to the server: each runs within one call's
#: deadline (``deadline``), however many requests it makes. Not create_many:
#: each of its creations is a call of its own (a long bulk creation is no hang).
_CALLS = (
    "open",
    "whoami",
    "get",
    "list",
    "list_children",
    "list_with_children",
    "create",
    "undo_creations",
    "update",
    "delete",
    "create_comment",
    "set_main_preview",
    "download",
    "get_casting",
    "set_casting",
    "list_cast_in",
    "list_time_spent",
    "set_time_spent",
    "add_playlist_entry",
    "set_team_member",
    "search",
    "raw_get",
    "raw_post",
    "raw_put",
    "raw_delete",
)

_Class = TypeVar("_Class", bound=type)


def _one_deadline_per_call(cls: _Class) -> _Class:
    """Run each method of :data:`_CALLS` in its connection's call scope: a publish
    of three requests has one deadline, not three."""

    def bounded(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: KitsuTracker, *args: Any, **kwargs: Any) -> Any:
            with self._conn.scope():
                return method(self, *args, **kwargs)

        return call

    for name in _CALLS:
        setattr(cls, name, bounded(getattr(cls, name)))
    return cls


@_one_deadline_per_call
class KitsuTracker(Tracker):
    """Kitsu (Zou) behind gadget; URLs ``kitsu+https://host/api``, ``https://host/api``.

    Log in with ``TRACKER_LOGIN`` / ``TRACKER_PASSWORD`` or a bot token
    (``TRACKER_TOKEN``). Options (``TrackerConfig.options``): ``timeout``
    (s of silence within one request, default 30), ``connect_timeout`` (8),
    ``deadline`` (s for one call with its retries, 30), ``seconds_per_mb``
    (the answer time an upload earns per MB, 2), ``retries`` (8),
    ``ssl_verify`` (True); see :mod:`~gadget.trackers.kitsu.transport`.
    ``zou_version`` (``"1.0.52"``) makes the tracker use the routes of that
    Zou, never reading the server's version: to test the fallbacks of an
    older server on a newer one, or to keep to them (see
    :mod:`~gadget.trackers.kitsu.features`).

    Escape hatches, for what gadget does not wrap: :attr:`client` is this
    tracker's own gazu client (pass it as ``client=`` to any gazu function,
    never use gazu's module-level default client); :meth:`raw_get`,
    :meth:`raw_post`, :meth:`raw_put` and :meth:`raw_delete` send one request
    to a path under the API root with gadget's timeouts, retries and errors.
    :attr:`events` listens to Kitsu's live events.
    """

    name: ClassVar[str] = "kitsu"
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {
            "episodes",
            "assets",
            "previews",
            "attachments",
            "casting",
            "time_spent",
            "playlists",
            "departments",
            "team",
            "delete",
            "create_persons",
            "custom_data",
            "roles",
        }
    )
    name_filters: ClassVar[frozenset[str]] = frozenset({"task_type_name"})
    concurrent_reads: ClassVar[bool] = True  # one HTTP pool, shared by threads
    option_names: ClassVar[frozenset[str]] = frozenset(
        {
            "timeout",
            "connect_timeout",
            "deadline",
            "seconds_per_mb",
            "retries",
            "ssl_verify",
            "zou_version",
        }
    )
    projects_by_team: ClassVar[bool] = True  # Zou lists non-admins their teams' projects
    #: the production types Kitsu's web app offers (Zou itself stores any
    #: string of up to 20 characters, so gadget checks)
    production_types: ClassVar[tuple[str, ...]] = (
        "short",
        "featurefilm",
        "tvshow",
        "assets",
        "shots",
    )
    #: Zou's constraint: a task is unique by name, task type and entity
    #: (several tasks of one type on a shot, "main" when no name is given)
    unique_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "task": ("entity_id", "task_type_id", "name")
    }

    @classmethod
    def identity(cls, url: str) -> str:
        """``kitsu+https://host/api``, ``https://host/api`` and ``kitsu+https://host``
        name one Kitsu: its identity is ``kitsu+https://host`` (the web root)."""
        scheme, sep, rest = url.strip().partition("://")
        scheme = scheme.lower()
        if sep and not scheme.startswith("kitsu+"):
            scheme = "kitsu+" + scheme
        found = super().identity(f"{scheme}{sep}{rest}")
        return found[: -len("/api")] if found.endswith("/api") else found

    def __init__(self, config: TrackerConfig) -> None:
        super().__init__(config)
        from gadget.trackers.kitsu.client import KitsuConnection, events_host
        from gadget.trackers.kitsu.features import forced as forced_features
        from gadget.trackers.kitsu.transport import (
            DEFAULT_CONNECT_TIMEOUT,
            DEFAULT_DEADLINE,
            DEFAULT_PER_MB,
            DEFAULT_RETRIES,
            DEFAULT_TIMEOUT,
        )

        options = dict(config.options or {})
        seconds = {
            "timeout": config.timeout or DEFAULT_TIMEOUT,
            "connect_timeout": DEFAULT_CONNECT_TIMEOUT,
            "deadline": config.deadline or DEFAULT_DEADLINE,
            "seconds_per_mb": DEFAULT_PER_MB,
        }
        for name in seconds:
            value = options.get(name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"{name} is a number of seconds above 0, not {value!r}")
            seconds[name] = float(value)
        retries = options.get("retries", DEFAULT_RETRIES)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigError(f"retries is a whole number (0 or more), not {retries!r}")
        ssl_verify = options.get("ssl_verify", True)
        if not isinstance(ssl_verify, bool):
            raise ConfigError(f"ssl_verify is True or False, not {ssl_verify!r}")
        ca_bundle = config.ca_bundle
        if ca_bundle is not None:
            if not ssl_verify:
                raise ConfigError("ssl_verify=False and a CA bundle contradict each other")
            if not Path(ca_bundle).expanduser().is_file():
                raise ConfigError(f"the CA bundle {ca_bundle} (TRACKER_CA_BUNDLE) is not a file")
            ca_bundle = str(Path(ca_bundle).expanduser())
        self._conn: KitsuConnection = KitsuConnection(
            config.url,
            timeout=seconds["timeout"],
            connect_timeout=seconds["connect_timeout"],
            deadline=seconds["deadline"],
            per_mb=seconds["seconds_per_mb"],
            retries=retries,
            ssl_verify=ssl_verify,
            ca_bundle=ca_bundle,
            proxy=config.proxy,
        )
        self.host = self._conn.host
        self.web = self._conn.web
        self.events_host = events_host(self.host, config.events_url)
        zou_version = options.get("zou_version")
        features = None if zou_version is None else forced_features(zou_version)
        self._state = KitsuState(self._conn, self.looks_like_id, features)
        self._lock = threading.Lock()
        self._events: KitsuEvents | None = None
        self._opened = False

    def __repr__(self) -> str:
        return f"<KitsuTracker {self.host}>"

    # -- escape hatches ----------------------------------------------------
    @property
    def client(self) -> KitsuClient:
        """This tracker's gazu ``KitsuClient``: pass it as ``client=`` to gazu functions."""
        return self._conn.client

    @property
    def connection(self) -> KitsuConnection:
        """The connection (gazu client, HTTP session, error mapping) of this tracker."""
        return self._conn

    @property
    def request_count(self) -> int:
        """HTTP requests made so far by this tracker."""
        return self._conn.request_count

    def raw_get(self, path: str, **params: Any) -> Any:
        """GET ``path`` (relative to the API root, e.g. ``"data/projects"``); gadget errors."""
        return self._conn.get(path, params or None)

    def raw_post(self, path: str, data: Any) -> Any:
        """POST a JSON body to ``path``; gadget errors."""
        return self._conn.post(path, data)

    def raw_put(self, path: str, data: Any) -> Any:
        """PUT a JSON body to ``path``; gadget errors."""
        return self._conn.put(path, data)

    def raw_delete(self, path: str, **params: Any) -> Any:
        """DELETE ``path``; gadget errors."""
        return self._conn.delete(path, params or None)

    @property
    def events(self) -> KitsuEvents:
        """The live event stream (socket.io on :attr:`events_host`)."""
        with self._lock:
            if self._events is None:
                from gadget.trackers.kitsu.events import KitsuEvents

                self._events = KitsuEvents(self._conn, self.events_host)
            return self._events

    # -- session -----------------------------------------------------------
    def open(self) -> None:
        """Log in: POST ``auth/login`` (or GET ``auth/authenticated`` for a token)."""
        config = self.config
        if config.token:
            self._conn.use_token(config.token)
        elif config.login and config.password:
            self._conn.log_in(config.login, config.password)
        else:
            raise ConfigError(
                f"Kitsu at {self.host} needs TRACKER_LOGIN and TRACKER_PASSWORD, or "
                "TRACKER_TOKEN (a bot token); none was given"
                + (f" (settings came from {config.source})" if config.source else "")
            )
        self._opened = True

    def close(self) -> None:
        """Stop the event listener, log out (password sessions) and close the HTTP session."""
        if self._events is not None:
            self._events.stop()
        self._conn.close()
        self._opened = False

    def deadline(self, seconds: float) -> contextlib.AbstractContextManager[Any]:
        """Within the block, this thread's requests end within ``seconds`` in all."""
        return self._conn.deadline(seconds)

    def whoami(self) -> Record:
        """GET ``auth/authenticated``: the logged-in person."""
        answer = self._conn.get("auth/authenticated")
        return record_from(self._state, "person", answer["user"])

    def server_info(self) -> Record:
        """GET the API root (``{"api": "Zou", "version": ...}``; one request) and
        the server's clock from the answer's ``Date`` header.

        ``features`` are the server's features the tracker uses (by name:
        ``compact``, ``stream``, ``etag``, ``bulk_casting``, ``project_comments``;
        those of ``zou_version`` when that option is given), and the version
        read is kept: the tracker does not ask it again. A Zou older than
        the minimum is no error here: ``unsupported`` says why (None when
        supported).

        ``Date`` is to the second (truncated): the skew is measured against the
        middle of the request, so it is right to within a second and the
        round trip.
        """
        before = time.time()
        answer = self._conn.get("")
        after = time.time()
        response = self._conn.session.last_response
        skew = None
        header = response.headers.get("Date") if response is not None else None
        if header:
            try:
                server = email.utils.parsedate_to_datetime(header).timestamp()
            except (TypeError, ValueError, IndexError):
                server = None
            if server is not None:
                skew = dt.timedelta(seconds=round(server + 0.5 - (before + after) / 2, 1))
        info = answer if isinstance(answer, Mapping) else {}
        version = info.get("version")
        unsupported = None
        try:
            self._state.learn_version(info)
        except ConfigError as exc:
            unsupported = str(exc)
        features = self._state.known_features()
        return {
            "name": info.get("api"),
            "version": str(version) if version is not None else None,
            "clock_skew": skew,
            "features": features.as_dict() if features is not None else None,
            "unsupported": unsupported,
        }

    # -- reads -------------------------------------------------------------
    def get(self, kind: str, id: str) -> Record:
        """One record; see :func:`queries.get_record`."""
        return queries.get_record(self._state, kind, id)

    def list(self, kind: str, filters: Mapping[str, Any]) -> Records:
        """Records matching every filter; see :func:`queries.list_records`."""
        return queries.list_records(self._state, kind, filters)

    def list_children(
        self, kind: str, parent_field: str, parent_ids: Sequence[str], *, parent_kind: str
    ) -> dict[str, Records]:
        """The ``kind`` records of many parents; see :func:`queries.list_children`."""
        return queries.list_children(
            self._state, kind, parent_field, parent_ids, parent_kind=parent_kind
        )

    def list_with_children(
        self,
        kind: str,
        filters: Mapping[str, Any],
        child_kind: str,
        parent_field: str,
        *,
        validator: str | None = None,
    ) -> Listing | Unchanged | None:
        """Shots or assets of one project with their tasks in ONE GET, revalidated
        with Zou's ETag; see :func:`queries.list_with_children`."""
        return queries.list_with_children(
            self._state, kind, filters, child_kind, parent_field, validator
        )

    def children_per_request(self, kind: str, parent_field: str) -> int | None:
        """None for tasks of shots or assets (one request per project), else 60."""
        return queries.children_per_request(kind, parent_field)

    # -- writes ------------------------------------------------------------
    def create(self, kind: str, fields: Mapping[str, Any]) -> Record:
        """Create one record; see :func:`writes.create` and its creators."""
        return writes.create(self._state, kind, fields)

    def create_many(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> Records:
        """Create several records, all or nothing, 4 POSTs in flight at once; see
        :func:`writes.create_in_parallel` (what was made is undone by
        :meth:`undo_creations` when one fails)."""
        if len(rows) < 2:
            return super().create_many(kind, rows)
        return writes.create_in_parallel(self.create, self.undo_creations, kind, rows)

    def update(self, kind: str, id: str, fields: Mapping[str, Any]) -> Record:
        """PUT the fields (2 requests when ``data`` is merged); see :func:`writes.update`."""
        return writes.update(self._state, kind, id, fields)

    def delete(self, kind: str, id: str) -> None:
        """DELETE, with force where Zou needs it; see :func:`writes.delete`."""
        writes.delete(self._state, kind, id)

    # -- publishing --------------------------------------------------------
    def create_comment(self, task_id: str, draft: CommentDraft) -> Record:
        """One publish, in ONE POST ``batch-comment`` (its key in a marker at the end
        of the text); see :func:`publish.create_comment`."""
        return publish.create_comment(self._state, task_id, draft)

    def complete_comment(self, task_id: str, record: Record, draft: CommentDraft) -> Record:
        """Finish a comment found by its key: files it lacks re-sent into the same
        records, then the main preview; see :func:`publish.complete_comment`."""
        if draft.set_main_preview and draft.previews:
            publish.check_main_preview_allowed(self._state, task_id)

        def finish_main(found: Record) -> Record:
            return super(KitsuTracker, self).complete_comment(task_id, found, draft)

        return publish.complete_comment(self._state, task_id, record, draft, finish_main)

    def set_main_preview(self, preview_id: str) -> None:
        """PUT ``actions/preview-files/{id}/set-main-preview``: the entity's thumbnail."""
        publish.set_main_preview(self._state, preview_id)

    def download(self, kind: str, id: str, path: Path) -> Path:
        """A preview's or attachment's file, streamed to ``path``; see :func:`publish.download`."""
        return publish.download(self._state, kind, id, path)

    # -- optional capabilities: casting, time spent, playlists, team, search ----
    def get_casting(self, shot_ids: Sequence[str]) -> dict[str, Records]:
        """Each shot's casting; see :func:`optional.get_casting`."""
        return optional.get_casting(self._state, shot_ids)

    def set_casting(self, project_id: str, casting: Mapping[str, Sequence[Record]]) -> None:
        """ONE PUT ``data/projects/{id}/entities/casting`` for every shot given."""
        optional.set_casting(self._state, project_id, casting)

    def list_cast_in(self, asset_id: str) -> Records:
        """The shots an asset is cast in; see :func:`optional.list_cast_in`."""
        return optional.list_cast_in(self._state, asset_id)

    def list_time_spent(self, task_id: str) -> Records:
        """GET ``actions/tasks/{id}/time-spents``."""
        return optional.list_time_spent(self._state, task_id)

    def set_time_spent(
        self,
        task_id: str,
        person_id: str,
        date: dt.date,
        duration: dt.timedelta,
        *,
        add: bool = False,
    ) -> Record:
        """Set (or add to) a person's time on a task; see :func:`optional.set_time_spent`."""
        return optional.set_time_spent(self._state, task_id, person_id, date, duration, add=add)

    def add_playlist_entry(
        self, playlist_id: str, entity_id: str, preview_id: str | None
    ) -> Record:
        """POST ``actions/playlists/{id}/add-entity`` (answers the playlist)."""
        return optional.add_playlist_entry(self._state, playlist_id, entity_id, preview_id)

    def set_team_member(self, project_id: str, person_id: str, member: bool) -> None:
        """POST ``data/projects/{id}/team`` or DELETE ``data/projects/{id}/team/{person}``."""
        optional.set_team_member(self._state, project_id, person_id, member)

    def search(self, text: str, project_id: str | None = None) -> Pairs:
        """POST ``data/search`` (needs Kitsu's indexer); see :func:`optional.search`."""
        return optional.search(self._state, text, project_id)
