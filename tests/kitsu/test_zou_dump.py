"""The harness's database dump (the benchmark's series cache), on the session's server.

Only what leaves the shared database untouched runs here: a dump, read back
with pg_restore, and a restore refused before it starts. A restore replaces
the whole database, so its round trip is checked by hand on a server of its
own: ``benchmarks/series.py --state DIR`` (see its docstring).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import KitsuServer


def _restore_tool(kitsu_server: KitsuServer, *args: str) -> str:
    harness = kitsu_server.harness
    return subprocess.run(
        [str(harness._pg_tool("pg_restore")), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def test_dump_holds_every_table_and_its_rows(kitsu_server: KitsuServer, tmp_path: Path) -> None:
    dump = kitsu_server.harness.dump_db(tmp_path / "zou.dump")
    assert dump == tmp_path / "zou.dump"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zou.dump"]  # no .part left
    listing = _restore_tool(kitsu_server, "--list", str(dump))
    for table in ("person", "project", "entity", "task", "comment"):
        assert f"TABLE DATA public {table} " in listing
    people = _restore_tool(kitsu_server, "--data-only", "--table", "person", "-f", "-", str(dump))
    assert kitsu_server.admin_email in people
    assert kitsu_server.artist.email in people


def test_restore_of_a_missing_dump_is_refused_before_anything_changes(
    kitsu_server: KitsuServer, tmp_path: Path
) -> None:
    harness = kitsu_server.harness
    before = harness.psql("SELECT count(*) FROM person").strip()
    zou_server = sys.modules[type(harness).__module__]
    with pytest.raises(zou_server.ZouServerError, match="no database dump"):
        harness.restore_db(tmp_path / "absent.dump")
    assert harness.psql("SELECT count(*) FROM person").strip() == before
