"""What the DCC hook tests share: the studio on a local tracker, the "UI
thread", and small fakes of each DCC's module (``bpy``, ``maya.cmds``, ``hou``, ``nuke``).

A fake does what the hook asks of the DCC and no more: it records the calls,
writes a real PNG where the DCC would render one, and plays the DCC's "UI
thread" with a queue the test drains on its own (main) thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import gadget
from gadget.testing.fixtures import write_png

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECT, SEQUENCE, SHOT, TASK_TYPE = "MyShow", "sq010", "sq010_sh0010", "Anim"


@dataclass
class Studio:
    url: str
    root: Path  # the production folder: <root>/<project>/<sequence>/<shot>/<task_type>/

    def scene(self, name: str = "sh0010_anim_v003.ma", shot: str = SHOT) -> Path:
        return self.root / PROJECT / SEQUENCE / shot / TASK_TYPE / name

    def comments(self) -> list[Posted]:
        """The task's comments, read back by a session of its own."""
        with gadget.connect(self.url) as session:
            shot = session.projects.fetch(PROJECT).shots.fetch(f"{SEQUENCE}/{SHOT}")
            return [
                Posted(c.text, c.status.is_feedback_request, len(c.previews))
                for c in shot.tasks.fetch(TASK_TYPE).comments
            ]


@dataclass(frozen=True)
class Posted:
    """A comment as read back: its text, whether its status asks for feedback,
    how many previews it has."""

    text: str
    asks_feedback: bool
    previews: int


@dataclass
class Ui:
    """The DCC's UI thread, played by the test's main thread: what a hook hands
    over waits in ``pending`` until :meth:`run_next` runs it."""

    pending: queue.Queue[Callable[[], None]] = field(default_factory=queue.Queue)
    shown: list[tuple[str, bool]] = field(default_factory=list)
    handed_from: list[str] = field(default_factory=list)  # the threads that handed over
    shown_on: list[str] = field(default_factory=list)  # the threads that showed a message

    def hand(self, fn: Callable[[], None], *_args: Any, **_kwargs: Any) -> None:
        self.handed_from.append(threading.current_thread().name)
        self.pending.put(fn)

    def show(self, text: str, is_error: bool) -> None:
        self.shown_on.append(threading.current_thread().name)
        self.shown.append((text, is_error))

    def run_next(self, timeout: float = 30) -> None:
        """Run the next thing handed over (waits for the publish to end)."""
        self.pending.get(timeout=timeout)()


def module(name: str, **attrs: Any) -> ModuleType:
    made = ModuleType(name)
    made.__dict__.update(attrs)
    return made


# --- Blender -------------------------------------------------------------------------


class _BlenderScene(dict[str, Any]):
    """A scene: its custom properties are its items, as in bpy."""

    def __init__(self, props: dict[str, Any]) -> None:
        super().__init__(props)
        self.render = SimpleNamespace(
            filepath="//render/", image_settings=SimpleNamespace(file_format="OPEN_EXR")
        )


def fake_bpy(blend: Path | str, ui: Ui, props: dict[str, Any] | None = None) -> ModuleType:
    scene = _BlenderScene(props or {})
    timers: dict[Any, dict[str, Any]] = {}
    classes: list[type] = []
    menu: list[Any] = []

    class Operator:
        def __init__(self) -> None:
            self.reports: list[tuple[set[str], str]] = []

        def report(self, level: set[str], text: str) -> None:
            self.reports.append((level, text))

    def opengl(write_still: bool) -> set[str]:
        assert write_still
        assert scene.render.image_settings.file_format == "PNG"
        write_png(scene.render.filepath)
        return {"FINISHED"}

    def popup_menu(draw: Callable[[Any, Any], None], title: str, icon: str) -> None:
        labels: list[str] = []
        layout = SimpleNamespace(label=lambda text: labels.append(text))
        draw(SimpleNamespace(layout=layout), None)
        ui.show(labels[0], icon == "ERROR")

    return module(
        "bpy",
        types=SimpleNamespace(
            Operator=Operator,
            TOPBAR_MT_file=SimpleNamespace(append=menu.append, remove=menu.remove),
        ),
        props=SimpleNamespace(StringProperty=lambda **kw: ("StringProperty", kw)),
        ops=SimpleNamespace(render=SimpleNamespace(opengl=opengl)),
        data=SimpleNamespace(filepath=str(blend)),
        context=SimpleNamespace(scene=scene, window_manager=SimpleNamespace(popup_menu=popup_menu)),
        app=SimpleNamespace(
            timers=SimpleNamespace(
                register=lambda fn, **kw: timers.__setitem__(fn, kw),
                is_registered=lambda fn: fn in timers,
                unregister=timers.pop,
            )
        ),
        utils=SimpleNamespace(register_class=classes.append, unregister_class=classes.remove),
        timers=timers,
        classes=classes,
        menu=menu,
    )


# --- Maya ----------------------------------------------------------------------------


def fake_maya(scene: Path | str, ui: Ui, file_info: dict[str, str] | None = None) -> ModuleType:
    calls: list[tuple[str, dict[str, Any]]] = []
    menus: set[str] = set()

    def playblast(**kw: Any) -> str:
        calls.append(("playblast", kw))
        return str(write_png(kw["completeFilename"]))

    def prompt_dialog(**kw: Any) -> str:
        calls.append(("promptDialog", kw))
        return "blocking pass" if kw.get("query") else "Publish"

    def confirm_dialog(**kw: Any) -> str:
        ui.show(kw["message"], kw["icon"] == "critical")
        return "OK"

    flat = [x for pair in (file_info or {}).items() for x in pair]
    cmds = module(
        "maya.cmds",
        file=lambda **kw: str(scene),
        fileInfo=lambda **kw: flat,
        currentTime=lambda **kw: 1012.0,
        playblast=playblast,
        promptDialog=prompt_dialog,
        confirmDialog=confirm_dialog,
        warning=lambda text: calls.append(("warning", {"text": text})),
        menu=lambda name, **kw: (name in menus) if kw.get("exists") else menus.add(name),
        deleteUI=menus.discard,
        menuItem=lambda **kw: calls.append(("menuItem", kw)),
        calls=calls,
    )
    utils = module("maya.utils", executeDeferred=ui.hand)
    return module("maya", cmds=cmds, utils=utils)


# --- Houdini -------------------------------------------------------------------------


def fake_hou(hip: Path | str, ui: Ui, user_data: dict[str, str] | None = None) -> ModuleType:
    class Settings:
        def __init__(self) -> None:
            self.range: tuple[float, float] | None = None
            self.path = ""

        def stash(self) -> Settings:
            return self

        def frameRange(self, frames: tuple[float, float]) -> None:
            self.range = frames

        def output(self, path: str) -> None:
            self.path = path

    flipbooks: list[Settings] = []

    def flipbook(_viewport: Any, settings: Settings) -> None:
        assert settings.range == (24.0, 24.0)
        flipbooks.append(settings)
        write_png(settings.path)

    viewer = SimpleNamespace(
        flipbookSettings=Settings, curViewport=lambda: "persp1", flipbook=flipbook
    )
    severity = SimpleNamespace(Error="Error", Message="Message")

    def display(text: str, severity: str, title: str) -> int:
        ui.show(text, severity == "Error")
        return 0

    return module(
        "hou",
        isUIAvailable=lambda: True,
        severityType=severity,
        ui=SimpleNamespace(paneTabOfType=lambda kind: viewer, displayMessage=display),
        paneTabType=SimpleNamespace(SceneViewer="SceneViewer"),
        node=lambda path: SimpleNamespace(userDataDict=lambda: dict(user_data or {})),
        hipFile=SimpleNamespace(path=lambda: str(hip)),
        frame=lambda: 24.0,
        flipbooks=flipbooks,
    )


# --- Nuke ----------------------------------------------------------------------------


def fake_nuke(script: Path | str, ui: Ui, knobs: dict[str, str] | None = None) -> ModuleType:
    deleted: list[Any] = []
    added: list[tuple[str, Any]] = []

    class Write:
        def __init__(self, file: str, file_type: str) -> None:
            self.file, self.file_type, self.input = file, file_type, None

        def setInput(self, index: int, node: Any) -> None:
            self.input = node

    def execute(node: Write, first: int, last: int) -> None:
        assert node.input == "Grade1" and node.file_type == "png" and first == last == 1001
        write_png(node.file)

    root_knobs = {k: SimpleNamespace(value=lambda v=v: v) for k, v in (knobs or {}).items()}
    root = SimpleNamespace(name=lambda: str(script), knob=root_knobs.get)
    return module(
        "nuke",
        root=lambda: root,
        selectedNode=lambda: "Grade1",
        activeViewer=lambda: None,
        frame=lambda: 1001,
        nodes=SimpleNamespace(Write=Write),
        execute=execute,
        delete=deleted.append,
        getInput=lambda prompt, default: "comp v2",
        message=lambda text: ui.show(text, text.startswith("ERROR: ")),
        tprint=lambda text: None,
        executeInMainThread=ui.hand,
        menu=lambda name: SimpleNamespace(addCommand=lambda path, fn: added.append((path, fn))),
        deleted=deleted,
        added=added,
    )
