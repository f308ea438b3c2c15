"""``gadget config``: the settings in use, where each came from, secrets masked.

One row per variable gadget reads: its value (``***`` for a password or a
token, a URL's ``user:password@`` masked) and its source: ``environment``,
``adm_env.yml`` (the file's path given beside it), ``default`` (the value
gadget uses when the variable is unset, e.g. Kitsu's events server at the
web root) or ``unset``. Reading the settings makes no request.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

__all__ = ["config_rows", "register", "run"]

#: what an unset variable means
UNSET_MEANING = {
    "TRACKER_URL": "required: the tracker to use",
    "TRACKER_LOGIN": "the local tracker acts as its first admin; Kitsu needs it or a token",
    "TRACKER_PASSWORD": "",
    "TRACKER_TOKEN": "",
    "TRACKER_PROJECT": "commands working on a project need it or --project",
    "TRACKER_EVENTS_URL": "",
}


def _default_events_url(url: str | None) -> str | None:
    """Where a Kitsu tracker finds its events server when TRACKER_EVENTS_URL is unset."""
    if not url or "://" not in url:
        return None
    from gadget.errors import GadgetError
    from gadget.trackers.registry import resolve

    try:
        cls = resolve(url)
    except GadgetError:
        return None
    if cls.name != "kitsu":
        return None
    from gadget.trackers.kitsu.client import api_host, events_host

    try:
        return events_host(api_host(url))
    except GadgetError:
        return None


def config_rows() -> list[dict[str, Any]]:
    """One row per variable: name, value (masked), source, file, secret, note."""
    from gadget.config import env_file_path, mask_url, settings

    found = settings()
    path = env_file_path()
    rows: list[dict[str, Any]] = []
    for name, setting in found.items():
        value = setting.value
        source = "unset"
        note = UNSET_MEANING.get(name, "")
        if setting.source == "environment":
            source, note = "environment", ""
        elif setting.source:
            source, note = "adm_env.yml", ""
        elif name == "TRACKER_EVENTS_URL":
            value = _default_events_url(found["TRACKER_URL"].value)
            if value is not None:
                source, note = "default", "the Kitsu web root (TRACKER_URL without /api)"
        if value is not None and setting.secret:
            value = "***"
        elif value is not None and "://" in value:
            value = mask_url(value)
        rows.append(
            {
                "name": name,
                "value": value,
                "source": source,
                "file": setting.source if source == "adm_env.yml" else None,
                "secret": setting.secret,
                "note": note,
            }
        )
    explicit = "GADGET_ENV_FILE" in os.environ
    rows.append(
        {
            "name": "GADGET_ENV_FILE",
            "value": str(path),
            "source": "environment" if explicit else "default",
            "file": None,
            "secret": False,
            "note": ("read" if path.is_file() else "no such file")
            + ("" if explicit else " (adm_env.yml in the working directory)"),
        }
    )
    return rows


def register(commands: Any) -> None:
    """Add ``gadget config`` to the subparsers ``commands``."""
    config = commands.add_parser(
        "config",
        help="show the settings in use and where each came from",
        description="Show each setting gadget reads (TRACKER_URL, TRACKER_LOGIN, "
        "TRACKER_PASSWORD, TRACKER_TOKEN, TRACKER_PROJECT, TRACKER_EVENTS_URL, "
        "GADGET_ENV_FILE), its value with secrets as *** and where it came from: "
        "environment, adm_env.yml, default or unset. Makes no request.",
    )
    config.add_argument("--json", action="store_true", dest="as_json", help="print one JSON array")
    config.set_defaults(run=__name__)


def run(args: argparse.Namespace) -> int:
    """``gadget config [--json]``."""
    from rich.table import Table
    from rich.text import Text

    from gadget.cli._output import console, print_json, redact

    rows = config_rows()
    if args.as_json:
        print_json(rows)
        return 0
    table = Table(title=Text("gadget settings"), title_justify="left")
    for header in ("variable", "value", "from", "note"):
        table.add_column(header)
    styles = {"unset": "dim", "default": "italic"}
    for row in rows:
        where = row["source"]  # the file's path is the GADGET_ENV_FILE row's value
        table.add_row(
            Text(row["name"], style="bold"),
            Text(redact(row["value"]) if row["value"] is not None else "-"),
            Text(where, style=styles.get(row["source"], "")),
            Text(row["note"]),
        )
    console().print(table)
    return 0
