"""``gadget ls``, run as a command: every kind, the filters, natural-key order, exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gadget.cli import main
from gadget.cli._demo import JANE, db_url

Command = Callable[..., Any]


def ls(gadget_command: Command, *args: str, **env: str) -> list[dict[str, Any]]:
    ran = gadget_command("ls", *args, "--json", env=env)
    assert ran.code == 0, ran.err
    assert ran.err == ""
    rows = ran.json()
    assert isinstance(rows, list)
    return rows


@pytest.fixture
def series(series_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACKER_URL", db_url(series_db))
    monkeypatch.setenv("TRACKER_PROJECT", "Series")
    return series_db


@pytest.mark.usefixtures("demo_env")
def test_every_kind_is_one_json_array(gadget_command: Command) -> None:
    counts = {
        "projects": 1,
        "episodes": 0,
        "sequences": 2,
        "shots": 12,
        "assets": 3,
        "tasks": 36,
        "comments": 19,
        "persons": 5,  # the four artists and the first admin
    }
    for what, count in counts.items():
        assert len(ls(gadget_command, what)) == count, what


@pytest.mark.usefixtures("demo_env")
def test_comments_rows_cover_the_whole_project(gadget_command: Command) -> None:
    rows = ls(gadget_command, "comments")
    retake = next(r for r in rows if r["status"] == "retake")
    assert retake["entity"] == "sq010/sq010_sh0010"
    assert retake["task_type"] == "Anim3D"
    assert retake["author"] == "kai@studio.example"
    assert [c["text"] for c in retake["checklist"]] == [
        "fix the arm pop at 1032",
        "smooth the arc",
    ]
    assert [a["name"] for a in retake["attachments"]] == ["notes.txt"]
    previews = [p for r in rows for p in r["previews"]]
    assert len(previews) == 7 and all(p["extension"] == "png" for p in previews)
    # grouped by task, oldest first within one
    anim = [
        r["text"]
        for r in rows
        if r["entity"] == "sq010/sq010_sh0010" and r["task_type"] == "Anim3D"
    ]
    assert anim == [
        "blocking pass",
        "the arm pops at 1032; smooth the arc",
        "fixing the arc",
        "spline pass, arm fixed",
    ]


@pytest.mark.usefixtures("demo_env")
def test_task_filters(gadget_command: Command) -> None:
    wfa = ls(gadget_command, "tasks", "--status", "wfa")
    assert {(r["entity"], r["task_type"]) for r in wfa} == {
        ("sq010/sq010_sh0010", "Anim3D"),
        ("sq010/sq010_sh0030", "Anim3D"),
    }
    layout = ls(gadget_command, "tasks", "--task-type", "Layout")
    assert len(layout) == 12 and {r["task_type"] for r in layout} == {"Layout"}
    janes = ls(gadget_command, "tasks", "--assignee", JANE)
    assert len(janes) == 12 and all(JANE in r["assignees"] for r in janes)
    assert ls(gadget_command, "tasks", "--assignee", "Jane Doe") == janes  # the full name too
    mine = ls(gadget_command, "tasks", "--mine", TRACKER_LOGIN=JANE)
    assert mine == janes
    sq020 = ls(gadget_command, "tasks", "--sequence", "sq020", "--task-type", "Lighting")
    assert [r["entity"] for r in sq020] == [f"sq020/sq020_sh00{n}0" for n in range(1, 7)]


@pytest.mark.usefixtures("demo_env")
def test_comment_filters(gadget_command: Command) -> None:
    (retake,) = ls(gadget_command, "comments", "--status", "retake")  # the comment's status
    assert retake["text"].startswith("the arm pops")
    assert len(ls(gadget_command, "comments", "--task-type", "Anim3D")) == 6
    sq020 = ls(gadget_command, "comments", "--sequence", "sq020")
    assert [(r["entity"], r["task_type"], r["text"]) for r in sq020] == [
        ("sq020/sq020_sh0010", "Layout", "blocking the camera moves"),
        ("sq020/sq020_sh0020", "Layout", "blocking the camera moves"),
    ]
    kai = ls(gadget_command, "comments", "--assignee", "kai@studio.example")
    assert {r["task_type"] for r in kai} == {"Anim3D"} and len(kai) == 6


def test_sorted_by_natural_key(series: Path, gadget_command: Command) -> None:
    shots = ls(gadget_command, "shots")
    assert [s["qualified_name"] for s in shots] == [
        "sq9/A1",
        "sq9/b9",
        "sq9/b10",
        "sq1/E01_sh1",
        "sq1/E01_sh2",
        "sq1/E01_sh10",
        "sq1/E02_sh1",
        "sq1/E02_sh2",
        "sq1/E02_sh10",
    ]
    assert [e["name"] for e in ls(gadget_command, "episodes")] == ["E01", "E02"]
    tasks = ls(gadget_command, "tasks")
    assert [t["entity"] for t in tasks] == [
        "CupE01",
        "CupE02",
        "sq1/E01_sh1",
        "sq1/E01_sh2",
        "sq1/E01_sh10",
        "sq1/E02_sh1",
        "sq1/E02_sh2",
        "sq1/E02_sh10",
    ]
    assert [t["entity_kind"] for t in tasks[:2]] == ["asset", "asset"]


def test_episode_and_sequence_filters(series: Path, gadget_command: Command) -> None:
    sequences = ls(gadget_command, "sequences", "--episode", "E01")
    assert [(s["episode"], s["name"]) for s in sequences] == [("E01", "sq1")]
    shots = ls(gadget_command, "shots", "--episode", "E02")
    assert [s["name"] for s in shots] == ["E02_sh1", "E02_sh2", "E02_sh10"]
    assert {s["episode"] for s in shots} == {"E02"}
    assert [a["name"] for a in ls(gadget_command, "assets", "--episode", "E01")] == ["CupE01"]
    tasks = ls(gadget_command, "tasks", "--episode", "E01")
    assert [t["entity"] for t in tasks] == ["CupE01", "sq1/E01_sh1", "sq1/E01_sh2", "sq1/E01_sh10"]
    in_seq = ls(gadget_command, "tasks", "--episode", "E02", "--sequence", "sq1")
    assert [t["entity"] for t in in_seq] == ["sq1/E02_sh1", "sq1/E02_sh2", "sq1/E02_sh10"]
    # two sequences are called sq1: the episode tells them apart
    ran = gadget_command("ls", "shots", "--sequence", "sq1")
    assert ran.code == 2 and ran.out == ""
    assert ran.err.startswith("error: ") and "sq1" in ran.err and ran.err.count("\n") == 1


@pytest.mark.usefixtures("demo_env")
def test_bad_filters_exit_2_before_listing(capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        ("shots", "--status", "wip"): "`gadget ls shots` does not take --status",
        ("tasks", "--mine", "--assignee", JANE): "--mine or --assignee, not both",
        ("tasks", "--status", "wfx"): "closest: 'wfa'",
        ("tasks", "--task-type", "Anim"): "closest: 'Anim3D'",
        ("tasks", "--assignee", "nobody@studio.example"): "no person",
        ("shots", "--sequence", "sq030"): "closest: 'sq020', 'sq010'",
        ("comments", "--episode", "E01"): "no episode",
    }
    for args, message in cases.items():  # in this process: the messages, not the start-up
        assert main(["ls", *args]) == 2, args
        out, err = capsys.readouterr()
        assert out == "", args
        assert err.startswith("error: ") and message in err, (args, err)
        assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.usefixtures("demo_env")
def test_table_title_names_the_filters(gadget_command: Command) -> None:
    ran = gadget_command("ls", "tasks", "--status", "wfa", "--task-type", "Anim3D")
    assert ran.code == 0, ran.err
    assert "2 tasks of Demo (task type Anim3D, status wfa)" in ran.out
    ran = gadget_command("ls", "comments", "--status", "retake")
    assert "1 comments of Demo (status retake)" in ran.out
    assert "notes.txt" in ran.out  # the files column
