"""``Tracker.create_many`` is all or nothing, also in the base class's default
(one ``create`` per row, then ``undo_creations`` on a failure); what cannot be
undone is named by a ``PartialWrite``.

The local tracker runs the base class's default here (called unbound), with
its own ``create`` and ``delete``; its own ``create_many`` is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gadget import GadgetError, PartialWrite, ValidationError
from gadget.config import TrackerConfig
from gadget.trackers.base import Tracker
from gadget.trackers.local import LocalTracker

MISSING_SEQUENCE = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def tracker() -> Iterator[LocalTracker]:
    t = LocalTracker(TrackerConfig(url="memory://"))
    t.open()
    yield t
    t.close()


def _rows(tracker: LocalTracker) -> tuple[str, list[dict[str, Any]]]:
    """(sequence id, 3 good shot rows then one whose sequence does not exist)."""
    project = tracker.create("project", {"name": "Bulk", "production_type": "short"})
    seq = tracker.create("sequence", {"name": "sq010", "project_id": project["id"]})
    rows: list[dict[str, Any]] = [
        {"name": f"sh{n:03d}", "sequence_id": seq["id"]} for n in (10, 20, 30)
    ]
    return seq["id"], [*rows, {"name": "sh040", "sequence_id": MISSING_SEQUENCE}]


def _shots(tracker: LocalTracker, seq_id: str) -> list[str]:
    return sorted(r["name"] for r in tracker.list("shot", {"sequence_id": seq_id}))


def test_the_default_creates_every_row_in_order(tracker: LocalTracker) -> None:
    seq_id, rows = _rows(tracker)
    made = Tracker.create_many(tracker, "shot", rows[:3])
    assert [r["name"] for r in made] == ["sh010", "sh020", "sh030"]
    assert _shots(tracker, seq_id) == ["sh010", "sh020", "sh030"]


def test_the_default_undoes_what_it_made_when_a_row_fails(tracker: LocalTracker) -> None:
    seq_id, rows = _rows(tracker)
    created: list[str] = []
    deleted: list[str] = []
    create, delete = tracker.create, tracker.delete

    def made(kind: str, fields: Any) -> Any:
        record = create(kind, fields)
        created.append(record["id"])
        return record

    def watched(kind: str, ident: str) -> None:
        deleted.append(ident)
        delete(kind, ident)

    tracker.create, tracker.delete = made, watched  # type: ignore[method-assign]
    with pytest.raises(ValidationError, match="no sequence"):  # the row's own failure
        Tracker.create_many(tracker, "shot", rows)
    assert _shots(tracker, seq_id) == []
    assert len(created) == 3
    assert deleted == created[::-1]  # the three made before it, newest first


def test_what_cannot_be_undone_is_named(tracker: LocalTracker) -> None:
    seq_id, rows = _rows(tracker)
    delete = tracker.delete
    refused: list[str] = []

    def stubborn(kind: str, ident: str) -> None:
        if not refused:  # the first deletion fails, the others go through
            refused.append(ident)
            raise GadgetError("the tracker refused the deletion")
        delete(kind, ident)

    tracker.delete = stubborn  # type: ignore[method-assign]
    with pytest.raises(PartialWrite) as info:
        Tracker.create_many(tracker, "shot", rows)
    error = info.value
    assert error.kind == "shot"
    assert error.left == tuple(refused)
    assert refused[0] in str(error) and "1 of the 3" in str(error)
    assert isinstance(error.__cause__, ValidationError)  # why the write stopped
    left = tracker.list("shot", {"sequence_id": seq_id})
    assert [r["id"] for r in left] == refused


def test_the_local_tracker_writes_nothing_on_a_bad_row(tracker: LocalTracker) -> None:
    seq_id, rows = _rows(tracker)
    with pytest.raises(ValidationError, match="no sequence"):
        tracker.create_many("shot", rows)
    assert _shots(tracker, seq_id) == []
