"""What each tracker declares and the session keeps to: the values a project's
production type and status take (``Tracker.production_types``,
``project_statuses``).

Each test runs a subclass of the local tracker that declares other values:
the session accepts and refuses by them, before anything is written, and the
local tracker's own writes check what its class declares.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import gadget
from gadget import Session, ValidationError
from gadget.config import TrackerConfig
from gadget.testing import TrackerSpy
from gadget.trackers.local import LocalTracker


def _session(cls: type[LocalTracker]) -> Session:
    tracker = cls(TrackerConfig(url="memory://"))
    tracker.open()
    return Session(tracker)


class Commercials(LocalTracker):
    """A studio of commercials, whose projects may also be archived."""

    production_types: ClassVar[tuple[str, ...]] = ("commercial", "short")
    project_statuses: ClassVar[tuple[str, ...]] = ("open", "closed", "archived")


# -- enumerated values -----------------------------------------------------------
class TestProductionTypes:
    def test_the_trackers_own_are_accepted_others_refused(self) -> None:
        with _session(Commercials) as session:
            spot = session.projects.new(name="Spot", production_type="commercial")
            assert spot.production_type == "commercial"
            assert session.tracker.get("project", spot.id)["production_type"] == "commercial"
            with TrackerSpy(session.tracker) as spy, pytest.raises(ValidationError) as refused:
                session.projects.new(name="Show", production_type="tvshow")
            assert spy.count("create") == 0  # refused before anything was sent
            message = str(refused.value)
            assert "commercial or short" in message and "'tvshow'" in message
            assert "local" in message
            assert [p.name for p in session.projects] == ["Spot"]
            with pytest.raises(ValidationError, match="commercial or short"):
                spot.update(production_type="featurefilm")
            assert spot.refresh().production_type == "commercial"

    def test_the_local_tracker_takes_kitsus(self) -> None:
        with gadget.connect("memory://") as session:
            for production_type in ("short", "featurefilm", "tvshow", "assets", "shots"):
                made = session.projects.new(name=production_type, production_type=production_type)
                assert made.refresh().production_type == production_type
            with pytest.raises(ValidationError) as refused:
                session.projects.new(name="Spot", production_type="commercial")
            assert "short, featurefilm, tvshow, assets or shots" in str(refused.value)

    def test_the_local_tracker_checks_its_class_too(self) -> None:
        """Called directly, without a session, the tracker refuses what it does not declare."""
        with _session(Commercials) as session:
            tracker = session.tracker
            assert tracker.create("project", {"name": "A", "production_type": "commercial"})
            with pytest.raises(ValidationError, match="commercial, short"):
                tracker.create("project", {"name": "B", "production_type": "tvshow"})


class TestProjectStatuses:
    def test_the_trackers_own_are_accepted_in_any_case(self) -> None:
        with _session(Commercials) as session:
            spot = session.projects.new(name="Spot", production_type="short")
            assert spot.update(status="Archived").status == "archived"
            assert session.tracker.get("project", spot.id)["status"] == "archived"
            assert session.projects.filter(status="archived").all() == [spot]
            with pytest.raises(ValidationError) as refused:
                spot.update(status="lost")
            assert "open, closed or archived" in str(refused.value)

    def test_open_or_closed_by_default(self) -> None:
        with gadget.connect("memory://") as session:
            demo = session.projects.new(name="Demo", production_type="short")
            with pytest.raises(ValidationError) as refused:
                demo.update(status="archived")
            assert "open or closed" in str(refused.value) and "'archived'" in str(refused.value)
            assert demo.refresh().status == "open"


class TestDeclarationsAreChecked:
    """A declaration that is not a tuple of strings fails when the class is built."""

    @pytest.mark.parametrize(
        ("attribute", "value", "complaint"),
        [
            ("production_types", "short", "tuple of non-empty strings"),
            ("production_types", (), "tuple of non-empty strings"),
            ("production_types", ("short", ""), "tuple of non-empty strings"),
            ("project_statuses", ("Open", "closed"), "lower-case"),
        ],
    )
    def test_a_wrong_declaration(self, attribute: str, value: Any, complaint: str) -> None:
        with pytest.raises(TypeError, match=complaint) as info:
            type("Wrong", (LocalTracker,), {attribute: value})
        assert f"Wrong.{attribute}" in str(info.value)
