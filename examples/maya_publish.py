"""Maya: a "gadget > Publish..." menu (and a shelf button) using ``maya.cmds``.

Install: put this file and ``dcc_common.py`` in a folder of Maya's
``PYTHONPATH`` (``~/maya/<version>/scripts`` say), with gadget installed
there (docs/dcc.md), and in ``userSetup.py``::

    import maya.utils
    maya.utils.executeDeferred("import maya_publish; maya_publish.install_menu()")

A shelf button runs ``import maya_publish; maya_publish.publish()``.

:func:`publish` asks for a comment, playblasts the current frame to a PNG
(``cmds.playblast``, off screen) into ``previews/`` next to the scene, and
publishes it on the scene's task (``dcc_common``: the path convention, or the
scene's ``fileInfo`` keys ``gadget_project``, ``gadget_sequence``,
``gadget_shot``, ``gadget_task_type``). The upload runs in the background;
its message comes back on Maya's main thread through
``maya.utils.executeDeferred`` (``maya.cmds`` may only be called there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dcc_common
import maya.cmds as cmds
import maya.utils

MENU = "gadgetMenu"


def on_ui(fn: Callable[[], None]) -> None:
    """Run ``fn`` on Maya's main thread, when it is idle (safe from any thread)."""
    maya.utils.executeDeferred(fn)


def show(text: str, is_error: bool) -> None:
    """A dialog, and the Script Editor (as a warning for an error)."""
    if is_error:
        cmds.warning(f"gadget: {text}")
    else:
        print(f"gadget: {text}")
    cmds.confirmDialog(
        title="gadget publish",
        message=text,
        button=["OK"],
        icon="critical" if is_error else "information",
    )


def scene_metadata() -> dict[str, str]:
    """The scene's ``fileInfo`` (``cmds.fileInfo(query=True)`` is a flat key, value list)."""
    flat = cmds.fileInfo(query=True) or []
    return dict(zip(flat[::2], flat[1::2], strict=False))


def playblast(scene_task: dcc_common.SceneTask) -> list[Path]:
    """The current frame, played blast off screen into one PNG."""
    path = dcc_common.preview_path(scene_path(), scene_task)
    frame = cmds.currentTime(query=True)
    cmds.playblast(
        completeFilename=str(path),
        format="image",
        compression="png",
        frame=[frame],
        viewer=False,
        showOrnaments=False,
        offScreen=True,
        percent=100,
        forceOverwrite=True,
    )
    return [path]


def scene_path() -> str:
    return str(cmds.file(query=True, sceneName=True) or "")


def ask_comment() -> str | None:
    """The artist's comment (empty: the scene's name and version), None when cancelled."""
    answer = cmds.promptDialog(
        title="gadget publish",
        message="Comment:",
        button=["Publish", "Cancel"],
        defaultButton="Publish",
        cancelButton="Cancel",
        dismissString="Cancel",
    )
    if answer != "Publish":
        return None
    return str(cmds.promptDialog(query=True, text=True))


def publish(comment: str | None = None) -> Any:
    """Publish the open scene: the menu item's and the shelf button's command.
    Returns the running publish's handle (None when cancelled or refused)."""
    if comment is None:
        comment = ask_comment()
        if comment is None:
            return None
    return dcc_common.publish_scene(
        scene_path(),
        scene_metadata(),
        make_preview=playblast,
        on_ui=on_ui,
        show=show,
        comment=comment or None,
    )


def install_menu() -> None:
    """The "gadget" menu in Maya's main menu bar (again: replaced)."""
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
    cmds.menu(MENU, label="gadget", parent="MayaWindow", tearOff=True)
    cmds.menuItem(
        label="Publish...",
        parent=MENU,
        annotation="Publish a playblast of this scene on its tracker task",
        command=lambda *_: publish(),
    )
