"""The contract suite against the local tracker (memory:// and sqlite:///)."""

from __future__ import annotations

from pathlib import Path

import gadget
from gadget.testing.suite import *  # noqa: F403


def test_sqlite_keeps_data_across_sessions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with gadget.connect(url, create=True) as first:
        project = first.projects.new(name="Persisted", production_type="short")
        seq = project.sequences.new(name="sq010")
        shot = project.shots.new(
            name="sh0010", sequence=seq, frame_in=1, frame_out=48, custom_data={"lens": 35}
        )
    with gadget.connect(url) as second:
        again = second.projects.fetch("Persisted").shots.fetch("sq010/sh0010")
        assert again.id == shot.id
        assert (again.frame_in, again.frame_out, again.nb_frames) == (1, 48, 48)
        assert again.custom_data == {"lens": 35}


def test_memory_trackers_are_private(tmp_path: Path) -> None:
    with gadget.connect("memory://") as one, gadget.connect("memory://") as two:
        one.projects.new(name="OnlyHere", production_type="short")
        assert one.projects.filter(name="OnlyHere").first() is not None
        assert two.projects.filter(name="OnlyHere").first() is None
