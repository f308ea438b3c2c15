"""Events by polling EventLogEntry. mockgun writes no log entries: the tests
write them as a real site does on a change, then poll."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
import shotgun_api3

import gadget
from gadget.errors import TrackerUnavailable
from gadget.trackers.shotgrid.client import ShotGridConnection
from gadget.trackers.shotgrid.events import ShotGridEvents

from .mocksite import MockSiteClient, SharedSite


def _log(site: SharedSite, **fields: Any) -> int:
    client = MockSiteClient(site, "https://mock.shotgrid.test")
    return int(client.create("EventLogEntry", {"description": "x", **fields})["id"])


def test_shotgrid_events_poll_the_log_after_the_newest_entry(
    gadget_session: gadget.Session, shotgrid_site: SharedSite
) -> None:
    events = gadget_session.events  # made now: earlier entries are not handed out
    assert events is gadget_session.tracker.events
    heard: list[dict[str, Any]] = []
    every: list[str] = []
    events.on("Shotgun_Task_Change", heard.append)

    @events.on("*")
    def _(event: dict[str, Any]) -> None:
        every.append(event["event"])

    first = _log(
        shotgrid_site,
        event_type="Shotgun_Task_Change",
        attribute_name="sg_status_list",
        meta={"old_value": "wtg", "new_value": "ip"},
        entity={"type": "Task", "id": 7},
        project={"type": "Project", "id": 2},
        user={"type": "HumanUser", "id": 1},
    )
    _log(shotgrid_site, event_type="Shotgun_Note_New", entity={"type": "Note", "id": 3})
    got = events.poll()
    assert [e["id"] for e in got] == [str(first), str(first + 1)]
    assert every == ["Shotgun_Task_Change", "Shotgun_Note_New"]
    assert len(heard) == 1
    change = heard[0]
    assert (change["entity_kind"], change["entity_id"], change["attribute"]) == (
        "task",
        "7",
        "sg_status_list",
    )
    assert (change["old_value"], change["new_value"]) == ("wtg", "ip")
    assert (change["person_id"], change["project_id"]) == ("1", "2")
    assert events.poll() == []  # never twice
    assert every == ["Shotgun_Task_Change", "Shotgun_Note_New"]


class _Flaky:
    """A client whose finds of EventLogEntry go wrong as told (failures a real
    site shows: a dropped connection; mockgun never fails)."""

    def __init__(self, inner: MockSiteClient, before_find: Any) -> None:
        self._inner = inner
        self._before_find = before_find

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def find(self, entity_type: str, *args: Any, **kwargs: Any) -> Any:
        self._before_find()
        return self._inner.find(entity_type, *args, **kwargs)


def _events(site: SharedSite, before_find: Any, interval: float = 0.01) -> ShotGridEvents:
    def make(url: str, kwargs: dict[str, Any]) -> _Flaky:
        return _Flaky(MockSiteClient(site, url, **kwargs), before_find)

    connection = ShotGridConnection("https://mock.shotgrid.test", {}, make)
    return ShotGridEvents(
        connection, since=_log(site, event_type="Shotgun_Start"), interval=interval
    )


def test_shotgrid_events_poller_logs_a_failed_round_and_goes_on(
    shotgrid_site: SharedSite, caplog: pytest.LogCaptureFixture
) -> None:
    failures = [shotgun_api3.ProtocolError("mock.shotgrid.test", 503, "busy", {})]

    def fail_once() -> None:
        if failures:
            raise failures.pop()

    events = _events(shotgrid_site, fail_once)
    heard = threading.Event()
    events.on("Shotgun_Task_Change", lambda e: heard.set())
    _log(shotgrid_site, event_type="Shotgun_Task_Change", entity={"type": "Task", "id": 1})
    with caplog.at_level(logging.WARNING, logger="gadget.shotgrid.events"):
        events.start()
        try:
            assert heard.wait(10), "the poller stopped at the failed round"
        finally:
            events.stop()
    assert not failures
    logged = [r for r in caplog.records if r.name == "gadget.shotgrid.events"]
    assert "TrackerUnavailable" in logged[0].getMessage()
    assert events.last_error is None  # the rounds after it worked
    assert not events.running


def test_shotgrid_events_poll_raises_a_failed_read(shotgrid_site: SharedSite) -> None:
    def fail() -> None:
        raise shotgun_api3.ProtocolError("mock.shotgrid.test", 503, "busy", {})

    events = _events(shotgrid_site, fail)
    with pytest.raises(TrackerUnavailable):
        events.poll()


class _GatedThread(threading.Thread):
    """The poller thread begins only once someone joins it: stop() then comes
    before the thread's first step, the race a loaded machine shows."""

    made: list[_GatedThread] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        _GatedThread.made.append(self)

    def run(self) -> None:
        if self.name == "gadget-shotgrid-events":
            self.gate.wait()
        super().run()

    def join(self, timeout: float | None = None) -> None:
        self.gate.set()
        super().join(10 if timeout is None else timeout)  # a guard: never hang the run


def test_shotgrid_events_stop_before_the_poller_begins_ends_it(
    shotgrid_site: SharedSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _events(shotgrid_site, lambda: None, interval=0.05)
    monkeypatch.setattr(threading, "Thread", _GatedThread)
    _GatedThread.made.clear()
    events.start()
    events.stop()
    monkeypatch.undo()
    (poller,) = _GatedThread.made
    assert not poller.is_alive(), "stop() returned and the poller still runs"
    assert not events.running


def test_shotgrid_events_two_threads_polling_hand_out_each_entry_once(
    shotgrid_site: SharedSite,
) -> None:
    arrived = threading.Event()

    def meet() -> None:  # the first read waits for the second: both read the same entries
        if threading.current_thread().name == "first":
            arrived.wait(0.5)  # only a bound: a lock may keep the second one out
        else:
            arrived.set()

    events = _events(shotgrid_site, meet)
    heard: list[str] = []
    events.on("*", lambda e: heard.append(e["id"]))
    logged = [str(_log(shotgrid_site, event_type="Shotgun_Note_New")) for _ in range(3)]
    pollers = [threading.Thread(target=events.poll, name=n) for n in ("first", "second")]
    for poller in pollers:
        poller.start()
    for poller in pollers:
        poller.join()
    assert heard == logged
