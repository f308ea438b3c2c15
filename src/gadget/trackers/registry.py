"""Choose a tracker class by URL scheme.

Lookup order: classes registered at run time with :func:`register`, then the
built-in dotted names below, then the ``gadget.trackers`` entry-point group
(``myscheme = mypackage.tracker:MyTracker``). Classes are imported only when
their scheme is first used, so ``import gadget`` never imports gazu.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from gadget.errors import ConfigError

if TYPE_CHECKING:
    from gadget.trackers.base import Tracker

__all__ = [
    "ENTRY_POINT_GROUP",
    "available_schemes",
    "builtin_trackers",
    "register",
    "resolve",
    "scheme_of",
]

ENTRY_POINT_GROUP = "gadget.trackers"

_BUILTIN: dict[str, tuple[str, str | None]] = {
    # scheme: (dotted "module:Class", pip extra that provides its dependencies)
    "sqlite": ("gadget.trackers.local:LocalTracker", None),
    "memory": ("gadget.trackers.local:LocalTracker", None),
    "kitsu+https": ("gadget.trackers.kitsu:KitsuTracker", "kitsu"),
    "kitsu+http": ("gadget.trackers.kitsu:KitsuTracker", "kitsu"),
    "shotgrid+https": ("gadget.trackers.shotgrid:ShotGridTracker", "shotgrid"),
    "shotgrid+http": ("gadget.trackers.shotgrid:ShotGridTracker", "shotgrid"),
}


class _Registry:
    """Run-time registrations; one per process, holding only class paths."""

    def __init__(self) -> None:
        self.runtime: dict[str, str | type[Tracker]] = {}


_registry = _Registry()


def register(scheme: str, target: str | type[Tracker]) -> None:
    """Register a tracker class (or its ``"module:Class"`` path) for ``scheme``."""
    _registry.runtime[scheme.lower()] = target


def scheme_of(url: str) -> str:
    """The registry scheme of a tracker URL.

    Plain ``http(s)://host/api`` (or any http URL whose path is ``/api``) is Kitsu.
    """
    if "://" not in url:
        raise ConfigError(f"tracker URL {url!r} has no scheme (expected scheme://...)")
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    if scheme in ("http", "https"):
        path = "/" + rest.split("/", 1)[1] if "/" in rest else ""
        if path.rstrip("/").endswith("/api"):
            return "kitsu+" + scheme
        raise ConfigError(
            f"cannot tell which tracker serves {url!r}: a plain http(s) URL is taken "
            "as Kitsu only when its path ends with /api; use kitsu+https://... to be explicit"
        )
    return scheme


def _entry_points() -> dict[str, str]:
    from importlib.metadata import entry_points  # costly: only when a scheme is unknown

    return {ep.name.lower(): ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_schemes() -> list[str]:
    """Every scheme that can be resolved now."""
    return sorted(set(_registry.runtime) | set(_BUILTIN) | set(_entry_points()))


def builtin_trackers() -> dict[str, list[str]]:
    """The built-in tracker classes (``"module:Class"``) with the URL schemes each
    serves, in the registry's order. Nothing is imported."""
    found: dict[str, list[str]] = {}
    for scheme, (path, _) in _BUILTIN.items():
        found.setdefault(path, []).append(scheme)
    return found


def _load(path: str, scheme: str, extra: str | None) -> type[Tracker]:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f" (pip install 'gadget[{extra}]')" if extra else ""
        raise ConfigError(f"can't load the tracker for {scheme}://: {exc}{hint}") from exc
    try:
        cls: type[Tracker] = getattr(module, attr)
    except AttributeError as exc:
        raise ConfigError(f"can't load the tracker for {scheme}://: {path} not found") from exc
    return cls


def resolve(url: str) -> type[Tracker]:
    """The tracker class that serves ``url``; ConfigError for an unknown scheme."""
    scheme = scheme_of(url)
    target = _registry.runtime.get(scheme)
    if target is not None and not isinstance(target, str):
        return target
    if isinstance(target, str):
        return _load(target, scheme, None)
    if scheme in _BUILTIN:
        path, extra = _BUILTIN[scheme]
        return _load(path, scheme, extra)
    eps = _entry_points()
    if scheme in eps:
        return _load(eps[scheme], scheme, None)
    raise ConfigError(
        f"no tracker for the URL scheme {scheme!r} in {url.split('://')[0]}://...; "
        f"known schemes: {', '.join(available_schemes())}"
    )
