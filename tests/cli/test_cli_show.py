"""``gadget show``: one shot or asset, as a table and as one JSON object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gadget.cli import main
from gadget.cli._demo import db_url

Command = Callable[..., Any]


@pytest.mark.usefixtures("demo_env")
def test_show_a_shot_json(gadget_command: Command) -> None:
    ran = gadget_command("show", "sq010/sq010_sh0010", "--json")
    assert ran.code == 0 and ran.err == "", ran.err
    shot = ran.json()
    assert shot["kind"] == "shot"
    assert (shot["qualified_name"], shot["sequence"], shot["project"]) == (
        "sq010/sq010_sh0010",
        "sq010",
        "Demo",
    )
    assert (shot["frame_in"], shot["frame_out"], shot["nb_frames"]) == (1001, 1048, 48)
    assert shot["custom_data"] == {"lens": 24, "camera": "cam_main"}
    assert shot["main_preview"]["name"] == "anim_v002"
    assert shot["main_preview"]["id"] == shot["preview_id"]
    tasks = {t["task_type"]: t for t in shot["tasks"]}
    assert {k: t["status"] for k, t in tasks.items()} == {
        "Anim3D": "wfa",
        "Layout": "done",
        "Lighting": "wip",
    }
    assert sorted(tasks["Anim3D"]["assignees"]) == ["jane@studio.example", "kai@studio.example"]
    assert {t["entity"] for t in shot["tasks"]} == {"sq010/sq010_sh0010"}
    assert {(c["asset"], c["asset_type"], c["nb_occurences"]) for c in shot["casting"]} == {
        ("Hero", "Character", 1),
        ("Lamp", "Prop", 2),
    }
    # the last five of its seven comments, newest first, with their previews
    assert shot["comments_total"] == 7
    assert len(shot["comments"]) == 5
    dates = [dt.datetime.fromisoformat(c["created_at"]) for c in shot["comments"]]
    assert dates == sorted(dates, reverse=True)
    spline = next(c for c in shot["comments"] if c["text"] == "spline pass, arm fixed")
    assert [p["name"] for p in spline["previews"]] == ["anim_v002"]
    assert spline["author"] == "jane@studio.example"


@pytest.mark.usefixtures("demo_env")
def test_show_by_name_and_the_table(gadget_command: Command) -> None:
    ran = gadget_command("show", "sq020_sh0010", "--comments", "1")
    assert ran.code == 0, ran.err
    out = " ".join(ran.out.split())
    assert "shot sq020/sq020_sh0010 (project Demo)" in out
    assert "frames 1001-1120 (120 frames)" in out
    assert "lens 50" in out and "camera cam_main" in out
    assert "3 tasks" in out and "Lighting" in out and "ana@studio.example" in out
    assert "casting: Hero (Character), Lamp (Prop) x2" in out
    assert "last 1 of 1 comments" in out and "blocking the camera moves" in out


@pytest.mark.usefixtures("demo_env")
def test_show_an_asset(gadget_command: Command) -> None:
    ran = gadget_command("show", "Lamp", "--json")
    assert ran.code == 0, ran.err
    lamp = ran.json()
    assert (lamp["kind"], lamp["asset_type"], lamp["custom_data"]) == (
        "asset",
        "Prop",
        {"variant": "default"},
    )
    assert lamp["cast_in"] == [
        "sq010/sq010_sh0010",
        "sq010/sq010_sh0040",
        "sq020/sq020_sh0010",
        "sq020/sq020_sh0040",
    ]
    assert lamp["tasks"] == [] and lamp["comments"] == [] and lamp["comments_total"] == 0
    assert "casting" not in lamp


@pytest.mark.usefixtures("demo_env")
def test_show_names_the_closest_when_nothing_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "sq010_sh001"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: no shot or asset with name='sq010_sh001' in project Demo")
    assert "closest: 'sq010_sh0010'" in err
    assert main(["show", "Hero", "--kind", "shot"]) == 2
    assert "no shot with name='Hero'" in capsys.readouterr().err
    assert main(["show", "sq030/sq010_sh0010"]) == 2
    assert "no sequence with name='sq030'" in capsys.readouterr().err


def test_show_tells_apart_what_a_name_does_not(
    series_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil

    import gadget

    copy = shutil.copy2(series_db, tmp_path / "series.db")
    monkeypatch.setenv("TRACKER_URL", db_url(Path(copy)))
    monkeypatch.setenv("TRACKER_PROJECT", "Series")
    with gadget.connect() as session:  # a shot called like an asset
        project = session.projects.fetch("Series")
        seq = project.sequences.get(name="sq9")
        project.shots.new(name="CupE01", sequence=seq)
    assert main(["show", "CupE01"]) == 2
    err = capsys.readouterr().err
    assert "'CupE01' is both a shot (sq9/CupE01) and an asset" in err and "--kind" in err
    assert main(["show", "CupE01", "--kind", "asset", "--json"]) == 0
    assert '"kind": "asset"' in capsys.readouterr().out
    # two sequences called sq1 in two episodes, a shot name used once: found
    assert main(["show", "E01_sh2", "--json"]) == 0
    assert '"episode": "E01"' in capsys.readouterr().out
