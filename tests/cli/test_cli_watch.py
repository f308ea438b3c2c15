"""``gadget watch`` on a tracker without events, and how an event is printed.

The stream itself is tested on the real Kitsu server (tests/kitsu/test_kitsu_cli.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gadget.cli._watch import event_line

Command = Callable[..., Any]


def test_a_tracker_without_events_exits_2(demo_env: Path, gadget_command: Command) -> None:
    ran = gadget_command("watch", "task:status-changed")
    assert ran.code == 2
    assert ran.out == ""
    assert ran.err == "error: the local tracker has no event stream\n"


def test_event_line() -> None:
    event = {
        "event": "task:status-changed",
        "task_id": "t1",
        "status_id": "s2",
        "project_id": "p1",
        "person_id": None,
        "raw": {"task_id": "t1", "new_task_status_id": "s2"},
        "extra": {"a": 1},
    }
    at = dt.datetime(2026, 11, 29, 18, 5, 7)
    assert event_line(event, at) == (
        '18:05:07 task:status-changed project_id=p1 task_id=t1 status_id=s2 extra={"a": 1}'
    )
