"""``gadget watch [EVENT ...]``: the tracker's events as they come, until Ctrl-C.

Listens through ``session.events`` (Kitsu: socket.io pushed by the server;
ShotGrid: ``EventLogEntry`` polled) to the events named (default: all) and
prints each one, normalized by the tracker (gadget's field names, ids as
strings), as one line: the time it arrived, the event's name, then its
fields as ``key=value``; with ``--json``, one JSON object a line (the same
fields, ``raw`` included). Lines are printed by the main thread, in the
order the events came, and flushed at once (a pipe sees each line as it
comes). Ctrl-C (SIGINT) stops it with exit code 0. A tracker without an
event stream (the local tracker) is an error: exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import queue
import signal
import sys
import threading
from typing import Any

__all__ = ["event_line", "register", "run"]

#: the fields a line shows first, in this order, when the event has them
_FIRST = ("project_id", "entity_kind", "entity_id", "task_id", "status_id", "comment_id")


def _value(value: Any) -> str:
    from gadget.cli._output import jsonable

    shown = jsonable(value)
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)


def event_line(event: dict[str, Any], at: dt.datetime) -> str:
    """One event as a line: ``HH:MM:SS name key=value ...`` (``raw`` left out, None
    values left out)."""
    fields = {k: v for k, v in event.items() if k not in ("event", "raw") and v is not None}
    order = [k for k in _FIRST if k in fields] + sorted(k for k in fields if k not in _FIRST)
    shown = " ".join(f"{k}={_value(fields[k])}" for k in order)
    return f"{at.strftime('%H:%M:%S')} {event.get('event')} {shown}".rstrip()


def register(commands: Any) -> None:
    """Add ``gadget watch`` to the subparsers ``commands``."""
    watch = commands.add_parser(
        "watch",
        help="print the tracker's events as they come, until Ctrl-C",
        description="Listen to the tracker's events (all, or the EVENT names given, e.g. "
        "task:status-changed comment:new on Kitsu) and print each as one line, or with --json "
        "one JSON object a line, until interrupted (Ctrl-C: exit code 0). A tracker without "
        "events (the local tracker) is an error (exit code 2).",
    )
    watch.add_argument("events", nargs="*", metavar="EVENT", help="event names (default: all)")
    watch.add_argument(
        "--json", action="store_true", dest="as_json", help="one JSON object per line"
    )
    watch.set_defaults(run=__name__)


def run(args: argparse.Namespace) -> int:
    """``gadget watch [EVENT ...] [--json]``."""
    from gadget.cli._output import jsonable, redact
    from gadget.cli._session import open_session

    arrived: queue.Queue[tuple[dt.datetime, dict[str, Any]]] = queue.Queue()

    def handler(event: dict[str, Any]) -> None:  # on the stream's own thread
        arrived.put((dt.datetime.now().astimezone(), event))

    # SIGTERM ends the watch as Ctrl-C does (a service manager, a test); only the
    # main thread may set a handler (main() may be called from another)
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if on_main else None
    try:
        with open_session() as session:
            events = session.events  # Unsupported (exit code 2) without an event stream
            for name in args.events or ["*"]:
                events.on(name, handler)
            events.start()
            what = ", ".join(args.events) if args.events else "all events"
            host = getattr(events, "host", None) or session.tracker.name
            try:  # from here on, Ctrl-C stops the watch cleanly (it may come at once)
                print(
                    redact(f"watching {what} on {host} (Ctrl-C to stop)"),
                    file=sys.stderr,
                    flush=True,
                )
                while True:
                    try:
                        at, event = arrived.get(timeout=0.5)
                    except queue.Empty:
                        continue
                    if args.as_json:
                        line = json.dumps(
                            jsonable({**event, "received_at": at}), ensure_ascii=False
                        )
                    else:
                        line = event_line(event, at)
                    sys.stdout.write(line + "\n")
                    sys.stdout.flush()
            except KeyboardInterrupt:
                events.stop()
                print("stopped", file=sys.stderr, flush=True)
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)
    return 0
