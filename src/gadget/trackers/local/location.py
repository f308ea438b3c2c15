"""Where a local tracker keeps its database and files, read from its URL.

The forms are SQLAlchemy's: what follows ``sqlite:///`` (three slashes) is a
path, relative unless it starts with a fourth slash.

- ``sqlite:///studio.db``: ``studio.db`` relative to the working directory
  (``sqlite:///tmp/x.db`` is ``tmp/x.db`` there, not ``/tmp/x.db``);
- ``sqlite:////abs/path/studio.db``: the absolute path ``/abs/path/studio.db``;
- ``sqlite:///~/studio.db``: ``~`` is expanded;
- ``memory://`` or ``memory://name`` (and SQLAlchemy's ``sqlite://``): a
  private in-memory database, one per tracker instance.

Parsing touches no file; whether a missing database may be created is the
tracker's decision (``gadget.connect(url, create=True)``).

Files (previews, attachments) live beside the database in ``<stem>.files/``;
an in-memory tracker keeps them in a temporary directory of its own.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from gadget.errors import ConfigError

__all__ = ["Location", "parse_url"]


@attrs.frozen
class Location:
    """The database file of a local tracker (None when in memory)."""

    url: str
    database: Path | None

    @property
    def in_memory(self) -> bool:
        """True for a ``memory://`` tracker."""
        return self.database is None

    @property
    def files_dir(self) -> Path | None:
        """``<db stem>.files`` beside the database; None when in memory."""
        if self.database is None:
            return None
        return self.database.with_name(self.database.stem + ".files")

    @property
    def label(self) -> str:
        """How messages name this database."""
        return str(self.database) if self.database is not None else self.url


def parse_url(url: str) -> Location:
    """The :class:`Location` of a ``sqlite://`` or ``memory://`` URL.

    A relative path is made absolute against the current working directory
    now, so a later ``chdir`` does not move the database. No file is touched.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(
            f"tracker URL {url!r} has no scheme (expected sqlite:///path or memory://)"
        )
    scheme = scheme.lower()
    if scheme == "memory":
        return Location(url=url, database=None)
    if scheme != "sqlite":
        raise ConfigError(f"the local tracker serves sqlite:// and memory:// URLs, not {scheme}://")
    if "?" in rest:
        raise ConfigError(f"the local tracker takes no query parameters in its URL: {url!r}")
    if rest in ("", "/", "/:memory:"):
        return Location(url=url, database=None)
    raw = rest[1:] if rest.startswith("/") else rest
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    return Location(url=url, database=path)
