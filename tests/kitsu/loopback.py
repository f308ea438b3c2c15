"""Small loopback servers for the failure paths a healthy Kitsu server cannot show.

:class:`FaultServer` is an HTTP server on 127.0.0.1 that forwards each
request to an upstream (the real Zou of the test session) or answers it
itself, applying the faults a test scripted for matching requests: drop the
connection before forwarding or after the upstream answered, never answer,
answer late, answer a status with a JSON or HTML body. It also serves as a
plain HTTP forward proxy (a request line with an absolute URL is forwarded to
that URL's host), to show that a configured proxy is used.

:func:`silent_host` is a port whose accept queue is full: the kernel drops
further connection attempts, as a host behind a firewall that drops packets
does. Kept small and local to these tests.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Fault", "FaultServer", "silent_host"]


@dataclass
class Fault:
    """What to do with one request: ``kind`` is ``forward``, ``drop_before``
    (read it, close without forwarding), ``drop_after`` (forward, then close
    without answering), ``cut`` (forward, then answer half of the body and
    close), ``hang`` (read it, never answer), ``stall`` (read
    nothing of the body, never answer), ``delay`` (wait ``seconds``, then
    forward) or ``status`` (answer ``status`` with ``body`` of
    ``content_type``; after forwarding the request when ``forwarded``)."""

    kind: str
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    seconds: float = 0.0
    forwarded: bool = False


@dataclass
class _Plan:
    method: str
    path_part: str
    faults: list[Fault]


@dataclass
class Seen:
    method: str
    path: str
    proxied: bool
    fault: str
    body_bytes: int = 0
    #: the request's If-None-Match header (None: not sent)
    if_none_match: str | None = None
    #: the request's Connection header (None: not sent)
    connection: str | None = None


@dataclass
class _State:
    upstream: str | None
    plans: list[_Plan] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: _State  # set on the subclass made per server

    def log_message(self, *args: Any) -> None:
        pass

    def _fault_for(self, path: str) -> Fault:
        with self.state.lock:
            for plan in self.state.plans:
                if plan.method == self.command and plan.path_part in path and plan.faults:
                    return plan.faults.pop(0)
        return Fault("forward")

    def _handle(self) -> None:
        proxied = self.path.startswith("http://")
        if proxied:
            target = urlsplit(self.path)
            netloc = target.netloc
            path = target.path + (f"?{target.query}" if target.query else "")
        else:
            upstream = urlsplit(self.state.upstream or "http://127.0.0.1:9")
            netloc = upstream.netloc
            path = self.path
        fault = self._fault_for(path)
        if fault.kind == "stall":  # never read the body: the sender's buffers fill up
            with self.state.lock:
                self.state.seen.append(Seen(self.command, path, proxied, fault.kind))
            self.state.stop.wait(120)
            self._drop()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.state.lock:
            self.state.seen.append(
                Seen(
                    self.command,
                    path,
                    proxied,
                    fault.kind,
                    len(body),
                    self.headers.get("If-None-Match"),
                    self.headers.get("Connection"),
                )
            )
        if fault.kind == "drop_before":
            self._drop()
            return
        if fault.kind == "hang":
            self.state.stop.wait(120)
            self._drop()
            return
        if fault.kind == "status":
            if fault.forwarded:
                self._forward(netloc, path, body)
            self._answer(fault.status, [("Content-Type", fault.content_type)], fault.body)
            return
        if fault.kind == "delay":
            time.sleep(fault.seconds)
        status, headers, answer = self._forward(netloc, path, body)
        if fault.kind == "drop_after":
            self._drop()
            return
        if fault.kind == "cut":  # the whole length announced, half of the body sent
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer[: len(answer) // 2])
            self.wfile.flush()
            self._drop()
            return
        self._answer(status, headers, answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def _forward(
        self, netloc: str, path: str, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        host, _, port = netloc.partition(":")
        upstream = http.client.HTTPConnection(host, int(port or 80), timeout=120)
        skip = {"host", "connection", "proxy-connection", "keep-alive"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        headers["Host"] = netloc
        try:
            upstream.request(self.command, path, body=body or None, headers=headers)
            response = upstream.getresponse()
            answer = response.read()
            kept = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in ("transfer-encoding", "connection", "content-length")
            ]
            return response.status, kept, answer
        finally:
            upstream.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class FaultServer:
    """A loopback HTTP server forwarding to ``upstream`` with scripted faults.

    ``tls=(certificate, key)`` serves HTTPS.
    ``plan(method, path_part, *faults)`` queues faults for the next requests
    whose method matches and whose path contains ``path_part``; requests
    without a queued fault are forwarded. ``seen`` lists what arrived.
    """

    def __init__(self, upstream: str | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.state = _State(upstream)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:  # serve HTTPS with (certificate, key)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def plan(self, method: str, path_part: str, *faults: Fault) -> None:
        with self.state.lock:
            self.state.plans.append(_Plan(method.upper(), path_part, list(faults)))

    @property
    def seen(self) -> list[Seen]:
        with self.state.lock:
            return list(self.state.seen)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.stop.set()
        self._server.shutdown()
        self._server.server_close()


@contextlib.contextmanager
def silent_host() -> Iterator[int]:
    """A loopback port that answers no connection attempt (its accept queue is full)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):  # connect until one attempt is left hanging
            filler = socket.socket()
            filler.setblocking(False)
            fillers.append(filler)
            filler.connect_ex(address)
            _, writable, _ = select.select([], [filler], [], 0.5)
            if not writable:
                break
        else:
            raise RuntimeError("could not fill the accept queue of a loopback listener")
        yield address[1]
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
