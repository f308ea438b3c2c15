"""examples/pipeline.py on the real Kitsu server, run as a script from the
environment, unchanged: the summary of the local and ShotGrid runs
(tests/pipeline_example.py)."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import gadget
from gadget.config import ENV_VARS
from gadget.testing import Names

from .conftest import KitsuServer


def test_example_pipeline_prints_the_same_summary_on_kitsu(
    kitsu: gadget.Session, kitsu_server: KitsuServer, tmp_path: Path, pipeline_example: ModuleType
) -> None:
    helper = pipeline_example
    name = Names()("PipelineShow")
    _, png = helper.seed(kitsu, name, tmp_path)

    env = {k: v for k, v in os.environ.items() if k not in (*ENV_VARS, "GADGET_ENV_FILE")}
    env.update(
        TRACKER_URL=f"kitsu+{kitsu_server.api_url}",
        TRACKER_LOGIN=kitsu_server.admin_email,
        TRACKER_PASSWORD=kitsu_server.admin_password,
        TRACKER_PROJECT=name,
    )
    assert helper.run_script(png, env, tmp_path, timeout=300) == helper.EXPECTED

    # what Zou stores, read without gadget: the task's status is Kitsu's own code
    kitsu.clear_cache()
    anim = kitsu.projects.fetch(name).shots.fetch("sq010/sq010_sh0010").tasks.fetch("Anim")
    stored = kitsu_server.raw.get(f"data/tasks/{anim.id}")
    status = kitsu_server.raw.get(f"data/task-status/{stored['task_status_id']}")
    assert status["short_name"] == "wfa"
