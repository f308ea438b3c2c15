"""HTTP transport of the Kitsu tracker: time bounds, retries, and what a failure means.

:class:`TimeoutSession` is the ``requests`` session the gazu client sends
through. It decides three things no caller should have to:

**How long.** Each request waits at most ``connect_timeout`` for a connection
(8 s: a host that answers no connection attempt is reported within 10 s, and
that is never retried) and at most ``timeout`` of silence after that: no byte
sent or received for that long fails it. Every call also has a deadline
(``deadline``, 30 s) for the whole of it, retries and backoff included; the
tracker opens one per contract method (:meth:`TimeoutSession.call`), and
:meth:`TimeoutSession.deadline` sets a stricter one for a block of code.
Uploads are bounded by progress, not by a flat figure: the body goes out in
64 KiB pieces, each of which must leave within ``timeout`` (a stalled upload
fails), time spent moving bytes is added to the call's deadline, and the wait
for the answer grows by ``per_mb`` seconds per megabyte sent (Zou builds the
picture variants of a preview inside the request). An explicit
:meth:`~TimeoutSession.deadline` block is never extended.

**Whether the server may have acted.** Each connection notes how far the
request got. A failure before the whole request was sent (no connection, a
connection reset while sending, a stalled upload), a 503 or a 429 means the
server did not act on it; a failure after it was sent (the connection dropped
while waiting for the answer, no answer in time, a 502 or a 504 from a proxy
that forwarded it) means it may have. :class:`TransportFailure` carries that
as ``may_have_landed``; the connection makes it ``TrackerUnavailable`` or,
for a write, ``OutcomeUnknown``.

**When to try again.** A read (GET, HEAD, OPTIONS) is tried again on every
transient failure; a write only when it surely did not land. Retries back off
exponentially (``backoff`` * 2**n, at most 4 s, or the server's Retry-After),
at most ``retries`` times, and never past the deadline. Not retried: a host
that does not answer connection attempts, an unknown host name, a TLS
failure.

No header, token or body ever appears in a message: requests are named by
method and path.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from requests.adapters import HTTPAdapter

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "DEFAULT_PER_MB",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "READ_METHODS",
    "Budget",
    "TimeoutSession",
    "TransportFailure",
]

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 8.0
DEFAULT_DEADLINE = 30.0
DEFAULT_RETRIES = 8
DEFAULT_BACKOFF = 0.25
#: seconds the answer to an upload may take per megabyte sent
DEFAULT_PER_MB = 2.0
MAX_BACKOFF = 4.0
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: statuses of a request the server (or a proxy before it) refused before acting
NOT_ACTED_STATUSES = frozenset({429, 503})
#: statuses of a proxy that may have forwarded the request (the server may have acted)
MAYBE_ACTED_STATUSES = frozenset({502, 504})
#: the piece of a request body sent at once (each must leave within the timeout)
CHUNK = 64 * 1024
#: the shortest socket timeout set (a timeout of 0 would make the socket non-blocking)
_MIN_WAIT = 0.001


# -- budgets -----------------------------------------------------------------------
class Budget:
    """The time one call (or one block) may still take, on the monotonic clock.

    ``elastic`` budgets (a call's default deadline) grow by :meth:`grant`: the
    time an upload spends moving bytes and the answer time its size earns.
    A strict one (:meth:`TimeoutSession.deadline`) never grows. A budget
    inside another ends at the earlier of the two ends.
    """

    def __init__(
        self, seconds: float, *, elastic: bool, parent: Budget | None = None, call: bool = False
    ) -> None:
        self.seconds = float(seconds)
        self.started = time.monotonic()
        self._end = self.started + self.seconds
        self.elastic = elastic
        self.parent = parent
        self.call = call

    @property
    def end(self) -> float:
        """The monotonic time at which this budget runs out."""
        return self._end if self.parent is None else min(self._end, self.parent.end)

    def remaining(self) -> float:
        """Seconds left (0 or less when out of time)."""
        return self.end - time.monotonic()

    def elapsed(self) -> float:
        """Seconds since this budget began."""
        return time.monotonic() - self.started

    def total(self) -> float:
        """The whole of this budget in seconds (grants included, the parent's end applied)."""
        return self.end - self.started

    def grant(self, seconds: float) -> None:
        """Extend an elastic budget by ``seconds`` (a strict one is left as it is)."""
        if self.elastic and seconds > 0:
            self._end += seconds


# -- one attempt on the wire ---------------------------------------------------------------
class _Attempt:
    """What one HTTP attempt of this thread has done so far (read by the connection)."""

    __slots__ = ("answer_extra", "budget", "connected", "phase", "sent_bytes", "silence")

    def __init__(self, budget: Budget, silence: float, answer_extra: float) -> None:
        self.budget = budget
        self.silence = silence
        self.answer_extra = answer_extra
        self.phase = "connecting"  # -> "sending" -> "sent"
        self.connected = False  # a connection was made (or a kept-alive one reused)
        self.sent_bytes = 0

    def send_timeout(self) -> float:
        return max(min(self.silence, self.budget.remaining()), _MIN_WAIT)

    def moved(self, count: int, seconds: float) -> None:
        self.sent_bytes += count
        self.budget.grant(seconds)  # time spent moving bytes does not eat the deadline

    def answer_timeout(self) -> float:
        return max(min(self.silence + self.answer_extra, self.budget.remaining()), _MIN_WAIT)


_wire = threading.local()
#: the budgets in force, innermost last, as (session serial, budget): a context
#: variable, so that a thread started with a copy of the caller's context (the
#: session's reads alongside, a bulk creation's workers) keeps the caller's bounds
_BUDGETS: contextvars.ContextVar[tuple[tuple[int, Budget], ...]] = contextvars.ContextVar(
    "gadget_kitsu_budgets", default=()
)
_SERIALS = itertools.count(1)


def _attempt() -> _Attempt | None:
    attempt: _Attempt | None = getattr(_wire, "attempt", None)
    return attempt


if TYPE_CHECKING:
    _ConnectionBase = urllib3.connection.HTTPConnection
else:
    _ConnectionBase = object


class _Measured(_ConnectionBase):
    """A urllib3 connection that reports how far its request got and sends the
    body in pieces, each bounded by the silence timeout."""

    def connect(self) -> None:
        super().connect()
        attempt = _attempt()
        if attempt is not None:
            attempt.connected = True

    def request(self, *args: Any, **kwargs: Any) -> None:
        attempt = _attempt()
        if attempt is not None:
            attempt.phase = "sending"
            attempt.connected = attempt.connected or self.sock is not None
        super().request(*args, **kwargs)
        if attempt is not None:
            attempt.phase = "sent"

    def send(self, data: Any) -> None:
        attempt = _attempt()
        if attempt is None or not isinstance(data, (bytes, bytearray, memoryview)):
            super().send(data)
            return
        if self.sock is None:
            self.connect()  # what http.client's send does on its own (auto_open)
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            piece = view[start : start + CHUNK]
            if self.sock is not None:
                self.sock.settimeout(attempt.send_timeout())
            began = time.monotonic()
            super().send(piece)
            attempt.moved(len(piece), time.monotonic() - began)

    def getresponse(self) -> Any:
        attempt = _attempt()
        if attempt is not None:
            self.timeout = attempt.answer_timeout()
        return super().getresponse()


class _HTTPConnection(_Measured, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_Measured, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _MeasuredAdapter(HTTPAdapter):
    """An adapter whose pools (direct or through a proxy) use measured connections.

    It never retries by itself (the session does, knowing what was sent).
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


# -- failures --------------------------------------------------------------------------
class TransportFailure(requests.exceptions.RequestException):
    """A request that failed on the way, with what that means for its outcome.

    ``method`` and ``path`` name it; ``write`` is False for a request that
    changes nothing (a GET, a login, a search sent as a POST);
    ``may_have_landed`` is False when the server surely did not act on it; ``status`` is the HTTP status for a
    429 / 502 / 503 / 504; ``reason`` says what happened in words (no secret);
    ``elapsed`` is the seconds the call had run; ``deadline`` the seconds it
    was allowed (None when the deadline was not what stopped it).
    """

    def __init__(
        self,
        reason: str,
        *,
        method: str,
        path: str,
        write: bool,
        may_have_landed: bool,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(reason, response=response)
        self.reason = reason
        self.method = method
        self.path = path
        self.write = write
        self.may_have_landed = may_have_landed
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        self.elapsed = 0.0
        self.deadline: float | None = None
        self.attempts = 1

    @property
    def what(self) -> str:
        """``"POST /data/x"``."""
        return f"{self.method} {self.path}"

    def describe(self) -> str:
        """The failure in a sentence: what happened, how long, what it means."""
        tries = f" ({self.attempts} attempts)" if self.attempts > 1 else ""
        if self.deadline is not None:
            took = f"; gave up after {self.elapsed:.1f} s, the deadline of {self.deadline:.1f} s"
        else:
            took = f"; after {self.elapsed:.1f} s"
        if self.may_have_landed and self.write:
            meaning = ". The request was sent: the server may have applied it"
        elif self.write:
            meaning = ". The server did not act on it"
        else:
            meaning = ""
        return f"{self.what}: {self.reason}{tries}{took}{meaning}"


def _path_of(url: str | None) -> str:
    return urlsplit(url or "").path or "/"


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc``, its ``args``' exceptions and causes: urllib3 wraps the socket error
    in a MaxRetryError or a ProtocolError inside requests' exception."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend(a for a in item.args if isinstance(a, BaseException))
        reason = getattr(item, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
        todo.append(item.__cause__)
        todo.append(item.__context__)


def _has(exc: BaseException, *kinds: type[BaseException]) -> bool:
    return any(isinstance(e, kinds) for e in _chain(exc))


def _classify(
    exc: requests.exceptions.RequestException,
    method: str,
    path: str,
    attempt: _Attempt,
    reads: bool,
) -> TransportFailure:
    """What a requests exception means: did the request reach the server, retry or not."""

    def fail(reason: str, *, landed: bool, retry: bool) -> TransportFailure:
        return TransportFailure(
            reason,
            method=method,
            path=path,
            write=not reads,
            may_have_landed=landed,
            retryable=retry,
        )

    if isinstance(exc, requests.exceptions.SSLError):
        return fail(
            "the TLS handshake failed (an untrusted or wrong certificate? give the studio's "
            "CA bundle as ca_bundle / TRACKER_CA_BUNDLE)",
            landed=False,
            retry=False,
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return fail("the HTTP proxy refused or dropped the connection", landed=False, retry=True)
    if _has(exc, urllib3.exceptions.NameResolutionError):
        return fail("the host name does not resolve", landed=False, retry=False)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or (
        not attempt.connected
        and _has(exc, urllib3.exceptions.ConnectTimeoutError)
        and not _has(exc, urllib3.exceptions.NewConnectionError)
    ):
        return fail(
            "the host did not answer the connection attempt (is it up? a firewall?)",
            landed=False,
            retry=False,
        )
    if attempt.phase != "sent":
        if _has(exc, TimeoutError, urllib3.exceptions.TimeoutError) and attempt.sent_bytes:
            reason = (
                f"the upload stalled: no byte moved for {attempt.silence:g} s "
                f"({attempt.sent_bytes} bytes were sent)"
            )
        elif not attempt.connected:
            reason = "the connection could not be made (refused or reset)"
        else:
            reason = "the connection broke before the request was fully sent"
        return fail(reason, landed=False, retry=True)
    # the whole request went out: from here the server may have acted on it
    if isinstance(exc, requests.exceptions.ReadTimeout) or _has(
        exc, urllib3.exceptions.ReadTimeoutError
    ):
        reason = "no answer in time after the request was sent"
    else:
        reason = "the connection dropped after the request was sent, before the answer"
    return fail(reason, landed=True, retry=reads)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back on the backoff


def _status_failure(
    response: requests.Response, method: str, path: str, reads: bool
) -> TransportFailure | None:
    status = response.status_code
    wait = _retry_after(response)
    if status in NOT_ACTED_STATUSES:
        reason = (
            f"the server is busy (HTTP {status})"
            if status == 429
            else f"the server is unavailable (HTTP {status})"
        )
        if wait is not None:
            reason += f", retry after {wait:g} s"
        landed = False
    elif status in MAYBE_ACTED_STATUSES:
        reason = f"a proxy before the server failed (HTTP {status})"
        landed = True
    else:
        return None
    return TransportFailure(
        reason,
        method=method,
        path=path,
        write=not reads,
        may_have_landed=landed,
        retryable=reads or not landed,
        status=status,
        retry_after=wait,
        response=response,
    )


#: bodies of this size or more (uploads) go on a fresh connection, closed after
FRESH_CONNECTION_BYTES = 1_000_000


def _body_size(request: requests.PreparedRequest) -> int:
    body = request.body
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return 0


# -- the session ------------------------------------------------------------------------
class TimeoutSession(requests.Session):
    """A requests session with time bounds, classified failures and retries (see the module).

    ``last_response`` is the last response of the calling thread (for error
    mapping); ``request_count`` counts the requests made (retries not counted).
    ``ca_bundle`` (a path) replaces the system's trusted certificates;
    ``proxy`` (a URL) is used for http and https, over any from the
    environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``, which apply
    when it is not given).
    """

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        per_mb: float = DEFAULT_PER_MB,
        ca_bundle: str | None = None,
        proxy: str | None = None,
    ) -> None:
        super().__init__()
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self.call_deadline = float(deadline)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.per_mb = float(per_mb)
        self.ca_bundle = ca_bundle
        if ca_bundle:
            self.verify = ca_bundle
        if proxy:
            self.proxies = {"http": proxy, "https": proxy}
        self._local = threading.local()
        self._serial = next(_SERIALS)
        self._count_lock = threading.Lock()
        self.request_count = 0
        adapter = _MeasuredAdapter(pool_connections=4, pool_maxsize=16)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    # -- budgets ---------------------------------------------------------------
    def current_budget(self) -> Budget | None:
        """The innermost budget of the calling context (None outside any call)."""
        for serial, budget in reversed(_BUDGETS.get()):
            if serial == self._serial:
                return budget
        return None

    @contextlib.contextmanager
    def _pushed(self, budget: Budget) -> Iterator[Budget]:
        token = _BUDGETS.set((*_BUDGETS.get(), (self._serial, budget)))
        try:
            yield budget
        finally:
            _BUDGETS.reset(token)

    @contextlib.contextmanager
    def call(self) -> Iterator[Budget]:
        """One call's deadline (``deadline`` seconds, elastic for uploads); a call
        inside a call shares the outer one."""
        outer = self.current_budget()
        if outer is not None and outer.call:
            yield outer
            return
        budget = Budget(self.call_deadline, elastic=True, parent=outer, call=True)
        with self._pushed(budget):
            yield budget

    @contextlib.contextmanager
    def deadline(self, seconds: float) -> Iterator[Budget]:
        """Within the block, this thread's requests end within ``seconds`` in all
        (strict: uploads get no extension), or within an outer block's end; so
        do those of threads started with a copy of its context."""
        budget = Budget(seconds, elastic=False, parent=self.current_budget())
        with self._pushed(budget):
            yield budget

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Within the block, this thread's requests change nothing on the server
        (a login, a search sent as a POST): they fail and retry as reads do."""
        before = getattr(self._local, "reading", False)
        self._local.reading = True
        try:
            yield
        finally:
            self._local.reading = before

    def is_reading(self) -> bool:
        """True within :meth:`reading` on the calling thread."""
        return bool(getattr(self._local, "reading", False))

    @contextlib.contextmanager
    def extra_time(self, seconds: float) -> Iterator[None]:
        """Within the block, this thread's requests may take ``seconds`` longer to
        answer (a bulk write Zou needs time for); an elastic deadline grows too."""
        before = getattr(self._local, "extra", 0.0)
        self._local.extra = before + max(0.0, seconds)
        try:
            yield
        finally:
            self._local.extra = before

    # -- requests --------------------------------------------------------------
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self._local.response = None
        with self._count_lock:
            self.request_count += 1
        response = super().request(method, url, *args, **kwargs)
        self._local.response = response
        return response

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        settings: dict[str, Any] = super().merge_environment_settings(
            url, proxies, stream, verify, cert
        )
        if self.ca_bundle and settings.get("verify") is not False:
            # REQUESTS_CA_BUNDLE in the environment must not replace the option
            settings["verify"] = self.ca_bundle
        return settings

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send with the deadline, classification and retries of the module docstring."""
        method = (request.method or "GET").upper()
        path = _path_of(request.url)
        with self.call():  # a request made outside any call is a call of its own
            return self._send_within(request, method, path, kwargs)

    def _send_within(
        self, request: requests.PreparedRequest, method: str, path: str, kwargs: dict[str, Any]
    ) -> requests.Response:
        budget = self.current_budget()
        assert budget is not None
        if _body_size(request) >= FRESH_CONNECTION_BYTES:
            # an upload on a connection of its own: the server's worker free to
            # accept it takes it (a kept-alive one stays with whichever worker
            # took it first, and parallel uploads can queue behind one another)
            request.headers["Connection"] = "close"
        given = kwargs.get("timeout")
        silence = float(given) if isinstance(given, (int, float)) else self.timeout
        extra = getattr(self._local, "extra", 0.0) + self.per_mb * _body_size(request) / 1e6
        budget.grant(extra)
        reads = method in READ_METHODS or getattr(self._local, "reading", False)
        tries = 0
        while True:
            remaining = budget.remaining()
            if remaining <= 0:
                raise self._out_of_time(method, path, budget, tries, reads)
            attempt = _Attempt(budget, silence, extra)
            kwargs["timeout"] = (
                max(min(self.connect_timeout, silence, remaining), _MIN_WAIT),
                max(min(silence + extra, remaining), _MIN_WAIT),
            )
            _wire.attempt = attempt
            response: requests.Response | None = None
            try:
                response = super().send(request, **kwargs)
            except TransportFailure:
                raise  # a redirect's own send classified it already
            except requests.exceptions.RequestException as exc:
                failure = _classify(exc, method, path, attempt, reads)
                failure.__cause__ = exc
            finally:
                _wire.attempt = None
            if response is not None:
                status_failure = _status_failure(response, method, path, reads)
                if status_failure is None:
                    return response
                failure = status_failure
                self._local.response = response
            tries += 1
            failure.attempts = tries
            failure.elapsed = budget.elapsed()
            delay = self._delay(failure, tries)
            if budget.remaining() <= max(delay, 0.01):  # no time for another try
                failure.deadline = budget.total()
            if not failure.retryable or tries > self.retries or failure.deadline is not None:
                raise failure
            if response is not None:
                response.close()
            time.sleep(delay)

    def _delay(self, failure: TransportFailure, tries: int) -> float:
        if failure.retry_after is not None:
            return failure.retry_after
        delay: float = min(self.backoff * 2 ** (tries - 1), MAX_BACKOFF)
        return delay

    @staticmethod
    def _out_of_time(
        method: str, path: str, budget: Budget, tries: int, reads: bool
    ) -> TransportFailure:
        failure = TransportFailure(
            "no time left before sending it",
            method=method,
            path=path,
            write=not reads,
            may_have_landed=False,
            retryable=False,
        )
        failure.attempts = max(tries, 1)
        failure.elapsed = budget.elapsed()
        failure.deadline = budget.total()
        return failure

    @property
    def last_response(self) -> requests.Response | None:
        """The last response this thread received (None after a connection error)."""
        response: requests.Response | None = getattr(self._local, "response", None)
        return response
