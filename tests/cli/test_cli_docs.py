"""Every example in docs/*.md runs, so the docs stay true of the code.

In each page, in order, in a fresh working directory holding the demo studio
(``gadget-demo.db``) and a clean environment:

- a ```` ```python ```` block is executed; the blocks of one page share one
  namespace, like cells of a notebook;
- a ```` ```console ```` block runs its ``$ gadget ...`` lines through
  :func:`gadget.cli.main` (``VAR=value`` prefixes, ``$ export VAR=value`` and
  ``$ unset VAR`` lines set the environment) and each must exit 0; other ``$`` lines
  (``make``, ``pip``) are not run.

An HTML comment on the line before a block changes that:
``<!-- doc-test: skip REASON -->`` (not run: needs a Kitsu server ...),
``<!-- doc-test: file NAME -->`` (the block is written to the file NAME),
``<!-- doc-test: exit N -->`` (the block's commands exit with N).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gadget.cli import main
from gadget.trackers import registry
from gadget.trackers.base import OPTIONAL_METHODS, REQUIRED_METHODS

DOCS = Path(__file__).resolve().parents[2] / "docs"
# kitsu.md needs the Kitsu server: tests/kitsu/test_kitsu_docs.py runs its examples there;
# benchmarks.md is written by benchmarks/run.py and holds figures, not examples
PAGES = sorted(p.name for p in DOCS.glob("*.md") if p.name not in ("kitsu.md", "benchmarks.md"))
_FENCE = re.compile(r"^```(\w*)\s*$")
_MARK = re.compile(r"^<!--\s*doc-test:\s*(\w+)\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    lang: str
    code: str
    line: int
    mark: str = ""
    arg: str = ""


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a markdown page, with the doc-test mark before each."""
    found: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        prev = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        mark = _MARK.match(prev)
        found.append(
            Block(
                fence.group(1),
                "\n".join(body) + "\n",
                start + 1,
                mark.group(1) if mark else "",
                mark.group(2) if mark else "",
            )
        )
    return found


def _copy_demo(demo_db: Path, into: Path) -> None:
    shutil.copy2(demo_db, into / "gadget-demo.db")
    files = demo_db.with_name(demo_db.stem + ".files")
    if files.is_dir():
        shutil.copytree(files, into / "gadget-demo.files")


def _run_console(block: Block, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = int(block.arg) if block.mark == "exit" else 0
    for raw in block.code.splitlines():
        if not raw.startswith("$ "):
            continue
        words = shlex.split(raw[2:], comments=True)
        if words[:1] == ["export"]:
            for word in words[1:]:
                name, _, value = word.partition("=")
                monkeypatch.setenv(name, value)
            continue
        if words[:1] == ["unset"]:
            for name in words[1:]:
                monkeypatch.delenv(name, raising=False)
            continue
        env = {}
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if words[:1] != ["gadget"]:
            continue
        with monkeypatch.context() as local:
            for name, value in env.items():
                local.setenv(name, value)
            code = main(words[1:])
        assert code == expected, f"{page}:{block.line}: `{raw[2:]}` exited {code}"


def test_the_pages_are_there() -> None:
    assert {"index.md", "getting-started.md", "concepts.md", "errors.md", "cli.md"} <= set(PAGES)
    assert "writing-a-tracker.md" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_doc_examples_run(
    page: str, demo_db: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy_demo(demo_db, isolated)
    monkeypatch.syspath_prepend(str(isolated))  # examples import the files they write
    monkeypatch.setattr(registry._registry, "runtime", dict(registry._registry.runtime))
    namespace: dict[str, object] = {"__name__": f"docs.{page}"}
    ran = 0
    for block in blocks((DOCS / page).read_text(encoding="utf-8")):
        if block.mark == "skip":
            continue
        if block.mark == "file":
            target = isolated / block.arg
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")
            continue
        if block.lang == "python":
            code = compile(block.code, f"{DOCS / page}:{block.line}", "exec")
            try:
                exec(code, namespace)
            except Exception as exc:  # pragma: no cover - shown on failure
                raise AssertionError(f"{page}:{block.line}: {type(exc).__name__}: {exc}") from exc
            ran += 1
        elif block.lang == "console":
            _run_console(block, page, monkeypatch)
            ran += 1
    assert ran, f"{page} has no example that runs"


def test_the_markers_are_understood() -> None:
    text = (
        "<!-- doc-test: skip needs Kitsu -->\n```python\nx = 1\n```\n\n"
        "<!-- doc-test: file adm_env.yml -->\n\n```yaml\nA: 1\n```\n```console\n$ gadget ls\n```\n"
    )
    found = blocks(text)
    assert [(b.lang, b.mark, b.arg) for b in found] == [
        ("python", "skip", "needs Kitsu"),
        ("yaml", "file", "adm_env.yml"),
        ("console", "", ""),
    ]
    assert found[1].code == "A: 1\n"


def test_the_tracker_of_writing_a_tracker_passes_the_contract_suite(tmp_path: Path) -> None:
    """The page's memo tracker is the required core only (no optional method, no
    capability but create_persons) and passes what the suite allows it."""
    page = "writing-a-tracker.md"
    files = [b for b in blocks((DOCS / page).read_text(encoding="utf-8")) if b.mark == "file"]
    assert {b.arg for b in files} == {"memo_tracker.py", "conftest.py", "test_contract.py"}
    for block in files:
        (tmp_path / block.arg).write_text(block.code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(
        "memo_tracker_alone", tmp_path / "memo_tracker.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    memo = module.MemoTracker
    assert not set(OPTIONAL_METHODS) & set(vars(memo)), "the memo tracker stubs optional methods"
    assert set(REQUIRED_METHODS) <= set(vars(memo))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_contract.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GADGET_"))},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    # the console sample on the page shows the counts a reader will get
    counts = re.compile(r"(\d+) passed, (\d+) skipped")
    shown = counts.search((DOCS / page).read_text(encoding="utf-8"))
    got = counts.search(done.stdout)
    assert shown is not None and got is not None, done.stdout[-500:]
    assert shown.groups() == got.groups(), f"the page shows {shown[0]}, the suite gives {got[0]}"


def _private_imports(source: str) -> list[str]:
    """The ``gadget._*`` modules (at any depth) ``source`` imports or names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [
            n
            for n in names
            if n.split(".")[0] == "gadget" and any(p.startswith("_") for p in n.split(".")[1:])
        ]
    return found + re.findall(r"\bgadget(?:\.\w+)*\._\w+", source)


def test_private_imports_are_seen() -> None:
    assert _private_imports("import gadget._reading\nfrom gadget.kinds import KINDS\n") == [
        "gadget._reading",
        "gadget._reading",
    ]
    assert _private_imports("from gadget import _png, ids\n") == ["gadget._png"]
    assert _private_imports("from gadget.cli import _demo\n") == ["gadget.cli._demo"]
    assert _private_imports("import gadget.testing.spy\nfrom gadget import connect\n") == []


def test_what_a_tracker_author_reads_imports_only_public_modules() -> None:
    """The docs' examples, gadget.testing (suite, fixtures, spy) and the example
    tracker of the tests import no private ``gadget._*`` module."""
    sources = {
        f"{page}:{block.line}": block.code
        for page in sorted(p.name for p in DOCS.glob("*.md"))
        for block in blocks((DOCS / page).read_text(encoding="utf-8"))
        if block.lang == "python"
    }
    testing = DOCS.parent / "src" / "gadget" / "testing"
    sources.update({str(path): path.read_text(encoding="utf-8") for path in testing.rglob("*.py")})
    example = DOCS.parent / "tests" / "unit" / "test_tracker_contract.py"
    sources[str(example)] = example.read_text(encoding="utf-8")
    for tracker in ("class MemoTracker(Tracker)", "class TicketTracker(Tracker)"):
        assert any(tracker in code for code in sources.values()), tracker
    private = {where: found for where, code in sources.items() if (found := _private_imports(code))}
    assert private == {}


def _table_rows(page: str, header_start: str) -> list[list[str]]:
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def _names(cell: str) -> set[str]:
    return {
        n.strip() for n in cell.split(",") if n.strip() not in ("", "\u2013")
    }  # an en dash: none


def test_the_vocabulary_table_matches_kinds() -> None:
    from gadget.kinds import KINDS

    rows = _table_rows("writing-a-tracker.md", "| kind | fields |")
    assert [r[0] for r in rows] == list(KINDS)
    for kind, fields, key, scope, filters in rows:
        spec = KINDS[kind]
        assert _names(fields) == set(spec.fields), kind
        assert key == spec.key, kind
        assert _names(scope) == set(spec.scope), kind
        assert _names(filters) == {"id", spec.key, *spec.filters}, kind


def test_the_ls_field_table_matches_the_json(demo_env: Path, series_db: Path) -> None:
    from gadget.cli._demo import db_url
    from gadget.cli._listing import KINDS_LISTED, list_rows
    from gadget.session import connect

    common = {"id", "custom_data", "created_at", "updated_at", "url"}
    table = _table_rows("cli.md", "| `ls` | fields |")
    assert [what for what, _ in table] == list(KINDS_LISTED)
    # the demo has no episode: the small series has
    with connect() as session, connect(db_url(series_db)) as series:
        studios = {"Demo": (session, session.projects.fetch("Demo"))}
        studios["Series"] = (series, series.projects.fetch("Series"))
        for what, cell in table:
            documented: set[str] = set()
            # drop " (shot or asset)" and the like, keep "(_id)"
            for name in _names(re.sub(r" \((?!_id\))(?:[^()]|\([^)]*\))*\)", "", cell)):
                if name.endswith("(_id)"):
                    documented |= {name[:-5], name[:-5] + "_id"}
                else:
                    documented.add(name)
            used, project = studios["Series" if what == "episodes" else "Demo"]
            rows = list_rows(what, used, project)
            assert rows, what
            assert set(rows[0]) == documented | common, what
