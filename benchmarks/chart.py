"""The picture beside docs/benchmarks.md: walk time and memory against the number of shots.

``write_chart(points, path)`` draws two log-log panels from a plain list of
:class:`ScalePoint` (one per tool and project size): the walk's time, and
the memory the walk keeps. A tool that did not finish at a size has no
point there (``None``), so its line stops. It needs matplotlib (the
``bench`` extra: ``pip install -e ".[bench]"``, which ``make bench`` does);
without it nothing is drawn and ``write_chart`` returns None.

Only for the benchmark command (benchmarks/run.py); nothing in gadget imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MEMORY_KEPT", "TOOLS", "ScalePoint", "write_chart"]

#: the tools a point may name, in the legend's order, with their line styles
TOOLS = {
    "gadget": {"color": "#1f77b4", "marker": "o", "linestyle": "-"},
    "raw request": {"color": "#7f7f7f", "marker": "s", "linestyle": "--"},
    "raw compact": {"color": "#2ca02c", "marker": "^", "linestyle": ":"},
    "gazu": {"color": "#d62728", "marker": "D", "linestyle": "-."},
}

#: the memory panel's label when the points hold what the walk keeps
MEMORY_KEPT = "memory kept after the walk (MiB)"


@dataclass(frozen=True)
class ScalePoint:
    """One tool at one size: the walk's seconds and the MiB it keeps (None: not
    measured, or the tool did not finish)."""

    tool: str
    shots: int
    walk_seconds: float | None = None
    kept_mib: float | None = None

    def __post_init__(self) -> None:
        if self.tool not in TOOLS:
            raise ValueError(f"unknown tool {self.tool!r}; known: {', '.join(TOOLS)}")
        if self.shots < 1:
            raise ValueError(f"shots must be at least 1, not {self.shots}")


def write_chart(
    points: Sequence[ScalePoint], path: Path, *, memory_label: str = MEMORY_KEPT
) -> Path | None:
    """Draw ``points`` into the PNG ``path`` (two panels: walk time and memory
    against shots, log-log); returns ``path``, or None when matplotlib is missing
    or no point has a figure."""
    if not any(p.walk_seconds is not None or p.kept_mib is not None for p in points):
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: files only
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError:
        return None
    fig, (time_ax, mem_ax) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    panels = (
        (time_ax, "walk_seconds", "walk time (s)", "Walk a project with its tasks, cold"),
        (mem_ax, "kept_mib", memory_label, "Memory of that walk"),
    )
    for ax, attr, label, title in panels:
        for tool, style in TOOLS.items():
            mine = sorted(
                (p.shots, getattr(p, attr))
                for p in points
                if p.tool == tool and getattr(p, attr) is not None
            )
            if mine:
                xs, ys = zip(*mine, strict=True)
                ax.plot(xs, ys, label=tool, **style)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(sorted({p.shots for p in points}))  # the sizes measured, and only them
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.yaxis.set_minor_locator(ticker.LogLocator(subs=(2.0, 5.0)))  # 1, 2, 5, 10 ...
        for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            axis(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel("shots in the project")
        ax.set_ylabel(label)
        ax.set_title(title, fontsize=11)
        ax.grid(True, which="both", alpha=0.3)
        if ax.has_data():
            ax.legend(fontsize=9)
        else:
            ax.text(0.5, 0.5, "not measured in this run", ha="center", transform=ax.transAxes)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})  # no version: stable bytes
    plt.close(fig)
    return path
