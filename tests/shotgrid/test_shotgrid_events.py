"""Events by polling EventLogEntry. mockgun writes no log entries: the tests
write them as a real site does on a change, then poll."""

from __future__ import annotations

from typing import Any

import gadget

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
