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
    """The events of one ShotGrid site: :meth:`on`, :meth:`poll`, :meth:`run` /
    :meth:`start`, :meth:`stop`."""

    def __init__(
        self, connection: ShotGridConnection, since: int | None = None, interval: float = 5.0
    ) -> None:
        self._conn = connection
        self.interval = interval
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_id = since if since is not None else self._newest()

    def __repr__(self) -> str:
        return f"ShotGridEvents({self._conn.site!r}, after={self.last_id})"

    def _newest(self) -> int:
        found = self._conn.find(
            "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}], limit=1
        )
        return int(found[0]["id"]) if found else 0

    def on(self, event: str, handler: Handler | None = None) -> Any:
        """Call ``handler`` for each ``event`` (``"*"``: every one); a decorator without it."""

        def add(fn: Handler) -> Handler:
            with self._lock:
                self._handlers.setdefault(event, []).append(fn)
            return fn

        return add(handler) if handler is not None else add

    def poll(self) -> list[Record]:
        """One round: the entries after the last one seen, handed to the handlers."""
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
                handlers = [*self._handlers.get(record["event"], ()), *self._handlers.get(ANY, ())]
            for handler in handlers:
                try:
                    handler(record)
                except Exception:  # one handler's failure stops neither the others nor the loop
                    logger.exception("handler of %s failed", record["event"])
        return records

    def run(self) -> None:
        """Poll every ``interval`` seconds until :meth:`stop` (blocks)."""
        self._stopping.clear()
        while not self._stopping.is_set():
            self.poll()
            self._stopping.wait(self.interval)

    def start(self) -> None:
        """:meth:`run` on a thread of its own; returns at once."""
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self.run, name="gadget-shotgrid-events")
            self._thread.daemon = True
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None
