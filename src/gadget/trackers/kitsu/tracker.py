"""The Kitsu tracker: gadget's Tracker contract over Zou's REST API, through gazu.

Every request goes through one :class:`~gadget.trackers.kitsu.client.KitsuConnection`
(one gazu client per tracker, passed as ``client=`` to every gazu call);
every vendor field rename happens in :mod:`gadget.trackers.kitsu.convert`.
gazu (and requests, socketio) are imported when a tracker is constructed,
never by ``import gadget``.

What the calls cost (N parents, loopback or not, each line is requests):

=====================================  ==============================================
``list(kind, filters)``                1 GET (an ``IN`` filter of more than 60 ids is
                                       split into chunks of 60, to fit the URL limit)
``list_children("task", "entity_id")`` 1 GET ``/data/tasks?entity_id=[...]``, or 1 GET
                                       ``/data/projects/{id}/tasks`` beyond 60 parents
``list_children("comment", ...)``      1 GET per task for one task; for many, 1 GET
                                       ``/data/comments?object_id=[...]`` + 1 for their
                                       previews + 1 for their attachments + 1 per task
                                       with two comments in one second (admins;
                                       others 1 GET per task)
``create("shot")``                     1 POST ``/data/projects/{id}/shots`` (all fields)
``create("task")``                     1 POST ``/data/tasks`` (+1 GET project settings
                                       once per project, +1 POST when the task type must
                                       be added to the project)
``update(kind)``                       1 PUT (+1 GET when ``custom_data`` or a shot frame
                                       field is written: read-modify-write of ``data``)
``create_comment``                     1 multipart POST ``batch-comment`` (+1 GET of the
                                       task when no status is given, +1 PUT
                                       ``set-main-preview`` when asked)
``get_casting`` / ``set_casting``      1 GET ``sequences/all/casting`` / 1 PUT
                                       ``entities/casting`` per project
=====================================  ==============================================

Reference lookups (project statuses, entity types, the default task status,
the task types of a project) are made once per tracker. The id index
(:mod:`~gadget.trackers.kitsu.index`) keeps the kind and project of the
entities returned, for the requests that need them.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from gadget.errors import (
    ConfigError,
    GadgetError,
    PermissionDenied,
    Unsupported,
    ValidationError,
)
from gadget.trackers.base import CommentDraft, Pairs, Record, Records, Tracker
from gadget.trackers.kitsu import convert, publish, queries, routes, writes
from gadget.trackers.kitsu.records import (
    record_from,
)
from gadget.trackers.kitsu.state import KitsuState

if TYPE_CHECKING:
    from gazu.client import KitsuClient

    from gadget.config import TrackerConfig
    from gadget.trackers.kitsu.client import KitsuConnection
    from gadget.trackers.kitsu.events import KitsuEvents

__all__ = ["KitsuTracker"]

_INDEX_NAMES = {"assets": "asset", "shots": "shot", "persons": "person"}


_Ids = list[str]
_Payloads = list[Mapping[str, Any]]


class KitsuTracker(Tracker):
    """Kitsu (Zou) behind gadget; URLs ``kitsu+https://host/api``, ``https://host/api``.

    Log in with ``TRACKER_LOGIN`` / ``TRACKER_PASSWORD`` or a bot token
    (``TRACKER_TOKEN``). Options (``TrackerConfig.options``): ``timeout``
    (s, default 30), ``upload_timeout`` (300), ``retries`` (3),
    ``ssl_verify`` (True).

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
            "roles",
        }
    )
    name_filters: ClassVar[frozenset[str]] = frozenset({"task_type_name"})
    concurrent_reads: ClassVar[bool] = True  # one HTTP pool, shared by threads
    option_names: ClassVar[frozenset[str]] = frozenset(
        {"timeout", "upload_timeout", "retries", "ssl_verify"}
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

    def __init__(self, config: TrackerConfig) -> None:
        super().__init__(config)
        from gadget.trackers.kitsu.client import (
            DEFAULT_RETRIES,
            DEFAULT_TIMEOUT,
            UPLOAD_TIMEOUT,
            KitsuConnection,
            events_host,
        )

        options = dict(config.options or {})
        for name in ("timeout", "upload_timeout"):
            value = options.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
            ):
                raise ConfigError(f"{name} is a number of seconds above 0, not {value!r}")
        retries = options.get("retries", DEFAULT_RETRIES)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigError(f"retries is a whole number (0 or more), not {retries!r}")
        ssl_verify = options.get("ssl_verify", True)
        if not isinstance(ssl_verify, bool):
            raise ConfigError(f"ssl_verify is True or False, not {ssl_verify!r}")
        try:
            self._conn: KitsuConnection = KitsuConnection(
                config.url,
                timeout=float(options.get("timeout", DEFAULT_TIMEOUT)),
                upload_timeout=float(options.get("upload_timeout", UPLOAD_TIMEOUT)),
                retries=retries,
                ssl_verify=ssl_verify,
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad Kitsu tracker option: {exc}") from exc
        self.host = self._conn.host
        self.web = self._conn.web
        self.events_host = events_host(self.host, config.events_url)
        self._state = KitsuState(self._conn, self.looks_like_id)
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

    def whoami(self) -> Record:
        """GET ``auth/authenticated``: the logged-in person."""
        answer = self._conn.get("auth/authenticated")
        return record_from(self._state, "person", answer["user"])

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
        self, kind: str, filters: Mapping[str, Any], child_kind: str, parent_field: str
    ) -> tuple[Records, dict[str, Records]] | None:
        """Shots or assets of one project with their tasks in ONE GET; see
        :func:`queries.list_with_children`."""
        return queries.list_with_children(self._state, kind, filters, child_kind, parent_field)

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
        """One publish, in ONE POST ``batch-comment``; see :func:`publish.create_comment`."""
        return publish.create_comment(self._state, task_id, draft)

    def set_main_preview(self, preview_id: str) -> None:
        """PUT ``actions/preview-files/{id}/set-main-preview``: the entity's thumbnail."""
        publish.set_main_preview(self._state, preview_id)

    def download(self, kind: str, id: str, path: Path) -> Path:
        """A preview's or attachment's file, streamed to ``path``; see :func:`publish.download`."""
        return publish.download(self._state, kind, id, path)

    # -- casting -----------------------------------------------------------
    def _projects_of(self, ids: Sequence[str], kind: str) -> dict[str, _Ids]:
        """Group entity ids by project (the index, else one GET of the unknown ones)."""
        by_project: dict[str, _Ids] = {}
        unknown: _Ids = []
        for ident in ids:
            project_id = self._state.index.project_of(ident)
            if project_id:
                by_project.setdefault(project_id, []).append(ident)
            else:
                unknown.append(ident)
        for chunk in routes.chunks(unknown):
            for payload in self._conn.get(routes.ROUTES[kind], {"id": json.dumps(chunk)}):
                record = record_from(self._state, kind, payload)
                by_project.setdefault(str(record["project_id"]), []).append(str(record["id"]))
        return by_project

    def get_casting(self, shot_ids: Sequence[str]) -> dict[str, Records]:
        """GET ``data/projects/{id}/entities/{shot}/casting`` for one shot, else one GET
        ``data/projects/{id}/sequences/all/casting`` per project."""
        ids = list(dict.fromkeys(str(i) for i in shot_ids))
        out: dict[str, Records] = {i: [] for i in ids}
        for project_id, shots in self._projects_of(ids, "shot").items():
            if len(shots) == 1:
                rows = self._conn.get(f"data/projects/{project_id}/entities/{shots[0]}/casting")
                out[shots[0]] = convert.casting_rows(rows)
                continue
            table = self._conn.get(f"data/projects/{project_id}/sequences/all/casting")
            for shot_id in shots:
                out[shot_id] = convert.casting_rows(table.get(shot_id) or [])
        return out

    def set_casting(self, project_id: str, casting: Mapping[str, Sequence[Record]]) -> None:
        """ONE PUT ``data/projects/{id}/entities/casting`` for every shot given."""
        body = {str(shot): convert.casting_payload(rows) for shot, rows in casting.items()}
        if body:
            # Zou spends ~0.2 s per shot on this PUT: the long timeout, not the default
            self._conn.put(f"data/projects/{project_id}/entities/casting", body, slow=True)

    def list_cast_in(self, asset_id: str) -> Records:
        """GET ``data/assets/{id}/cast-in``, then one GET of those shots."""
        with self._state.naming_the_record("asset", asset_id):
            rows = self._conn.get(f"data/assets/{asset_id}/cast-in")
        shot_ids = [str(r["shot_id"]) for r in rows if r.get("shot_id")]
        if not shot_ids:
            return []
        filters: dict[str, Any] = {"id": shot_ids}
        asset_project = self._state.index.project_of(asset_id)
        if asset_project:
            filters["project_id"] = asset_project
        return queries.list_records(self._state, "shot", filters)

    # -- time spent --------------------------------------------------------
    def list_time_spent(self, task_id: str) -> Records:
        """GET ``actions/tasks/{id}/time-spents`` (durations in minutes)."""
        with self._state.naming_the_record("task", task_id):
            answer = self._conn.get(f"actions/tasks/{task_id}/time-spents")
        rows = [
            convert.time_spent_record(row)
            for key, value in answer.items()
            if key != "total" and isinstance(value, list)
            for row in value
        ]
        return sorted(rows, key=lambda r: (r["date"] or dt.date.min, r["person_id"] or ""))

    def set_time_spent(
        self,
        task_id: str,
        person_id: str,
        date: dt.date,
        duration: dt.timedelta,
        *,
        add: bool = False,
    ) -> Record:
        """POST ``actions/tasks/{id}/time-spents/{date}/persons/{person}`` (``/add`` to add).

        Kitsu records time only for a person assigned to the task. When it
        refuses because the person is not assigned, the person is assigned
        (GET ``data/tasks/{id}``, PUT ``actions/persons/{id}/assign``) and
        the time posted again: 4 requests instead of 1, the first time only.
        """
        route = f"actions/tasks/{task_id}/time-spents/{date.isoformat()}/persons/{person_id}"
        if add:
            route += "/add"
        body = {"duration": convert.to_minutes(duration)}
        try:
            with self._state.naming_the_record("task", task_id):
                try:
                    payload = self._conn.post(route, body)
                except PermissionDenied:
                    task = self._conn.get(f"data/tasks/{task_id}")
                    if person_id in (task.get("assignees") or []):
                        raise
                    self._conn.put(f"actions/persons/{person_id}/assign", {"task_ids": [task_id]})
                    payload = self._conn.post(route, body)
        except PermissionDenied as exc:
            raise PermissionDenied(
                f"{exc}. Kitsu records time spent only for a person assigned to the task, "
                "logged by that person, a manager of the project or an admin"
            ) from exc
        return convert.time_spent_record(payload)

    # -- playlists, team, search ------------------------------------------
    def add_playlist_entry(
        self, playlist_id: str, entity_id: str, preview_id: str | None
    ) -> Record:
        """POST ``actions/playlists/{id}/add-entity`` (answers the playlist)."""
        body: dict[str, Any] = {"entity_id": entity_id}
        if preview_id:
            body["preview_file_id"] = preview_id
        with self._state.naming_the_record("playlist", playlist_id):
            payload = self._conn.post(f"actions/playlists/{playlist_id}/add-entity", body)
        return record_from(self._state, "playlist", payload)

    def set_team_member(self, project_id: str, person_id: str, member: bool) -> None:
        """POST ``data/projects/{id}/team`` or DELETE ``data/projects/{id}/team/{person}``."""
        if member:
            self._conn.post(f"data/projects/{project_id}/team", {"person_id": person_id})
        else:
            self._conn.delete(f"data/projects/{project_id}/team/{person_id}")

    def search(self, text: str, project_id: str | None = None) -> Pairs:
        """POST ``data/search``: needs Kitsu's full-text indexer (Meilisearch).

        Raises Unsupported, naming the indexer, when the server has none
        running (Zou answers 500); this is why ``search`` is not declared
        in :attr:`capabilities`.
        """
        body: dict[str, Any] = {"query": text, "index_names": list(_INDEX_NAMES), "limit": 20}
        if project_id:
            body["project_id"] = project_id
        try:
            answer = self._conn.post("data/search", body)
        except GadgetError as exc:  # TrackerUnavailable included: Zou answers 500
            if isinstance(exc, (PermissionDenied, ValidationError)):
                raise
            raise Unsupported(
                f"full-text search on Kitsu at {self.host} needs the Meilisearch indexer "
                "(Zou's INDEXER_HOST / INDEXER_PORT) running beside the server, and POST "
                "/data/search failed: the indexer is missing or down. Filter collections "
                "by name instead (project.shots.filter(name=...))"
            ) from exc
        pairs: Pairs = []
        for index, kind in _INDEX_NAMES.items():
            for payload in answer.get(index) or []:
                pairs.append((kind, record_from(self._state, kind, payload)))
        return pairs
