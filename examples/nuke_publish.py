"""Nuke: a "gadget > Publish" menu command using ``nuke``.

Install: put this file and ``dcc_common.py`` in a folder of Nuke's plugin
path (``~/.nuke``), with gadget installed there (docs/dcc.md), and in
``menu.py``::

    import nuke_publish
    nuke_publish.install_menu()

:func:`publish` asks for a comment, renders the current frame of the
selected node (else the viewer's input) through a temporary Write node into
a PNG in ``previews/`` next to the script, and publishes it on the script's
task (``dcc_common``: the path convention, or root knobs named
``gadget_project``, ``gadget_sequence``, ``gadget_shot``,
``gadget_task_type``). The upload runs in the background; its message comes
back on Nuke's main thread through ``nuke.executeInMainThread``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dcc_common
import nuke


def on_ui(fn: Callable[[], None]) -> None:
    """Run ``fn`` on Nuke's main thread (safe from any thread)."""
    nuke.executeInMainThread(fn)


def show(text: str, is_error: bool) -> None:
    """A message box, and the terminal."""
    nuke.tprint(f"gadget: {text}")
    nuke.message(f"{'ERROR: ' if is_error else ''}{text}")


def script_path() -> str:
    """The .nk's path ("" when never saved: Nuke then names the root ``Root``)."""
    name = str(nuke.root().name())
    return "" if name == "Root" else name


def scene_metadata() -> dict[str, Any]:
    """The root's ``gadget_*`` knobs (added as user knobs on the Root node)."""
    root = nuke.root()
    found = {}
    for key in dcc_common.METADATA_KEYS:
        knob = root.knob(key)
        if knob is not None:
            found[key] = knob.value()
    return found


def write_preview(scene_task: dcc_common.SceneTask) -> list[Path]:
    """The current frame of the selected node (else the viewer's input),
    rendered to a PNG by a temporary Write node."""
    try:
        source = nuke.selectedNode()
    except ValueError:  # nothing selected
        viewer = nuke.activeViewer()
        source = viewer.node().input(0) if viewer is not None else None
    if source is None:
        raise RuntimeError("nothing to render: select a node or view one")
    path = dcc_common.preview_path(script_path(), scene_task)
    frame = nuke.frame()
    write = nuke.nodes.Write(file=path.as_posix(), file_type="png")
    write.setInput(0, source)
    try:
        nuke.execute(write, frame, frame)
    finally:
        nuke.delete(write)
    return [path]


def publish(comment: str | None = None) -> Any:
    """Publish the open script: the menu command. Returns the running
    publish's handle (None when cancelled or refused)."""
    if comment is None:
        comment = nuke.getInput("gadget publish: comment", "")
        if comment is None:  # cancelled
            return None
    return dcc_common.publish_scene(
        script_path(),
        scene_metadata(),
        make_preview=write_preview,
        on_ui=on_ui,
        show=show,
        comment=comment or None,
    )


def install_menu() -> None:
    nuke.menu("Nuke").addCommand("gadget/Publish...", publish)
