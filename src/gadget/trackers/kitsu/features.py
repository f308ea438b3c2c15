"""What a Zou server can do, told by its version; no I/O here.

Zou says its version on GET of the API root (``{"api": "Zou", "version":
"1.0.97"}``, any login or none) and nowhere else: not in a header, not in
the login's answer. :class:`~gadget.trackers.kitsu.state.KitsuState` reads
it once per tracker, lazily (``KitsuState.features``), and turns it into a
:class:`ServerFeatures` here. A Zou older than :data:`MINIMUM` is refused
with a ConfigError naming both versions (:func:`features_of`).

When each feature came, read in Zou's history (the first tag holding the
commit; the wheels of 1.0.68 and 1.0.69 for the ETag, which is after the
last tag of the mirror read):

===================================================  ========  =========================
what                                                 since     read from
===================================================  ========  =========================
``with-tasks?compact=true`` (positional rows)        1.0.53    b29a8f40, fea24bc5
``with-tasks?stream=true`` (NDJSON)                  1.0.53    b29a8f40, fea24bc5
``with-tasks`` ETag and 304 (``If-None-Match``)      1.0.69    zou/app/utils/http_cache.py
                                                               (in 1.0.69, not in 1.0.68)
PUT ``data/projects/{id}/entities/casting`` (bulk)   1.0.54    abc35212
POST ``actions/playlists/{id}/add-entity``           1.0.15    abc0a2ba
POST ``actions/tasks/{id}/batch-comment``            0.20.9    c6f38c56
``data/projects/{id}/comments``: users, supervisors  0.19.64   21c752cd (admins only from
and managers (never vendors nor clients)                       0.10.25, aa052e69)
``data/sequences/{id}/shot-tasks``                   0.11.64   4716125e
``with-tasks?episode_id=``                           0.8.5     5d40e7cd
``data/user/tasks``, ``data/user/done-tasks``        0.4.8     4b96972d, 5c8d6a61
===================================================  ========  =========================

:data:`MINIMUM` is the oldest Zou holding every route gadget uses without
another way to do the same (adding to a playlist came last, 1.0.15). What
came later has a fallback, chosen by :class:`ServerFeatures`: with-tasks
in its plain form (a list of dicts, twice the bytes), no validator (a walk
past the cache's lifetime is read again in full), one PUT of casting per
shot. gadget is tested on Zou 1.0.97, and on it with the features of an
older version forced (the tracker option ``zou_version``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gadget.errors import ConfigError, GadgetError

__all__ = [
    "CURRENT",
    "MINIMUM",
    "RouteMissing",
    "ServerFeatures",
    "features_of",
    "forced",
    "parse_version",
    "version_text",
]

Version = tuple[int, int, int]

#: The oldest Zou gadget supports.
MINIMUM: Version = (1, 0, 15)
#: The Zou gadget is checked against.
CURRENT: Version = (1, 0, 97)

COMPACT_SINCE: Version = (1, 0, 53)
STREAM_SINCE: Version = (1, 0, 53)
ETAG_SINCE: Version = (1, 0, 69)
BULK_CASTING_SINCE: Version = (1, 0, 54)
PROJECT_COMMENTS_SINCE: Version = (0, 19, 64)

_VERSION = re.compile(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?![\d.]*\.\d)")


class RouteMissing(GadgetError):
    """The server has no such route (404 to a request without credentials too,
    or 405): an older Zou. The Kitsu tracker falls back and remembers it."""


def parse_version(text: Any) -> Version | None:
    """``(major, minor, patch)`` of a version string, None when it is none.

    ``"1.0.97"``, ``"v1.0.97"``, ``"1.0.97rc1"``, ``"1.0.97.dev3"``,
    ``"1.0.97+local"`` give ``(1, 0, 97)``; ``"1.1"`` gives ``(1, 1, 0)``;
    ``None``, ``""``, ``"main"``, ``"1"`` and four numbers (``"1.0.9.7"``)
    give None.
    """
    if not isinstance(text, str):
        return None
    found = _VERSION.match(text)
    if found is None:
        return None
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch or 0)


def version_text(version: Version) -> str:
    """``"1.0.97"``."""
    return ".".join(str(n) for n in version)


@dataclass(frozen=True)
class ServerFeatures:
    """What one Zou offers, by its version (module docstring: since when).

    ``version`` is None for a server that did not say (or said something
    that is not a version): it is then taken as the current one.
    """

    version: Version | None
    compact: bool
    stream: bool
    etag: bool
    bulk_casting: bool
    project_comments: bool

    @classmethod
    def of(cls, version: Version | None) -> ServerFeatures:
        """The features of Zou ``version`` (None: all of them)."""
        at = version or CURRENT
        return cls(
            version=version,
            compact=at >= COMPACT_SINCE,
            stream=at >= STREAM_SINCE,
            etag=at >= ETAG_SINCE,
            bulk_casting=at >= BULK_CASTING_SINCE,
            project_comments=at >= PROJECT_COMMENTS_SINCE,
        )

    def as_dict(self) -> dict[str, bool]:
        """The features by name (for ``server_info`` and ``gadget doctor``)."""
        return {
            "compact": self.compact,
            "stream": self.stream,
            "etag": self.etag,
            "bulk_casting": self.bulk_casting,
            "project_comments": self.project_comments,
        }


def features_of(answer: Any, where: str) -> ServerFeatures:
    """The features of the server whose API root answered ``answer``; a
    ConfigError naming the version found and the minimum when it is older
    than :data:`MINIMUM`."""
    said = answer.get("version") if isinstance(answer, Mapping) else None
    version = parse_version(said)
    if version is not None and version < MINIMUM:
        raise ConfigError(
            f"{where} runs Zou {version_text(version)}; gadget needs Zou "
            f"{version_text(MINIMUM)} or later (checked against {version_text(CURRENT)}): "
            "upgrade the server (pip install -U zou), see docs/kitsu.md, Supported Zou versions"
        )
    return ServerFeatures.of(version)


def forced(value: Any) -> ServerFeatures:
    """The features of the version the tracker option ``zou_version`` names
    (a ConfigError for one that is no version, or older than the minimum)."""
    version = parse_version(value)
    if version is None:
        raise ConfigError(f"zou_version is a Zou version such as '1.0.52', not {value!r}")
    if version < MINIMUM:
        raise ConfigError(
            f"zou_version {version_text(version)} is older than gadget supports: "
            f"Zou {version_text(MINIMUM)} or later"
        )
    return ServerFeatures.of(version)
