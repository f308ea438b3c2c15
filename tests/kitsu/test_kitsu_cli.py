"""The ``gadget`` command on the real Kitsu server, run as a child process.

A module fixture seeds a project through gadget (two sequences, shots made
out of natural order, an asset cast in a shot, two task types, the artist
on the team and assigned, comments with a preview); each test runs
``python -m gadget`` with TRACKER_* pointing at the server and checks what
it printed against what Zou stores.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.config import ENV_VARS
from gadget.outbox import Outbox
from gadget.testing import Names, write_pdf, write_png

from .conftest import Account, KitsuServer

Command = Callable[..., Any]


@dataclass
class Studio:
    project: str
    anim: str
    layout: str
    env: dict[str, str | None]


def _env(kitsu_server: KitsuServer, project: str, account: Account | None = None) -> dict[str, Any]:
    env: dict[str, str | None] = {name: None for name in (*ENV_VARS, "GADGET_ENV_FILE")}
    env.update(
        TRACKER_URL=f"kitsu+{kitsu_server.api_url}",
        TRACKER_LOGIN=account.email if account else kitsu_server.admin_email,
        TRACKER_PASSWORD=account.password if account else kitsu_server.admin_password,
        TRACKER_PROJECT=project,
        TRACKER_EVENTS_URL=kitsu_server.events_url,
    )
    return env


def _seed(session: gadget.Session, name: str, shots: dict[str, tuple[str, ...]]) -> Any:
    project = session.projects.new(name=name, production_type="tvshow")
    for seq_name, shot_names in shots.items():
        seq = project.sequences.new(name=seq_name)
        for shot_name in shot_names:
            project.shots.new(name=shot_name, sequence=seq, frame_in=1001, frame_out=1024)
    return project


@pytest.fixture(scope="module")
def studio(kitsu_server: KitsuServer, tmp_path_factory: pytest.TempPathFactory) -> Studio:
    names = Names()
    files = tmp_path_factory.mktemp("cli-studio")
    with kitsu_server.connect() as session:
        project = _seed(
            session,
            names("CliShow"),
            {"SQ020": ("SH0010", "SH0020"), "SQ010": ("SH0100", "SH0020", "SH0010")},
        )
        anim = session.task_types.new(name=names("Anim"), for_shots=True)
        layout = session.task_types.new(name=names("Layout"), for_shots=True)
        char = session.asset_types.ensure(name="Character")
        hero = project.assets.new(name="Hero", asset_type=char, custom_data={"rig": "v2"})
        artist = session.persons.fetch(kitsu_server.artist.email)
        project.team.add(artist)
        for shot in project.shots:
            shot.tasks.new(task_type=anim, status="todo", assignees=[artist])
            shot.tasks.new(task_type=layout, status="todo")
        first = project.shots.fetch("SQ010/SH0010")
        first.casting.set([(hero, 2)])
        first.update(custom_data={"lens": 35})
        task = first.tasks.fetch(anim.name)
        task.comments.new(comment="blocking", status="wip")
        task.comments.new(
            comment="blocking v2 for review",
            status="wfa",
            preview=[write_png(files / "blocking_v002.png")],
            set_main_preview=True,
        )
        first.tasks.fetch(layout.name).comments.new(comment="camera locked", status="done")
        return Studio(project.name, anim.name, layout.name, _env(kitsu_server, project.name))


def ls(gadget_command: Command, studio: Studio, *args: str, **env: Any) -> list[dict[str, Any]]:
    ran = gadget_command("ls", *args, "--json", env={**studio.env, **env})
    assert ran.code == 0, ran.err
    rows = ran.json()
    assert isinstance(rows, list)
    return rows


@pytest.fixture(autouse=True)
def _in_a_clean_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no adm_env.yml


def test_ls_every_kind(studio: Studio, gadget_command: Command, kitsu_server: KitsuServer) -> None:
    assert studio.project in [p["name"] for p in ls(gadget_command, studio, "projects")]
    assert [s["name"] for s in ls(gadget_command, studio, "sequences")] == ["SQ010", "SQ020"]
    shots = ls(gadget_command, studio, "shots")
    assert [s["qualified_name"] for s in shots] == [
        "SQ010/SH0010",
        "SQ010/SH0020",
        "SQ010/SH0100",
        "SQ020/SH0010",
        "SQ020/SH0020",
    ]
    assert shots[0]["custom_data"] == {"lens": 35}
    assert [a["name"] for a in ls(gadget_command, studio, "assets")] == ["Hero"]
    tasks = ls(gadget_command, studio, "tasks")
    assert len(tasks) == 10
    assert [t["entity"] for t in tasks[:2]] == ["SQ010/SH0010", "SQ010/SH0010"]
    assert all(isinstance(t["entity"], str) for t in tasks)
    comments = ls(gadget_command, studio, "comments")
    # by task type (the Anim... one first), then oldest first
    assert [(c["entity"], c["text"]) for c in comments] == [
        ("SQ010/SH0010", "blocking"),
        ("SQ010/SH0010", "blocking v2 for review"),
        ("SQ010/SH0010", "camera locked"),
    ]
    review = next(c for c in comments if c["text"] == "blocking v2 for review")
    assert [p["name"] for p in review["previews"]] == ["blocking_v002"]
    assert review["author"] == kitsu_server.admin_email
    persons = ls(gadget_command, studio, "persons")
    assert kitsu_server.artist.email in [p["email"] for p in persons]
    assert ls(gadget_command, studio, "episodes") == []


def test_ls_filters(studio: Studio, gadget_command: Command, kitsu_server: KitsuServer) -> None:
    (wfa,) = ls(gadget_command, studio, "tasks", "--status", "wfa")
    assert (wfa["entity"], wfa["task_type"]) == ("SQ010/SH0010", studio.anim)
    layout = ls(
        gadget_command, studio, "tasks", "--task-type", studio.layout, "--sequence", "SQ020"
    )
    assert [t["entity"] for t in layout] == ["SQ020/SH0010", "SQ020/SH0020"]
    artist = kitsu_server.artist
    theirs = ls(gadget_command, studio, "tasks", "--assignee", artist.email)
    assert len(theirs) == 5 and {t["task_type"] for t in theirs} == {studio.anim}
    mine = ls(
        gadget_command,
        studio,
        "tasks",
        "--mine",
        TRACKER_LOGIN=artist.email,
        TRACKER_PASSWORD=artist.password,
    )
    assert [t["id"] for t in mine] == [t["id"] for t in theirs]
    (done,) = ls(gadget_command, studio, "comments", "--status", "done")
    assert done["text"] == "camera locked"


def test_ls_comments_costs_the_same_for_a_bigger_project(
    kitsu_server: KitsuServer, gadget_command: Command
) -> None:
    """Every comment of a project in a fixed number of requests: 2 tasks or 12."""
    names = Names()
    counts = {}
    with kitsu_server.connect() as session:
        anim = session.task_types.new(name=names("Anim"), for_shots=True)
        for size in (2, 12):
            shots = tuple(f"sh{n:03d}" for n in range(size))
            project = _seed(session, names(f"CliCost{size}"), {"sq1": shots})
            for shot in project.shots:
                shot.tasks.new(task_type=anim).comments.new(comment=f"note on {shot.name}")
            env = _env(kitsu_server, project.name)
            before = kitsu_server.requests_served()
            ran = gadget_command("ls", "comments", "--json", env=env)
            counts[size] = kitsu_server.requests_served() - before
            assert ran.code == 0, ran.err
            assert sorted(c["text"] for c in ran.json()) == sorted(f"note on {s}" for s in shots)
    assert counts[12] == counts[2], counts
    assert counts[12] < 12


def test_show(studio: Studio, gadget_command: Command) -> None:
    ran = gadget_command("show", "SQ010/SH0010", "--json", env=studio.env)
    assert ran.code == 0, ran.err
    shot = ran.json()
    assert (shot["kind"], shot["qualified_name"], shot["sequence"]) == (
        "shot",
        "SQ010/SH0010",
        "SQ010",
    )
    assert shot["custom_data"] == {"lens": 35}
    assert (shot["frame_in"], shot["frame_out"]) == (1001, 1024)
    assert {t["task_type"]: t["status"] for t in shot["tasks"]} == {
        studio.anim: "wfa",
        studio.layout: "done",
    }
    assert [(c["asset"], c["nb_occurences"]) for c in shot["casting"]] == [("Hero", 2)]
    assert shot["comments_total"] == 3
    assert shot["comments"][0]["text"] in ("camera locked", "blocking v2 for review")
    assert shot["main_preview"]["name"] == "blocking_v002"

    ran = gadget_command("show", "Hero", env=studio.env)
    assert ran.code == 0, ran.err
    out = " ".join(ran.out.split())
    assert "asset Hero (project" in out and "rig v2" in out and "cast in: SQ010/SH0010" in out

    ran = gadget_command("show", "SH0010", env=studio.env)  # in two sequences
    assert ran.code == 2
    assert "give it as sequence/shot (SQ010/SH0010, SQ020/SH0010)" in ran.err


def test_publish(
    studio: Studio, gadget_command: Command, kitsu_server: KitsuServer, tmp_path: Path
) -> None:
    png = write_png(tmp_path / "anim_v003.png")
    pdf = write_pdf(tmp_path / "notes.pdf")
    ran = gadget_command(
        "publish",
        "SQ020/SH0020",
        studio.anim,
        "--status",
        "wfa",
        "--comment",
        "anim v3 for review",
        "--preview",
        str(png),
        "--attach",
        str(pdf),
        "--main-preview",
        env=studio.env,
    )
    assert ran.code == 0, ran.err
    assert ran.err == ""
    lines = [" ".join(line.split()) for line in ran.out.splitlines()]
    assert lines[0] == f"posted on SQ020/SH0020 {studio.anim}: status todo -> wfa"
    assert lines[2] == "preview anim_v003.png (ready), now the main preview of SQ020/SH0020"
    assert lines[3].startswith("attachment notes.pdf (")

    # what Zou stores, read without gadget
    raw = kitsu_server.raw
    with kitsu_server.connect() as session:
        shot = session.projects.fetch(studio.project).shots.fetch("SQ020/SH0020")
        task_id = shot.tasks.fetch(studio.anim).id
    stored = raw.get(f"data/tasks/{task_id}/comments")[0]
    # the text as written, then the publish's key in a marker the web UI hides
    text, marker = stored["text"].split("\n\n<!-- gadget:")
    assert text == "anim v3 for review" and marker.endswith(" -->")
    assert stored["id"] in lines[1]
    assert raw.get(f"data/task-status/{stored['task_status_id']}")["short_name"] == "wfa"
    assert [p["original_name"] for p in stored["previews"]] == ["anim_v003"]
    assert [a["name"] for a in stored["attachment_files"]] == ["notes.pdf"]
    assert raw.get(f"data/shots/{shot.id}")["preview_file_id"] == stored["previews"][0]["id"]

    ran = gadget_command(
        "publish", "SQ020/SH0020", studio.anim, "--status", "wfx", "--comment", "x", env=studio.env
    )
    assert ran.code == 2 and "closest: 'wfa'" in ran.err
    assert raw.get(f"data/tasks/{task_id}/comments")[0]["id"] == stored["id"]  # nothing posted


def test_doctor(studio: Studio, gadget_command: Command, kitsu_server: KitsuServer) -> None:
    version = kitsu_server.raw.get("")["version"]  # GET /api/: Zou's own answer
    ran = gadget_command("doctor", env=studio.env)
    assert ran.code == 0, ran.out + ran.err
    out = " ".join(ran.out.split())
    features = "compact yes, stream yes, etag yes, bulk_casting yes, project_comments yes"
    assert f"ok server Zou {version} features: {features} clock: " in out
    assert "note: you (" in out  # the admin is not on the team
    assert kitsu_server.admin_password not in ran.out


@pytest.fixture
def watcher(studio: Studio) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        env = dict(os.environ)
        for k, v in studio.env.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        proc = subprocess.Popen(
            [sys.executable, "-m", "gadget", "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _lines(stream: Any) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_watch_prints_events_until_ctrl_c(
    studio: Studio, kitsu_server: KitsuServer, watcher: Callable[..., subprocess.Popen[str]]
) -> None:
    proc = watcher("comment:new", "task:status-changed", "--json")
    err = _lines(proc.stderr)
    out = _lines(proc.stdout)
    assert err.get(timeout=120).startswith("watching comment:new, task:status-changed on ")
    with kitsu_server.connect() as session:
        task = (
            session.projects.fetch(studio.project)
            .shots.fetch("SQ020/SH0010")
            .tasks.fetch(studio.anim)
        )
        comment = task.set_status("wip", comment="started")
    seen: dict[str, dict[str, Any]] = {}
    while set(seen) != {"comment:new", "task:status-changed"}:
        event = json.loads(out.get(timeout=60))
        if event.get("task_id") == task.id:
            seen[event["event"]] = event
    assert seen["comment:new"]["comment_id"] == comment.id
    assert seen["task:status-changed"]["status_id"] == comment.status_id
    assert "raw" in seen["comment:new"] and "received_at" in seen["comment:new"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert err.get(timeout=10).strip() == "stopped"


def test_watch_ends_on_sigterm_with_0(watcher: Callable[..., subprocess.Popen[str]]) -> None:
    proc = watcher()
    err = _lines(proc.stderr)
    assert err.get(timeout=120).startswith("watching all events on ")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert err.get(timeout=10).strip() == "stopped"
    assert proc.stdout is not None and proc.stdout.read() == ""


def test_copy_from_kitsu_to_a_new_local_database(
    studio: Studio, gadget_command: Command, tmp_path: Path
) -> None:
    """`gadget copy` from the real server into a local database it creates; the
    second run copies nothing."""
    target = f"sqlite:///{tmp_path / 'archive' / 'copy.db'}"
    args = ("copy", studio.env["TRACKER_URL"] or "", target, "--project", studio.project, "--json")
    first = gadget_command(*args, env=studio.env)
    assert first.code == 0, first.err
    report = first.json()
    with gadget.connect(
        studio.env["TRACKER_URL"] or "",
        login=studio.env["TRACKER_LOGIN"],
        password=studio.env["TRACKER_PASSWORD"],
    ) as source:
        shots = list(source.projects.fetch(studio.project).shots)
        comments = sum(len(t.comments) for s in shots for t in s.tasks)  # other tests post too
    assert report["copied"]["shot"] == len(shots) == 5, report
    assert report["copied"]["comment"] == comments >= 3, report
    again = gadget_command(*args, env=studio.env)
    assert again.code == 0, again.err
    assert not any(again.json()["copied"].values())
    with gadget.connect(target) as local:
        copied = local.projects.fetch(studio.project)
        shot = copied.shots.fetch("SQ010/SH0010")
        texts = [c.text for c in shot.tasks.fetch(studio.anim).comments]
    assert texts == ["blocking v2 for review", "blocking"]


def test_outbox_flush_posts_a_kept_publish_on_kitsu_once(
    studio: Studio, gadget_command: Command, kitsu_server: KitsuServer, tmp_path: Path
) -> None:
    """A publish kept while the server was away (its session pointed at a closed
    port), then `gadget outbox list` and `gadget outbox flush` against the real
    server: posted once."""
    outbox = tmp_path / "outbox"
    env = {**studio.env, "GADGET_OUTBOX_DIR": str(outbox)}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with kitsu_server.connect() as session:
        task = session.projects.fetch(studio.project).shots.fetch("SQ020/SH0010")
        task = task.tasks.fetch(studio.layout)
        session.tracker.client.host = f"http://127.0.0.1:{closed}/api"  # away
        kept = gadget.publish(task, "layout kept", status="wfa", outbox=Outbox(outbox))
    assert kept.state == "queued"
    listed = gadget_command("outbox", "list", "--json", env=env)
    assert listed.code == 0, listed.err
    assert [row["id"] for row in listed.json()] == [kept.outbox_id]
    for _ in range(2):  # the second flush finds nothing left
        flushed = gadget_command("outbox", "flush", env=env)
        assert flushed.code == 0, flushed.out + flushed.err
    stored = kitsu_server.raw.get(f"data/tasks/{task.id}/comments")
    assert [c["text"].split("\n\n<!-- gadget:")[0] for c in stored] == ["layout kept"]
