"""What the tests of ``examples/pipeline.py`` share, whichever tracker runs it.

:func:`seed` builds the same project on any tracker through gadget (same
sequences, shots, task types, tasks and statuses by role); the preview is
:func:`gadget.testing.write_png`'s PNG. :data:`EXPECTED` is the summary the
script must print on every tracker: the local, Kitsu and ShotGrid tests each
compare the script's output to it, so the three outputs are the same text.

Not a test module: the tests get it from the ``pipeline_example`` fixture
(tests/conftest.py; ``tests/`` is not a package), and it loads the example
script by path with :func:`load`. :func:`run_script` runs the script as a
studio would, from the environment.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import gadget
from gadget.testing import write_png

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "pipeline.py"

#: (sequence, shot, frame_in, frame_out, {task type: status role})
SHOTS = [
    ("sq010", "sq010_sh0010", 1001, 1048, {"Layout": "done", "Anim": "wip"}),
    ("sq010", "sq010_sh0020", 1001, 1024, {"Layout": "wip", "Anim": "default"}),
    ("sq020", "sq020_sh0010", 1001, 1012, {"Layout": "default"}),
]

EXPECTED = """\
walk: 3 shots, 5 tasks
  sq010/sq010_sh0010 48f: Anim=wip Layout=done
  sq010/sq010_sh0020 24f: Anim=default Layout=wip
  sq020/sq020_sh0010 12f: Layout=default
published on sq010_sh0010 Anim: 'Anim render for review' -> feedback_request
read back:
  latest comment: 'Anim render for review' (the one published: yes)
  its status: feedback_request; task status: feedback_request
  preview: render.png 64x36
  shot main preview: render (the comment's: yes)
  its file is the one published: yes
  time spent: 1:30:00 in 1 entry(ies)
tasks by status role: default 2, done 1, feedback_request 1, wip 1
"""


def load(path: Path, name: str) -> ModuleType:
    """Import a file that is not on ``sys.path`` (a script, this helper)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def script() -> Any:
    """The example script as a module (its ``main``, ``status_for``...)."""
    return load(SCRIPT, "gadget_example_pipeline")


def seed(session: gadget.Session, project_name: str, folder: Path) -> tuple[gadget.Project, Path]:
    """Build :data:`SHOTS` in a new project named ``project_name``; return it and
    the PNG to publish (``folder/render.png``).

    Task types are ensured by name (they are studio-wide on Kitsu and
    ShotGrid); statuses are found by role with the script's own helper, so
    the seed names no tracker's codes either.
    """
    example = script()
    project = session.projects.new(name=project_name, production_type="featurefilm")
    for name in ("Layout", "Anim"):
        session.task_types.ensure(name=name, for_shots=True)
    for seq_name, shot_name, frame_in, frame_out, tasks in SHOTS:
        sequence = project.sequences.ensure(name=seq_name)
        shot = project.shots.new(
            name=shot_name, sequence=sequence, frame_in=frame_in, frame_out=frame_out
        )
        for task_type, wanted in tasks.items():
            task = shot.tasks.new(task_type=task_type)
            if example.role(task.status) != wanted:
                task.set_status(example.status_for(session, wanted))
    return project, write_png(folder / "render.png")


def run_script(png: Path, env: Mapping[str, str], cwd: Path, *, timeout: float) -> str:
    """What ``python examples/pipeline.py PNG`` prints, run in ``cwd`` with
    ``env``; the run must succeed (its stderr shown otherwise)."""
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(png)],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout
