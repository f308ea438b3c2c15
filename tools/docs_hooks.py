"""MkDocs hooks of the documentation site (``hooks:`` in mkdocs.yml).

At every build they add pages that are not kept in ``docs/``:

- ``reference/commands.md``, the command reference, rendered from the
  argparse parser of ``gadget.cli`` (``gadget --help`` and the help of each
  subcommand, nested ones included), so a new command appears in the site
  when it is added to the parser and an option's help cannot drift;
- ``changelog.md``, the repository's ``CHANGELOG.md``, its links into
  ``docs/`` made relative to the site;
- ``examples/NAME.md`` for each ``examples/*.py`` of the repository: the
  script's source.

A page links to those as it would on GitHub (``../examples/NAME.py``,
``../CHANGELOG.md``); :func:`on_page_markdown` points such links at the
generated pages.

The functions the two hooks call are plain Python, tested in tests/unit/test_docs_site.py.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMMANDS_PAGE = "reference/commands.md"
CHANGELOG_PAGE = "changelog.md"
#: the width the help is wrapped at, whatever the terminal of the build
HELP_COLUMNS = 88


@contextmanager
def _columns(width: int) -> Iterator[None]:
    """argparse wraps help at $COLUMNS: fix it while rendering."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, one-line help, parser)`` of each subcommand of ``parser``, in parser order."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) in seen:  # an alias of a command already listed
                    continue
                seen.add(id(sub))
                found.append((name, helps.get(name, ""), sub))
    return found


def walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str, argparse.ArgumentParser]]:
    """Every command under ``parser`` (depth first): its words, its help, its parser."""
    for name, help_text, sub in _subcommands(parser):
        words = (*path, name)
        yield words, help_text, sub
        yield from walk(sub, words)


def _anchor(words: tuple[str, ...]) -> str:
    return "-".join(["gadget", *words])


def render_commands(parser: argparse.ArgumentParser) -> str:
    """The command reference page (Markdown) of ``parser``: a summary table, then
    each command's ``--help`` output, as argparse prints it."""
    with _columns(HELP_COLUMNS):
        top_help = parser.format_help()
        commands = [(words, text, sub, sub.format_help()) for words, text, sub in walk(parser)]
    lines = [
        "# Command reference",
        "",
        "<!-- generated at build time by tools/docs_hooks.py from gadget.cli's parser: "
        "edit the parser, not this page -->",
        "",
        "The `--help` of `gadget` and of each of its commands, as the installed "
        "command prints it; this page is generated from the command's parser when "
        "the site is built. [The `gadget` command](../cli.md) explains the "
        "commands with examples, the exit codes and the JSON format.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for words, text, _sub, _help in commands:
        label = " ".join(["gadget", *words])
        lines.append(f"| [`{label}`](#{_anchor(words)}) | {_cell(text)} |")
    lines += ["", "## `gadget`", "", "```text", top_help.rstrip(), "```", ""]
    for words, _text, _sub, help_text in commands:
        label = " ".join(["gadget", *words])
        lines += [
            f"## `{label}` {{ #{_anchor(words)} }}",
            "",
            "```text",
            help_text.rstrip(),
            "```",
            "",
        ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


#: a Markdown link target starting with docs/ (CHANGELOG.md sits at the root)
_DOCS_LINK = re.compile(r"\]\(docs/")


def changelog_for_site(text: str) -> str:
    """CHANGELOG.md with its ``docs/...`` links made relative to the site's root."""
    return _DOCS_LINK.sub("](", text)


def example_page(path: Path) -> str:
    """The page showing the example script ``path``: its source."""
    source = path.read_text(encoding="utf-8")
    return "\n".join(
        [
            f"# examples/{path.name}",
            "",
            f"The script `examples/{path.name}` of the repository, as it is in this version.",
            "",
            "```python",
            source.rstrip(),
            "```",
            "",
        ]
    )


def repo_links(markdown: str, depth: int) -> str:
    """``markdown`` (a page ``depth`` folders below the docs' root) with its links to
    files of the repository that the site holds as pages of their own pointing at
    those pages: ``../examples/NAME.py`` at ``examples/NAME.md``, ``../CHANGELOG.md``
    at ``changelog.md``. Such links work on GitHub as written."""
    up = "../" * depth
    examples = re.compile(r"\]\(" + re.escape(up) + r"\.\./examples/([\w-]+)\.py\)")
    markdown = examples.sub(lambda m: f"]({up}examples/{m.group(1)}.md)", markdown)
    changelog = re.compile(r"\]\(" + re.escape(up) + r"\.\./CHANGELOG\.md(#[^)]*)?\)")
    return changelog.sub(lambda m: f"]({up}{CHANGELOG_PAGE}{m.group(1) or ''})", markdown)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the build (mkdocs >= 1.6)."""
    from mkdocs.structure.files import File, InclusionLevel

    from gadget.cli import _parser

    files.append(File.generated(config, COMMANDS_PAGE, content=render_commands(_parser())))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    files.append(File.generated(config, CHANGELOG_PAGE, content=changelog_for_site(changelog)))
    for script in sorted((ROOT / "examples").glob("*.py")):
        files.append(
            File.generated(
                config,
                f"examples/{script.stem}.md",
                content=example_page(script),
                inclusion=InclusionLevel.NOT_IN_NAV,  # reached by the pages' links
            )
        )
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Point links to repository files at the pages made of them by :func:`on_files`."""
    return repo_links(markdown, page.file.src_uri.count("/"))
