"""The documentation site's generated parts and what keeps its pages in step.

The site itself is built by ``make docs`` (``mkdocs build --strict``, part of
``make test``); these tests need no mkdocs: they run the hook functions of
tools/docs_hooks.py and tools/griffe_rst_roles.py on their own.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from gadget.cli import _parser
from gadget.config import ENV_VARS
from gadget.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _tool(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "tools"))


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    return _tool("docs_hooks")


def _nested_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tool", description="the tool")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("first", help="the first | command", description="first, at length")
    second = commands.add_parser("second", help="a group", aliases=["2nd"])
    inner = second.add_subparsers(dest="inner", metavar="SUB")
    run = inner.add_parser("run", help="run it")
    run.add_argument("--fast", action="store_true", help="quickly")
    inner.add_parser("stop", help="stop it")
    return parser


def test_every_command_nested_ones_included_is_rendered_once(hooks: ModuleType) -> None:
    page = hooks.render_commands(_nested_parser())
    headings = re.findall(r"^## `([^`]+)`", page, re.MULTILINE)
    assert headings == [
        "gadget",
        "gadget first",
        "gadget second",
        "gadget second run",
        "gadget second stop",
    ]
    rows = re.findall(r"^\| \[`([^`]+)`\]\(#([\w-]+)\) \| (.*) \|$", page, re.MULTILINE)
    assert rows == [
        ("gadget first", "gadget-first", "the first \\| command"),
        ("gadget second", "gadget-second", "a group"),
        ("gadget second run", "gadget-second-run", "run it"),
        ("gadget second stop", "gadget-second-stop", "stop it"),
    ]
    # each anchor of the table is the id its heading is given
    for _label, anchor, _text in rows:
        assert f"{{ #{anchor} }}" in page
    # each command's own help, as argparse prints it
    assert "first, at length" in page
    assert "--fast" in page and "quickly" in page
    assert "2nd" not in page.split("## `gadget first`")[1].split("## `gadget second`")[0]


def test_the_reference_of_gadget_shows_each_commands_help(hooks: ModuleType) -> None:
    parser = _parser()
    page = hooks.render_commands(parser)
    words = [" ".join(w) for w, _help, _sub in hooks.walk(parser)]
    assert words, "gadget has commands"
    for command in words:
        assert f"## `gadget {command}`" in page, command
        assert f"usage: gadget {command}" in page, command


def test_the_help_is_wrapped_the_same_whatever_the_terminal(
    hooks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = []
    for columns in ("40", "300"):
        monkeypatch.setenv("COLUMNS", columns)
        pages.append(hooks.render_commands(_parser()))
    assert pages[0] == pages[1]
    assert (
        max(len(line) for line in pages[0].split("```text")[1].splitlines()) <= hooks.HELP_COLUMNS
    )
    assert hooks.os.environ["COLUMNS"] == "300"  # restored


def test_changelog_links_into_docs_become_site_links(hooks: ModuleType) -> None:
    text = "[a](docs/shotgrid.md) [b](docs/concepts.md#the-session) [c](https://x.org/docs/y)"
    assert hooks.changelog_for_site(text) == (
        "[a](shotgrid.md) [b](concepts.md#the-session) [c](https://x.org/docs/y)"
    )


def test_links_to_repository_files_lead_to_their_pages(hooks: ModuleType) -> None:
    text = (
        "see [it](../examples/pipeline.py), [that](../src/gadget/cli.py),"
        " [news](../CHANGELOG.md) and [fixed](../CHANGELOG.md#fixed)"
    )
    assert hooks.repo_links(text, 0) == (
        "see [it](examples/pipeline.md), [that](../src/gadget/cli.py),"
        " [news](changelog.md) and [fixed](changelog.md#fixed)"
    )
    deeper = "see [it](../../examples/pipeline.py) and [news](../../CHANGELOG.md)"
    assert hooks.repo_links(deeper, 1) == (
        "see [it](../examples/pipeline.md) and [news](../changelog.md)"
    )
    page = hooks.example_page(ROOT / "examples" / "pipeline.py")
    assert page.startswith("# examples/pipeline.py\n")
    assert (ROOT / "examples" / "pipeline.py").read_text(encoding="utf-8").rstrip() in page


def test_rest_roles_read_as_markdown() -> None:
    roles = _tool("griffe_rst_roles")
    text = (
        "Raises :class:`~gadget.errors.ConfigError`; see :meth:`Session.close` and\n"
        ":mod:`.records`. An example::\n\n    x = 1\n\n::\n\n    y = 2\n"
    )
    assert roles.rst_to_markdown(text) == (
        "Raises `ConfigError`; see `Session.close` and\n"
        "`records`. An example:\n\n    x = 1\n\n\n\n    y = 2\n"
    )
    assert roles.rst_to_markdown("a ``b`` c: d") == "a ``b`` c: d"


def _nav_pages() -> list[str]:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") :]
    return re.findall(r":\s+([\w./-]+\.md)\s*$", nav, re.MULTILINE)


def test_every_page_of_docs_is_in_the_nav(hooks: ModuleType) -> None:
    """mkdocs build --strict says so too; this says it in the fast test loop."""
    on_disk = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    generated = {hooks.COMMANDS_PAGE, hooks.CHANGELOG_PAGE}
    nav = _nav_pages()
    assert len(nav) == len(set(nav)), "a page is twice in the nav"
    missing = sorted(on_disk - set(nav))
    assert missing == [], f"add these pages to the nav of mkdocs.yml: {missing}"
    assert sorted(set(nav) - on_disk - generated) == []


def _table(page: str, header_start: str) -> Iterator[list[str]]:
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        yield [cell.strip().strip("`") for cell in line.strip("|").split("|")]


def test_the_local_trackers_table_maps_every_kind_to_its_table() -> None:
    from gadget.trackers.local.schema import FIELD_TYPES

    rows = list(_table("local.md", "| kind | table |"))
    assert [kind.replace(" ", "_") for kind, *_ in rows] == list(KINDS)
    assert [table for _kind, table, _form in rows] == list(FIELD_TYPES)


def test_the_local_page_names_every_table_of_a_new_database(tmp_path: Path) -> None:
    import sqlite3

    import gadget

    gadget.connect(f"sqlite:///{tmp_path}/studio.db", create=True).close()
    conn = sqlite3.connect(tmp_path / "studio.db")
    try:
        tables = {
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] != "sqlite_sequence"
        }
    finally:
        conn.close()
    text = (DOCS / "local.md").read_text(encoding="utf-8")
    assert {t for t in tables if f"`{t}`" not in text} == set()
    assert tables - set(KINDS) == {"casting", "time_spent", "team", "playlist_entry"}


def test_the_configuration_page_lists_every_variable() -> None:
    rows = [row[0] for row in _table("configuration.md", "| variable |")]
    assert rows == [*ENV_VARS, "GADGET_ENV_FILE"]


def test_every_picture_a_page_shows_is_in_docs() -> None:
    """mkdocs build --strict does not check images (a missing one still builds):
    each ``![...](file)`` of a page must name a file beside the pages."""
    shown = [
        (page, target)
        for page in DOCS.rglob("*.md")
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text(encoding="utf-8"))
        if "://" not in target
    ]
    assert any(target == "benchmarks.png" for _page, target in shown)  # the benchmark's picture
    missing = [
        f"{page.relative_to(DOCS)}: {target}"
        for page, target in shown
        if not (page.parent / target).is_file()
    ]
    assert missing == []
