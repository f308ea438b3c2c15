"""A person who is not on a project's team: Kitsu hides the project from them
(Zou lists only their teams' projects to anyone but an admin), and gadget says
that the project may exist rather than that it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

import gadget
from gadget.cli import main
from gadget.config import ENV_VARS
from gadget.testing import Names

from .conftest import Account, KitsuServer, _seed_person


@pytest.fixture
def outsider(kitsu_server: KitsuServer) -> Account:
    """A new person of role "user", on no team."""
    person, password = _seed_person(kitsu_server.raw, "Outsider", "user")
    return Account(person["email"], password, person["id"])


def _login(kitsu_server: KitsuServer, account: Account) -> gadget.Session:
    return gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=account.email, password=account.password
    )


def test_a_project_off_the_team_may_exist_says_not_found(
    kitsu: gadget.Session, kitsu_server: KitsuServer, outsider: Account
) -> None:
    project = kitsu.projects.new(name=Names()("Hidden"), production_type="short")
    assert kitsu_server.raw.get(f"data/projects/{project.id}/team") == []
    with _login(kitsu_server, outsider) as theirs:
        assert theirs.sees_all_projects is False
        with pytest.raises(gadget.NotFound) as info:
            theirs.projects.fetch(project.name)
    message = str(info.value)
    assert message.startswith(f"no project with name={project.name!r}")
    assert info.value.hint is not None and info.value.hint in message
    assert "may exist but Outsider Seed" in message and f"<{outsider.email}>" in message
    assert "(role user) is not on its team: on kitsu people other than admins see only" in message
    assert "ask an admin or a manager of the project to add them" in message

    # an admin sees every project: a project that is missing is only missing
    assert kitsu.sees_all_projects is True
    with pytest.raises(gadget.NotFound) as missing:
        kitsu.projects.fetch(Names()("Nowhere"))
    assert missing.value.hint is None and "team" not in str(missing.value)

    project.team.add(outsider.email)
    with _login(kitsu_server, outsider) as theirs:
        assert theirs.projects.fetch(project.name).id == project.id


def test_doctor_advises_joining_the_team_not_creating_the_project(
    kitsu: gadget.Session,
    kitsu_server: KitsuServer,
    outsider: Account,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = kitsu.projects.new(name=Names()("Hidden"), production_type="short")
    for name in (*ENV_VARS, "GADGET_ENV_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no adm_env.yml
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TRACKER_URL", f"kitsu+{kitsu_server.api_url}")
    monkeypatch.setenv("TRACKER_LOGIN", outsider.email)
    monkeypatch.setenv("TRACKER_PASSWORD", outsider.password)
    monkeypatch.setenv("TRACKER_PROJECT", project.name)

    assert main(["doctor"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "FAIL project" in out
    assert "is not on its team" in out  # the error itself
    assert (
        f"fix: ask an admin or a manager of {project.name!r} to add you ({outsider.email}) "
        "to its team (on kitsu people other than admins see only the projects whose team "
        "they are on)"
    ) in out
    assert "create the project" not in out
    assert outsider.password not in out

    project.team.add(outsider.email)
    assert main(["doctor"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"ok project project {project.name!r} found" in out
