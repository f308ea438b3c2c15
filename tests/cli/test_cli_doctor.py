"""``gadget doctor``: one verdict per check, a fix for each failure, exit code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gadget.cli import main
from gadget.cli._doctor import CLOCK_TOLERANCE, FAIL, OK, SKIP, clock_verdict, run_checks


def verdicts() -> dict[str, str]:
    return {check.name: check.status for check in run_checks()}


def test_doctor_ok_on_a_valid_sqlite_config(
    demo_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if line.strip()]
    assert [(words[0], words[1]) for words in lines if words[0] in (OK, FAIL, SKIP)] == [
        (OK, "config"),
        (OK, "tracker"),
        (OK, "login"),
        (OK, "server"),
        (OK, "project"),
    ]
    assert "LocalTracker" in out
    assert "all checks passed" in out


def test_doctor_fails_without_tracker_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) != 0
    out = capsys.readouterr().out
    assert "FAIL config" in " ".join(out.split())
    assert "TRACKER_URL is not set" in out
    assert "fix:" in out
    assert verdicts() == {
        "config": FAIL,
        "tracker": SKIP,
        "login": SKIP,
        "server": SKIP,
        "project": SKIP,
    }


def test_doctor_fails_on_an_unknown_project(
    demo_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_PROJECT", "Demo2")
    assert main(["doctor"]) != 0
    out = capsys.readouterr().out
    assert "FAIL project" in " ".join(out.split())
    assert "closest: 'Demo'" in out
    assert "set TRACKER_PROJECT to one of: 'Demo'" in out
    assert verdicts()["project"] == FAIL


def test_doctor_project_option(demo_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--project", "Nope"]) == 1
    assert main(["doctor", "--project", "Demo"]) == 0


def test_doctor_without_project_skips_that_check(
    demo_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TRACKER_PROJECT")
    assert main(["doctor"]) == 0
    assert verdicts() == {"config": OK, "tracker": OK, "login": OK, "server": OK, "project": SKIP}


def test_doctor_unknown_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_URL", "ftp://files.mystudio.com/tracker")
    assert main(["doctor"]) == 1
    assert verdicts() == {
        "config": OK,
        "tracker": FAIL,
        "login": SKIP,
        "server": SKIP,
        "project": SKIP,
    }


def test_doctor_missing_database_is_not_created(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_URL", "sqlite:///missing.db")
    assert main(["doctor"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert str(isolated / "missing.db") in out and "does not exist" in out
    assert "gadget demo" in out and "create=True" in out
    assert verdicts() == {
        "config": OK,
        "tracker": OK,
        "login": FAIL,
        "server": SKIP,
        "project": SKIP,
    }
    assert list(isolated.iterdir()) == []


def test_doctor_missing_database_named_in_adm_env_yml(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated / "adm_env.yml").write_text("TRACKER_URL: sqlite:///db/studio.db\n", "utf-8")
    assert main(["doctor"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert str(isolated / "db" / "studio.db") in out  # relative to the working directory
    assert "gadget demo" in out and "create=True" in out
    assert sorted(p.name for p in isolated.iterdir()) == ["adm_env.yml"]


def test_doctor_unknown_login_on_a_local_database(
    demo_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_LOGIN", "nobody@studio.example")
    assert main(["doctor"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "FAIL login" in out and "nobody@studio.example" in out
    assert "unset it to act as its first admin" in out


def test_doctor_env_file_with_an_unset_variable(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KITSU_PASSWORD", raising=False)
    (isolated / "adm_env.yml").write_text(
        "TRACKER_URL: https://kitsu.mystudio.com/api\n"
        "TRACKER_LOGIN: pipeline@mystudio.com\n"
        "TRACKER_PASSWORD: ${KITSU_PASSWORD}\n",
        encoding="utf-8",
    )
    assert main(["doctor"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "FAIL config" in out and "KITSU_PASSWORD" in out
    assert "export the variable" in out


def test_doctor_names_the_config_source(
    demo_db: Path, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated / "adm_env.yml").write_text(
        f"TRACKER_URL: sqlite:///{demo_db.as_posix()}\nTRACKER_PROJECT: Demo\n", encoding="utf-8"
    )
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert str(isolated / "adm_env.yml") in out


def test_doctor_server_check_on_the_local_tracker(
    demo_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "ok server local: no server version to read" in out
    assert "clock: not compared (the tracker does not tell its time)" in out


@pytest.mark.parametrize(
    ("seconds", "status", "words"),
    [
        (0.4, OK, "agree (within a second)"),
        (-1.5, OK, "agree (within a second)"),
        (12.2, OK, "the server is 12 s ahead of this machine"),
        (-CLOCK_TOLERANCE, OK, "the server is 60 s behind this machine"),
        (CLOCK_TOLERANCE + 1, FAIL, "the server is 61 s ahead of this machine"),
        (-3600, FAIL, "the server is 3600 s behind this machine"),
    ],
)
def test_clock_verdict(seconds: float, status: str, words: str) -> None:
    verdict, detail, fix = clock_verdict(dt.timedelta(seconds=seconds))
    assert verdict == status
    assert words in detail
    assert ("NTP" in fix) == (status == FAIL)


def test_doctor_notes_a_person_not_on_the_team(
    demo_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the demo's first admin is on no team; its artists are on the project's
    assert main(["doctor"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "ok project project 'Demo' found" in out
    assert (
        "note: you (" in out
        and "are not on its team; to join it, ask an admin or a manager of 'Demo' to add you" in out
    )
    assert "create the project" not in out
    monkeypatch.setenv("TRACKER_LOGIN", "jane@studio.example")
    assert main(["doctor"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "ok project project 'Demo' found" in out and "not on its team" not in out
