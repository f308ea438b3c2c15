"""Kitsu's live events (socket.io), normalized.

::

    events = session.events                  # the same object as session.tracker.events
    events.on("task:status-changed", lambda e: print(e["task_id"], e["status_id"]))
    events.start()                           # returns at once; or events.run() (blocks)
    ...
    events.stop()

Event names are Kitsu's (``entity:action``: ``task:status-changed``,
``comment:new``, ``shot:update``, ``preview-file:add-file`` ...; ``"*"``
receives every event). A handler gets one dict: ``event`` (the name), the
ids of the payload renamed to gadget's vocabulary (see
:data:`gadget.trackers.kitsu.convert.EVENT_FIELDS`: ``new_task_status_id``
-> ``status_id``, ``preview_file_id`` -> ``preview_id`` ...) and ``raw``,
Zou's payload.

The events server is the Kitsu web root (TRACKER_URL without ``/api``)
unless TRACKER_EVENTS_URL says otherwise. The socket.io client is made by
``gazu.events.init(client=...)`` with this tracker's own gazu client, so it
authenticates with this session's token (refreshed on reconnection).
socketio is imported when the stream is first started.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from gadget.errors import GadgetError, TrackerUnavailable
from gadget.trackers.kitsu.convert import event_record

if TYPE_CHECKING:
    from gadget.trackers.kitsu.client import KitsuConnection

__all__ = ["Handler", "KitsuEvents"]

logger = logging.getLogger("gadget.kitsu.events")

Handler = Callable[[dict[str, Any]], Any]
#: The handler key that receives every event.
ANY = "*"


class KitsuEvents:
    """The event stream of one Kitsu tracker: :meth:`on`, :meth:`run` / :meth:`start`, :meth:`stop`."""

    def __init__(self, connection: KitsuConnection, host: str) -> None:
        self._conn = connection
        self.host = host
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.RLock()
        self._sio: Any = None
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "idle"
        return (
            f"<KitsuEvents {self.host} {state}, {sum(map(len, self._handlers.values()))} handlers>"
        )

    @property
    def connected(self) -> bool:
        """True while the socket.io connection is up."""
        sio = self._sio
        return bool(sio is not None and getattr(sio, "connected", False))

    def on(self, event_name: str, handler: Handler | None = None) -> Any:
        """Call ``handler(event_dict)`` for every ``event_name`` event (``"*"``: all).

        Usable as a decorator: ``@events.on("comment:new")``. Handlers may be
        added before or after the stream starts; they run on socket.io's
        thread, and an exception in one is logged, not raised.
        """

        def register(fn: Handler) -> Handler:
            with self._lock:
                self._handlers.setdefault(event_name, []).append(fn)
            return fn

        return register(handler) if handler is not None else register

    def off(self, event_name: str, handler: Handler | None = None) -> None:
        """Remove one handler (or all handlers) of ``event_name``."""
        with self._lock:
            if handler is None:
                self._handlers.pop(event_name, None)
            elif handler in self._handlers.get(event_name, []):
                self._handlers[event_name].remove(handler)

    def _relay(self, event_name: str, data: Any = None) -> None:
        """socket.io catch-all handler of the ``/events`` namespace."""
        self.dispatch(event_name, data)

    def dispatch(self, event_name: str, data: Any) -> None:
        """Hand one raw event to its handlers (and to ``"*"`` handlers)."""
        payload = data if isinstance(data, Mapping) else {"value": data}
        event = event_record(event_name, payload)
        with self._lock:
            handlers = [*self._handlers.get(event_name, []), *self._handlers.get(ANY, [])]
        for handler in handlers:
            try:
                handler(dict(event))
            except Exception:
                logger.exception("Kitsu event handler %r failed on %s", handler, event_name)

    def connect(self) -> None:
        """Open the socket.io connection (``gazu.events.init`` with this tracker's client)."""
        import gazu.client as raw

        try:
            import gazu.events
        except ImportError as exc:  # pragma: no cover - socketio ships with gazu
            raise GadgetError(f"Kitsu events need python-socketio: {exc}") from exc
        with self._lock:
            if self.connected:
                return
            raw.set_event_host(self.host, client=self._conn.client)
            try:
                sio = gazu.events.init(client=self._conn.client, reconnection=True)
            except Exception as exc:
                raise TrackerUnavailable(
                    f"cannot connect to the Kitsu events server at {self.host}: "
                    f"{exc.__class__.__name__}"
                ) from exc
            sio.on("*", self._relay, namespace="/events")
            self._sio = sio
            self._stopping.clear()

    def run(self) -> None:
        """Listen and call the handlers until :meth:`stop` (blocks the calling thread).

        socket.io reconnects by itself after a dropped connection (with a
        refreshed token). Ctrl-C stops the stream.
        """
        self.start()
        try:
            self._stopping.wait()
        except KeyboardInterrupt:
            self.stop()

    def start(self) -> KitsuEvents:
        """Connect and return at once: events arrive on socket.io's own background thread."""
        self.connect()
        return self

    def stop(self) -> None:
        """Disconnect; :meth:`run` returns."""
        self._stopping.set()
        with self._lock:
            sio, self._sio = self._sio, None
        if sio is not None:
            with contextlib.suppress(Exception):
                sio.disconnect()

    def __enter__(self) -> KitsuEvents:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
