"""The capability matrix (docs/capabilities.md), generated from the trackers' declarations."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

import pytest

from gadget.trackers import registry
from gadget.trackers.base import CAPABILITIES, CAPABILITY_MEANINGS
from gadget.trackers.local import LocalTracker
from gadget.trackers.matrix import (
    BEGIN,
    END,
    builtin_tracker_classes,
    capability_matrix,
    with_matrix,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "capabilities.md"


def _tables(text: str) -> list[dict[str, list[str]]]:
    """Each markdown table of ``text`` as {first cell: the other cells}, header included."""
    tables: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set(cells) == {"---"}:
            continue
        if current is None:
            current = {}
            tables.append(current)
        current[cells[0].strip("`")] = cells[1:]
    return tables


class _Casts(LocalTracker):
    name: ClassVar[str] = "casts"
    capabilities: ClassVar[frozenset[str]] = frozenset({"casting"})
    concurrent_reads: ClassVar[bool] = True
    option_names: ClassVar[frozenset[str]] = frozenset({"timeout"})
    name_filters: ClassVar[frozenset[str]] = frozenset()


class _Bare(LocalTracker):
    name: ClassVar[str] = "bare"
    capabilities: ClassVar[frozenset[str]] = frozenset()
    projects_by_team: ClassVar[bool] = True
    option_names: ClassVar[frozenset[str]] = frozenset()


def test_the_committed_page_is_up_to_date() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert with_matrix(page, capability_matrix()) == page, (
        "docs/capabilities.md is stale: run python tools/capability_matrix.py"
    )


def test_every_builtin_tracker_is_a_column_with_its_declarations() -> None:
    pairs = builtin_tracker_classes()
    assert [f"{cls.__module__.rsplit('.', 1)[0]}:{cls.__name__}" for cls, _ in pairs] == list(
        registry.builtin_trackers()
    )
    capabilities, declarations = _tables(capability_matrix())
    assert capabilities["capability"] == ["what it means", *(f"`{c.name}`" for c, _ in pairs)]
    for i, (cls, schemes) in enumerate(pairs, start=1):
        for capability in CAPABILITIES:
            mark = capabilities[capability][i]
            assert mark == ("yes" if capability in cls.capabilities else "\u2013"), capability
        assert all(f"`{s}://`" in declarations["URL schemes"][i - 1] for s in schemes)


def test_one_row_per_capability_with_its_meaning() -> None:
    capabilities, declarations = _tables(capability_matrix([(_Casts, ["casts"]), (_Bare, ["b"])]))
    assert set(capabilities) - {"capability"} == CAPABILITIES
    assert capabilities["casting"] == [CAPABILITY_MEANINGS["casting"], "yes", "\u2013"]
    for capability in CAPABILITIES - {"casting"}:
        assert capabilities[capability] == [CAPABILITY_MEANINGS[capability], "\u2013", "\u2013"]
    assert declarations["URL schemes"] == ["`casts://`", "`b://`"]
    assert declarations["option_names"] == ["`timeout`", "\u2013"]
    assert declarations["name_filters"] == ["\u2013", "`task_type_name`"]  # inherited
    assert declarations["concurrent_reads"] == ["yes", "no"]
    assert declarations["projects_by_team"] == ["no", "yes"]


def test_every_capability_has_a_one_line_meaning() -> None:
    assert set(CAPABILITY_MEANINGS) == CAPABILITIES
    for capability, meaning in CAPABILITY_MEANINGS.items():
        assert meaning.strip() == meaning and meaning, capability
        assert "\n" not in meaning and "|" not in meaning, capability


def test_an_unknown_capability_is_refused() -> None:
    class Odd(LocalTracker):
        capabilities: ClassVar[frozenset[str]] = frozenset({"casting", "teleport"})

    with pytest.raises(ValueError, match="Odd declares unknown capabilities: teleport"):
        capability_matrix([(Odd, ["odd"])])


def test_the_tables_go_between_the_markers() -> None:
    page = f"intro\n{BEGIN}\nold table\n{END}\noutro\n"
    assert with_matrix(page, "new table\n") == f"intro\n{BEGIN}\n\nnew table\n\n{END}\noutro\n"
    for broken in ("no markers", f"{END}\n{BEGIN}\n", f"{BEGIN}\n{BEGIN}\n{END}\n"):
        with pytest.raises(ValueError, match="capability-matrix"):
            with_matrix(broken, "x")


def test_the_tool_rewrites_a_stale_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import capability_matrix as tool
    finally:
        sys.path.remove(str(ROOT / "tools"))
    page = tmp_path / "capabilities.md"
    page.write_text(f"# Capabilities\n\n{BEGIN}\n| stale |\n{END}\n", encoding="utf-8")
    assert tool.main(["--check", "--page", str(page)]) == 1
    assert "stale" in capsys.readouterr().err
    assert tool.main(["--page", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == with_matrix(page.read_text(), capability_matrix())
    assert "| stale |" not in page.read_text(encoding="utf-8")
    assert tool.main(["--check", "--page", str(page)]) == 0


def test_the_page_is_linked_from_the_index_and_the_readme() -> None:
    assert "(capabilities.md)" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(docs/capabilities.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
