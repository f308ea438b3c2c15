"""gadget.publish and the outbox, on the local tracker with faults injected.

The faults (:class:`gadget.testing.faults.CommentFaults`) are the failures a
healthy tracker cannot show: unreachable, an answer lost after the publish
landed, a main preview that did not follow its comment. Replays go through
``task.comments.new`` with the queued idempotency key, so "exactly once" is
counted on the tracker itself: the task's comments and its shot's main
preview. Processes are really started, raced and killed where the lock and
the journal are what is tested.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import gadget
from gadget._filelock import FileLock
from gadget.errors import NotFound, PermissionDenied, TrackerUnavailable, ValidationError
from gadget.outbox import (
    DONE,
    FAILED,
    PENDING,
    SENDING,
    Flusher,
    FlushReport,
    Outbox,
    default_folder,
    tracker_identity,
)
from gadget.testing.faults import CommentFaults
from gadget.testing.fixtures import write_pdf, write_png
from gadget.trackers.base import Tracker
from gadget.trackers.kitsu import KitsuTracker

WORKER = Path(__file__).with_name("outbox_worker.py")


@pytest.fixture
def box(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox")


@pytest.fixture
def url(sqlite_url: str) -> str:
    """A studio with one shot task: sqlite:////.../studio.db."""
    with gadget.connect(sqlite_url) as session:
        project = session.projects.new(name="Demo", production_type="short")
        seq = project.sequences.new(name="sq010")
        shot = project.shots.new(name="sh0010", sequence=seq)
        session.task_types.new(name="Anim", for_shots=True)
        shot.tasks.new(task_type="Anim", status="todo")
    return sqlite_url


@pytest.fixture
def session(url: str) -> Iterator[gadget.Session]:
    with gadget.connect(url) as session:
        yield session


def _task(session: gadget.Session) -> Any:
    project = session.projects.fetch("Demo")
    return project.shots.fetch("sq010/sh0010").tasks.fetch("Anim")


@pytest.fixture
def task(session: gadget.Session) -> Any:
    return _task(session)


@pytest.fixture
def png(tmp_path: Path) -> Path:
    return write_png(tmp_path / "render.png")


@attrs.frozen
class Seen:
    """A comment as the tracker holds it, read by a fresh session."""

    id: str
    text: str
    status: str
    previews: tuple[str, ...]


def _on_tracker(url: str) -> tuple[list[Seen], Any]:
    """What the tracker holds, read by a fresh session: the task's comments
    (newest first) and its shot's main preview id."""
    with gadget.connect(url) as fresh:
        task = _task(fresh)
        comments = [
            Seen(c.id, c.text, c.status.short_name, tuple(p.id for p in c.previews))
            for c in task.comments
        ]
        return comments, task.entity.preview_id


def _task_status(url: str) -> str:
    with gadget.connect(url) as fresh:
        return str(_task(fresh).status.short_name)


# -- posted, or queued -----------------------------------------------------------------
def test_a_publish_that_posts_returns_the_comment_and_keeps_no_file(
    task: Any, png: Path, box: Outbox, url: str
) -> None:
    result = gadget.publish(task, "blocking", status="wip", preview=[png], outbox=box)
    assert result.state == "posted" and result.outbox_id is None
    assert result.comment.text == "blocking"
    comments, main = _on_tracker(url)
    assert [c.id for c in comments] == [result.comment.id]
    assert main == comments[0].previews[0]  # set_main_preview defaults to True
    assert box.entries() == []  # nothing waits
    (done,) = box.entries(states=(DONE,))
    assert done.comment_id == result.comment.id and done.key == result.key
    assert not (box.folder / "files").exists() or not any((box.folder / "files").iterdir())


@pytest.mark.parametrize("fault", ["down", "unknown"])
def test_a_tracker_away_queues_the_publish_then_a_flush_posts_it_once(
    fault: str, session: gadget.Session, task: Any, png: Path, box: Outbox, url: str
) -> None:
    with CommentFaults(session, fault):
        result = gadget.publish(task, "while away", status="wip", preview=[png], outbox=box)
    assert result.state == "queued" and result.comment is None
    (entry,) = box.entries()
    assert entry.id == result.outbox_id and entry.state == PENDING
    assert entry.missing == ("comment", "status", "previews", "main_preview")
    assert _on_tracker(url)[0] == []
    # the file is kept in the outbox, with its checksum: the original may go
    kept = box.paths(entry, "previews")[0]
    assert kept.is_relative_to(box.folder) and kept.name == "render.png"
    png.unlink()

    report = box.flush(session)
    assert [e.id for e in report.posted] == [entry.id] and not report.pending
    comments, main = _on_tracker(url)
    assert [c.text for c in comments] == ["while away"]
    assert comments[0].status == "wip"
    assert main == comments[0].previews[0]
    assert box.flush(session).posted == ()  # nothing is replayed twice
    assert len(_on_tracker(url)[0]) == 1
    assert not kept.exists()  # a finished entry's files go


def test_a_publish_whose_answer_was_lost_is_replayed_without_a_duplicate(
    session: gadget.Session, task: Any, png: Path, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "lost"):
        result = gadget.publish(task, "landed, answer lost", preview=[png], outbox=box)
    assert result.state == "queued"
    assert len(_on_tracker(url)[0]) == 1  # it did land
    report = box.flush(session)
    assert len(report.posted) == 1
    comments, main = _on_tracker(url)
    assert [c.text for c in comments] == ["landed, answer lost"]  # once
    assert report.posted[0].comment_id == comments[0].id
    assert main == comments[0].previews[0]


def test_a_partial_publish_queues_only_its_missing_main_preview(
    session: gadget.Session, task: Any, png: Path, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "no_main"):
        result = gadget.publish(task, "no thumbnail yet", preview=[png], outbox=box)
    assert result.state == "queued"
    assert result.comment is not None and result.comment.text == "no thumbnail yet"
    (entry,) = box.entries()
    assert entry.missing == ("main_preview",) and entry.comment_id == result.comment.id
    comments, main = _on_tracker(url)
    assert len(comments) == 1 and main is None

    box.flush(session)
    comments, main = _on_tracker(url)
    assert [c.id for c in comments] == [result.comment.id]  # the same comment, finished
    assert main == comments[0].previews[0]


def test_input_and_role_errors_are_raised_and_nothing_is_kept(
    session: gadget.Session, task: Any, png: Path, box: Outbox, tmp_path: Path, url: str
) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        gadget.publish(task, "x", preview=[tmp_path / "missing.png"], outbox=box)
    with pytest.raises(NotFound):
        gadget.publish(task, "x", status="no-such-status", outbox=box)
    with CommentFaults(session, "refused"), pytest.raises(PermissionDenied):
        gadget.publish(task, "x", preview=[png], outbox=box)
    with pytest.raises(ValidationError, match="Task"):
        gadget.publish(task.entity, "x", outbox=box)  # type: ignore[arg-type]
    assert box.entries(states=(SENDING, PENDING, FAILED, DONE)) == []
    assert _on_tracker(url)[0] == []


# -- status conflicts --------------------------------------------------------------
def test_a_replayed_status_applies_when_the_task_still_has_its_old_status(
    session: gadget.Session, task: Any, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "down"):
        gadget.publish(task, "ready for review", status="wfa", outbox=box)
    report = box.flush(session)
    assert report.conflicts == ()
    assert _task_status(url) == "wfa"


def test_a_replayed_status_is_dropped_and_reported_when_the_task_moved_on(
    session: gadget.Session, task: Any, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "down"):
        queued = gadget.publish(task, "ready for review", status="wfa", outbox=box)
    task.comments.new(comment="a supervisor's retake", status="retake")  # meanwhile

    report = box.flush(session)
    (entry,) = report.conflicts
    assert entry.id == queued.outbox_id and entry.state == DONE
    assert "'retake'" in entry.conflict and "'todo'" in entry.conflict
    assert "'wfa'" in entry.conflict
    comments, _ = _on_tracker(url)
    assert [c.text for c in comments] == ["ready for review", "a supervisor's retake"]
    assert comments[0].status == "retake"  # posted without its status
    assert _task_status(url) == "retake"
    # still shown: a person should see it
    assert [e.id for e in box.entries(states=(DONE,)) if e.conflict] == [entry.id]


# -- files ---------------------------------------------------------------------------
def test_a_kept_file_whose_checksum_no_longer_matches_is_refused(
    session: gadget.Session, task: Any, png: Path, box: Outbox, tmp_path: Path, url: str
) -> None:
    pdf = write_pdf(tmp_path / "notes.pdf")
    with CommentFaults(session, "down"):
        result = gadget.publish(task, "x", preview=[png], attachments=[pdf], outbox=box)
    entry = box.get(result.outbox_id)
    box.paths(entry, "attachments")[0].write_bytes(b"something else")

    report = box.flush(session)
    (failed,) = report.failed
    assert failed.state == FAILED and "checksum mismatch" in failed.last_error
    assert "notes.pdf" in failed.last_error
    assert _on_tracker(url)[0] == []  # nothing posted
    assert box.flush(session).failed == ()  # a failed entry waits for a person


def test_a_source_changed_before_it_could_be_kept_is_refused(
    session: gadget.Session, task: Any, png: Path, box: Outbox, url: str
) -> None:
    faults = CommentFaults(session, "down").install()
    original = faults._create_comment

    def change_then_fail(task_id: str, draft: Any) -> Any:
        png.write_bytes(b"v013 rendered over v012")  # the render is replaced mid-publish
        return original(task_id, draft)

    session.tracker.create_comment = change_then_fail  # type: ignore[method-assign]
    with pytest.raises(TrackerUnavailable):
        gadget.publish(task, "x", preview=[png], outbox=box)
    (entry,) = box.entries()
    assert entry.state == FAILED and "checksum mismatch" in entry.last_error


# -- trackers and their URLs ---------------------------------------------------------
def test_the_url_forms_of_one_kitsu_are_one_tracker() -> None:
    forms = [
        "kitsu+https://kitsu.studio.com/api",
        "https://kitsu.studio.com/api",
        "https://kitsu.studio.com/api/",
        "kitsu+https://kitsu.studio.com",
        "kitsu+https://KITSU.studio.com:443/api",
        "kitsu+https://bot:s3cret@kitsu.studio.com/api",
    ]
    assert {KitsuTracker.identity(u) for u in forms} == {"kitsu+https://kitsu.studio.com"}
    assert {tracker_identity(u) for u in forms} == {"kitsu+https://kitsu.studio.com"}
    assert tracker_identity("http://kitsu.studio.com/api") == "kitsu+http://kitsu.studio.com"
    assert (
        tracker_identity("kitsu+https://k.studio.com:8443/api") == "kitsu+https://k.studio.com:8443"
    )
    assert tracker_identity("kitsu+https://other.studio.com/api") != tracker_identity(forms[0])
    assert Tracker.identity("shotgrid+https://u:p@Site.shotgrid.com/?x=1") == (
        "shotgrid+https://site.shotgrid.com"
    )


def test_a_relative_sqlite_url_is_its_absolute_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    absolute = f"sqlite:///{tmp_path / 'studio.db'}"
    assert tracker_identity("sqlite:///studio.db") == tracker_identity(absolute)
    assert tracker_identity("sqlite:///studio.db") != tracker_identity("sqlite:///other.db")


def test_entries_belong_to_their_tracker(
    session: gadget.Session,
    task: Any,
    box: Outbox,
    tmp_path: Path,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with CommentFaults(session, "down"):
        gadget.publish(task, "for the studio db", outbox=box)
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    with gadget.connect(other_url, create=True) as other:
        report = box.flush(other)
        assert report == FlushReport()  # not its entries: untouched
    assert box.entries(tracker=other_url) == []
    assert len(box.entries(tracker=url)) == 1
    # another spelling of the same file is the same tracker
    monkeypatch.chdir(Path(url.removeprefix("sqlite:///")).parent)
    with gadget.connect("sqlite:///studio.db") as same:
        assert len(box.flush(same).posted) == 1


# -- who replays, and when ------------------------------------------------------------
def test_opening_a_session_replays_nothing(
    session: gadget.Session, task: Any, box: Outbox, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GADGET_OUTBOX_DIR", str(box.folder))
    monkeypatch.setenv("TRACKER_URL", url)
    monkeypatch.setenv("TRACKER_PROJECT", "Demo")
    with CommentFaults(session, "down"):
        gadget.publish(task, "waiting", outbox=box)
    with gadget.connect(url):
        pass
    with gadget.Project.from_env():
        pass
    assert [e.state for e in box.entries()] == [PENDING]
    assert _on_tracker(url)[0] == []


def test_a_publish_that_posts_then_replays_what_waits(
    session: gadget.Session, task: Any, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "down", "down"):
        gadget.publish(task, "first", outbox=box)
        gadget.publish(task, "second", outbox=box)
    gadget.publish(task, "third", outbox=box)
    assert box.entries() == []
    texts = sorted(c.text for c in _on_tracker(url)[0])
    assert texts == ["first", "second", "third"]


def test_a_flush_stops_at_the_first_entry_the_tracker_cannot_take(
    session: gadget.Session, task: Any, box: Outbox
) -> None:
    with CommentFaults(session, "down", "down"):
        gadget.publish(task, "first", outbox=box, flush=False)
        gadget.publish(task, "second", outbox=box, flush=False)
    with CommentFaults(session, "down") as faults:
        report = box.flush(session)
    assert faults.calls == 1  # the second was not tried
    assert [e.text for e in report.pending] == ["first", "second"]
    assert "TrackerUnavailable" in report.pending[0].last_error
    assert report.pending[0].attempts == 2


def test_the_same_key_again_takes_over_its_entry(
    session: gadget.Session, task: Any, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "lost"):
        first = gadget.publish(task, "hook retried", idempotency_key="hook-42", outbox=box)
    again = gadget.publish(task, "hook retried", idempotency_key="hook-42", outbox=box)
    assert first.state == "queued" and again.state == "posted"
    assert [c.text for c in _on_tracker(url)[0]] == ["hook retried"]
    (entry,) = box.entries(states=(DONE,))
    assert entry.id == first.outbox_id and entry.attempts == 2


def test_drop_removes_an_entry_but_not_one_being_sent(
    session: gadget.Session, task: Any, png: Path, box: Outbox
) -> None:
    with CommentFaults(session, "down"):
        result = gadget.publish(task, "x", preview=[png], outbox=box)
    entry = box.get(result.outbox_id)
    kept = box.paths(entry, "previews")[0]
    lock = FileLock(box.folder / "locks" / f"{entry.id}.lock")
    assert lock.acquire(timeout=0)
    try:
        assert box.in_flight(entry)
        with pytest.raises(ValidationError, match="being sent"):
            box.drop(entry.id)
    finally:
        lock.release()
    assert box.drop(entry.id).id == entry.id
    assert box.entries() == [] and not kept.exists()
    with pytest.raises(NotFound):
        box.get(entry.id)


# -- in the background ----------------------------------------------------------------
def test_a_background_publish_returns_a_handle_and_posts_off_the_callers_thread(
    session: gadget.Session, task: Any, png: Path, box: Outbox, url: str
) -> None:
    release = threading.Event()
    threads: list[str] = []
    original = session.tracker.create_comment

    def gated(task_id: str, draft: Any) -> Any:
        threads.append(threading.current_thread().name)
        release.wait()
        return original(task_id, draft)

    session.tracker.create_comment = gated  # type: ignore[method-assign]
    heard: list[Any] = []
    handle = gadget.publish(task, "from a DCC", preview=[png], outbox=box, background=True)
    handle.add_done_callback(heard.append)
    assert not handle.done()  # the upload waits on the gate: the caller does not
    with pytest.raises(TimeoutError):
        handle.result(timeout=0)
    release.set()
    assert handle.wait(30)
    result = handle.result()
    assert result.state == "posted" and result.key == handle.key
    assert heard == [handle]
    assert threads and threads[0] != threading.current_thread().name
    assert [c.text for c in _on_tracker(url)[0]] == ["from a DCC"]


def test_a_background_publish_queues_when_away_and_delivers_errors(
    session: gadget.Session, task: Any, box: Outbox, tmp_path: Path
) -> None:
    with CommentFaults(session, "down"):
        queued = gadget.publish(task, "away", outbox=box, background=True)
        assert queued.result(30).state == "queued"
    failing = gadget.publish(
        task, "x", preview=[tmp_path / "gone.png"], outbox=box, background=True
    )
    done = threading.Event()
    failing.add_done_callback(lambda _h: done.set())
    assert done.wait(30)
    assert isinstance(failing.exception(), ValidationError)
    with pytest.raises(ValidationError):
        failing.result()
    assert [e.text for e in box.entries()] == ["away"]


def test_a_background_flusher_replays_and_stops(
    session: gadget.Session, task: Any, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "down"):
        gadget.publish(task, "later", outbox=box)
    reports: list[FlushReport] = []
    flushed = threading.Event()

    def heard(report: FlushReport) -> None:
        reports.append(report)
        flushed.set()

    flusher = Flusher(session, box, interval=3600, on_report=heard).start()
    try:
        assert flushed.wait(30)
    finally:
        assert flusher.stop(30)
    assert not flusher.running
    assert [e.text for e in reports[0].posted] == ["later"]
    assert [c.text for c in _on_tracker(url)[0]] == ["later"]
    with pytest.raises(ValidationError):
        Flusher(session, box, interval=0)


# -- processes: the lock, and kills ---------------------------------------------------
def _worker(*args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_the_flush_lock_holds_across_processes(
    session: gadget.Session, task: Any, box: Outbox, tmp_path: Path
) -> None:
    with CommentFaults(session, "down"):
        gadget.publish(task, "x", outbox=box)
    marker = tmp_path / "released"
    holder = _worker("hold-lock", str(box.folder), str(marker), stdin=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    try:
        assert box.flush(session, wait=0).busy  # another process flushes: not waited for
        waiter = _worker("take-lock", str(box.folder), str(marker))
    finally:
        holder.stdin.close()
    assert holder.wait(60) == 0
    out, _ = waiter.communicate(timeout=60)
    assert out.strip() == "marker existed: True"  # it got the lock only once released
    assert len(box.flush(session, wait=0).posted) == 1


def test_two_processes_flushing_at_once_post_each_entry_once(
    session: gadget.Session, task: Any, box: Outbox, url: str, tmp_path: Path
) -> None:
    with CommentFaults(session, *["down"] * 6):
        for n in range(6):
            gadget.publish(
                task, f"queued {n}", preview=[write_png(tmp_path / f"v{n}.png")], outbox=box
            )
    env = {**os.environ, "GADGET_OUTBOX_DIR": str(box.folder), "TRACKER_URL": url}
    command = [sys.executable, "-m", "gadget.cli", "outbox", "flush"]
    racers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in "ab"]
    outputs = [r.communicate(timeout=120)[0] for r in racers]
    assert [r.returncode for r in racers] == [0, 0]
    assert sum(o.count("posted  ") for o in outputs) == 6
    comments = _on_tracker(url)[0]
    assert sorted(c.text for c in comments) == [f"queued {n}" for n in range(6)]


def test_a_publisher_killed_mid_upload_is_flushed_to_one_comment(
    task: Any, session: gadget.Session, png: Path, box: Outbox, url: str
) -> None:
    worker = _worker("publish-hang", url, str(box.folder), task.id, str(png))
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "landed"
    (entry,) = box.entries()
    assert entry.state == SENDING and box.in_flight(entry)  # its process holds it
    assert box.flush(session).in_flight == (entry,)  # a live sender is left alone
    worker.kill()
    worker.wait(60)
    assert not box.in_flight(entry)  # the OS let its lock go

    report = box.flush(session)
    assert [e.id for e in report.posted] == [entry.id]
    comments, main = _on_tracker(url)
    assert [c.text for c in comments] == ["killed mid-upload"]
    assert main == comments[0].previews[0]


def test_a_flush_killed_mid_replay_is_flushed_again_to_one_comment(
    session: gadget.Session, task: Any, png: Path, box: Outbox, url: str
) -> None:
    with CommentFaults(session, "down"):
        gadget.publish(task, "replayed twice", preview=[png], outbox=box)
    worker = _worker("flush-hang", url, str(box.folder))
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "landed"
    worker.kill()
    worker.wait(60)
    (entry,) = box.entries()
    assert entry.state == SENDING  # the kill left it mid-step

    assert len(box.flush(session).posted) == 1
    comments, main = _on_tracker(url)
    assert [c.text for c in comments] == ["replayed twice"]
    assert main == comments[0].previews[0]


# -- storage -------------------------------------------------------------------------
def test_the_outbox_keeps_no_secret(
    url: str, box: Outbox, png: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, token = "pa55-Wörd-xyzzy", "tok-0123456789abcdef"
    config = gadget.TrackerConfig(url=url, password=secret, token=token)
    with gadget.connect(config=config) as session:
        task = _task(session)
        with CommentFaults(session, "down", message=f"refused for {secret} / {token}"):
            result = gadget.publish(task, "x", preview=[png], outbox=box)
    entry = box.get(result.outbox_id)
    assert "refused for *** / ***" in entry.last_error
    for path in box.folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data and token.encode() not in data, path
    assert json.dumps(entry.as_json()).find(secret) == -1


def test_the_database_is_in_wal_mode(session: gadget.Session, task: Any, box: Outbox) -> None:
    import sqlite3

    with CommentFaults(session, "down"):
        gadget.publish(task, "x", outbox=box)
    conn = sqlite3.connect(box.database)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        ("linux", {"HOME": "/home/jane"}, "/home/jane/.local/share/gadget/outbox"),
        ("linux", {"HOME": "/home/jane", "XDG_DATA_HOME": "/data"}, "/data/gadget/outbox"),
        (
            "linux",
            {"HOME": "/home/jane", "XDG_DATA_HOME": "rel"},
            "/home/jane/.local/share/gadget/outbox",
        ),
        (
            "darwin",
            {"HOME": "/Users/jane"},
            "/Users/jane/Library/Application Support/gadget/outbox",
        ),
        (
            "win32",
            {"LOCALAPPDATA": "C:/Users/jane/AppData/Local"},
            "C:/Users/jane/AppData/Local/gadget/outbox",
        ),
        ("linux", {"HOME": "/home/jane", "GADGET_OUTBOX_DIR": "/srv/box"}, "/srv/box"),
    ],
)
def test_the_outbox_folder_follows_the_platform(
    platform: str, environ: dict[str, str], expected: str
) -> None:
    assert default_folder(environ, platform) == Path(expected)


def test_a_new_key_is_not_looked_up_first_a_given_one_is(
    session: gadget.Session, task: Any, box: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []  # the session's calls into the tracker, in order
    tracker = session.tracker
    for name in ("find_comment", "create_comment"):
        method = getattr(tracker, name)

        def counted(*args: Any, _name: str = name, _method: Any = method) -> Any:
            calls.append(_name)
            return _method(*args)

        monkeypatch.setattr(tracker, name, counted)
    gadget.publish(task, "fresh key", outbox=box)
    # a key made now names no comment: the session spends no read on it (the
    # local tracker checks the key again inside its own transaction)
    assert calls[0] == "create_comment"
    calls.clear()
    gadget.publish(task, "the hook's key", idempotency_key="hook-7", outbox=box)
    assert calls[0] == "find_comment"  # the caller's key may have been used
