"""What every command prints through: a rich console, JSON, redaction of secrets.

rich is imported inside the functions, so importing :mod:`gadget.cli` (and
never :mod:`gadget`) pays for it only when a command prints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from gadget.config import _VAR, env_file_path, mask_url
from gadget.errors import GadgetError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["console", "jsonable", "mask_url", "print_json", "redact", "secrets_in_play"]

#: variables whose values are secrets wherever they come from
SECRET_VARS = ("TRACKER_PASSWORD", "TRACKER_TOKEN")
# up to the last "@" before the path: a password may hold one
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s]*@")
_SECRET_LINE = re.compile(r"^\s*(TRACKER_PASSWORD|TRACKER_TOKEN)\s*:(.*)$", re.MULTILINE)
# a secret variable followed by ":" or "=" and a value not already masked (nor "-": unset)
_SECRET_VALUE = re.compile(
    r"((?:TRACKER_PASSWORD|TRACKER_TOKEN)['\"]?\s*[:=]\s*)(?!\*\*\*|-(?:\s|$))(\S+)"
)


def console(*, stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr).

    When the stream is not a terminal (a pipe, a file, a test) and COLUMNS is
    not set, tables get 120 columns instead of rich's 80.
    """
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None
    if "COLUMNS" not in os.environ and not (hasattr(stream, "isatty") and stream.isatty()):
        width = 120
    return Console(file=stream, width=width, highlight=False)


def secrets_in_play(extra: Iterable[str | None] = ()) -> list[str]:
    """Every secret value this process knows: TRACKER_PASSWORD / TRACKER_TOKEN
    from the environment or adm_env.yml, plus ``extra``. Never raises."""
    found: list[str | None] = [os.environ.get(var) for var in SECRET_VARS]
    found.extend(extra)
    try:
        from gadget.config import load_config

        config = load_config()
    except (GadgetError, OSError):
        # an adm_env.yml that does not parse may still be quoted in an error message
        found.extend(_secrets_in_env_file())
    else:
        found.extend([config.password, config.token])
    # longest first, so a secret containing another is replaced whole
    return sorted({s for s in found if s}, key=len, reverse=True)


def _secrets_in_env_file() -> list[str]:
    """The TRACKER_PASSWORD / TRACKER_TOKEN values of the adm_env.yml in use, read
    line by line (it may not be valid YAML), ``${VAR}`` expanded."""
    try:
        text = env_file_path().read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for match in _SECRET_LINE.finditer(text):
        value = match.group(2).strip()
        # a ${VAR} reference is no secret (and names what to set): its value is
        value = _VAR.sub(lambda m: os.environ.get(m.group(1), ""), value)
        found += [value, value.strip("'\"")]
    return [v for v in found if v]


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every known secret as ``***``: the values of TRACKER_PASSWORD /
    TRACKER_TOKEN (and whatever follows those names), and the ``user:password@`` of URLs."""
    for secret in secrets_in_play() if secrets is None else secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _SECRET_VALUE.sub(r"\1***", text)
    return _USERINFO.sub(r"\1***@", text)


def jsonable(value: Any) -> Any:
    """``value`` in JSON types: dates and datetimes as ISO 8601 strings,
    durations (timedelta) as a number of seconds, mappings and sequences recursively."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        return int(seconds) if seconds.is_integer() else seconds
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def print_json(value: Any) -> None:
    """One JSON value (a listing's array, an object) on stdout (plain text, no colours)."""
    sys.stdout.write(json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n")
