"""Tracker configuration from the environment or an ``adm_env.yml``.

The environment wins; else ``adm_env.yml`` (path in ``GADGET_ENV_FILE``, else
the working directory), a flat mapping of the same variables whose values may
use ``${VAR}`` to pull a secret from the environment. There is no silent
fallback: a missing ``TRACKER_URL`` is a :class:`~gadget.errors.ConfigError`.
Secrets never appear in a repr or an error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from gadget.errors import ConfigError

__all__ = ["ENV_VARS", "TrackerConfig", "env_file_path", "load_config", "mask_url"]

ENV_VARS = (
    "TRACKER_URL",
    "TRACKER_LOGIN",
    "TRACKER_PASSWORD",
    "TRACKER_TOKEN",
    "TRACKER_PROJECT",
    "TRACKER_EVENTS_URL",
    "TRACKER_TIMEOUT",
    "TRACKER_DEADLINE",
    "TRACKER_CA_BUNDLE",
    "TRACKER_PROXY",
)
#: the settings that are numbers of seconds above 0
_SECONDS = ("timeout", "deadline")
#: a ``${VAR}`` reference in an adm_env.yml value
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _mask(value: str | None) -> str:
    return "None" if value is None else "'***'"


def mask_url(url: str) -> str:
    """``url`` with any ``user:password@`` part replaced by ``***@`` (a password
    may hold an ``@``: everything up to the last one before the path goes)."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    host, sep, path = rest.partition("/")
    if "@" in host:
        host = "***@" + host.rsplit("@", 1)[1]
    return f"{scheme}://{host}{sep}{path}"


@attrs.define(frozen=True)
class TrackerConfig:
    """Where a tracker lives and how to log in.

    ``password`` and ``token`` are masked in the repr. ``source`` says where
    the settings came from (for error messages and ``gadget doctor``).
    ``create`` asks a tracker that keeps its data in a file to make a new one
    when it is missing (``gadget.connect(url, create=True)``); the local
    tracker reads it, the others ignore it.

    ``timeout`` (seconds one request may wait on the tracker) and
    ``deadline`` (seconds one call may take, its retries included) bound
    the time calls take; ``ca_bundle`` (a file of trusted certificates) and
    ``proxy`` (an HTTP(S) proxy URL) shape the connection. None leaves each
    tracker's own default; docs/getting-started.md says which tracker
    honours what.
    """

    url: str = attrs.field(repr=lambda url: repr(mask_url(url)))
    login: str | None = None
    password: str | None = attrs.field(default=None, repr=_mask)
    token: str | None = attrs.field(default=None, repr=_mask)
    project: str | None = None
    events_url: str | None = None
    source: str = "arguments"
    options: Mapping[str, Any] = attrs.field(factory=dict)
    create: bool = False
    timeout: float | None = None
    deadline: float | None = None
    ca_bundle: str | None = None
    proxy: str | None = attrs.field(default=None, repr=lambda url: repr(url and mask_url(url)))

    def __attrs_post_init__(self) -> None:
        for name in _SECONDS:
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
            ):
                raise ConfigError(f"{name} is a number of seconds above 0, not {value!r}")

    @property
    def scheme(self) -> str:
        """The URL scheme (``sqlite``, ``memory``, ``kitsu+https``, ``https`` ...)."""
        return self.url.split("://", 1)[0].lower() if "://" in self.url else ""


def env_file_path(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The adm_env.yml in use: ``GADGET_ENV_FILE``, else the working directory's."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    explicit = environ.get("GADGET_ENV_FILE")
    return Path(explicit).expanduser() if explicit else cwd / "adm_env.yml"


def _read_env_file(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    import yaml  # only paid for when an adm_env.yml is read

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        # only the position and the problem: PyYAML's excerpt may show a password
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{path} is not valid YAML{where}: {problem}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a flat mapping of VARIABLE: value")
    out: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise ConfigError(f"{path}: key {key!r} is not a variable name")
        if isinstance(value, (dict, list)):
            raise ConfigError(f"{path}: {key} must be a plain value, not a {type(value).__name__}")
        if value is None:
            continue
        out[key] = _expand(str(value), key, path, environ)
    return out


def _expand(value: str, key: str, path: Path, environ: Mapping[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in environ:
            raise ConfigError(
                f"{path}: {key} refers to ${{{name}}}, which is not set in the environment"
            )
        return environ[name]

    return _VAR.sub(repl, value)


def load_config(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None, **overrides: Any
) -> TrackerConfig:
    """Build a :class:`TrackerConfig` from the environment, then ``adm_env.yml``.

    ``overrides`` (url, login, password, token, project, events_url, timeout,
    deadline, ca_bundle, proxy) win over both. Raises :class:`ConfigError`
    naming the variable and where it looked.
    """
    env = os.environ if environ is None else environ
    path = env_file_path(env, cwd or Path.cwd())
    file_values: dict[str, str] = {}
    if path.is_file():
        file_values = _read_env_file(path, env)
    elif "GADGET_ENV_FILE" in env:
        raise ConfigError(f"GADGET_ENV_FILE points to {path}, which does not exist")

    def setting(var: str) -> tuple[str | None, str]:
        if env.get(var):
            return env[var], "environment"
        if file_values.get(var):
            return file_values[var], str(path)
        return None, ""

    values: dict[str, Any] = {}
    sources: set[str] = set()
    for var in ENV_VARS:
        value, src = setting(var)
        key = var[len("TRACKER_") :].lower()
        values[key] = _seconds(var, value, src) if key in _SECONDS and value else value
        if src:
            sources.add(src)
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
            sources.add("arguments")
    if not values.get("url"):
        raise ConfigError(
            "TRACKER_URL is not set: looked in the environment and in "
            f"{path}{'' if path.is_file() else ' (no such file)'}. "
            "Set it, e.g. TRACKER_URL=sqlite:///studio.db or https://kitsu.mystudio.com/api"
        )
    if "://" not in values["url"]:
        raise ConfigError(
            f"TRACKER_URL {values['url']!r} is not a URL (expected scheme://..., "
            "e.g. sqlite:///studio.db, memory://, kitsu+https://host/api)"
        )
    return TrackerConfig(
        url=values["url"],
        login=values.get("login"),
        password=values.get("password"),
        token=values.get("token"),
        project=values.get("project"),
        events_url=values.get("events_url"),
        source=" + ".join(sorted(sources)),
        timeout=values.get("timeout"),
        deadline=values.get("deadline"),
        ca_bundle=values.get("ca_bundle"),
        proxy=values.get("proxy"),
    )


def _seconds(var: str, value: str, where: str) -> float:
    """A setting of seconds: a number above 0, else a ConfigError naming it."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigError(f"{var} (from {where}) is a number of seconds above 0, not {value!r}")
    return seconds
