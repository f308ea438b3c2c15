"""What every DCC publish hook of ``examples/`` shares: no DCC module here.

The hooks (``blender_publish.py``, ``maya_publish.py``, ``houdini_publish.py``,
``nuke_publish.py``) and the plain script ``publish_scene.py`` do the same
four steps; only the DCC calls differ (where the scene is, how a preview is
made, how the UI thread is reached, how a message is shown):

1. :func:`locate`: which task the scene belongs to, from its path and its
   metadata (the convention below);
2. :func:`find_task`: that task on the tracker, through
   ``Project.from_env(project)`` (``TRACKER_URL`` and the login come from the
   environment or ``adm_env.yml``, as for every gadget tool);
3. :func:`start_publish`: ``gadget.publish(..., background=True)``, so the
   upload runs in a thread of its own and the UI never waits; when it ends,
   the message is handed to the UI thread (``on_ui``) and shown there
   (``show``);
4. :func:`message_for_result` / :func:`message_for_error`: one clear message
   for every outcome: posted, kept in the outbox, or refused.

The path convention
-------------------

A scene lives at ``.../<project>/<sequence>/<shot>/<task_type>/<name>_v<NNN>.<ext>``::

    /prod/MyShow/sq010/sq010_sh0010/Anim/sq010_sh0010_anim_v003.blend

is the ``Anim`` task of shot ``sq010/sq010_sh0010`` in project ``MyShow``,
version 3. Scene metadata wins over the path, key by key, so a scene saved
elsewhere still publishes: ``gadget_project``, ``gadget_sequence``,
``gadget_shot`` and ``gadget_task_type`` (a Blender scene's custom
properties, Maya's ``fileInfo``, Houdini's root node user data, Nuke's root
knobs). A scene that matches neither gets a ``ValidationError`` naming the
convention, before anything is sent.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import gadget
from gadget import Project, PublishHandle, PublishResult, Task

logger = logging.getLogger("gadget.examples.dcc")

#: the scene metadata keys that name the task (each overrides the path's part)
METADATA_KEYS = ("gadget_project", "gadget_sequence", "gadget_shot", "gadget_task_type")
#: the convention, as shown in error messages
CONVENTION = ".../<project>/<sequence>/<shot>/<task_type>/<name>_v<NNN>.<ext>"
_VERSIONED = re.compile(r"^(?P<name>.+?)[._-]v(?P<version>\d+)$", re.IGNORECASE)

#: a function that runs a callable on the DCC's UI thread (soon, not now)
OnUi = Callable[[Callable[[], None]], Any]
#: a function that shows a message in the DCC: ``show(text, is_error)``
Show = Callable[[str, bool], Any]


@dataclass(frozen=True)
class SceneTask:
    """Where a scene belongs: project, sequence, shot and task type, with the
    scene's own name and version (None when its file name has no ``_v<NNN>``)."""

    project: str
    sequence: str
    shot: str
    task_type: str
    name: str
    version: int | None = None

    @property
    def label(self) -> str:
        """``MyShow sq010/sq010_sh0010 Anim``: what the messages call the task."""
        return f"{self.project} {self.sequence}/{self.shot} {self.task_type}"


def locate(
    scene_path: str | PurePath | None, metadata: Mapping[str, Any] | None = None
) -> SceneTask:
    """The task of the scene at ``scene_path``, from the path convention and
    the ``gadget_*`` metadata keys (metadata first). Raises
    ``gadget.ValidationError`` naming what is missing."""
    meta = {k: str(v).strip() for k, v in (metadata or {}).items() if k in METADATA_KEYS and v}
    if not scene_path and not meta:
        raise gadget.ValidationError(
            "the scene has never been saved and has no gadget_* metadata: save it as "
            f"{CONVENTION} first"
        )
    path = PurePath(scene_path) if scene_path else PurePath("scene")
    stem = path.stem
    found = _VERSIONED.match(stem)
    name, version = (found["name"], int(found["version"])) if found else (stem, None)
    parts = [part for part in path.parent.parts if part != path.anchor]  # not "/" nor "C:\\"
    from_path = dict(zip(METADATA_KEYS, parts[-4:], strict=True)) if len(parts) >= 4 else {}
    fields = {**from_path, **meta}
    missing = [k for k in METADATA_KEYS if not fields.get(k)]
    if missing or (found is None and not meta):
        raise gadget.ValidationError(
            f"cannot tell the task of the scene {str(scene_path)!r}: save it as {CONVENTION}, "
            f"or set the scene metadata {', '.join(missing or METADATA_KEYS)}"
        )
    return SceneTask(
        project=fields["gadget_project"],
        sequence=fields["gadget_sequence"],
        shot=fields["gadget_shot"],
        task_type=fields["gadget_task_type"],
        name=name,
        version=version,
    )


_projects: dict[str, Project] = {}
_projects_lock = threading.Lock()


def open_project(name: str) -> Project:
    """``Project.from_env(name)``, opened once per DCC session and kept: the
    next publishes log in no more."""
    with _projects_lock:
        if name not in _projects:
            _projects[name] = Project.from_env(name)
        return _projects[name]


def close_projects() -> None:
    """Close the sessions :func:`open_project` kept (a hook's unregister)."""
    with _projects_lock:
        for project in _projects.values():
            project.session.close()
        _projects.clear()


def find_task(scene: SceneTask, project: Project | None = None) -> Task:
    """The scene's task on the tracker (``NotFound`` names the shot or task
    type when there is none)."""
    project = project if project is not None else open_project(scene.project)
    shot = project.shots.fetch(f"{scene.sequence}/{scene.shot}")
    return shot.tasks.fetch(scene.task_type)


def review_status(task: Task) -> Any:
    """The tracker's status that asks for feedback (``wfa`` on Kitsu, ``rev``
    on ShotGrid...), chosen by its role flag so the hooks name no tracker's
    code; None when the tracker has none (the status then stays)."""
    statuses = [s for s in task.session.task_statuses if s.is_feedback_request]
    return statuses[0] if statuses else None


def default_comment(scene: SceneTask) -> str:
    version = f" v{scene.version:03d}" if scene.version is not None else ""
    return f"{scene.name}{version}"


def message_for_result(scene: SceneTask, result: PublishResult) -> str:
    """What the artist reads once a publish ended without error."""
    if result.posted:
        return f"Published {default_comment(scene)} on {scene.label}."
    return (
        f"The tracker could not take the publish of {default_comment(scene)} on "
        f"{scene.label} now ({result.reason or 'unreachable'}). It is kept in the outbox "
        f"(entry {result.outbox_id}) and will be sent by the next publish or "
        "`gadget outbox flush`; nothing is lost."
    )


def message_for_error(exc: BaseException, scene: SceneTask | None = None) -> str:
    """What the artist reads when a publish (or finding its task) failed:
    one sentence per kind of gadget error, and nothing was published."""
    where = f" on {scene.label}" if scene is not None else ""
    if isinstance(exc, gadget.ValidationError):
        head = f"Publish refused{where}: bad input"
    elif isinstance(exc, gadget.NotFound):
        head = f"Publish failed{where}: not found on the tracker"
    elif isinstance(exc, gadget.PermissionDenied):
        head = f"Publish refused{where}: your role on the tracker does not allow it"
    elif isinstance(exc, gadget.AuthenticationError):
        head = "Publish failed: the tracker refused the login (check TRACKER_LOGIN)"
    elif isinstance(exc, gadget.ConfigError):
        head = "Publish failed: gadget is not configured (TRACKER_URL, TRACKER_PROJECT)"
    elif isinstance(exc, gadget.TrackerUnavailable):
        head = f"Publish failed{where}: the tracker cannot be reached, try again later"
    elif isinstance(exc, gadget.Unsupported):
        head = f"Publish failed{where}: the tracker does not support it"
    elif isinstance(exc, gadget.GadgetError):
        head = f"Publish failed{where}"
    else:
        head = f"Publish failed{where}: unexpected {type(exc).__name__}"
    return f"{head}: {exc}. Nothing was published."


def start_publish(
    task: Task,
    scene: SceneTask,
    *,
    on_ui: OnUi,
    show: Show,
    comment: str | None = None,
    status: Any = None,
    preview: Iterable[str | Path] = (),
    attachments: Iterable[str | Path] = (),
) -> PublishHandle:
    """Start ``gadget.publish(..., background=True)`` and return its handle at
    once. When it ends, its message (posted, queued, or the error) is
    handed to the UI thread with ``on_ui`` and shown there with ``show``.

    Keep the preview files in place until the handle is done."""
    handle: PublishHandle = gadget.publish(
        task,
        comment if comment is not None else default_comment(scene),
        status=status,
        preview=[str(p) for p in preview],
        attachments=[str(p) for p in attachments],
        background=True,
    )

    def ended(done: PublishHandle) -> None:  # in the publish's thread: no UI call here
        error = done.exception()
        if error is None:
            text, is_error = message_for_result(scene, done.result()), False
        else:
            text, is_error = message_for_error(error, scene), True
        on_ui(lambda: show(text, is_error))

    handle.add_done_callback(ended)
    return handle


def publish_scene(
    scene_path: str | PurePath | None,
    metadata: Mapping[str, Any] | None,
    *,
    make_preview: Callable[[SceneTask], Iterable[str | Path]],
    on_ui: OnUi,
    show: Show,
    comment: str | None = None,
    status: Any = None,
    attachments: Iterable[str | Path] = (),
    project: Project | None = None,
) -> PublishHandle | None:
    """The whole hook, run on the UI thread: locate the task, find it, make
    the preview, start the publish. ``status`` defaults to the tracker's
    feedback-request status (:func:`review_status`); ``project`` to
    ``Project.from_env(<the scene's project>)``. An error before the publish
    starts is shown at once and None returned; else the running publish's
    handle."""
    scene: SceneTask | None = None
    try:
        scene = locate(scene_path, metadata)
        task = find_task(scene, project)
        previews = list(make_preview(scene))
        return start_publish(
            task,
            scene,
            on_ui=on_ui,
            show=show,
            comment=comment,
            status=status if status is not None else review_status(task),
            preview=previews,
            attachments=attachments,
        )
    except Exception as exc:  # every error reaches the artist as a message
        if not isinstance(exc, gadget.GadgetError):
            logger.exception("publish hook failed")
        show(message_for_error(exc, scene), True)
        return None


def preview_path(scene_path: str | PurePath | None, scene: SceneTask, suffix: str = ".png") -> Path:
    """Where a hook writes the scene's preview: ``previews/`` next to the
    scene (made here), named after the scene and its version."""
    folder = Path(scene_path).parent if scene_path else Path.cwd()
    folder = folder / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{default_comment(scene).replace(' ', '_')}{suffix}"
