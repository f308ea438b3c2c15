"""Houdini: a shelf tool, or an HDA button's callback, using ``hou``.

Install: put this file and ``dcc_common.py`` in a folder of Houdini's Python
path (``$HOUDINI_USER_PREF_DIR/scripts/python``, or a package's
``scripts/python``), with gadget installed there (docs/dcc.md). Then:

- a shelf tool whose script is ``import houdini_publish; houdini_publish.publish()``;
- or, on an HDA, a button parameter whose callback (Python) is
  ``__import__("houdini_publish").on_button(kwargs)``; a string parameter
  ``comment`` on the same node, when there is one, is the comment.

:func:`publish` flipbooks the current frame of the Scene Viewer into a PNG
in ``previews/`` next to the .hip and publishes it on the scene's task
(``dcc_common``: the path convention, or the root node's user data
``gadget_project``, ``gadget_sequence``, ``gadget_shot``,
``gadget_task_type``). The upload runs in the background; its message comes
back on Houdini's main thread through ``hdefereval.executeDeferred``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dcc_common
import hou


def on_ui(fn: Callable[[], None]) -> None:
    """Run ``fn`` on Houdini's main thread (safe from any thread); in hython,
    which has no UI loop, at once."""
    if hou.isUIAvailable():
        import hdefereval  # only in a graphical Houdini

        hdefereval.executeDeferred(fn)
    else:
        fn()


def show(text: str, is_error: bool) -> None:
    """A message box (the console in hython)."""
    if hou.isUIAvailable():
        severity = hou.severityType.Error if is_error else hou.severityType.Message
        hou.ui.displayMessage(text, severity=severity, title="gadget publish")
    else:
        print(f"gadget: {text}")


def scene_metadata() -> dict[str, Any]:
    """The root node's ``gadget_*`` user data."""
    data = hou.node("/").userDataDict()
    return {key: data[key] for key in dcc_common.METADATA_KEYS if key in data}


def flipbook(scene_task: dcc_common.SceneTask) -> list[Path]:
    """The current frame of the Scene Viewer, flipbooked into one PNG."""
    viewer = hou.ui.paneTabOfType(hou.paneTabType.SceneViewer)
    if viewer is None:
        raise RuntimeError("no Scene Viewer to flipbook: open one")
    path = dcc_common.preview_path(hou.hipFile.path(), scene_task)
    frame = hou.frame()
    settings = viewer.flipbookSettings().stash()
    settings.frameRange((frame, frame))
    settings.output(str(path))
    viewer.flipbook(viewer.curViewport(), settings)
    return [path]


def publish(comment: str | None = None) -> Any:
    """Publish the open .hip: the shelf tool's command. Returns the running
    publish's handle (None when refused)."""
    return dcc_common.publish_scene(
        hou.hipFile.path(),
        scene_metadata(),
        make_preview=flipbook,
        on_ui=on_ui,
        show=show,
        comment=comment or None,
    )


def on_button(kwargs: dict[str, Any]) -> Any:
    """An HDA button's callback: the node's ``comment`` parameter, if any, is the comment."""
    parm = kwargs["node"].parm("comment")
    return publish(parm.evalAsString() if parm is not None else None)
