"""``gadget outbox list|flush|drop`` through the real entry point.

Entries are queued the way a DCC queues them: ``gadget.publish`` on a
session whose tracker is made unreachable (``CommentFaults``); the CLI then
reads them, replays them on the configured tracker and drops them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.cli import main
from gadget.outbox import Outbox
from gadget.testing.faults import CommentFaults
from gadget.testing.fixtures import write_png


@pytest.fixture
def studio(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A local studio with one shot task; TRACKER_URL names it."""
    url = f"sqlite:///{isolated / 'studio.db'}"
    with gadget.connect(url, create=True) as session:
        project = session.projects.new(name="Demo", production_type="short")
        seq = project.sequences.new(name="sq010")
        shot = project.shots.new(name="sh0010", sequence=seq)
        session.task_types.new(name="Anim", for_shots=True)
        shot.tasks.new(task_type="Anim", status="todo")
    monkeypatch.setenv("TRACKER_URL", url)
    return url


def _queue(
    url: str, *texts: str, status: str | None = None, preview: Path | None = None
) -> list[int]:
    """Publish ``texts`` while the tracker is away: their outbox ids."""
    with gadget.connect(url) as session:
        project = session.projects.fetch("Demo")
        task = project.shots.fetch("sq010/sh0010").tasks.fetch("Anim")
        with CommentFaults(session, *["down"] * len(texts)):
            results = [
                gadget.publish(task, text, status=status, preview=preview and [preview])
                for text in texts
            ]
    assert all(r.state == "queued" for r in results)
    return [r.outbox_id for r in results if r.outbox_id is not None]


def _comments(url: str) -> list[Any]:
    with gadget.connect(url) as session:
        task = session.projects.fetch("Demo").shots.fetch("sq010/sh0010").tasks.fetch("Anim")
        return [(c.text, c.status.short_name) for c in task.comments]


def test_list_reads_only_the_outbox(
    studio: str, isolated: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (entry_id,) = _queue(studio, "waiting for the tracker", preview=write_png(isolated / "r.png"))
    monkeypatch.delenv("TRACKER_URL")  # no setting needed to list
    capsys.readouterr()
    assert main(["outbox", "list"]) == 0
    out = capsys.readouterr().out
    assert "1 outbox entry in" in out
    assert "pending" in out and "Demo / sq010/sh0010 / Anim" in out
    assert "waiting for the tracker" in out and "r.png" in out
    assert "TrackerUnavailable: connection refused" in out
    assert row_count(out) == 1

    assert main(["outbox", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == entry_id and row["state"] == "pending"
    assert row["previews"] == ["r.png"] and row["set_main_preview"] is True
    assert row["missing"] == ["comment", "previews", "main_preview"]
    assert row["tracker"] == f"sqlite:///{(isolated / 'studio.db').resolve()}"


def row_count(table: str) -> int:
    return sum(1 for line in table.splitlines() if line.startswith("│") and line[1:4].strip())


def test_flush_replays_on_the_configured_tracker(
    studio: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _queue(studio, "first", "second", status="wip")
    capsys.readouterr()
    assert main(["outbox", "flush"]) == 0
    out = capsys.readouterr().out
    assert out.count("posted  ") == 2 and "2 posted (0 with a status conflict)" in out
    assert sorted(_comments(studio)) == [("first", "wip"), ("second", "wip")]
    assert main(["outbox", "flush"]) == 0  # nothing twice
    assert "0 posted" in capsys.readouterr().out
    assert len(_comments(studio)) == 2
    assert main(["outbox", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["outbox", "list", "--all", "--json"]) == 0
    assert sorted(r["id"] for r in json.loads(capsys.readouterr().out)) == ids


def test_a_status_conflict_is_shown_by_flush_and_list(
    studio: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (entry_id,) = _queue(studio, "ready", status="wfa")
    with gadget.connect(studio) as session:
        task = session.projects.fetch("Demo").shots.fetch("sq010/sh0010").tasks.fetch("Anim")
        task.set_status("retake")
    capsys.readouterr()
    assert main(["outbox", "flush"]) == 0
    out = capsys.readouterr().out
    assert "1 posted (1 with a status conflict)" in out and "status conflict" in out
    assert main(["outbox", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == entry_id and row["state"] == "done"
    assert "'retake'" in row["conflict"] and "'wfa'" in row["conflict"]
    assert _comments(studio)[0] == ("ready", "retake")


def test_flush_says_what_is_left_and_exits_1(
    studio: str, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (entry_id,) = _queue(studio, "tampered", preview=write_png(isolated / "r.png"))
    box = Outbox(os.environ["GADGET_OUTBOX_DIR"])
    box.paths(box.get(entry_id), "previews")[0].write_bytes(b"not the render")
    capsys.readouterr()
    assert main(["outbox", "flush"]) == 1
    out = capsys.readouterr().out
    assert f"failed  {entry_id}" in out and "checksum mismatch" in out
    assert _comments(studio) == []


def test_drop_removes_an_entry(studio: str, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _queue(studio, "keep", "drop me")
    assert main(["outbox", "drop", str(second)]) == 0
    assert f"dropped {second}" in capsys.readouterr().out
    assert main(["outbox", "list", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [first]
    assert main(["outbox", "drop", str(second)]) == 2
    assert "error: no outbox entry with id=" in capsys.readouterr().err


def test_list_filters_by_tracker_in_any_url_form(
    studio: str, isolated: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue(studio, "one")
    monkeypatch.chdir(isolated)
    assert main(["outbox", "list", "--json", "--tracker", "sqlite:///studio.db"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert main(["outbox", "list", "--json", "--tracker", "https://kitsu.studio.com/api"]) == 0
    assert json.loads(capsys.readouterr().out) == []
