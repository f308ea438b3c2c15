"""ShotGrid's events, by polling ``EventLogEntry`` (ShotGrid has no push channel).

::

    events = session.events                   # the same object as session.tracker.events
    events.on("Shotgun_Task_Change", lambda e: print(e["entity_id"], e["new_value"]))
    events.start()                            # polls on its own thread; or events.run()
    ...
    events.stop()

Event names are ShotGrid's ``event_type`` (``Shotgun_Task_Change``,
``Shotgun_Note_New``, ``Shotgun_Version_New`` ...; ``"*"`` receives every
event). A handler gets one dict: ``event``, ``id`` (the log entry's),
``entity_kind`` and ``entity_id`` (gadget's kind when it has one, else
ShotGrid's type), ``attribute`` (the changed field), ``old_value`` and
``new_value`` (from ``meta``), ``person_id``, ``project_id``, ``created_at``
and ``raw``. The poller starts after the newest entry present when it is
made (or after ``since``), reads entries by increasing id, one ``find`` a
round, and never hands one entry out twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gadget.errors import GadgetError
from gadget.trackers.base import Record
from gadget.trackers.shotgrid import convert

if TYPE_CHECKING:
    from gadget.trackers.shotgrid.client import ShotGridConnection

__all__ = ["Handler", "ShotGridEvents", "event_record"]

logger = logging.getLogger("gadget.shotgrid.events")

Handler = Callable[[dict[str, Any]], Any]
ANY = "*"
FIELDS = ["event_type", "attribute_name", "meta", "entity", "project", "user", "created_at"]
KINDS_OF_TYPES = {v: k for k, v in convert.ENTITY_TYPES.items()}


def event_record(payload: dict[str, Any]) -> Record:
    """An ``EventLogEntry`` as gadget hands it to a handler."""
    entity = payload.get("entity") or {}
    meta = payload.get("meta") or {}
    return {
        "event": payload.get("event_type"),
        "id": str(payload["id"]),
        "entity_kind": KINDS_OF_TYPES.get(str(entity.get("type")), entity.get("type")),
        "entity_id": convert.gid(entity) if entity else None,
        "attribute": payload.get("attribute_name"),
        "old_value": meta.get("old_value"),
        "new_value": meta.get("new_value"),
        "person_id": convert.gid(payload.get("user")),
        "project_id": convert.gid(payload.get("project")),
        "created_at": payload.get("created_at"),
        "raw": dict(payload),
    }


class ShotGridEvents:
    """The events of one ShotGrid site: :meth:`on`, :meth:`off`, :meth:`poll`,
    :meth:`run` / :meth:`start`, :meth:`stop`.

    Safe to use from several threads: one round of :meth:`poll` runs at a
    time, so no entry is handed out twice, and :meth:`stop` ends the polling
    whenever it is called, even before the poller thread has begun. A round
    that fails in :meth:`run` or on the :meth:`start` thread is logged on
    ``gadget.shotgrid.events`` and kept in :attr:`last_error`, and polling
    goes on at the next interval; :meth:`poll` called directly raises it.
    """

    def __init__(
        self, connection: ShotGridConnection, since: int | None = None, interval: float = 5.0
    ) -> None:
        self._conn = connection
        self.interval = interval
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.RLock()
        #: held for a whole round: the read, the new last id, the handlers
        self._polling = threading.RLock()
        #: set by stop(): the stop signal of the running loop (a new one per run)
        self._stopping: threading.Event | None = None
        self._thread: threading.Thread | None = None
        #: the failure of the last round of the loop, None after a round that worked
        self.last_error: Exception | None = None
        self.last_id = since if since is not None else self._newest()

    def __repr__(self) -> str:
        return f"ShotGridEvents({self._conn.site!r}, after={self.last_id})"

    def _newest(self) -> int:
        found = self._conn.find(
            "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}], limit=1
        )
        return int(found[0]["id"]) if found else 0

    @property
    def running(self) -> bool:
        """True while a loop (:meth:`run` or the :meth:`start` thread) polls."""
        with self._lock:
            return self._stopping is not None and not self._stopping.is_set()

    def on(self, event: str, handler: Handler | None = None) -> Any:
        """Call ``handler`` for each ``event`` (``"*"``: every one); a decorator without it."""

        def add(fn: Handler) -> Handler:
            with self._lock:
                self._handlers.setdefault(event, []).append(fn)
            return fn

        return add(handler) if handler is not None else add

    def off(self, event: str, handler: Handler | None = None) -> None:
        """Remove one handler (or all handlers) of ``event``."""
        with self._lock:
            if handler is None:
                self._handlers.pop(event, None)
            elif handler in self._handlers.get(event, []):
                self._handlers[event].remove(handler)

    def poll(self) -> list[Record]:
        """One round: the entries after the last one seen, handed to the handlers.

        Raises the gadget error of a failed read (nothing is then handed out,
        and the next round reads the same entries again)."""
        with self._polling:
            found = self._conn.find(
                "EventLogEntry",
                [["id", "greater_than", self.last_id]],
                FIELDS,
                order=[{"field_name": "id", "direction": "asc"}],
            )
            records = [event_record(p) for p in found]
            for record in records:
                self.last_id = max(self.last_id, int(record["id"]))
                with self._lock:
                    handlers = [
                        *self._handlers.get(record["event"], ()),
                        *self._handlers.get(ANY, ()),
                    ]
                for handler in handlers:
                    try:
                        handler(record)
                    except Exception:  # one handler's failure stops neither the others nor the loop
                        logger.exception("handler of %s failed", record["event"])
            return records

    def run(self) -> None:
        """Poll every ``interval`` seconds until :meth:`stop` (blocks)."""
        self._loop(self._begin())

    def _begin(self) -> threading.Event:
        """A new stop signal for a loop about to run; one loop at a time."""
        with self._lock:
            if self.running:
                raise GadgetError("these ShotGrid events are already being polled")
            self._stopping = threading.Event()
            return self._stopping

    def _loop(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                self.poll()
            except Exception as exc:  # logged and kept; the loop goes on
                self.last_error = exc
                logger.warning(
                    "polling ShotGrid events failed (next try in %ss): %s: %s",
                    self.interval,
                    type(exc).__name__,
                    exc,
                    exc_info=not isinstance(exc, GadgetError),
                )
            else:
                self.last_error = None
            stopping.wait(self.interval)

    def start(self) -> ShotGridEvents:
        """:meth:`run` on a thread of its own; returns at once."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self.running:
                return self
            stopping = self._begin()
            self._thread = threading.Thread(
                target=self._loop, args=(stopping,), name="gadget-shotgrid-events", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """End the polling loop; returns once the poller thread has ended."""
        with self._lock:
            if self._stopping is not None:
                self._stopping.set()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def __enter__(self) -> ShotGridEvents:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
