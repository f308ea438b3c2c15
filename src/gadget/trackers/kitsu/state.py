"""What one Kitsu tracker keeps between calls, and hands to each of its parts.

:class:`KitsuState` holds the connection, the id index
(:mod:`~gadget.trackers.kitsu.index`) and the reference data read once per
tracker, never per class or per process (two trackers on two servers in one
process share nothing). The reading, writing and publishing functions of the
other modules take it as their first argument.

What its reads cost:

=====================================  ==============================================
``project_statuses()``                 1 GET ``data/project-status``, the first time
``default_status_id()``                1 GET ``data/task-status?is_default=true`` (+1
                                       ``?short_name=todo`` when none is the default),
                                       the first time and after a task status is
                                       written
``ensure_task_type(project, type)``    1 GET ``data/projects/{id}`` once per project,
                                       +1 POST ``settings/task-types`` when the type
                                       is not in the project's settings yet
``features()``                         1 GET of the API root (Zou's version), the
                                       first time, unless ``server_info`` read it or
                                       the features were given; ``known_features()``
                                       none
=====================================  ==============================================

The server's features (:mod:`~gadget.trackers.kitsu.features`) are read
when a choice needs them and an answer already made cannot tell: the walk
asks with-tasks in its compact form and learns from the answer (a plain
answer is an older Zou: its version is read then), the project comments
route is tried and a refusal or a missing route remembered (``refuse``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from gadget.errors import NotFound, PermissionDenied, ValidationError
from gadget.trackers.kitsu.features import ServerFeatures, features_of
from gadget.trackers.kitsu.index import IdIndex

if TYPE_CHECKING:
    from gadget.trackers.kitsu.client import KitsuConnection

__all__ = ["KitsuState"]


class KitsuState:
    """The connection, the id index and the reference data of one tracker.

    ``looks_like_id`` is the tracker's own rule (``Tracker.looks_like_id``):
    a string it refuses is never sent as an id (Zou answers 400 to a
    malformed one).

    ``features``, when given, are the server's (those of the Zou version the
    tracker option ``zou_version`` names): its version is then never read,
    and every route choice is made as on that version.
    """

    def __init__(
        self,
        conn: KitsuConnection,
        looks_like_id: Callable[[str], bool],
        features: ServerFeatures | None = None,
    ) -> None:
        self.conn = conn
        self.host: str = conn.host
        self.web: str = conn.web
        self.index = IdIndex()
        self.looks_like_id = looks_like_id
        self._lock = threading.Lock()
        self._settings_lock = threading.Lock()
        self._project_statuses: dict[str, str] | None = None
        self._default_status: str | None = None
        self._project_task_types: dict[str, set[str]] = {}
        self._refused: set[str] = set()
        self._project_roles: dict[str, str] = {}
        self._features = features
        self._features_lock = threading.Lock()

    # -- routes this login may not use -------------------------------------
    def refused(self, route: str) -> bool:
        """Whether ``route`` (a route family such as ``"data/comments"``) was
        refused to this login already: it is never asked twice."""
        with self._lock:
            return route in self._refused

    def refuse(self, route: str) -> None:
        """Remember that ``route`` is refused to this login (a 403 came back), or
        missing on this server (an older Zou: 404 or 405)."""
        with self._lock:
            self._refused.add(route)

    # -- what the server can do ---------------------------------------------
    def features(self) -> ServerFeatures:
        """The server's features: GET of the API root once (its version), unless
        known already; a ConfigError for a Zou older than the minimum."""
        with self._features_lock:
            if self._features is None:
                self._features = features_of(self.conn.get(""), f"Kitsu at {self.host}")
            return self._features

    def known_features(self) -> ServerFeatures | None:
        """The server's features if known already (given, or read), else None: no request."""
        with self._features_lock:
            return self._features

    def learn_version(self, answer: Any) -> ServerFeatures:
        """The features of the API root's ``answer`` (read by ``server_info``),
        kept unless features were given; a ConfigError below the minimum."""
        found = features_of(answer, f"Kitsu at {self.host}")
        with self._features_lock:
            if self._features is None:
                self._features = found
            return found

    # -- reference data ----------------------------------------------------
    def known_project_statuses(self) -> dict[str, str] | None:
        """The project statuses when already read, else None (no request)."""
        with self._lock:
            return self._project_statuses

    def project_statuses(self) -> dict[str, str]:
        """Project status id -> name (GET ``data/project-status``, once)."""
        with self._lock:
            if self._project_statuses is None:
                rows = self.conn.get("data/project-status")
                self._project_statuses = {r["id"]: str(r["name"]) for r in rows}
            return self._project_statuses

    def project_status_ids(self) -> dict[str, str]:
        """Lower-case project status name -> id."""
        return {name.lower(): ident for ident, name in self.project_statuses().items()}

    def default_status_id(self) -> str:
        """The task status a new task gets when none is given (read once)."""
        with self._lock:
            if self._default_status is None:
                rows = self.conn.get("data/task-status", {"is_default": "true"})
                if not rows:
                    rows = self.conn.get("data/task-status", {"short_name": "todo"})
                if not rows:
                    raise ValidationError(
                        f"Kitsu at {self.host} has no default task status; give status="
                    )
                self._default_status = str(rows[0]["id"])
            return self._default_status

    def forget_default_status(self) -> None:
        """A task status was written: read the default again when next needed."""
        with self._lock:
            self._default_status = None

    def ensure_task_type(self, project_id: str, task_type_id: str) -> None:
        """Add the task type to the project's settings unless it is there (once per project)."""
        with self._settings_lock:  # concurrent creations add a type once
            known = self._project_task_types.get(project_id)
            if known is None:
                project = self.conn.get(f"data/projects/{project_id}")
                known = {str(t) for t in project.get("task_types") or []}
                self._project_task_types[project_id] = known
            if task_type_id not in known:
                self.conn.post(
                    f"data/projects/{project_id}/settings/task-types",
                    {"task_type_id": task_type_id},
                )
                known.add(task_type_id)

    def role_on(self, project_id: str | None) -> str:
        """The logged-in person's role on a project, as Zou checks it: the role set
        on their team link of that project, else their own (no request for an
        admin, whose role is global; else GET ``data/projects/{id}/team`` once
        per project and tracker)."""
        user = self.conn.user or {}
        role = str(user.get("role") or "user")
        if role == "admin" or not project_id:
            return role
        with self._lock:
            known = self._project_roles.get(project_id)
        if known is not None:
            return known
        try:
            team = self.conn.get(f"data/projects/{project_id}/team")
        except (NotFound, PermissionDenied):  # not readable to them: Zou checks their own role
            return role
        mine = [p for p in team or () if isinstance(p, Mapping) and p.get("id") == user.get("id")]
        if mine and mine[0].get("project_role") not in (None, "", "admin"):
            role = str(mine[0]["project_role"])
        with self._lock:
            self._project_roles[project_id] = role
        return role

    # -- errors ------------------------------------------------------------
    def not_found(self, kind: str, criteria: dict[str, Any]) -> NotFound:
        """The NotFound of a ``kind`` record looked up by ``criteria`` on this server."""
        return NotFound(kind.replace("_", " "), criteria, f"Kitsu at {self.host}")

    @contextlib.contextmanager
    def naming_the_record(self, kind: str, ident: Any) -> Iterator[None]:
        """A 404 inside the block names the ``kind`` record ``ident``, not the route."""
        try:
            yield
        except NotFound as exc:
            raise self.not_found(kind, {"id": ident}) from exc
