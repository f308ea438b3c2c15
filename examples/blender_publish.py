"""Blender: a "Publish to the tracker" operator (File menu), an add-on.

Install: put this file and ``dcc_common.py`` in Blender's scripts folder
(``<scripts>/addons/``, or a folder listed in Preferences > File Paths >
Scripts), with gadget installed there (docs/dcc.md), and enable the add-on;
or run it once from the Text Editor (it calls :func:`register`).

The operator asks for a comment, renders the viewport of the current frame
(``bpy.ops.render.opengl``: an OpenGL render, seconds, not a full render)
into ``previews/`` next to the .blend, and publishes it on the scene's task
(``dcc_common``: the path convention, or the scene's custom properties
``gadget_project``, ``gadget_sequence``, ``gadget_shot``,
``gadget_task_type``). The upload runs in the background: Blender stays
usable, and a popup says how it ended once it has (a timer on the main
thread reads the publish's message; Blender's API may only be called from
that thread).
"""

# no ``from __future__ import annotations``: Blender reads the operator's
# property annotations (``comment: StringProperty(...)``) at registration
import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpy
import dcc_common

bl_info = {
    "name": "gadget publish",
    "description": "Publish a preview of the scene on its tracker task (gadget)",
    "category": "Import-Export",
    "blender": (3, 0, 0),
    "location": "File > Publish to the tracker",
}

#: the publish thread's messages, for the main thread's timer
_ui_queue: "queue.Queue[Callable[[], None]]" = queue.Queue()
#: how often (seconds) the main thread looks for messages
POLL = 0.25


def on_ui(fn: Callable[[], None]) -> None:
    """Hand ``fn`` to the main thread (safe from any thread: a queue)."""
    _ui_queue.put(fn)


def _drain() -> float:
    """The timer on the main thread: run what the publishes handed over."""
    while True:
        try:
            fn = _ui_queue.get_nowait()
        except queue.Empty:
            return POLL
        fn()


def show(text: str, is_error: bool) -> None:
    """A popup (and the console): on the main thread only."""

    def draw(menu: Any, _context: Any) -> None:
        menu.layout.label(text=text)

    print(f"gadget: {text}")
    bpy.context.window_manager.popup_menu(
        draw, title="gadget publish", icon="ERROR" if is_error else "INFO"
    )


def scene_metadata(scene: Any) -> dict[str, Any]:
    """The scene's ``gadget_*`` custom properties."""
    return {key: scene[key] for key in dcc_common.METADATA_KEYS if key in scene}


def render_preview(scene_task: dcc_common.SceneTask) -> list[Path]:
    """An OpenGL render of the current frame as a PNG next to the .blend."""
    scene = bpy.context.scene
    path = dcc_common.preview_path(bpy.data.filepath, scene_task)
    render = scene.render
    saved = (render.filepath, render.image_settings.file_format)
    render.filepath = str(path)
    render.image_settings.file_format = "PNG"
    try:
        bpy.ops.render.opengl(write_still=True)
    finally:
        render.filepath, render.image_settings.file_format = saved
    return [path]


class GADGET_OT_publish(bpy.types.Operator):  # type: ignore[misc]
    """Publish a preview of this scene on its tracker task"""

    bl_idname = "gadget.publish"
    bl_label = "Publish to the tracker"
    bl_options = {"REGISTER"}

    comment: bpy.props.StringProperty(name="Comment", default="")  # type: ignore[valid-type]

    def invoke(self, context: Any, _event: Any) -> Any:
        return context.window_manager.invoke_props_dialog(self)

    def execute(self, context: Any) -> set[str]:
        handle = dcc_common.publish_scene(
            bpy.data.filepath,
            scene_metadata(context.scene),
            make_preview=render_preview,
            on_ui=on_ui,
            show=show,
            comment=self.comment or None,
        )
        if handle is None:
            return {"CANCELLED"}
        self.report({"INFO"}, "gadget: publishing in the background")
        return {"FINISHED"}


def menu_entry(menu: Any, _context: Any) -> None:
    menu.layout.operator(GADGET_OT_publish.bl_idname, icon="EXPORT")


def register() -> None:
    bpy.utils.register_class(GADGET_OT_publish)
    bpy.types.TOPBAR_MT_file.append(menu_entry)
    if not bpy.app.timers.is_registered(_drain):
        bpy.app.timers.register(_drain, first_interval=POLL, persistent=True)


def unregister() -> None:
    if bpy.app.timers.is_registered(_drain):
        bpy.app.timers.unregister(_drain)
    bpy.types.TOPBAR_MT_file.remove(menu_entry)
    bpy.utils.unregister_class(GADGET_OT_publish)
    dcc_common.close_projects()


if __name__ == "__main__":  # run from Blender's Text Editor
    register()
