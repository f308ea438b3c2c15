"""docs/kitsu.md stays true: its examples run against the real server, and its
field mapping table names every rename of the converter.

The ```` ```python ```` blocks of the page run in order in one namespace
(like notebook cells) with TRACKER_* pointing at the test server; a block
after ``<!-- doc-test: skip REASON -->`` is not run (tests/cli/test_cli_docs.py
leaves this page to this test).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gadget.testing import Names
from gadget.trackers.kitsu import convert

from .conftest import KitsuServer

PAGE = Path(__file__).resolve().parents[2] / "docs" / "kitsu.md"
_BLOCK = re.compile(r"(?:<!--\s*doc-test:\s*(\w+)[^>]*-->\s*\n)?```(\w*)\n(.*?)```", re.S)


def test_the_examples_run(
    kitsu_server: KitsuServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with kitsu_server.connect() as setup:
        project = setup.projects.new(name=Names()("MyProject"), production_type="short")
    for name in ("GADGET_ENV_FILE", "TRACKER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_URL", kitsu_server.api_url)
    monkeypatch.setenv("TRACKER_LOGIN", kitsu_server.admin_email)
    monkeypatch.setenv("TRACKER_PASSWORD", kitsu_server.admin_password)
    monkeypatch.setenv("TRACKER_PROJECT", project.name)
    monkeypatch.setenv("TRACKER_EVENTS_URL", kitsu_server.events_url)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs.kitsu"}
    text = PAGE.read_text(encoding="utf-8")
    ran = 0
    for match in _BLOCK.finditer(text):
        mark, lang, code = match.groups()
        if lang != "python" or mark == "skip":
            continue
        line = text[: match.start()].count("\n") + 1
        try:
            exec(compile(code, f"{PAGE}:{line}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - shown on failure
            raise AssertionError(f"kitsu.md:{line}: {type(exc).__name__}: {exc}") from exc
        ran += 1
    assert ran >= 4
    assert namespace["project"].id == project.id  # type: ignore[attr-defined]


def test_the_mapping_table_names_every_rename() -> None:
    """Each Kitsu -> gadget rename of convert.FIELDS has its row, under its kind."""
    text = PAGE.read_text(encoding="utf-8")
    table = text[text.index("## Field mapping") : text.index("## What the calls cost")]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    for kind, fields in convert.FIELDS.items():
        label = kind.replace("_", " ")
        mine = [r for r in rows if r.split("|")[1].strip() == label]
        assert mine, f"no row for {label}"
        cells = " ".join(mine)
        for kitsu, gadget_name in fields.items():
            if kitsu == gadget_name:
                continue  # "same" fields need no row
            assert f"`{kitsu}" in cells, f"{kind}.{kitsu} is not in the table"
            assert f"`{gadget_name}`" in cells, f"{kind}.{gadget_name} is not in the table"
