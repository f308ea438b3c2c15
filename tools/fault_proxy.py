#!/usr/bin/env python3
"""A loopback HTTP proxy that injects faults between a client and a server.

Standard library only (threads). It stands between gadget and Zou in the
fault tests (``tests/kitsu/test_faults*.py``) and plays the network and the
reverse proxy of a real studio going wrong::

    proxy = FaultProxy("127.0.0.1", zou_port)       # upstream
    proxy.start()                                   # proxy.url: http://127.0.0.1:P
    proxy.plan = FaultPlan(seed=7, rate=0.3, match=Match(methods=WRITES))
    proxy.force(Fault.DROP_AFTER, Match("POST", r"/batch-comment$"))   # the next such request
    ...
    proxy.counts      # Counter: faults injected, by type
    proxy.stop()

Each client connection carries one request: the proxy reads it whole, decides
its fate, and answers with ``Connection: close``. The faults
(:class:`Fault`):

``drop_before``   the request is read, then the connection closes: the server
                  never sees it (nothing landed)
``drop_after``    the request is forwarded, the server answers, and the
                  connection closes without that answer (the server acted)
``delay``         forwarded; the answer is held ``delay`` seconds (past the
                  client's deadline), then sent to whoever still listens
``502_json`` ``502_html`` ``503_json`` ``503_html``
                  answered by the proxy without forwarding, with a JSON or an
                  HTML body (nothing landed)
``502_after``     forwarded; the server's answer is replaced by a 502 with an
                  HTML body, as nginx answers when its upstream died or timed
                  out after taking the request (the server acted)

Which requests get a fault: a :class:`FaultPlan` (a seeded random draw per
matching request: the same seed and the same requests give the same faults),
and before it, forced faults queued with :meth:`FaultProxy.force` for the
next matching requests. Hooks (:meth:`FaultProxy.on`) run a callable when a
matching request reaches a stage (``headers`` read, ``before_forward``,
``after_answer``): to kill the Zou API or the publishing process at an
exact point of a call.

When the upstream refuses connections (the API process is down) the proxy
answers 502 with an HTML body, as nginx does; that is counted apart
(``upstream_down``), it is not an injected fault.

:class:`SilentHost` is the other kind of trouble: a host that accepts TCP
connections and never answers (``mode="answer"``), or one that never even
completes the connection (``mode="connect"``: a listening socket whose
backlog is full, so the kernel drops the SYNs).
"""

from __future__ import annotations

import collections
import contextlib
import enum
import random
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = [
    "WRITES",
    "Fault",
    "FaultPlan",
    "FaultProxy",
    "Match",
    "Request",
    "SilentHost",
]

HOST = "127.0.0.1"
WRITES = ("POST", "PUT", "DELETE", "PATCH")
_MAX_LINE = 65536


class Fault(str, enum.Enum):
    """What the proxy does to one request (the module docstring says each)."""

    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"
    DELAY = "delay"
    STATUS_502_JSON = "502_json"
    STATUS_502_HTML = "502_html"
    STATUS_503_JSON = "503_json"
    STATUS_503_HTML = "503_html"
    STATUS_502_AFTER = "502_after"

    @property
    def forwarded(self) -> bool:
        """True when the server gets the request (it may have acted on it)."""
        return self in (Fault.DROP_AFTER, Fault.DELAY, Fault.STATUS_502_AFTER)


@dataclass(frozen=True)
class Request:
    """One request as the proxy read it (the body only once it is read)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class Match:
    """Which requests a rule applies to: methods (any when empty) and a path regex.

    Login and token refresh (``/auth/``) are left out unless ``auth=True``.
    """

    methods: str | tuple[str, ...] = ()
    path: str = ""
    auth: bool = False

    def __call__(self, request: Request) -> bool:
        methods = (self.methods,) if isinstance(self.methods, str) else self.methods
        if methods and request.method not in methods:
            return False
        if not self.auth and "/auth/" in request.path:
            return False
        return not self.path or re.search(self.path, request.path.split("?")[0]) is not None


@dataclass
class FaultPlan:
    """A seeded schedule: each matching request gets a fault with probability ``rate``.

    The fault is drawn by ``weights`` (all faults alike by default). Draws
    come from ``random.Random(seed)`` in request order, so a caller making the
    same requests in the same order meets the same faults.
    """

    seed: int
    rate: float
    match: Callable[[Request], bool] = field(default_factory=Match)
    weights: dict[Fault, float] = field(default_factory=lambda: dict.fromkeys(Fault, 1.0))

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._faults = list(self.weights)
        self._weights = [self.weights[f] for f in self._faults]

    def draw(self, request: Request) -> Fault | None:
        if not self.match(request):
            return None
        if self._rng.random() >= self.rate:
            return None
        return self._rng.choices(self._faults, self._weights)[0]


@dataclass
class _Forced:
    fault: Fault
    match: Callable[[Request], bool]
    times: int


@dataclass
class _Hook:
    when: str
    match: Callable[[Request], bool]
    action: Callable[[Request], None]
    times: int | None


@dataclass
class Event:
    """One request through the proxy: what was injected and what the server answered."""

    method: str
    path: str
    fault: Fault | None
    upstream_status: int | None  # None when the server never answered it


def _json_body(status: int) -> bytes:
    reason = "Bad Gateway" if status == 502 else "Service Unavailable"
    return b'{"error": true, "message": "%d %s"}' % (status, reason.encode())


def _html_body(status: int) -> bytes:
    reason = "Bad Gateway" if status == 502 else "Service Temporarily Unavailable"
    return (
        b"<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
        b"<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n" % (status, reason.encode(), status, reason.encode())
    )


def _answer(status: int, body: bytes, content_type: str) -> bytes:
    reason = {502: "Bad Gateway", 503: "Service Unavailable"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


_CANNED = {
    Fault.STATUS_502_JSON: _answer(502, _json_body(502), "application/json"),
    Fault.STATUS_503_JSON: _answer(503, _json_body(503), "application/json"),
    Fault.STATUS_502_HTML: _answer(502, _html_body(502), "text/html"),
    Fault.STATUS_503_HTML: _answer(503, _html_body(503), "text/html"),
    Fault.STATUS_502_AFTER: _answer(502, _html_body(502), "text/html"),
}
_UPSTREAM_DOWN = _answer(502, _html_body(502), "text/html")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    proxy: FaultProxy


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.proxy._serve(self.connection, self.rfile)


class FaultProxy:
    """The proxy (module docstring); ``url`` is its root, ``counts`` the faults injected."""

    def __init__(
        self, upstream_host: str, upstream_port: int, *, delay: float = 10.0, port: int = 0
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        #: how long the ``delay`` fault holds an answer (seconds)
        self.delay = delay
        self.plan: FaultPlan | None = None
        #: faults injected so far, by type (``Fault.value``); ``upstream_down`` apart
        self.counts: collections.Counter[str] = collections.Counter()
        self.events: list[Event] = []
        self._forced: list[_Forced] = []
        self._hooks: list[_Hook] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server((HOST, port), _Handler, bind_and_activate=True)
        self._server.proxy = self
        self.port: int = self._server.server_address[1]
        self.url = f"http://{HOST}:{self.port}"
        self._thread: threading.Thread | None = None

    # -- life --------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- driving it ----------------------------------------------------------
    def force(
        self, fault: Fault, match: Callable[[Request], bool] | None = None, times: int = 1
    ) -> None:
        """Inject ``fault`` into the next ``times`` requests that ``match`` (before the plan)."""
        with self._lock:
            self._forced.append(_Forced(Fault(fault), match or Match(), times))

    def on(
        self,
        when: str,
        match: Callable[[Request], bool],
        action: Callable[[Request], None],
        times: int | None = 1,
    ) -> None:
        """Run ``action(request)`` when a matching request reaches ``when``.

        ``headers``: its headers are read, its body not yet (a client killed
        here is killed mid-upload); ``before_forward``: read whole, not sent
        on; ``after_answer``: the server answered, the client has not heard
        it yet. ``times`` None: every time.
        """
        if when not in ("headers", "before_forward", "after_answer"):
            raise ValueError(f"unknown hook stage {when!r}")
        with self._lock:
            self._hooks.append(_Hook(when, match, action, times))

    def clear(self) -> None:
        """Forget the plan, forced faults and hooks (counts and events stay)."""
        with self._lock:
            self.plan = None
            self._forced.clear()
            self._hooks.clear()

    def injected(self) -> int:
        """How many faults were injected (``upstream_down`` answers left out)."""
        with self._lock:
            return sum(n for name, n in self.counts.items() if name != "upstream_down")

    # -- one request -----------------------------------------------------------
    def _run_hooks(self, when: str, request: Request) -> None:
        with self._lock:
            due = [h for h in self._hooks if h.when == when and h.match(request)]
            for hook in due:
                if hook.times is not None:
                    hook.times -= 1
                    if hook.times <= 0:
                        self._hooks.remove(hook)
        for hook in due:
            hook.action(request)

    def _choose(self, request: Request) -> Fault | None:
        with self._lock:
            for forced in self._forced:
                if forced.match(request):
                    forced.times -= 1
                    if forced.times <= 0:
                        self._forced.remove(forced)
                    return forced.fault
            return self.plan.draw(request) if self.plan is not None else None

    def _record(self, request: Request, fault: Fault | None, status: int | None) -> None:
        with self._lock:
            if fault is not None:
                self.counts[fault.value] += 1
            self.events.append(Event(request.method, request.path, fault, status))

    def _serve(self, conn: socket.socket, rfile: object) -> None:
        reader = rfile  # a buffered reader of the client connection
        head = _read_head(reader)
        if head is None:
            return
        method, path, headers = head
        request = Request(method, path, headers)
        self._run_hooks("headers", request)
        try:
            body = _read_body(reader, request)
        except (OSError, ValueError):
            return  # the client went away mid-upload: nothing is forwarded
        request = Request(method, path, headers, body)
        self._run_hooks("before_forward", request)
        fault = self._choose(request)
        if fault is not None and not fault.forwarded:
            self._record(request, fault, None)
            if fault is Fault.DROP_BEFORE:
                _drop(conn)
            else:
                _send(conn, _CANNED[fault])
            return
        try:
            answer = self._forward(request)
        except OSError:
            with self._lock:
                self.counts["upstream_down"] += 1
                self.events.append(Event(method, path, None, None))
            _send(conn, _UPSTREAM_DOWN)
            return
        status = _status_of(answer)
        self._record(request, fault, status)
        self._run_hooks("after_answer", request)
        if fault is Fault.DROP_AFTER:
            _drop(conn)
        elif fault is Fault.STATUS_502_AFTER:
            _send(conn, _CANNED[fault])
        elif fault is Fault.DELAY:
            if not self._stopping.wait(self.delay):
                _send(conn, answer)
        else:
            _send(conn, answer)

    def _forward(self, request: Request) -> bytes:
        """Send the request upstream (one connection, ``Connection: close``); the raw answer."""
        lines = [f"{request.method} {request.path} HTTP/1.1"]
        for name, value in request.headers:
            if name.lower() in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                continue
            lines.append(f"{name}: {value}")
        if request.body or request.method in WRITES:
            lines.append(f"Content-Length: {len(request.body)}")
        lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body
        with socket.create_connection(self.upstream, timeout=300) as up:
            up.sendall(data)
            chunks = []
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        answer = b"".join(chunks)
        if not answer:
            raise ConnectionResetError("the upstream closed without answering")
        return answer


def _read_head(reader: object) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    readline: Callable[[int], bytes] = reader.readline  # type: ignore[attr-defined]
    try:
        line = readline(_MAX_LINE)
        while line in (b"\r\n", b"\n"):
            line = readline(_MAX_LINE)
        if not line:
            return None
        method, path, _version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers: list[tuple[str, str]] = []
        while True:
            raw = readline(_MAX_LINE)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
    except (OSError, ValueError):
        return None
    return method, path, tuple(headers)


def _read_body(reader: object, request: Request) -> bytes:
    read: Callable[[int], bytes] = reader.read  # type: ignore[attr-defined]
    readline: Callable[[int], bytes] = reader.readline  # type: ignore[attr-defined]
    if (request.header("Transfer-Encoding") or "").lower() == "chunked":
        parts = []
        while True:
            size = int(readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(_read_exactly(read, size))
            readline(_MAX_LINE)
    length = int(request.header("Content-Length") or 0)
    return _read_exactly(read, length)


def _read_exactly(read: Callable[[int], bytes], size: int) -> bytes:
    data = read(size)
    if len(data) < size:
        raise ConnectionResetError("the client closed mid-request")
    return data


def _status_of(answer: bytes) -> int | None:
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def _send(conn: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(data)


def _drop(conn: socket.socket) -> None:
    """Close at once, with a reset rather than a clean end (as a dead middlebox does)."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    with contextlib.suppress(OSError):
        conn.close()


class SilentHost:
    """A host on loopback that never answers.

    ``mode="answer"``: connections are accepted and never answered (a hung
    server); ``mode="connect"``: connection attempts are never completed (a
    listening socket with a full backlog: Linux drops the SYNs, as a host
    behind a dropping firewall does). ``url`` is its root.
    """

    def __init__(self, mode: str = "answer") -> None:
        if mode not in ("answer", "connect"):
            raise ValueError(f"unknown SilentHost mode {mode!r}")
        self.mode = mode
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((HOST, 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SilentHost:
        if self.mode == "connect":
            self._sock.listen(0)
            # fill the accept queue: later SYNs are dropped by the kernel
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                probe.settimeout(0.3)
                try:
                    probe.connect((HOST, self.port))
                except OSError:
                    probe.close()
                    break
                self._held.append(probe)
        else:
            self._sock.listen(16)
            self._sock.settimeout(0.1)
            self._thread = threading.Thread(target=self._accept, daemon=True)
            self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(conn)  # kept open, never read, never answered

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        for held in self._held:
            with contextlib.suppress(OSError):
                held.close()
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> SilentHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def summary(counts: Iterable[tuple[str, int]]) -> str:
    """``drop_after=3 delay=1 ...`` in a stable order."""
    return " ".join(f"{name}={n}" for name, n in sorted(counts))
