"""The DCC publish hooks of examples/, each imported with its DCC faked
(conftest.py), publishing on a local tracker.

Each hook: finds the task from the scene's path or metadata, makes its
preview with the DCC's call, publishes in the background (the call returns
before the publish ends), and shows the outcome on the "UI thread" (the
test's main thread, draining what the publish thread handed over): posted,
kept in the outbox while the tracker is away, or refused with a clear message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from dcc_fakes import (
    EXAMPLES,
    PROJECT,
    SEQUENCE,
    SHOT,
    TASK_TYPE,
    Studio,
    Ui,
    fake_bpy,
    fake_hou,
    fake_maya,
    fake_nuke,
)

import gadget
from gadget.outbox import Outbox
from gadget.testing.faults import CommentFaults
from gadget.testing.fixtures import write_png

Load = Callable[[str], ModuleType]
MAIN = threading.main_thread().name


# --- the shared convention (dcc_common) ------------------------------------------------


def test_the_task_comes_from_the_path_and_metadata_wins(examples: Load) -> None:
    common = examples("dcc_common")
    scene = common.locate("/prod/MyShow/sq010/sq010_sh0010/Anim/sh0010_anim_v003.blend")
    assert (scene.project, scene.sequence, scene.shot, scene.task_type) == (
        "MyShow",
        "sq010",
        "sq010_sh0010",
        "Anim",
    )
    assert (scene.name, scene.version) == ("sh0010_anim", 3)
    relative = common.locate("MyShow/sq010/sq010_sh0010/Anim/layout.v12.ma")
    assert (relative.project, relative.task_type, relative.name, relative.version) == (
        "MyShow",
        "Anim",
        "layout",
        12,
    )

    moved = common.locate(
        "/prod/MyShow/sq010/sq010_sh0010/Anim/sh0010_anim_v003.blend",
        {"gadget_shot": "sq010_sh0020", "gadget_task_type": "Layout", "other": "x"},
    )
    assert (moved.project, moved.shot, moved.task_type) == ("MyShow", "sq010_sh0020", "Layout")

    anywhere = common.locate(
        "/home/me/scratch.ma",
        {k: v for k, v in zip(common.METADATA_KEYS, ("MyShow", "sq010", "sh1", "FX"), strict=True)},
    )
    assert (anywhere.shot, anywhere.task_type, anywhere.version) == ("sh1", "FX", None)


@pytest.mark.parametrize(
    "path",
    ["/home/me/scratch.ma", "/a/b/c/d/e/notversioned.ma", "/sq010/sh0010/Anim/x_v001.ma", ""],
)
def test_a_scene_outside_the_convention_is_refused_by_name(examples: Load, path: str) -> None:
    common = examples("dcc_common")
    with pytest.raises(gadget.ValidationError) as caught:
        common.locate(path, {"gadget_shot": "sh1"} if path == "/home/me/scratch.ma" else None)
    assert "<project>/<sequence>/<shot>/<task_type>/<name>_v<NNN>" in str(caught.value)


# --- Blender: an operator; a timer on the main thread reports ------------------------------


def test_blender_operator_renders_publishes_and_reports_on_the_main_thread(
    studio: Studio, examples: Load, ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    blend = studio.scene("sh0010_anim_v003.blend")
    bpy = fake_bpy(blend, ui)
    monkeypatch.setitem(sys.modules, "bpy", bpy)
    hook = examples("blender_publish")
    hook.register()
    assert bpy.classes == [hook.GADGET_OT_publish] and bpy.menu == [hook.menu_entry]
    drain = hook._drain
    assert bpy.timers[drain]["persistent"] is True

    operator = hook.GADGET_OT_publish()
    operator.comment = "blocking pass"
    assert operator.execute(bpy.context) == {"FINISHED"}
    # the render settings are the artist's again, and the preview is next to the .blend
    render = bpy.context.scene.render
    assert (render.filepath, render.image_settings.file_format) == ("//render/", "OPEN_EXR")
    preview = blend.parent / "previews" / "sh0010_anim_v003.png"
    assert preview.is_file()

    # the publish thread hands its message to the queue; only the main thread's timer shows it
    fn = hook._ui_queue.get(timeout=30)
    assert ui.shown == []
    hook._ui_queue.put(fn)
    assert drain() == hook.POLL
    assert ui.shown == [(f"Published sh0010_anim v003 on {PROJECT} {SEQUENCE}/{SHOT} Anim.", False)]
    assert ui.shown_on == [MAIN]

    [comment] = studio.comments()
    assert comment.text == "blocking pass"
    assert comment.asks_feedback and comment.previews == 1
    hook.unregister()
    assert bpy.classes == [] and drain not in bpy.timers


def test_blender_unsaved_scene_gets_a_message_and_nothing_is_published(
    studio: Studio, examples: Load, ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    bpy = fake_bpy("", ui)  # never saved: bpy.data.filepath is ""
    monkeypatch.setitem(sys.modules, "bpy", bpy)
    hook = examples("blender_publish")
    operator = hook.GADGET_OT_publish()
    operator.comment = ""
    assert operator.execute(bpy.context) == {"CANCELLED"}
    [(text, is_error)] = ui.shown
    assert is_error and text.startswith(
        "Publish refused: bad input: the scene has never been saved"
    )
    assert "Nothing was published" in text
    assert studio.comments() == []


# --- Maya: a menu command; maya.utils.executeDeferred reports ------------------------------


def test_maya_publish_playblasts_and_reports_through_execute_deferred(
    studio: Studio, examples: Load, ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    # saved outside the convention: the scene's fileInfo names the task
    scene = studio.root / "scratch" / "try_v007.ma"
    info = dict(
        zip(
            ("gadget_project", "gadget_sequence", "gadget_shot", "gadget_task_type"),
            (PROJECT, SEQUENCE, SHOT, TASK_TYPE),
            strict=True,
        )
    )
    maya = fake_maya(scene, ui, info)
    monkeypatch.setitem(sys.modules, "maya", maya)
    monkeypatch.setitem(sys.modules, "maya.cmds", maya.cmds)
    monkeypatch.setitem(sys.modules, "maya.utils", maya.utils)
    hook = examples("maya_publish")
    hook.install_menu()
    [(_, item)] = [c for c in maya.cmds.calls if c[0] == "menuItem"]

    handle = item["command"](False)  # the menu item, as Maya calls it
    assert isinstance(handle, gadget.PublishHandle)
    blast = next(kw for name, kw in maya.cmds.calls if name == "playblast")
    assert blast["frame"] == [1012.0] and blast["format"] == "image" and blast["viewer"] is False
    assert Path(blast["completeFilename"]) == scene.parent / "previews" / "try_v007.png"

    ui.run_next()
    [handed_from] = ui.handed_from  # the publish thread handed the message over
    assert handed_from != MAIN and ui.shown_on == [MAIN]
    assert ui.shown == [(f"Published try v007 on {PROJECT} {SEQUENCE}/{SHOT} Anim.", False)]
    [comment] = studio.comments()
    assert comment.text == "blocking pass"  # what the prompt dialog answered
    assert comment.previews == 1


# --- Houdini: a shelf tool / HDA button; hdefereval reports -------------------------------


def test_houdini_publish_kept_in_the_outbox_while_the_tracker_is_down(
    studio: Studio, examples: Load, ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    hip = studio.scene("sh0010_fx_v012.hip")
    monkeypatch.setitem(sys.modules, "hou", fake_hou(hip, ui))
    monkeypatch.setitem(sys.modules, "hdefereval", ModuleType("hdefereval"))
    sys.modules["hdefereval"].executeDeferred = ui.hand  # type: ignore[attr-defined]
    hook = examples("houdini_publish")
    # the session the hook opens (and keeps) is the one made to fail
    project = sys.modules["dcc_common"].open_project(PROJECT)
    node = type("Node", (), {"parm": lambda self, name: _Parm("fx pass")})()
    with CommentFaults(project.session, "down"):
        handle = hook.on_button({"node": node})
        ui.run_next()
    result = handle.result()
    assert result.queued
    [(text, is_error)] = ui.shown
    assert not is_error
    assert "kept in the outbox" in text and f"(entry {result.outbox_id})" in text
    assert [entry.text for entry in Outbox().entries()] == ["fx pass"]
    assert studio.comments() == []

    # the tracker is back: the queued publish is sent, once
    report = Outbox().flush(project.session)
    assert [entry.text for entry in report.posted] == ["fx pass"]
    assert [c.text for c in studio.comments()] == ["fx pass"]


class _Parm:
    def __init__(self, value: str) -> None:
        self.value = value

    def evalAsString(self) -> str:
        return self.value


# --- Nuke: a menu command; nuke.executeInMainThread reports --------------------------------


def test_nuke_publish_refused_for_the_role_shows_an_error(
    studio: Studio, examples: Load, ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = studio.scene("sh0010_comp_v002.nk")
    nuke = fake_nuke(script, ui)
    monkeypatch.setitem(sys.modules, "nuke", nuke)
    hook = examples("nuke_publish")
    hook.install_menu()
    [(path, command)] = nuke.added
    assert path == "gadget/Publish..."
    project = sys.modules["dcc_common"].open_project(PROJECT)
    with CommentFaults(project.session, "refused", message="artists may not publish"):
        handle = command()
        ui.run_next()
    assert isinstance(handle.exception(), gadget.PermissionDenied)
    [(text, is_error)] = ui.shown
    assert is_error and ui.shown_on == [MAIN]
    assert "your role on the tracker does not allow it" in text
    assert "artists may not publish" in text and "Nothing was published" in text
    assert len(nuke.deleted) == 1  # the temporary Write node is gone
    assert Outbox().entries() == []
    assert studio.comments() == []


def test_nuke_unknown_shot_is_named_before_anything_is_sent(
    studio: Studio, examples: Load, ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nuke", fake_nuke(studio.scene(shot="sq010_sh0990"), ui))
    hook = examples("nuke_publish")
    assert hook.publish("comp") is None
    [(text, is_error)] = ui.shown
    assert is_error and text.startswith(
        "ERROR: Publish failed on MyShow sq010/sq010_sh0990 Anim: not found on the tracker"
    )
    assert "sq010_sh0990" in text
    assert ui.pending.empty() and Outbox().entries() == []


# --- the plain script: the same logic without a DCC ---------------------------------------


def test_publish_script_posts_from_a_shell(studio: Studio, tmp_path: Path) -> None:
    png = write_png(tmp_path / "render.png")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "publish_scene.py"),
            str(studio.scene("sh0010_anim_v004.ma")),
            "--preview",
            str(png),
            "--comment",
            "from the farm",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"Published sh0010_anim v004 on {PROJECT} {SEQUENCE}/{SHOT} Anim.\n"
    [comment] = studio.comments()
    assert comment.text == "from the farm" and comment.previews == 1


def test_publish_script_exit_codes_for_queued_and_refused(
    studio: Studio, examples: Load, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = examples("publish_scene")
    png = write_png(tmp_path / "render.png")
    scene = str(studio.scene("sh0010_anim_v005.ma"))
    project = sys.modules["dcc_common"].open_project(PROJECT)
    with CommentFaults(project.session, "down"):
        assert script.main([scene, "--preview", str(png)]) == script.QUEUED
    assert "kept in the outbox" in capsys.readouterr().out

    assert script.main([scene, "--preview", str(tmp_path / "missing.png")]) == script.FAILED
    err = capsys.readouterr().err
    assert err.startswith("Publish refused on MyShow sq010/sq010_sh0010 Anim: bad input")
    assert "missing.png" in err
    assert [entry.text for entry in Outbox().entries()] == ["sh0010_anim v005"]
