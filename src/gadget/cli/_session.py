"""What the commands that read a project share: the settings, a session, the project.

:func:`open_project` connects with the settings of the environment /
adm_env.yml and fetches the project named by ``--project`` or
``TRACKER_PROJECT``; :func:`natural` is the sort key of every listing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from gadget.errors import ConfigError

if TYPE_CHECKING:
    from gadget.entities import Project
    from gadget.session import Session

__all__ = ["natural", "open_project", "open_session"]

_DIGITS = re.compile(r"(\d+)")


def natural(text: object) -> tuple[tuple[object, ...], str]:
    """Sort key putting ``"sh9"`` before ``"sh10"`` (runs of digits compare as
    numbers, the rest without case); None sorts first."""
    if text is None:
        return ((), "")
    value = str(text)
    parts = _DIGITS.split(value)
    key = tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts))
    return key, value


@contextlib.contextmanager
def open_session() -> Iterator[Session]:
    """A session with the settings of the environment / adm_env.yml, closed at the end."""
    from gadget.config import load_config
    from gadget.session import connect

    with connect(config=load_config()) as session:
        yield session


def project_name(command: str, given: str | None) -> str:
    """``--project`` if given, else TRACKER_PROJECT; ConfigError naming both when neither."""
    from gadget.config import load_config

    config = load_config()
    name = given or config.project
    if not name:
        raise ConfigError(
            f"which project? `gadget {command}` needs --project NAME or TRACKER_PROJECT "
            f"(settings came from {config.source})"
        )
    return name


@contextlib.contextmanager
def open_project(command: str, given: str | None) -> Iterator[tuple[Session, Project]]:
    """The session and the project of ``--project`` / TRACKER_PROJECT (one lookup)."""
    name = project_name(command, given)
    with open_session() as session:
        yield session, session.projects.fetch(name)
