"""``gadget copy``: through the console script and ``main()``, JSON and summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gadget
from gadget.cli import main
from gadget.cli._demo import db_url
from gadget.testing.compare import compare_projects


def _gadget(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed ``gadget`` command (python -m gadget.cli when it is not)."""
    script = Path(sys.executable).with_name("gadget")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "gadget.cli"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=300,
    )


def test_copy_makes_the_local_destination_and_prints_json(demo_db: Path, isolated: Path) -> None:
    target = isolated / "archive" / "copy.db"
    (isolated / "archive").mkdir()
    done = _gadget(
        "copy", db_url(demo_db), f"sqlite:///{target}", "--project", "Demo", "--json", cwd=isolated
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when not on a terminal
    report = json.loads(done.stdout)
    assert report["copied"]["shot"] == 12 and report["copied"]["task"] == 36
    assert report["copied"]["comment"] == 19 and report["skipped"] == []
    assert report["nothing_copied"] is False
    with gadget.connect(db_url(demo_db)) as src, gadget.connect(f"sqlite:///{target}") as dst:
        assert compare_projects(src, dst, "Demo") == []

    again = _gadget(
        "copy", db_url(demo_db), f"sqlite:///{target}", "--project", "Demo", "--json", cwd=isolated
    )
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["copied"] == {} and second["nothing_copied"] is True
    assert second["already_there"]["comment"] == 19


def test_copy_prints_the_summary(
    demo_db: Path, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"sqlite:///{isolated}/copy.db"
    args = ["copy", db_url(demo_db), target, "--project", "Demo", "--dst-project", "Demo 2"]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"copy of project 'Demo': {db_url(demo_db)} -> {target} as 'Demo 2'"
    assert [line.split() for line in out if line.startswith("  shots ")] == [
        ["shots", "copied", "12", "already", "there", "0"]
    ]
    assert out[-1] == "skipped: nothing"
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert "nothing copied: everything was already there" in out


def test_copy_takes_each_side_s_login(
    demo_db: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the local tracker acts as the person whose e-mail is the login; a new
    # database makes that login its first admin
    monkeypatch.setenv("TRACKER_LOGIN", "nobody@studio.example")  # the fallback, not used
    monkeypatch.setenv("TRACKER_DST_LOGIN", "archivist@studio.example")
    target = f"sqlite:///{isolated}/copy.db"
    args = [
        "copy",
        db_url(demo_db),
        target,
        "--project",
        "Demo",
        "--src-login",
        "jane@studio.example",
    ]
    assert main([*args, "--json"]) == 0
    with gadget.connect(target) as dst:
        assert dst.me.email == "archivist@studio.example"
    monkeypatch.delenv("TRACKER_DST_LOGIN")
    assert main(args) == 2  # both sides fall back to TRACKER_LOGIN, unknown on the source


def test_copy_errors_are_one_line_without_secrets(
    demo_db: Path, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["copy", db_url(demo_db), "nowhere", "--project", "Demo", "--dst-password", "pa55-w0rd"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: DST_URL 'nowhere' is not a URL")
    assert "pa55-w0rd" not in err
    assert main(["copy", db_url(demo_db), f"sqlite:///{isolated}/x.db", "--project", "demo"]) == 2
    assert "closest: 'Demo'" in capsys.readouterr().err
