"""A password or token given to gadget never appears in what the CLI prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from gadget.cli import main
from gadget.cli._demo import JANE
from gadget.cli._output import mask_url, redact

SECRET = "Sup3r-s3cret-pa55word"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.secret-token"


def run_all(capsys: pytest.CaptureFixture[str], *commands: list[str]) -> str:
    printed = []
    for argv in commands:
        main(argv)
        captured = capsys.readouterr()
        printed += [captured.out, captured.err]
    return "\n".join(printed)


def test_password_and_token_from_the_environment(
    demo_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_LOGIN", JANE)  # a person of the demo: the login is accepted
    monkeypatch.setenv("TRACKER_PASSWORD", SECRET)
    monkeypatch.setenv("TRACKER_TOKEN", TOKEN)
    printed = run_all(
        capsys,
        ["doctor"],
        ["doctor", "--project", "Nope"],
        ["ls", "projects"],
        ["ls", "tasks", "--json"],
        ["ls", "shots", "--project", "Nope"],
        ["ls", "shots", "--project", SECRET],  # an error message quoting the secret
    )
    assert "TRACKER_PASSWORD=***" in printed
    assert "TRACKER_TOKEN=***" in printed
    assert "error: no project with name='***'" in printed
    assert SECRET not in printed
    assert TOKEN not in printed


def test_password_from_adm_env_yml(
    demo_db: Path,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STUDIO_SECRET", SECRET)
    (isolated / "adm_env.yml").write_text(
        f"TRACKER_URL: sqlite:///{demo_db.as_posix()}\n"
        "TRACKER_PASSWORD: ${STUDIO_SECRET}\n"
        "TRACKER_PROJECT: Demo\n",
        encoding="utf-8",
    )
    printed = run_all(
        capsys, ["doctor"], ["ls", "shots", "--json"], ["ls", "assets", "--project", SECRET]
    )
    assert "TRACKER_PASSWORD=***" in printed
    assert SECRET not in printed


def test_credentials_in_the_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_URL", f"kitsu+https://bot:{SECRET}@kitsu.mystudio.com/api")
    printed = run_all(capsys, ["doctor"], ["ls", "projects"])
    assert "***@kitsu.mystudio.com" in printed
    assert SECRET not in printed


def test_helpers() -> None:
    assert mask_url("https://a:b@host/api") == "https://***@host/api"
    assert mask_url("sqlite:///studio.db") == "sqlite:///studio.db"
    assert redact("x hunter2 y hunter2", ["hunter2"]) == "x *** y ***"


@pytest.mark.parametrize("password", ["hunter2", "hun@ter2"])  # an "@" in it too
def test_redact_masks_credentials_in_any_url(password: str) -> None:
    text = f"cannot reach https://bot:{password}@kitsu.mystudio.com/api (timeout)"
    assert redact(text, []) == "cannot reach https://***@kitsu.mystudio.com/api (timeout)"
    assert mask_url(text.split()[2]) == "https://***@kitsu.mystudio.com/api"


def test_a_password_in_an_adm_env_yml_that_does_not_parse(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # PyYAML quotes the offending line in its message: the CLI still shows ***
    (isolated / "adm_env.yml").write_text(
        f"TRACKER_URL: sqlite:///studio.db\nTRACKER_PASSWORD: {SECRET}: {{oops\n", encoding="utf-8"
    )
    printed = run_all(capsys, ["doctor"], ["ls", "projects"])
    assert "not valid YAML" in printed
    assert SECRET not in printed
    assert "Sup3r" not in printed


def test_redact_keeps_unset_markers() -> None:
    line = "TRACKER_PASSWORD=***  TRACKER_TOKEN=-  TRACKER_PROJECT=Demo"
    assert redact(line, []) == line
    assert redact("TRACKER_TOKEN: abc def", []) == "TRACKER_TOKEN: *** def"
