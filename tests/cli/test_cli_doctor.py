"""``gadget doctor``: one verdict per check, a fix for each failure, exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from gadget.cli import main
from gadget.cli._doctor import FAIL, OK, SKIP, run_checks


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
    assert verdicts() == {"config": FAIL, "tracker": SKIP, "login": SKIP, "project": SKIP}


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
    assert verdicts() == {"config": OK, "tracker": OK, "login": OK, "project": SKIP}


def test_doctor_unknown_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_URL", "ftp://files.mystudio.com/tracker")
    assert main(["doctor"]) == 1
    assert verdicts() == {"config": OK, "tracker": FAIL, "login": SKIP, "project": SKIP}


def test_doctor_missing_database_is_not_created(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_URL", "sqlite:///missing.db")
    assert main(["doctor"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert str(isolated / "missing.db") in out and "does not exist" in out
    assert "gadget demo" in out and "create=True" in out
    assert verdicts() == {"config": OK, "tracker": OK, "login": FAIL, "project": SKIP}
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
