"""``gadget config``: each setting, where it came from, secrets masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gadget.cli import main
from gadget.config import settings

Command = Callable[..., Any]
SECRET = "Sup3r-s3cret-pa55word"


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


def test_sources_environment_file_default_unset(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, gadget_command: Command
) -> None:
    (isolated / "adm_env.yml").write_text(
        "TRACKER_URL: https://kitsu.mystudio.com/api\n"
        "TRACKER_LOGIN: pipeline@mystudio.com\n"
        "TRACKER_PASSWORD: ${KITSU_PASSWORD}\n"
        "TRACKER_PROJECT: FromFile\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KITSU_PASSWORD", SECRET)
    monkeypatch.setenv("TRACKER_PROJECT", "FromEnv")  # the environment wins
    ran = gadget_command("config", "--json")
    assert ran.code == 0, ran.err
    rows = by_name(ran.json())
    assert list(rows) == [
        "TRACKER_URL",
        "TRACKER_LOGIN",
        "TRACKER_PASSWORD",
        "TRACKER_TOKEN",
        "TRACKER_PROJECT",
        "TRACKER_EVENTS_URL",
        "TRACKER_TIMEOUT",
        "TRACKER_DEADLINE",
        "TRACKER_CA_BUNDLE",
        "TRACKER_PROXY",
        "GADGET_ENV_FILE",
    ]
    env_file = str(isolated / "adm_env.yml")
    assert rows["TRACKER_URL"] == {
        "name": "TRACKER_URL",
        "value": "https://kitsu.mystudio.com/api",
        "source": "adm_env.yml",
        "file": env_file,
        "secret": False,
        "note": "",
    }
    assert (rows["TRACKER_PASSWORD"]["value"], rows["TRACKER_PASSWORD"]["source"]) == (
        "***",
        "adm_env.yml",
    )
    assert (rows["TRACKER_PROJECT"]["value"], rows["TRACKER_PROJECT"]["source"]) == (
        "FromEnv",
        "environment",
    )
    assert (rows["TRACKER_TOKEN"]["value"], rows["TRACKER_TOKEN"]["source"]) == (None, "unset")
    # Kitsu's events server defaults to the web root
    assert rows["TRACKER_EVENTS_URL"]["value"] == "https://kitsu.mystudio.com"
    assert rows["TRACKER_EVENTS_URL"]["source"] == "default"
    assert (rows["GADGET_ENV_FILE"]["value"], rows["GADGET_ENV_FILE"]["source"]) == (
        env_file,
        "default",
    )
    assert SECRET not in ran.out + ran.err

    table = gadget_command("config")
    assert table.code == 0
    lines = {line.split()[1]: " ".join(line.split()) for line in table.out.splitlines()
             if line.startswith("│ ") and line.split()[1].isupper()}  # fmt: skip
    assert lines["TRACKER_URL"].startswith(
        "│ TRACKER_URL │ https://kitsu.mystudio.com/api │ adm_env.yml │"
    )
    assert lines["TRACKER_PASSWORD"].startswith("│ TRACKER_PASSWORD │ *** │ adm_env.yml │")
    assert lines["TRACKER_PROJECT"].startswith("│ TRACKER_PROJECT │ FromEnv │ environment │")
    assert lines["TRACKER_EVENTS_URL"].startswith(
        "│ TRACKER_EVENTS_URL │ https://kitsu.mystudio.com │ default │ the Kitsu web root"
    )
    assert SECRET not in table.out


def test_token_in_the_environment_and_a_url_with_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_URL", f"kitsu+https://bot:{SECRET}@kitsu.mystudio.com/api")
    monkeypatch.setenv("TRACKER_TOKEN", SECRET)
    monkeypatch.setenv("TRACKER_EVENTS_URL", "https://events.mystudio.com")
    assert main(["config", "--json"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    assert '"value": "kitsu+https://***@kitsu.mystudio.com/api"' in out
    assert '"value": "https://events.mystudio.com"' in out


def test_local_url_has_no_events_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_URL", "sqlite:///studio.db")
    assert main(["config", "--json"]) == 0
    assert (
        '"TRACKER_EVENTS_URL",\n    "value": null,\n    "source": "unset"'
        in capsys.readouterr().out
    )


def test_nothing_set_is_shown_not_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "TRACKER_URL │ - │ unset │ required: the tracker to use" in out
    assert "no such file" in out


def test_a_broken_adm_env_yml_is_an_error(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated / "adm_env.yml").write_text(f"TRACKER_PASSWORD: {SECRET}: {{oops\n", "utf-8")
    assert main(["config"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and "not valid YAML" in err
    assert SECRET not in out + err


def test_settings_repr_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_PASSWORD", SECRET)
    found = settings()
    assert found["TRACKER_PASSWORD"].value == SECRET
    assert SECRET not in repr(found)
    assert repr(found["TRACKER_PASSWORD"]) == (
        "Setting(TRACKER_PASSWORD='***', source='environment')"
    )
