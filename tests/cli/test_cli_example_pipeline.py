"""examples/pipeline.py run as a script on the local tracker, from the environment.

The same script runs on Kitsu (tests/kitsu/test_kitsu_example_pipeline.py) and
ShotGrid (tests/shotgrid/test_shotgrid_example_pipeline.py); all three compare
its output to the one summary of tests/pipeline_example.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import gadget


def test_example_pipeline_runs_from_the_environment_on_the_local_tracker(
    isolated: Path, pipeline_example: ModuleType
) -> None:
    helper = pipeline_example
    url = f"sqlite:///{isolated / 'studio.db'}"
    with gadget.connect(url, create=True) as session:
        _, png = helper.seed(session, "PipelineShow", isolated)

    env = {**os.environ, "TRACKER_URL": url, "TRACKER_PROJECT": "PipelineShow"}
    assert helper.run_script(png, env, isolated, timeout=120) == helper.EXPECTED

    # what the script printed is what the tracker holds, read by another session
    with gadget.connect(url) as session:
        shot = session.projects.fetch("PipelineShow").shots.fetch("sq010/sq010_sh0010")
        note = shot.tasks.fetch("Anim").comments.first()
        assert note is not None and note.text == "Anim render for review"
        assert note.status.is_feedback_request
        assert shot.main_preview in note.previews
        assert str(shot.tasks.fetch("Anim").time_spent.total) == "1:30:00"


def test_example_pipeline_names_a_missing_task_type_before_publishing(
    isolated: Path, pipeline_example: ModuleType
) -> None:
    helper = pipeline_example
    with gadget.connect("memory://") as session:
        project, png = helper.seed(session, "PipelineShow", isolated)
        before = {task.id: len(task.comments) for task in project.tasks}
        try:
            helper.script().main(project, png, task_type="Comp")
        except gadget.NotFound as exc:
            assert "with a Comp task" in str(exc)
        else:
            raise AssertionError("no NotFound for a task type no shot has")
        session.clear_cache()
        assert {task.id: len(task.comments) for task in project.tasks} == before


def test_the_switching_trackers_page_shows_the_summary_the_tests_expect(
    pipeline_example: ModuleType,
) -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "switching-trackers.md"
    text = page.read_text(encoding="utf-8")
    _, marker, rest = text.partition("<!-- pipeline-summary:")
    assert marker, "docs/switching-trackers.md lost its pipeline-summary block"
    shown = rest.split("```text\n", 1)[1].split("```", 1)[0]
    assert shown == pipeline_example.EXPECTED
