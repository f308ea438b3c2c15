"""The HTTP side of the Kitsu tracker: one gazu client, timeouts, retries, errors.

:class:`KitsuConnection` owns one ``gazu.client.KitsuClient`` made with
``create_client(host, use_refresh_token=True)`` and passes it as ``client=``
to every gazu call, so two connections (two hosts, two logins) in one
process never share a token, and gazu's module-level default client is
never touched.

The gazu client's ``requests`` session is replaced by
:class:`~gadget.trackers.kitsu.transport.TimeoutSession`, which bounds every
request and every call in time, retries what is safe to retry and says
whether a failed request may have reached the server (see that module).

An expired access token is refreshed by gazu (``use_refresh_token``); if
the refresh fails, the connection logs in again once with the password it
was opened with (a bot token cannot be renewed: AuthenticationError).

Errors become gadget errors at this boundary (``raise ... from exc``)::

    403                                  -> PermissionDenied (the operation, the
                                            login and its Kitsu role named)
    404 on an existing route             -> NotFound (the object is missing)
    404 on a route the server lacks      -> RouteMissing, a GadgetError (wrong
      (and 405)                             route, or an older Zou)
    400 / 422                            -> ValidationError (the server's message)
    401 after refresh and re-login       -> AuthenticationError
    the server surely did not act        -> TrackerUnavailable
      (no connection, request not fully
      sent, 503, 429; a read that failed)
    a write the server may have applied  -> OutcomeUnknown(key=None, operation="POST /route")
      (connection dropped after sending,
      no answer in time, 502, 504, 500)

Zou answers 404 with the same body for a missing object and for a wrong
route. The two are told apart by asking the route again without
credentials: an existing route refuses with 401 (or 405) before looking
anything up, a route that does not exist answers 404 again. That probe is
made on the error path only.

No password or token ever appears in a message, a log line or a repr.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import gazu.client as raw
import gazu.exception as gazu_errors
import requests

from gadget.errors import (
    AuthenticationError,
    ConfigError,
    GadgetError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    TrackerUnavailable,
    ValidationError,
)
from gadget.trackers.base import UNCHANGED, Unchanged
from gadget.trackers.kitsu.features import MINIMUM, RouteMissing, version_text
from gadget.trackers.kitsu.routes import operation as operation_in_words
from gadget.trackers.kitsu.transport import (
    DEFAULT_BACKOFF,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_PER_MB,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    READ_METHODS,
    Budget,
    TimeoutSession,
    TransportFailure,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "DEFAULT_PER_MB",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "KitsuConnection",
    "TimeoutSession",
    "api_host",
    "events_host",
    "web_root",
]

logger = logging.getLogger("gadget.kitsu")

T = TypeVar("T")


# -- hosts ------------------------------------------------------------------------
def api_host(url: str) -> str:
    """The API root gazu talks to, from a tracker URL.

    ``kitsu+https://host/api`` -> ``https://host/api``; a plain
    ``http(s)://host/api`` is kept; the bare form of a Zou served without
    nginx (routes at ``/data/...``), ``kitsu+http://127.0.0.1:8080``, is kept
    without ``/api``. Credentials, queries and fragments are refused.
    """
    if "://" not in url:
        raise ConfigError(f"a Kitsu URL needs a scheme (kitsu+https://host/api), not {url!r}")
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    if scheme.startswith("kitsu+"):
        scheme = scheme[len("kitsu+") :]
    if scheme not in ("http", "https"):
        raise ConfigError(
            f"a Kitsu URL is kitsu+https://, kitsu+http:// or http(s)://, not {url!r}"
        )
    parts = urlsplit(f"{scheme}://{rest}")
    if not parts.hostname:
        raise ConfigError(f"the Kitsu URL {url!r} has no host")
    if parts.username or parts.password:
        raise ConfigError(
            "put Kitsu credentials in TRACKER_LOGIN / TRACKER_PASSWORD or TRACKER_TOKEN, "
            "not in the URL"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"the Kitsu URL takes no query or fragment: {url.split('?')[0]!r}")
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def web_root(host: str) -> str:
    """The Kitsu web application root: the API host without its ``/api``."""
    return host[: -len("/api")] if host.endswith("/api") else host


def events_host(host: str, events_url: str | None = None) -> str:
    """The socket.io host of the events server: ``events_url`` if given, else the web root."""
    if events_url:
        return api_host(events_url) if "://" in events_url else events_url
    return web_root(host)


def _server_message(response: requests.Response | None) -> str:
    """Zou's own message in an error answer ('' when there is none)."""
    if response is None:
        return ""
    try:
        body = response.json()
    # a streamed body cut short, or already read in part
    except (ValueError, RuntimeError, requests.exceptions.RequestException):
        return ""
    if isinstance(body, Mapping):
        for key in ("message", "error", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        if body.get("login") is False:
            return "login refused"
    return ""


# -- the connection -----------------------------------------------------------------
class KitsuConnection:
    """One authenticated gazu client and the error mapping around it.

    ``client`` is the gazu ``KitsuClient`` (for gazu functions and the
    escape hatches: always pass ``client=connection.client``). The raw
    helpers :meth:`get`, :meth:`post`, :meth:`put`, :meth:`delete`,
    :meth:`upload` and :meth:`download` take paths relative to the API host
    (``"data/projects"``) and raise gadget errors.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        per_mb: float = DEFAULT_PER_MB,
        ssl_verify: bool = True,
        ca_bundle: str | None = None,
        proxy: str | None = None,
    ) -> None:
        self.host = api_host(url)
        self.web = web_root(self.host)
        self.session = TimeoutSession(
            timeout,
            connect_timeout=connect_timeout,
            deadline=deadline,
            retries=retries,
            backoff=backoff,
            per_mb=per_mb,
            ca_bundle=ca_bundle,
            proxy=proxy,
        )
        if not ssl_verify:
            self.session.verify = False
        self.client = raw.create_client(
            self.host,
            ssl_verify=ssl_verify,
            use_refresh_token=True,
            callback_not_authenticated=self._on_not_authenticated,
        )
        with contextlib.suppress(Exception):
            self.client.session.close()
        self.client.session = self.session
        self.login: str | None = None
        self.user: dict[str, Any] | None = None
        self._password: str | None = None
        self._bot = False
        self._local = threading.local()
        self._auth_lock = threading.Lock()

    def __repr__(self) -> str:
        who = "bot token" if self._bot else (self.login or "not logged in")
        return f"<KitsuConnection {self.host} as {who}>"

    # -- authentication ----------------------------------------------------
    def log_in(self, login: str, password: str) -> dict[str, Any]:
        """POST ``auth/login``; AuthenticationError on wrong credentials (Zou: 400).

        Returns the person record of the user (Zou's login answer carries it).
        """
        self._local.logging_in = True
        try:
            tokens = self._login_request(login, password)
        finally:
            self._local.logging_in = False
        self.login, self._password, self._bot = login, password, False
        user = tokens.get("user")
        self.user = dict(user) if isinstance(user, Mapping) else None
        return self.user or {}

    def _login_request(self, login: str, password: str) -> dict[str, Any]:
        where = f"Kitsu at {self.host}"
        try:
            with self.session.reading():  # a login changes nothing: safe to send again
                tokens = raw.post(
                    "auth/login", {"email": login, "password": password}, client=self.client
                )
        except (gazu_errors.ParameterException, gazu_errors.NotAuthenticatedException) as exc:
            reason = _server_message(self.session.last_response)
            detail = f" ({reason})" if reason and reason != "login refused" else ""
            raise AuthenticationError(
                f"{where} refused the login of {login!r}: wrong e-mail or password{detail}"
            ) from exc
        except Exception as exc:
            raise self._translate(exc, "POST", "auth/login") from exc
        if not isinstance(tokens, Mapping) or not tokens.get("access_token"):
            raise AuthenticationError(f"{where} refused the login of {login!r}")
        self.client.tokens = {
            "access_token": tokens["access_token"],
            "refresh_token": tokens.get("refresh_token"),
        }
        return dict(tokens)

    def use_token(self, token: str) -> dict[str, Any]:
        """Authenticate with a bot (or personal) access token: GET ``auth/authenticated``."""
        self.client.tokens = {"access_token": token, "refresh_token": None}
        self._bot = True
        try:
            answer = self.get("auth/authenticated")
        except (AuthenticationError, ValidationError) as exc:  # 401, or 422 for a malformed token
            raise AuthenticationError(
                f"Kitsu at {self.host} refused the token (revoked, expired or for another server)"
            ) from exc
        user = answer.get("user") if isinstance(answer, Mapping) else None
        self.user = dict(user) if isinstance(user, Mapping) else None
        self.login = (self.user or {}).get("email")
        return self.user or {}

    def _on_not_authenticated(self, client: Any, path: str) -> bool:
        """gazu's callback when a 401 could not be cured by a refresh: log in again, once."""
        if getattr(self._local, "logging_in", False) or getattr(self._local, "relogged", False):
            return False
        if self._bot or not self.login or not self._password:
            return False
        self._local.relogged = True
        logger.info("Kitsu at %s: session expired, logging in again as %s", self.host, self.login)
        with self._auth_lock:
            self._local.logging_in = True
            try:
                self._login_request(self.login, self._password)
            except GadgetError:
                return False
            finally:
                self._local.logging_in = False
        return True

    def _refresh_failed(self) -> bool:
        """True when the last answer refused a refresh token (revoked, malformed, expired).

        gazu cures an expired access token with the refresh token; when the
        refresh itself is refused with a 422 (a revoked or malformed token),
        gazu raises instead of calling back, so the connection logs in again.
        """
        response = self.session.last_response
        return (
            response is not None
            and response.status_code in (401, 422)
            and response.url.rstrip("/").endswith("auth/refresh-token")
        )

    def log_out(self) -> None:
        """GET ``auth/logout`` (password sessions only; a bot token stays valid). Best effort."""
        if not self._bot and self.client.tokens.get("access_token"):
            with contextlib.suppress(Exception):
                self.session.get(
                    raw.get_full_url("auth/logout", client=self.client),
                    headers=self.client.make_auth_header(),
                    timeout=5,
                )
        self.client.tokens = {"access_token": None, "refresh_token": None}
        self._password = None

    def close(self) -> None:
        """Log out and close the HTTP session."""
        self.log_out()
        self.session.close()

    # -- time ---------------------------------------------------------------
    def scope(self) -> contextlib.AbstractContextManager[Budget]:
        """One call's deadline for the block (shared with a call around it): the
        tracker runs each contract method in one."""
        return self.session.call()

    def deadline(self, seconds: float) -> contextlib.AbstractContextManager[Budget]:
        """Within the block, this thread's requests end within ``seconds`` in all."""
        return self.session.deadline(seconds)

    # -- requests ----------------------------------------------------------
    def call(self, method: str, path: str, fn: Callable[[], T]) -> T:
        """Run one gazu call within a call's deadline, mapping every failure to a gadget error."""
        self._local.relogged = False
        with self.session.call():
            try:
                try:
                    result = fn()
                except gazu_errors.GazuException:
                    if not self._refresh_failed() or not self._on_not_authenticated(None, path):
                        raise
                    result = fn()  # logged in again: the same request, once more
            except GadgetError:
                raise
            except Exception as exc:
                raise self._translate(exc, method, path) from exc
        response = self.session.last_response
        if response is not None and response.status_code >= 500:
            raise self._server_failed(method, path, response.status_code, "")
        return result

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` (JSON answer)."""
        query = dict(params) if params else None
        return self.call("GET", path, lambda: raw.get(path, params=query, client=self.client))

    def get_validated(
        self, path: str, params: Mapping[str, Any] | None = None, etag: str | None = None
    ) -> tuple[Any, str | None]:
        """GET ``path`` with its validator: ``(JSON answer, the ETag it came with)``,
        the ETag None when the server sends none (Zou before with-tasks ETags).

        With ``etag`` (one this method returned), the request carries
        ``If-None-Match``: a 304 answers ``(UNCHANGED, etag)``, with no body.
        gazu's ``get`` takes no header, so the request goes through the
        connection's session with gazu's authentication header and status
        check (a token refresh, then the same request once more), and the
        usual error mapping.
        """
        target = raw.get_full_url(
            raw.build_path_with_params(path, dict(params) if params else {}), client=self.client
        )

        response = self.call("GET", path, lambda: self._get_with_etag(target, path, etag))
        if response.status_code == 304 and etag is not None:
            return UNCHANGED, etag
        given = response.headers.get("ETag")
        try:
            body = response.json()
        except ValueError as exc:
            raise self._translate(exc, "GET", path) from exc
        if not given or given.startswith("W/"):  # a weak tag is not sent back here
            return body, None
        return body, given.strip('"')

    def _get_with_etag(
        self, target: str, path: str, etag: str | None, *, stream: bool = False
    ) -> requests.Response:
        """GET ``target`` with gazu's authentication header (and ``If-None-Match``
        given ``etag``) and its status check: a refused token is refreshed by
        gazu, then the same request is sent once more."""
        for _ in range(raw.MAX_AUTH_RETRIES):
            headers = self.client.make_auth_header()
            if etag is not None:
                headers["If-None-Match"] = f'"{etag}"'
            response = self.session.get(target, headers=headers, stream=stream)
            _, again = raw.check_status(response, path, client=self.client)
            if not again:
                return response
            response.close()
        raise gazu_errors.NotAuthenticatedException(path)

    def get_streamed(
        self,
        path: str,
        params: Mapping[str, Any],
        etag: str | None,
        consume: Callable[[Mapping[str, Any], Iterator[Any]], T],
    ) -> tuple[T | Unchanged, str | None]:
        """GET a listing Zou streams (``stream=true``: NDJSON, a header line then
        one row a line) and hand it to ``consume(header, rows)`` while it
        arrives, so turning rows into records overlaps the server sending
        them and the whole body is never held. ``(consume's result, ETag)``,
        or ``(UNCHANGED, etag)`` on a 304 as :meth:`get_validated`.

        The read is one call under the deadline; a body cut short (a dropped
        connection, a silence past the timeout) is read again from the start,
        as the transport retries any read, what was consumed thrown away.
        """
        target = raw.get_full_url(
            raw.build_path_with_params(path, {**params, "stream": "true"}), client=self.client
        )

        def read() -> tuple[T | Unchanged, str | None]:
            response = self._get_with_etag(target, path, etag, stream=True)
            with contextlib.closing(response):
                if response.status_code == 304 and etag is not None:
                    return UNCHANGED, etag
                given = response.headers.get("ETag")
                lines = (line for line in response.iter_lines(_STREAM_CHUNK) if line)
                first = next(lines, None)
                header = json.loads(first) if first else None
                if isinstance(header, list):  # a server that does not stream: the rows
                    result = consume({}, iter(header))
                elif not isinstance(header, Mapping):
                    raise ValueError(f"the streamed {path} has no header line")
                elif "rows" in header:  # the whole answer on one line
                    result = consume(header, iter(header["rows"] or ()))
                else:
                    rows = _within(budget, path, (json.loads(ln) for ln in lines))
                    result = consume(header, rows)
            if not given or given.startswith("W/"):
                return result, None
            return result, given.strip('"')

        with self.session.call() as budget:  # the tries share one deadline
            tries = 0
            while True:
                try:
                    return self.call("GET", path, read)
                except TrackerUnavailable:
                    tries += 1
                    if tries > self.session.retries or budget.remaining() <= 0:
                        raise
                    logger.debug("the streamed %s was cut short: read again", path)

    def post(self, path: str, data: Any, *, reads: bool = False) -> Any:
        """POST a JSON body to ``path``; ``reads`` for a POST that changes nothing
        (a search): it is then retried, and never OutcomeUnknown, as a GET."""
        with self.session.reading() if reads else contextlib.nullcontext():
            return self.call("POST", path, lambda: raw.post(path, data, client=self.client))

    def put(self, path: str, data: Any, *, extra_time: float = 0.0) -> Any:
        """PUT a JSON body to ``path``; ``extra_time`` (seconds) lengthens the wait
        for the answer and the call's deadline (a bulk write Zou needs time for)."""
        with self.session.extra_time(extra_time):
            return self.call("PUT", path, lambda: raw.put(path, data, client=self.client))

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """DELETE ``path``."""
        query = dict(params) if params else None
        return self.call("DELETE", path, lambda: raw.delete(path, params=query, client=self.client))

    def upload(
        self,
        path: str,
        data: Mapping[str, Any],
        files: Mapping[str, Path],
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """One multipart POST of form ``data`` and ``files`` (part name -> local path).

        Each part is sent under its file's own name; ``progress(sent, total)``
        hears the bytes as they are read into the request. Bounded by progress
        (see :mod:`~gadget.trackers.kitsu.transport`): a stall of ``timeout``
        fails it, the answer may take ``per_mb`` seconds per megabyte longer.
        The files are opened here and closed whatever happens (gazu rewinds
        them if it must resend after a token refresh).
        """
        with self._open_files(files) as parts:

            def send() -> Any:
                for handle in parts.values():  # a resend after a new login starts over
                    handle.seek(0)
                return raw.upload(
                    path,
                    data=dict(data),
                    files=parts,
                    client=self.client,
                    progress_callback=progress,
                )

            return self.call("POST", path, send)

    @contextlib.contextmanager
    def _open_files(self, files: Mapping[str, Path]) -> Iterator[dict[str, IO[bytes]]]:
        opened: dict[str, IO[bytes]] = {}
        try:
            for part, local in files.items():
                try:
                    opened[part] = Path(local).open("rb")  # noqa: SIM115 (closed below)
                except OSError as exc:
                    raise ValidationError(f"cannot read {local}: {exc.strerror}") from exc
            yield opened
        finally:
            for handle in opened.values():
                handle.close()

    def download(self, path: str, target: Path) -> Path:
        """Stream ``path`` into ``target``; returns ``target``. Bounded by progress:
        the answer must begin within the call's deadline, then each piece of
        the file must arrive within ``timeout``."""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        try:
            self.call("GET", path, lambda: raw.download(path, str(partial), client=self.client))
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return target

    @property
    def request_count(self) -> int:
        """How many HTTP requests this connection made (retries not counted)."""
        return self.session.request_count

    # -- errors ------------------------------------------------------------
    def _translate(self, exc: BaseException, method: str, path: str) -> GadgetError:
        where = f"Kitsu at {self.host}"
        what = f"{method} /{path.split('?')[0]}"
        response = self.session.last_response
        message = _server_message(response)
        detail = f": {message}" if message else ""
        if isinstance(exc, TransportFailure):
            text = f"{where}: {exc.describe()}{detail}"
            if exc.may_have_landed and exc.write:
                operation = what if exc.method == method.upper() else exc.what
                return OutcomeUnknown(text, key=None, operation=operation)
            return TrackerUnavailable(text)
        if isinstance(exc, requests.exceptions.Timeout):
            return TrackerUnavailable(
                f"{where} did not answer {what} in time ({exc.__class__.__name__})"
            )
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.RetryError)):
            return TrackerUnavailable(f"cannot reach {where} ({what}): {exc.__class__.__name__}")
        if isinstance(exc, requests.exceptions.RequestException):
            return TrackerUnavailable(f"{where}: {what} failed ({exc.__class__.__name__})")
        if isinstance(exc, gazu_errors.NotAllowedException):
            return PermissionDenied(
                f"{where} refused to let {self._who()} {operation_in_words(method, path)} ({what})"
                f"{detail or ': HTTP 403'}"
            )
        if isinstance(exc, gazu_errors.RouteNotFoundException):
            return self._not_found_error(method, path)
        if isinstance(exc, (gazu_errors.ParameterException, gazu_errors.ValidationException)):
            return ValidationError(f"{where} refused {what}{detail or ' (bad request)'}")
        if isinstance(exc, gazu_errors.NotAuthenticatedException):
            return AuthenticationError(
                f"{where} no longer accepts this session's credentials ({what}); "
                "the token expired and could not be renewed"
            )
        if isinstance(exc, gazu_errors.ServerErrorException):
            status = response.status_code if response is not None else 500
            return self._server_failed(method, path, status, detail)
        if isinstance(exc, gazu_errors.MethodNotAllowedException):
            return RouteMissing(
                f"{where} does not allow {what} (HTTP 405): a wrong route or method, or a Zou "
                f"older than {version_text(MINIMUM)}, which gadget does not support"
            )
        if isinstance(exc, gazu_errors.TooBigFileException):
            return ValidationError(f"{where} refused {what}: the file is too big (HTTP 413)")
        if isinstance(exc, gazu_errors.UploadFailedException):
            return GadgetError(f"{where}: upload {what} failed{detail}")
        if isinstance(exc, ValueError) and response is not None:  # a body that is not JSON
            if response.status_code >= 500:
                return self._server_failed(method, path, response.status_code, "")
            return GadgetError(
                f"{where} answered {what} with something that is not JSON "
                f"(HTTP {response.status_code}); is {self.host} the Kitsu API root?"
            )
        if isinstance(exc, gazu_errors.GazuException):
            return GadgetError(f"{where}: {what} failed ({exc.__class__.__name__}){detail}")
        return GadgetError(f"{where}: {what} failed ({exc.__class__.__name__}: {exc})")

    def _who(self) -> str:
        """The logged-in person and their Kitsu role, for a refusal's message."""
        role = (self.user or {}).get("role")
        who = self.login or "this user"
        return f"{who} (role {role})" if role else who

    def _server_failed(self, method: str, path: str, status: int, detail: str) -> GadgetError:
        """A 5xx from the server itself: a write may have been applied before it
        failed (OutcomeUnknown), a read is TrackerUnavailable."""
        what = f"{method} /{path.split('?')[0]}"
        text = f"Kitsu at {self.host} failed on {what} (HTTP {status}){detail}"
        if method.upper() in READ_METHODS or self.session.is_reading():
            return TrackerUnavailable(text)
        return OutcomeUnknown(
            f"{text}. The server may have applied it before failing", key=None, operation=what
        )

    def _not_found_error(self, method: str, path: str) -> GadgetError:
        """The error of a 404: NotFound for a missing object, a GadgetError for a
        wrong route (Zou answers 404 to both; one probe without credentials tells)."""
        route = path.split("?", 1)[0]
        what = f"{method} /{route}"
        try:
            probe = self.session.request(
                method, raw.get_full_url(route, client=self.client), timeout=self.session.timeout
            )
            status = probe.status_code
            probe.close()
        except requests.exceptions.RequestException:
            status = 0
        if status == 404:
            return RouteMissing(
                f"Kitsu at {self.host} has no route {what} (a wrong path, or a Zou older "
                f"than {version_text(MINIMUM)}, which gadget does not support)"
            )
        return NotFound("Kitsu object", route, f"Kitsu at {self.host}")


#: bytes read at a time from a streamed body
_STREAM_CHUNK = 64 * 1024


def _within(budget: Any, path: str, rows: Iterator[Any]) -> Iterator[Any]:
    """``rows`` as they come, until the call's deadline passes (then
    TrackerUnavailable: a read, nothing changed)."""
    for row in rows:
        if budget.remaining() <= 0:
            raise TrackerUnavailable(f"the streamed /{path} took longer than the call's deadline")
        yield row
