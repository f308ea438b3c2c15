"""``gadget publish``: what it posts, what it prints, what it refuses before posting."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.cli import main
from gadget.cli._demo import db_url
from gadget.testing.png import write_gradient_png

Command = Callable[..., Any]


@pytest.fixture
def studio(demo_db: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo studio this test may write to, and a preview and a note."""
    copy = isolated / "studio.db"
    shutil.copy2(demo_db, copy)
    files = demo_db.with_name(demo_db.stem + ".files")
    if files.is_dir():
        shutil.copytree(files, isolated / "studio.files")
    monkeypatch.setenv("TRACKER_URL", db_url(copy))
    monkeypatch.setenv("TRACKER_PROJECT", "Demo")
    write_gradient_png(isolated / "anim_v003.png", (250, 200, 10), (10, 20, 200))
    (isolated / "notes.txt").write_text("arm fixed\n", encoding="utf-8")
    return copy


def _anim(shot: str = "sq010/sq010_sh0020") -> Any:
    with gadget.connect() as session:
        project = session.projects.fetch("Demo")
        task = project.shots.fetch(shot).tasks.fetch("Anim3D")
        comments = task.comments.all()
        return task.status.short_name, comments, project.shots.fetch(shot).preview_id


def test_publish_posts_and_prints_what_it_posted(studio: Path, gadget_command: Command) -> None:
    ran = gadget_command(
        "publish",
        "sq010/sq010_sh0020",
        "Anim3D",
        "--status",
        "wfa",
        "--comment",
        "spline pass v3",
        "--preview",
        "anim_v003.png",
        "--attach",
        "notes.txt",
        "--main-preview",
    )
    assert ran.code == 0, ran.err
    assert ran.err == ""  # no progress bar: stderr is not a terminal
    lines = [" ".join(line.split()) for line in ran.out.splitlines()]
    assert lines[0] == "posted on sq010/sq010_sh0020 Anim3D: status wip -> wfa"
    assert lines[1].startswith("comment 'spline pass v3' by ")
    assert lines[2] == "preview anim_v003.png (ready), now the main preview of sq010/sq010_sh0020"
    assert lines[3] == "attachment notes.txt (10 bytes)"

    status, comments, main_preview = _anim()
    last = comments[0]
    assert status == "wfa"
    assert last.text == "spline pass v3" and last.status.short_name == "wfa"
    assert [p.name for p in last.previews] == ["anim_v003"]
    assert [a.name for a in last.attachments] == ["notes.txt"]
    assert main_preview == last.previews[0].id
    assert last.id in lines[1]


def test_publish_json(studio: Path, gadget_command: Command) -> None:
    ran = gadget_command("publish", "sq010_sh0030", "Layout", "--comment", "camera tweak", "--json")
    assert ran.code == 0, ran.err
    result = ran.json()
    assert result["state"] == "posted"
    assert (result["entity"], result["task_type"]) == ("sq010/sq010_sh0030", "Layout")
    assert result["status_before"] == result["status"] == "done"
    assert result["main_preview"] is False
    assert result["comment"]["text"] == "camera tweak"
    assert result["comment"]["entity"] == "sq010/sq010_sh0030"
    assert result["comment"]["previews"] == []


def test_bad_input_posts_nothing(studio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, before, _ = _anim()
    cases = {
        (
            "--status",
            "wfx",
            "--comment",
            "x",
        ): "no task status with short_name='wfx'; closest: 'wfa'",
        (
            "--preview",
            "missing.png",
        ): "preview file 'missing.png' does not exist (nothing was posted)",
        ("--attach", "."): "is a directory",
        ("--comment", "x", "--main-preview"): "--main-preview needs a --preview file",
        (): "nothing to publish",
    }
    for args, message in cases.items():
        assert main(["publish", "sq010/sq010_sh0020", "Anim3D", *args]) == 2, args
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("error: ") and message in err, (args, err)
    assert main(["publish", "sq010/sq010_sh0020", "Anim", "--comment", "x"]) == 2
    assert "closest: 'Anim3D'" in capsys.readouterr().err
    assert main(["publish", "sq010/sq010_sh0200", "Anim3D", "--comment", "x"]) == 2
    assert "no shot with name='sq010_sh0200'" in capsys.readouterr().err
    _, after, _ = _anim()
    assert [c.id for c in after] == [c.id for c in before]


def test_progress_bar_on_a_terminal(studio: Path, isolated: Path) -> None:
    """With stderr a terminal, the upload shows a progress bar there; stdout stays plain."""
    big = isolated / "big.bin"
    big.write_bytes(os.urandom(3_000_000))
    primary, secondary = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # read the terminal while the command runs: it never blocks on it
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the other end is closed: all read
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "gadget",
                "publish",
                "sq010_sh0040",
                "Layout",
                "--comment",
                "with a big file",
                "--attach",
                str(big),
            ],
            stdout=subprocess.PIPE,
            stderr=secondary,
            env={**os.environ, "COLUMNS": "120"},
            cwd=isolated,
            timeout=300,
        )
    finally:
        os.close(secondary)
        reader.join(timeout=60)
        os.close(primary)
    shown = b"".join(chunks)
    assert done.returncode == 0, shown
    assert b"uploading" in shown and b"MB" in shown
    assert b"uploading" not in done.stdout
    assert b"attachment  big.bin (3.0 MB)" in done.stdout


def test_a_publish_the_tracker_cannot_take_is_queued_then_flushed_once(
    studio: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tracker is away (injected: the local tracker cannot be): the command
    keeps the publish in the outbox, says so and exits 3; a flush posts it, once,
    with its status and its preview as main preview."""
    from gadget.cli import _session
    from gadget.testing.faults import CommentFaults

    real = _session.open_session

    @contextlib.contextmanager
    def away() -> Iterator[gadget.Session]:
        with real() as session, CommentFaults(session, "down"):
            yield session

    _, before, _ = _anim()
    monkeypatch.setattr(_session, "open_session", away)
    args = ["--status", "wfa", "--comment", "kept", "--preview", "anim_v003.png"]
    code = main(["publish", "sq010/sq010_sh0020", "Anim3D", *args, "--main-preview", "--json"])
    out, err = capsys.readouterr()
    assert code == 3, err
    answer = json.loads(out)
    assert answer["state"] == "queued" and isinstance(answer["outbox_id"], int)
    assert answer["comment_id"] is None and "injected" in answer["reason"]
    assert [c.id for c in _anim()[1]] == [c.id for c in before]  # nothing posted

    monkeypatch.setattr(_session, "open_session", real)
    assert main(["outbox", "flush"]) == 0
    assert main(["outbox", "flush"]) == 0  # nothing left: a second flush posts nothing
    status, after, preview_id = _anim()
    assert [c.text for c in after] == ["kept", *(c.text for c in before)]
    assert status == "wfa" and preview_id == after[0].previews[0].id
