"""examples/pipeline.py on ShotGrid (mockgun), unchanged: the summary of the
local and Kitsu runs (tests/pipeline_example.py).

The tests' site has no ``custom_data`` or ``playlists`` capability; the script
needs neither. Its statuses are ShotGrid's codes (``ip``, ``rev``, ``fin``):
the script picks them by role, and prints the role.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import gadget
from gadget.testing import Names


def test_example_pipeline_prints_the_same_summary_on_shotgrid(
    gadget_session: gadget.Session, tmp_path: Path, pipeline_example: ModuleType
) -> None:
    helper = pipeline_example
    assert "custom_data" not in gadget_session.capabilities
    project, png = helper.seed(gadget_session, Names()("PipelineShow"), tmp_path)

    summary = helper.script().main(project, png)

    assert summary == helper.EXPECTED
    # the publish went through ShotGrid's own codes, not Kitsu's
    anim = project.shots.fetch("sq010/sq010_sh0010").tasks.fetch("Anim")
    assert anim.status.short_name == "rev"
