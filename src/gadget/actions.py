"""Kitsu custom actions: a small HTTP receiver calling your handlers.

An admin defines a custom action in Kitsu (a name, a URL, an entity type,
an "ajax" flag); the artist's browser then POSTs the selection to that URL.
This module receives those posts and calls the handler registered for the
URL's path with a :class:`Selection`: the payload resolved into gadget
entities through a session::

    from gadget.actions import Actions

    app = Actions()

    @app.action("/publish-check")
    def publish_check(selection):
        for task in selection.tasks:
            print(task.entity.name, task.task_type.name, task.status.short_name)

and ``gadget actions serve --module my_actions.py --port 8765`` (or
``app.serve(session, port=8765).serve_forever()``).

What the receiver does with a post, in order: the optional token of the
URL's query string (``?token=...``, a weak shared secret: anyone who can
see the action's URL in Kitsu can read it) is compared in constant time
(403 when wrong or missing); the path must name a handler (404); the body
is parsed (JSON, or a form post) and checked (400 naming the missing
field, the bad JSON, the id that is not a UUID); the project, the person
and every selected id are looked up through the session (400 naming the id
no task or entity of the project has); then the handler is queued on a
worker thread and the answer goes back at once (202): JSON with CORS
headers for an ajax action, a small HTML page for a form post. The
handler's return value is ignored and what it raises is logged.

An ajax action is told from a form post by its request: Kitsu's ajax
actions post JSON (``Content-Type: application/json``), as do clients that
say ``X-Requested-With: XMLHttpRequest``; anything else (an HTML form
post, ``application/x-www-form-urlencoded``) is answered with HTML.

Nothing here logs the token or the tracker's credentials: the request log
shows the path without its query string.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hmac
import html
import http.server
import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gadget.errors import GadgetError, NotFound, ValidationError

if TYPE_CHECKING:
    from gadget.entities import Asset, Entity, Person, Project, Shot, Task
    from gadget.session import Session

__all__ = ["ActionServer", "Actions", "Handler", "PayloadError", "Selection", "log_selection"]

logger = logging.getLogger("gadget.actions")

#: the payload fields every post must carry (Kitsu sends all of them)
REQUIRED = ("personid", "projectid", "selection", "entitytype")
#: the largest body read (a selection of thousands of ids fits many times over)
MAX_BODY = 1 << 20
#: Kitsu's ``entitytype`` values naming a kind of the project, besides tasks
_ENTITY_KINDS = {
    "asset": "assets",
    "shot": "shots",
    "sequence": "sequences",
    "episode": "episodes",
}
#: up to this many ids are looked up one by one; more read the project's tasks once
_ONE_BY_ONE = 10
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# a token in anything logged (a malformed request line is logged whole by http.server)
_TOKEN_IN = re.compile(r"(token=)[^&\s'\"]*", re.IGNORECASE)


class PayloadError(ValidationError):
    """A post the receiver refuses (answered 400 with this message, or ``status``)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class Selection:
    """What a handler is called with: one post of a Kitsu custom action, resolved.

    ``entities`` are the selected ids as gadget entities, in the order they
    were sent (tasks, or shots / assets / ... when the page selected those);
    ``person`` is who clicked, ``project`` the production, ``payload`` the
    fields as posted (``selection`` as a list of ids), ``action`` the URL path
    and ``ajax`` whether the post was an ajax one. The session is the
    receiver's: a handler may read and write through it (it is shared by the
    handlers running at the same time).
    """

    action: str
    session: Session = dataclasses.field(repr=False)
    project: Project
    person: Person
    entity_type: str
    entities: tuple[Entity, ...]
    payload: Mapping[str, Any] = dataclasses.field(repr=False)
    ajax: bool = False

    @property
    def tasks(self) -> list[Task]:
        """The selected tasks."""
        return [e for e in self.entities if e.kind == "task"]  # type: ignore[misc]

    @property
    def shots(self) -> list[Shot]:
        """The selected shots (selected themselves, not through their tasks)."""
        return [e for e in self.entities if e.kind == "shot"]  # type: ignore[misc]

    @property
    def assets(self) -> list[Asset]:
        """The selected assets (selected themselves, not through their tasks)."""
        return [e for e in self.entities if e.kind == "asset"]  # type: ignore[misc]

    @property
    def person_email(self) -> str:
        return str(self.payload.get("personemail") or "")

    @property
    def current_path(self) -> str:
        """The Kitsu page the action was run from (``/productions/<id>/shots``...)."""
        return str(self.payload.get("currentpath") or "")

    @property
    def current_server(self) -> str:
        """The Kitsu host the browser was on."""
        return str(self.payload.get("currentserver") or "")


#: a handler: called with the resolved selection, on a worker thread
Handler = Callable[[Selection], object]


def _label(entity: Any) -> str:
    if entity.kind == "task":
        owner = getattr(entity, "entity", None)
        where = getattr(owner, "name", None) or "?"
        return f"task {entity.task_type.name} of {where} ({entity.id})"
    return f"{entity.kind} {getattr(entity, 'name', '')} ({entity.id})"


def log_selection(selection: Selection) -> None:
    """The built-in handler: log what was selected, resolved (to try the wiring)."""
    who = selection.person_email or getattr(selection.person, "full_name", "") or "?"
    logger.info(
        "action %s by %s on project %s (%s page): %d selected",
        selection.action,
        who,
        selection.project.name,
        selection.entity_type,
        len(selection.entities),
    )
    for entity in selection.entities:
        logger.info("  %s", _label(entity))


class Actions:
    """Handlers of Kitsu custom actions, registered by URL path.

    >>> app = Actions()
    >>> @app.action("/publish-check")
    ... def check(selection): ...
    >>> app.paths
    ['/publish-check']
    """

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    @property
    def paths(self) -> list[str]:
        """The registered paths, sorted."""
        return sorted(self._handlers)

    def handler(self, path: str) -> Handler | None:
        """The handler of ``path`` (a trailing "/" ignored), or None."""
        return self._handlers.get(_norm_path(path))

    def action(self, path: str) -> Callable[[Handler], Handler]:
        """Decorator: call the function for posts to ``path`` (``"/publish-check"``)."""
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValidationError(
                f"an action's path starts with '/', e.g. '/publish'; got {path!r}"
            )
        key = _norm_path(path)
        if "?" in key or "#" in key:
            raise ValidationError(f"an action's path has no query string; got {path!r}")

        def register(func: Handler) -> Handler:
            if key in self._handlers:
                raise ValidationError(f"two handlers for the action path {key!r}")
            self._handlers[key] = func
            return func

        return register

    def serve(
        self,
        session: Session,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        workers: int = 4,
    ) -> ActionServer:
        """An :class:`ActionServer` bound to ``host:port`` (0: a free port), not yet
        serving: call ``serve_forever()``, or ``start()`` for a background thread."""
        return ActionServer(self, session, host, port, token=token, workers=workers)


def _norm_path(path: str) -> str:
    return path.rstrip("/") or "/"


def _is_ajax(headers: Any) -> bool:
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return True
    return (headers.get("X-Requested-With") or "").lower() == "xmlhttprequest"


def parse_payload(body: bytes, content_type: str) -> dict[str, Any]:
    """The fields of a post: a JSON object, or a form (``selection`` comma-separated
    or repeated); PayloadError naming what is wrong. Ids are checked to be UUIDs."""
    kind = content_type.split(";")[0].strip().lower()
    fields: dict[str, Any]
    if kind == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise PayloadError(f"the body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise PayloadError(f"the JSON body must be an object, not {type(data).__name__}")
        fields = data
    elif kind in ("application/x-www-form-urlencoded", ""):
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise PayloadError("the form body is not UTF-8") from None
        fields = {k: v[-1] for k, v in form.items() if k != "selection"}
        if "selection" in form:
            fields["selection"] = [i.strip() for v in form["selection"] for i in v.split(",")]
    else:
        raise PayloadError(
            f"unsupported Content-Type {kind!r}: post JSON (application/json) or a form "
            "(application/x-www-form-urlencoded)",
            status=415,
        )
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise PayloadError(f"missing field(s): {', '.join(missing)}")
    selection = fields["selection"]
    if isinstance(selection, str):  # a JSON client that joined the ids itself
        selection = selection.split(",")
    if not isinstance(selection, list) or not all(isinstance(i, str) for i in selection):
        raise PayloadError("'selection' must be a list of ids")
    selection = [i.strip() for i in selection if i.strip()]
    if not selection:
        raise PayloadError("'selection' is empty: select at least one task or entity")
    fields["selection"] = selection
    for name in ("personid", "projectid"):
        if not isinstance(fields[name], str):
            raise PayloadError(f"'{name}' must be a string id")
    for name, value in [("personid", fields["personid"]), ("projectid", fields["projectid"])] + [
        ("selection", i) for i in selection
    ]:
        if not _UUID.match(value):
            raise PayloadError(f"{name}: {value[:80]!r} is not a UUID")
    if not isinstance(fields["entitytype"], str):
        raise PayloadError("'entitytype' must be a string")
    return fields


def resolve(session: Session, action: str, fields: Mapping[str, Any], ajax: bool) -> Selection:
    """The :class:`Selection` of a checked payload; PayloadError naming the id that
    is not found (the project, the person, or a selected id not of the project)."""
    try:
        project = session.projects.get(id=fields["projectid"])
    except NotFound:
        raise PayloadError(f"projectid {fields['projectid']}: no such project") from None
    try:
        person = session.persons.get(id=fields["personid"])
    except NotFound:
        raise PayloadError(f"personid {fields['personid']}: no such person") from None
    entity_type = str(fields["entitytype"])
    ids: list[str] = fields["selection"]
    collections = [project.tasks]
    plural = _ENTITY_KINDS.get(entity_type.lower())
    if plural:
        collections.append(getattr(project, plural))
    loaded: dict[str, Any] = {}
    if len(ids) > _ONE_BY_ONE:  # one listing of the project's tasks, not one request an id
        loaded = {t.id: t for t in project.tasks}
    entities: list[Any] = []
    for ident in ids:
        found = loaded.get(ident)
        for coll in collections if found is None else ():
            try:
                found = coll.get(id=ident)
                break
            except NotFound:
                continue
        if found is None:
            what = "task" + (f" or {entity_type}" if plural else "")
            raise PayloadError(f"selection id {ident}: no {what} of project {project.name} has it")
        entities.append(found)
    return Selection(
        action=action,
        session=session,
        project=project,
        person=person,
        entity_type=entity_type,
        entities=tuple(entities),
        payload=dict(fields),
        ajax=ajax,
    )


def _html_page(title: str, lines: Sequence[str]) -> bytes:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{items}</ul></body></html>"
    ).encode()


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "gadget-actions"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    # -- logging: never the query string (the token) -----------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urllib.parse.urlsplit(self.path).path if hasattr(self, "path") else "?"
        method = getattr(self, "command", None) or "?"
        logger.info("%s %s %s %s", self.client_address[0], method, path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.warning("%s %s", self.client_address[0], _TOKEN_IN.sub(r"\1***", format % args))

    # -- answers -----------------------------------------------------------
    def _cors(self) -> None:
        origin = self.headers.get("Origin")
        self.send_header("Access-Control-Allow-Origin", origin or "*")
        self.send_header("Vary", "Origin")
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        asked = self.headers.get("Access-Control-Request-Headers")
        self.send_header("Access-Control-Allow-Headers", asked or "Content-Type, X-Requested-With")
        self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Access-Control-Max-Age", "600")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reply(self, status: int, ajax: bool, data: dict[str, Any], lines: Sequence[str]) -> None:
        if ajax:
            body = json.dumps(data, ensure_ascii=False).encode()
            self._answer(status, body, "application/json; charset=utf-8")
        else:
            title = "gadget: " + (data.get("error") or data.get("message") or "")
            self._answer(status, _html_page(title, lines), "text/html; charset=utf-8")

    def _refuse(self, status: int, ajax: bool, reason: str) -> None:
        self._reply(status, ajax, {"status": "error", "error": reason}, [])

    # -- methods -----------------------------------------------------------
    def do_OPTIONS(self) -> None:
        """The CORS preflight a browser sends before posting JSON (and, to a
        private address, asking ``Access-Control-Request-Private-Network``)."""
        self.send_response(204)
        self._cors()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(405)
        self._cors()
        body = b"gadget actions: POST a Kitsu custom action's selection here\n"
        self.send_header("Allow", "POST, OPTIONS")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        ajax = _is_ajax(self.headers)
        url = urllib.parse.urlsplit(self.path)
        server = self.server
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length is not None else -1
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY:
            self.close_connection = True  # the body is left unread
            reason = "no Content-Length" if size < 0 else f"body over {MAX_BODY} bytes"
            self._refuse(413 if size > MAX_BODY else 411, ajax, reason)
            return
        body = self.rfile.read(size)
        if server.token is not None:
            given = urllib.parse.parse_qs(url.query).get("token", [""])[-1]
            if not hmac.compare_digest(given.encode(), server.token.encode()):
                self._refuse(403, ajax, "wrong or missing token")
                return
        path = _norm_path(url.path)
        handler = server.app.handler(path)
        if handler is None:
            self._refuse(404, ajax, f"no action at {path}")
            return
        try:
            fields = parse_payload(body, self.headers.get("Content-Type") or "")
            selection = resolve(server.session, path, fields, ajax)
        except PayloadError as exc:
            self._refuse(exc.status, ajax, str(exc))
            return
        except GadgetError as exc:  # the tracker is away, a login expired...
            logger.error("action %s: cannot resolve the selection: %s", path, exc)
            self._refuse(502, ajax, f"cannot resolve the selection: {type(exc).__name__}")
            return
        job = server.submit(handler, selection)
        names = [_label(e) for e in selection.entities]
        self._reply(
            202,
            ajax,
            {
                "status": "accepted",
                "message": f"{path}: running on {len(names)} selected",
                "action": path,
                "job": job,
                "project": selection.project.name,
                "selection": [
                    {"kind": e.kind, "id": e.id, "label": label}
                    for e, label in zip(selection.entities, names, strict=True)
                ],
            },
            [f"project {selection.project.name}", *names],
        )


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    app: Actions
    session: Session
    token: str | None
    submit: Callable[[Handler, Selection], int]


class ActionServer:
    """The receiver: an HTTP server on ``host:port`` calling the handlers of an
    :class:`Actions` on ``workers`` threads (see the module's docstring).

    Use ``serve_forever()`` (blocks until ``shutdown()`` from another thread,
    or Ctrl-C), or ``start()`` / ``close()`` (a background thread; also a
    context manager). ``url`` is where it listens; ``wait(timeout)`` waits for
    the handlers queued so far to end.
    """

    def __init__(
        self,
        app: Actions,
        session: Session,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        workers: int = 4,
    ) -> None:
        if token is not None and not token:
            raise ValidationError("an empty token: give a real one, or none")
        if workers < 1:
            raise ValidationError(f"workers must be at least 1, not {workers}")
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="gadget-action"
        )
        self._jobs: list[concurrent.futures.Future[object]] = []
        self._count = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._http = _HTTPServer((host, port), _RequestHandler)
        self._http.app = app
        self._http.session = session
        self._http.token = token
        self._http.submit = self._submit

    def __repr__(self) -> str:  # never the token
        return f"<ActionServer {self.url} paths={self._http.app.paths}>"

    @property
    def url(self) -> str:
        """``http://host:port`` (the port bound, when 0 was asked)."""
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    def _submit(self, handler: Handler, selection: Selection) -> int:
        with self._lock:
            self._count += 1
            job = self._count
            future = self._pool.submit(self._run, handler, selection, job)
            self._jobs = [f for f in self._jobs if not f.done()] + [future]
        return job

    @staticmethod
    def _run(handler: Handler, selection: Selection, job: int) -> object:
        try:
            return handler(selection)
        except Exception:
            logger.exception("action %s (job %d): the handler failed", selection.action, job)
            raise

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the handlers queued so far; True when they all ended."""
        with self._lock:
            pending = list(self._jobs)
        _, not_done = concurrent.futures.wait(pending, timeout=timeout)
        return not not_done

    def serve_forever(self) -> None:
        """Answer posts until :meth:`shutdown` (from another thread)."""
        self._http.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` (call from another thread)."""
        self._http.shutdown()

    def start(self) -> ActionServer:
        """Serve on a background thread; returns self."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="gadget-actions-http", daemon=True
        )
        self._thread.start()
        return self

    def close(self, wait: bool = True) -> None:
        """Stop serving (if started here), let the queued handlers end (``wait``),
        and free the port."""
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
            self._thread = None
        self._pool.shutdown(wait=wait)
        self._http.server_close()

    def __enter__(self) -> ActionServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
