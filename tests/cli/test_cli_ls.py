"""``gadget ls``: tables, one JSON array, the project from --project or TRACKER_PROJECT."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.cli import main
from gadget.cli._demo import db_url

SHOT_NAMES = {f"sq0{s}0_sh00{n}0" for s in (1, 2) for n in range(1, 7)}


def ls_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["ls", *args, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    rows = json.loads(captured.out)
    assert isinstance(rows, list)
    return rows


@pytest.mark.usefixtures("demo_env")
def test_ls_projects_json(capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = ls_json(capsys, "projects")
    assert row["name"] == "Demo"
    assert row["production_type"] == "tvshow"
    assert isinstance(row["id"], str) and row["id"]
    dt.datetime.fromisoformat(row["created_at"])


@pytest.mark.usefixtures("demo_env")
def test_ls_shots_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = ls_json(capsys, "shots")
    assert {r["name"] for r in rows} == SHOT_NAMES
    first = next(r for r in rows if r["name"] == "sq010_sh0010")
    assert first["sequence"] == "sq010"
    assert first["qualified_name"] == "sq010/sq010_sh0010"
    assert first["project"] == "Demo"
    assert (first["frame_in"], first["frame_out"], first["nb_frames"]) == (1001, 1048, 48)
    assert first["custom_data"] == {"lens": 24, "camera": "cam_main"}
    assert first["preview_id"]
    dt.datetime.fromisoformat(first["updated_at"])


@pytest.mark.usefixtures("demo_env")
def test_ls_assets_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = ls_json(capsys, "assets")
    assert {(r["asset_type"], r["name"]) for r in rows} == {
        ("Character", "Hero"),
        ("Character", "Sidekick"),
        ("Prop", "Lamp"),
    }


@pytest.mark.usefixtures("demo_env")
def test_ls_tasks_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = ls_json(capsys, "tasks")
    assert len(rows) == 36
    anim = next(
        r for r in rows if r["entity"] == "sq010/sq010_sh0010" and r["task_type"] == "Anim3D"
    )
    assert anim["status"] == "wfa"
    assert anim["nb_retakes"] == 1
    assert anim["entity_kind"] == "shot"
    assert sorted(anim["assignees"]) == ["jane@studio.example", "kai@studio.example"]
    assert len(anim["assignee_ids"]) == 2


@pytest.mark.usefixtures("demo_env")
def test_ls_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "shots"]) == 0
    out = capsys.readouterr().out
    assert "12 shots of Demo" in out
    assert all(name in out for name in SHOT_NAMES)
    assert main(["ls", "tasks"]) == 0
    assert "36 tasks of Demo" in capsys.readouterr().out
    assert main(["ls", "projects"]) == 0
    assert "Demo" in capsys.readouterr().out


def test_ls_project_option_wins(
    demo_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_PROJECT", "Elsewhere")
    assert {r["name"] for r in ls_json(capsys, "assets", "--project", "Demo")} == {
        "Hero",
        "Sidekick",
        "Lamp",
    }


def test_ls_reads_adm_env_yml(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("adm_env.yml").write_text(
        f"TRACKER_URL: {db_url(demo_db)}\nTRACKER_PROJECT: Demo\n", encoding="utf-8"
    )
    assert len(ls_json(capsys, "shots")) == 12


def test_ls_needs_a_project(
    demo_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TRACKER_PROJECT")
    assert main(["ls", "shots"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ")
    assert "--project" in captured.err and "TRACKER_PROJECT" in captured.err
    assert captured.err.count("\n") == 1
    # listing projects needs none
    assert main(["ls", "projects"]) == 0


@pytest.mark.usefixtures("demo_env")
def test_ls_unknown_project_names_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "tasks", "--project", "demo"]) == 2  # exact, case-sensitive
    err = capsys.readouterr().err
    assert err.startswith("error: no project") and "'Demo'" in err
    assert "Traceback" not in err


def test_ls_without_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "projects"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: TRACKER_URL is not set")


def test_ls_on_a_missing_database_creates_nothing(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_URL", "sqlite:///sub/missing.db")
    assert main(["ls", "projects"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the local tracker database")
    assert str(isolated / "sub" / "missing.db") in err and "create=True" in err
    assert list(isolated.iterdir()) == []


def test_ls_json_dates_and_durations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_url(tmp_path / "small.db")
    with gadget.connect(url, create=True) as session:
        project = session.projects.new(name="Small", production_type="short")
        seq = project.sequences.new(name="sq001")
        shot = project.shots.new(name="sh001", sequence=seq, frame_in=1, frame_out=10)
        session.task_types.new(name="Comp", for_shots=True)
        shot.tasks.new(
            task_type="Comp",
            status="todo",
            due_date="2026-04-01",
            estimation=dt.timedelta(hours=2, minutes=30),
        )
    monkeypatch.setenv("TRACKER_URL", url)
    (task,) = ls_json(capsys, "tasks", "--project", "Small")
    assert task["estimation"] == 9000  # seconds
    assert task["due_date"] == "2026-04-01"
    assert task["start_date"] is None
    assert task["entity"] == "sq001/sh001"
    assert task["assignees"] == []
