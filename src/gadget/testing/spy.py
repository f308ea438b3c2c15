"""Counting the calls a session makes into its tracker, without pytest.

:class:`TrackerSpy` is what the contract suite proves laziness and batching
with (re-exported by :mod:`gadget.testing`), and what ``gadget demo`` counts
its walk with. A tracker author may use it in any test or script: this
module imports no pytest (nor does ``import gadget.testing.spy``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from gadget.trackers.base import OPTIONAL_METHODS, REQUIRED_METHODS, Tracker

__all__ = ["TRACKER_METHODS", "Call", "TrackerSpy"]

#: The tracker methods :class:`TrackerSpy` counts: the whole Tracker contract,
#: required and optional, but ``open`` and ``close``.
TRACKER_METHODS: tuple[str, ...] = tuple(
    sorted(
        name
        for name in (
            *REQUIRED_METHODS,
            *OPTIONAL_METHODS,
            "create_many",
            "list_with_children",
            "find_comment",
            "complete_comment",
        )
        if name not in ("open", "close")
    )
)


class Call:
    """One call the session made into its tracker."""

    __slots__ = ("args", "kwargs", "method")

    def __init__(self, method: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        self.method = method
        self.args = args
        self.kwargs = dict(kwargs)

    def __repr__(self) -> str:
        shown = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.method}({', '.join(shown)})"

    @property
    def kind(self) -> Any:
        """The first argument (the kind, for list/get/create/list_children ...)."""
        return self.args[0] if self.args else None


class TrackerSpy:
    """Records the calls a session makes into its tracker.

    Only the outermost calls count: a tracker whose ``list_children`` calls
    its own ``list`` is seen making one ``list_children`` call (outermost in
    its thread: the calls the session makes from threads of its own count). A
    ``list_with_children`` the tracker declines (None) is not a call. The tracker's
    behaviour is unchanged. Use as a context manager (or :meth:`install` /
    :meth:`uninstall`)::

        with TrackerSpy(session.tracker) as spy:
            repr(project.shots)
        assert spy.calls == []
    """

    def __init__(self, tracker: Tracker, methods: tuple[str, ...] = TRACKER_METHODS) -> None:
        self.tracker = tracker
        self.methods = methods
        self.calls: list[Call] = []
        self._local = threading.local()  # call depth, per thread
        self._installed = False
        self._saved: dict[str, Any] = {}

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def spy(*args: Any, **kwargs: Any) -> Any:
            call = Call(name, args, kwargs)
            depth = getattr(self._local, "depth", 0)
            if depth == 0:
                self.calls.append(call)
            self._local.depth = depth + 1
            try:
                result = method(*args, **kwargs)
            finally:
                self._local.depth = depth
            if result is None and name == "list_with_children" and call in self.calls:
                self.calls.remove(call)  # declined, as the contract says, without I/O
            return result

        spy.__name__ = name
        return spy

    def install(self) -> TrackerSpy:
        if not self._installed:
            own = vars(self.tracker)
            self._saved = {name: own[name] for name in self.methods if name in own}
            for name in self.methods:
                setattr(self.tracker, name, self._wrap(name, getattr(self.tracker, name)))
            self._installed = True
        return self

    def uninstall(self) -> None:
        if self._installed:
            for name in self.methods:
                if name in self._saved:
                    setattr(self.tracker, name, self._saved[name])
                else:
                    with contextlib.suppress(AttributeError):
                        delattr(self.tracker, name)
            self._saved = {}
            self._installed = False

    def __enter__(self) -> TrackerSpy:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def reset(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()

    def count(self, method: str | None = None, kind: str | None = None) -> int:
        """How many calls of ``method`` (any when None) on ``kind`` (any when None)."""
        return len(self.of(method, kind))

    def listed(self, kind: str) -> int:
        """How many calls listed ``kind``: ``list`` or ``list_with_children`` (which
        lists it with its children)."""
        return self.count("list", kind) + self.count("list_with_children", kind)

    def of(self, method: str | None = None, kind: str | None = None) -> list[Call]:
        """The calls of ``method`` on ``kind`` (either may be None for any)."""
        return [
            c
            for c in self.calls
            if (method is None or c.method == method) and (kind is None or c.kind == kind)
        ]

    def __repr__(self) -> str:
        return f"<TrackerSpy {len(self.calls)} calls: {self.calls[:10]!r}>"
