"""The benchmark's series cache: its key, the --series option, the time budget.

The dump/restore round trip itself needs a server of its own (a restore
replaces the whole database, never done on the test session's server): see
tests/kitsu/test_zou_dump.py for the dump, benchmarks/series.py for the manual
check of a restore (``benchmarks/series.py --state DIR``).
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _bench(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


def test_the_dump_is_keyed_by_parameters_zou_version_and_series_code(tmp_path: Path) -> None:
    series = _bench("series")
    base = series.dump_path(20, 500, 6, root=tmp_path)
    others = {
        series.dump_path(19, 500, 6, root=tmp_path),
        series.dump_path(20, 499, 6, root=tmp_path),
        series.dump_path(20, 500, 5, root=tmp_path),
        series.dump_path(20, 500, 6, zou_version="1.0.98", root=tmp_path),
    }
    assert base.parent == tmp_path
    assert base.name.startswith("series-20x500x6-zou")
    assert base.name.endswith(f"-{series.series_code_hash()}.dump")
    assert base not in others and len(others) == 4


def test_the_code_hash_follows_the_series_code_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    series, seed = _bench("series"), _bench("seed")
    original = series.series_code_hash()
    text = Path(seed.__file__).read_text(encoding="utf-8")
    at = text.index(series.SERIES_MARKER)
    copy = tmp_path / "seed.py"
    shutil.copy(seed.__file__, copy)
    monkeypatch.setattr(seed, "__file__", str(copy))
    assert series.series_code_hash() == original

    copy.write_text("# a comment before the series code\n" + text, encoding="utf-8")
    assert series.series_code_hash() == original

    changed = text[:at] + text[at:].replace("ARTIST_EVERY = 20", "ARTIST_EVERY = 10")
    assert changed != text
    copy.write_text(changed, encoding="utf-8")
    assert series.series_code_hash() != original

    copy.write_text(text.replace(series.SERIES_MARKER, "# gone"), encoding="utf-8")
    with pytest.raises(RuntimeError, match="marker"):
        series.series_code_hash()


def test_series_option_parses_episodes_by_shots(capsys: pytest.CaptureFixture[str]) -> None:
    run = _bench("run")
    assert run.parse([]).series_size == (20, 500)
    assert run.parse(["--series", "3x40"]).series_size == (3, 40)
    assert run.parse(["--series", "0"]).series_size is None
    for bad in ("20", "x500", "0x500", "2x4", "axb"):
        with pytest.raises(SystemExit):
            run.parse(["--series", bad])
        assert "--series EPISODESxSHOTS" in capsys.readouterr().err


def test_budget_plans_a_restore_when_the_dump_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, series = _bench("run"), _bench("series")
    monkeypatch.setenv("GADGET_CACHE_DIR", str(tmp_path))
    args = run.parse(["--series", "2x50", "--state", str(tmp_path)])
    seeding = run.plan_budget(args).planned
    assert "series: seed (no cached dump)" in seeding
    assert "server start" not in seeding  # --state: a running server is reused

    dump = series.dump_path(2, 50, 6)
    assert dump.parent == tmp_path / "bench"
    dump.parent.mkdir(parents=True)
    dump.write_bytes(b"")
    restoring = run.plan_budget(args).planned
    assert "series: restore" in restoring and "series: seed (no cached dump)" not in restoring
    assert restoring["series: restore"] < seeding["series: seed (no cached dump)"]

    assert "series: restore" not in run.plan_budget(run.parse(["--series", "0"])).planned


def test_budget_reports_each_stage_against_its_plan() -> None:
    budget = _bench("budget").Budget()
    budget.plan("seeding", 10)
    budget.plan("runs", 20)
    budget.actual.update({"seeding": 12.0, "runs": 5.0, "extra": 1.0})
    assert budget.total_planned == 30 and budget.total_actual == 18
    assert budget.kept() and budget.over() == ["seeding", "extra"]
    table = budget.table().splitlines()
    assert "| seeding | 10 | 12 | no |" in table
    assert "| runs | 20 | 5 | yes |" in table
    assert "| extra | — | 1 | no |" in table
    assert table[-1] == "| total | 30 | 18 | yes |"
    assert budget.verdict().startswith("the run kept within its time budget (18 s of 30 s)")
    budget.actual["runs"] = 40.0
    assert not budget.kept()
    assert "went over" in budget.verdict()
