"""``gadget demo``: the studio it builds, idempotence, the counted walk."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

import gadget
from gadget.cli import main
from gadget.cli._demo import PROJECT, counted_walk, db_url, walk
from gadget.testing import write_png
from gadget.testing.png import write_gradient_png

SHOT_NAMES = {f"sq0{s}0_sh00{n}0" for s in (1, 2) for n in range(1, 7)}


def snapshot(db: Path) -> dict[str, object]:
    """What the demo database holds, read through a separate session."""
    with gadget.connect(db_url(db)) as session:
        project = session.projects.fetch(PROJECT)
        tasks = project.tasks.all()
        comments = [c for t in tasks for c in t.comments]
        return {
            "projects": [p.name for p in session.projects],
            "sequences": sorted(s.name for s in project.sequences),
            "shots": sorted(s.id for s in project.shots),
            "shot_names": {s.name for s in project.shots},
            "tasks": sorted(t.id for t in tasks),
            "comments": sorted(c.id for c in comments),
            "previews": sum(len(c.previews) for c in comments),
            "main_previews": sum(1 for s in project.shots if s.preview_id),
            "assets": sorted(a.name for a in project.assets),
            "task_types": sorted(t.name for t in session.task_types),
            "persons": sorted(p.email or "" for p in session.persons),
        }


def test_demo_builds_the_studio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "studio.db"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "studio built" in out
    assert "sq010_sh0010" in out and "sq020_sh0060" in out
    assert "tracker calls" in out

    seen = snapshot(db)
    assert seen["projects"] == [PROJECT]
    assert seen["sequences"] == ["sq010", "sq020"]
    assert seen["shot_names"] == SHOT_NAMES
    assert len(seen["tasks"]) == 36  # type: ignore[arg-type]
    assert len(seen["comments"]) == 19  # type: ignore[arg-type]
    assert seen["previews"] == 7
    assert seen["main_previews"] == 4
    assert seen["assets"] == ["Hero", "Lamp", "Sidekick"]
    assert seen["task_types"] == ["Anim3D", "Layout", "Lighting"]


def test_demo_data_reads_back_through_the_api(demo_db: Path, tmp_path: Path) -> None:
    with gadget.connect(db_url(demo_db)) as session:
        project = session.projects.fetch(PROJECT)
        shot = project.shots.fetch("sq010/sq010_sh0010")
        assert (shot.frame_in, shot.frame_out, shot.nb_frames, shot.fps) == (1001, 1048, 48, 24)
        assert shot.custom_data == {"lens": 24, "camera": "cam_main"}
        anim = shot.tasks.fetch("Anim3D")
        assert anim.status.short_name == "wfa"
        assert anim.nb_retakes == 1
        assert sorted(p.first_name for p in anim.assignees) == ["Jane", "Kai"]
        newest, *_, oldest = anim.comments
        assert newest.text == "spline pass, arm fixed"
        assert oldest.text == "blocking pass"
        retake = next(c for c in anim.comments if c.status and c.status.short_name == "retake")
        assert [item.text for item in retake.checklist] == [
            "fix the arm pop at 1032",
            "smooth the arc",
        ]
        assert retake.attachments[0].name == "notes.txt"
        assert anim.time_spent.total.total_seconds() == 13.5 * 3600
        assert shot.main_preview is not None and shot.main_preview.name == "anim_v002"
        png = shot.main_preview.download(tmp_path / "thumb.png")
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert {e.asset.name for e in shot.casting} == {"Hero", "Lamp"}


def test_demo_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "studio.db"
    assert main(["demo", "--db", str(db)]) == 0
    first = snapshot(db)
    capsys.readouterr()
    assert main(["demo", "--db", str(db)]) == 0
    assert "already there" in capsys.readouterr().out
    assert snapshot(db) == first


def test_demo_fresh_starts_over(tmp_path: Path) -> None:
    db = tmp_path / "studio.db"
    assert main(["demo", "--db", str(db)]) == 0
    before = snapshot(db)
    assert main(["demo", "--db", str(db), "--fresh"]) == 0
    after = snapshot(db)
    assert after["shot_names"] == before["shot_names"]
    assert set(after["shots"]).isdisjoint(before["shots"])  # type: ignore[call-overload]
    assert len(after["comments"]) == 19  # type: ignore[arg-type]


def test_demo_makes_tracker_login_its_first_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "studio.db"
    monkeypatch.setenv("TRACKER_LOGIN", "lead@studio.example")
    assert main(["demo", "--db", str(db)]) == 0
    with gadget.connect(db_url(db)) as session:  # no login: the first admin
        assert (session.me.email, session.me.role) == ("lead@studio.example", "admin")
    monkeypatch.setenv("TRACKER_URL", db_url(db))
    capsys.readouterr()
    assert main(["ls", "projects", "--json"]) == 0  # the same settings log in
    assert '"Demo"' in capsys.readouterr().out
    assert main(["demo", "--db", str(db)]) == 0  # again: idempotent, the login is known

    monkeypatch.setenv("TRACKER_LOGIN", "someone.else@studio.example")
    capsys.readouterr()
    assert main(["demo", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "someone.else@studio.example" in err and "gadget demo --fresh" in err
    assert main(["demo", "--db", str(db), "--fresh"]) == 0
    with gadget.connect(db_url(db)) as session:
        assert session.me.email == "someone.else@studio.example"


def test_demo_without_a_login_makes_the_os_user_its_first_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    db = tmp_path / "studio.db"
    assert main(["demo", "--db", str(db)]) == 0
    with gadget.connect(db_url(db)) as session:
        assert (session.me.email, session.me.role) == ("alice@localhost", "admin")
        admins = [p.email for p in session.persons if p.role == "admin"]
        assert admins == ["alice@localhost"]


def test_demo_default_database_is_in_the_working_directory(isolated: Path) -> None:
    assert main(["demo"]) == 0
    assert (isolated / "gadget-demo.db").is_file()
    assert (isolated / "gadget-demo.files").is_dir()


def test_demo_fresh_refuses_a_file_that_is_not_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "notes.db"
    precious.write_text("not a database")
    assert main(["demo", "--db", str(precious), "--fresh"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not a SQLite database" in err
    assert precious.read_text() == "not a database"


def test_the_walk_is_a_handful_of_calls(demo_db: Path) -> None:
    walked, counts = counted_walk(db_url(demo_db))
    assert (walked.shots, walked.tasks, walked.comments) == (12, 36, 19)
    assert walked.main_previews == 4
    # the project, shots with their tasks, task types, statuses, persons, comments (bulk)
    assert sum(counts.values()) <= 7, counts
    assert counts["list_with_children"] == 1
    assert counts["list_children"] == 1
    assert counts["get"] == 0

    lazy, lazy_counts = counted_walk(db_url(demo_db), prefetch=False)
    assert lazy.rows == walked.rows
    assert sum(lazy_counts.values()) > walked.tasks  # one request per shot and per task


def test_a_shot_without_tasks_has_a_row_of_its_own(tmp_path: Path) -> None:
    with gadget.connect("memory://") as session:
        project = session.projects.new(name="Walk", production_type="short")
        seq = project.sequences.new(name="sq010")
        shown, _ = project.shots.new_many(
            [{"name": "sh010", "sequence": seq}, {"name": "sh020", "sequence": seq}]
        )
        anim = session.task_types.new(name="Anim", for_shots=True)
        task = shown.tasks.new(task_type=anim)
        task.comments.new(
            comment="v1", preview=[write_png(tmp_path / "v1.png")], set_main_preview=True
        )
        rows = walk(session.projects.fetch("Walk")).rows
    assert [(r.shot, r.task, r.main_preview) for r in rows] == [
        ("sh010", "Anim", "v1"),
        ("sh020", "", ""),
    ]


def test_gradient_png_is_a_valid_png(tmp_path: Path) -> None:
    path = write_gradient_png(tmp_path / "g.png", (255, 255, 255), (0, 0, 0), width=7, height=5)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, tag = struct.unpack(">I4s", data[8:16])
    assert length == 13
    assert tag == b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour) == (7, 5, 8, 2)
    idat_at = data.index(b"IDAT")
    (idat_len,) = struct.unpack(">I", data[idat_at - 4 : idat_at])
    pixels = zlib.decompress(data[idat_at + 4 : idat_at + 4 + idat_len])
    assert len(pixels) == height * (1 + 3 * width)
    assert data.endswith(b"IEND\xaeB`\x82")
