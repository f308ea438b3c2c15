"""The command itself: usage, --version, errors as one line, and running it for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gadget
from gadget.cli import COMMANDS, main
from gadget.cli._demo import db_url
from gadget.errors import GadgetError


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"gadget {gadget.__version__}"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: gadget" in capsys.readouterr().err
    assert main(["ls", "sequencez"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(command in out for command in COMMANDS)
    assert main(["ls", "shots", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_every_command_is_one_module_registered_by_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import importlib

    assert list(COMMANDS) == [
        *("demo", "ls", "show", "publish", "watch", "config", "doctor", "copy", "outbox", "actions")
    ]
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        assert callable(module.register) and callable(module.run), name
        assert main([name, "--help"]) == 0, name
        assert capsys.readouterr().out.startswith(f"usage: gadget {name}"), name


def test_python_dash_m_gadget(demo_db: Path, isolated: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gadget", "ls", "projects", "--json"],
        capture_output=True,
        text=True,
        env=_env(TRACKER_URL=db_url(demo_db)),
        cwd=isolated,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [p["name"] for p in json.loads(done.stdout)] == ["Demo"]


def test_gadget_errors_are_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(args: object) -> int:
        raise GadgetError("first line\n  second line")

    monkeypatch.setattr("gadget.cli._listing.run", boom)
    assert main(["ls", "projects"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: first line second line\n"
    assert captured.out == ""


def test_interrupted_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("gadget.cli._show.run", interrupted)
    assert main(["show", "sq010/sq010_sh0010"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_import_gadget_stays_cheap() -> None:
    code = (
        "import sys, gadget; "
        "print(sorted(m for m in ('rich', 'gadget.cli', 'gazu', 'requests') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GADGET_"))}
    env.update(extra)
    return env


def test_python_dash_m(isolated: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gadget.cli", "demo", "--db", "sub.db"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=isolated,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "sq020_sh0060" in done.stdout
    assert (isolated / "sub.db").is_file()

    done = subprocess.run(
        [sys.executable, "-m", "gadget.cli", "ls", "shots", "--json"],
        capture_output=True,
        text=True,
        env=_env(TRACKER_URL="sqlite:///sub.db", TRACKER_PROJECT="Demo"),
        cwd=isolated,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 12


def test_console_script(demo_db: Path, isolated: Path) -> None:
    script = Path(sys.executable).with_name("gadget")
    if not script.is_file():
        pytest.skip("the gadget console script is not installed next to this Python")
    done = subprocess.run(
        [str(script), "doctor"],
        capture_output=True,
        text=True,
        env=_env(TRACKER_URL=db_url(demo_db), TRACKER_PROJECT="Demo"),
        cwd=isolated,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all checks passed" in done.stdout

    done = subprocess.run(
        [str(script), "ls", "shots"],
        capture_output=True,
        text=True,
        env=_env(TRACKER_URL=db_url(demo_db)),
        cwd=isolated,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
