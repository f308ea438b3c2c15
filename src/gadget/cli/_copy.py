"""``gadget copy SRC_URL DST_URL --project NAME``: one project to another tracker.

Credentials per side: ``--src-login`` / ``--dst-login`` and a password
(``--src-password``) or a token (``--src-token``), else the variables
``TRACKER_SRC_LOGIN``, ``TRACKER_SRC_PASSWORD``, ``TRACKER_SRC_TOKEN`` (and
``TRACKER_DST_*``), else the usual ``TRACKER_LOGIN``, ``TRACKER_PASSWORD``,
``TRACKER_TOKEN`` (environment or adm_env.yml) for both sides. A local
(``sqlite:///``) destination that does not exist yet is created.

A progress bar on a terminal (none when stdout is not one); then the summary
of :meth:`gadget.CopyReport.summary`, or with ``--json`` the report as one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from gadget.config import ENV_VARS, TrackerConfig, env_file_path
from gadget.errors import ConfigError, GadgetError

if TYPE_CHECKING:
    from gadget._copy import Progress
    from gadget.session import Session

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    """Add ``gadget copy`` to the command's subparsers."""
    copy = commands.add_parser(
        "copy",
        help="copy a project from one tracker to another",
        description="Copy a project (episodes, sequences, shots, assets, tasks, comments with "
        "their files, casting, playlists ...) from SRC_URL to DST_URL. Running it again copies "
        "nothing new; an interrupted copy resumes. What the destination cannot hold is listed "
        "as skipped, with the reason.",
    )
    copy.add_argument("src", metavar="SRC_URL", help="the tracker to copy from")
    copy.add_argument("dst", metavar="DST_URL", help="the tracker to copy to (sqlite:/// made)")
    copy.add_argument("--project", required=True, metavar="NAME", help="the project to copy")
    copy.add_argument(
        "--dst-project", metavar="NAME", help="its name on the destination (default: the same)"
    )
    for side in ("src", "dst"):
        upper = side.upper()
        copy.add_argument(
            f"--{side}-login",
            metavar="LOGIN",
            help=f"login on the {side} tracker (default: TRACKER_{upper}_LOGIN, else TRACKER_LOGIN)",
        )
        copy.add_argument(
            f"--{side}-password",
            metavar="PASSWORD",
            help=f"password (default: TRACKER_{upper}_PASSWORD, else TRACKER_PASSWORD; "
            "prefer the variable: a command line is seen by other users)",
        )
        copy.add_argument(
            f"--{side}-token",
            metavar="TOKEN",
            help=f"token instead of a password (default: TRACKER_{upper}_TOKEN, else TRACKER_TOKEN)",
        )
    copy.add_argument(
        "--json", action="store_true", dest="as_json", help="print the report as JSON"
    )
    copy.set_defaults(run=__name__)


def _settings() -> dict[str, str]:
    """TRACKER_LOGIN / _PASSWORD / _TOKEN from the environment, else adm_env.yml."""
    from gadget.config import _read_env_file

    found: dict[str, str] = {}
    path = env_file_path()
    if path.is_file():
        found.update(_read_env_file(path, os.environ))
    found.update({k: v for k, v in os.environ.items() if k in ENV_VARS and v})
    return found


def config_for(args: argparse.Namespace, side: str, url: str) -> TrackerConfig:
    """The side's URL and credentials: option, TRACKER_<SIDE>_*, TRACKER_*."""
    shared = _settings()
    values: dict[str, str | None] = {}
    for what in ("login", "password", "token"):
        values[what] = (
            getattr(args, f"{side}_{what}")
            or os.environ.get(f"TRACKER_{side.upper()}_{what.upper()}")
            or None
        )
    if not any(values.values()):  # nothing for this side: the usual settings
        values = {what: shared.get(f"TRACKER_{what.upper()}") for what in values}
    if "://" not in url:
        raise ConfigError(
            f"{side.upper()}_URL {url!r} is not a URL (expected scheme://..., e.g. "
            "sqlite:///studio.db, kitsu+https://host/api, shotgrid+https://site)"
        )
    return TrackerConfig(
        url=url,
        login=values["login"],
        password=values["password"],
        token=values["token"],
        source="arguments",
    )


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar on stderr, one line per step, or nothing."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from gadget.cli._output import console

    bars: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console(stderr=True),
        transient=False,
    ) as bar:

        def report(step: str, done: int, total: int) -> None:
            if step not in bars:
                bars[step] = bar.add_task(step, total=total)
            bar.update(bars[step], completed=done, total=total)

        yield report


def run(args: argparse.Namespace) -> int:
    import gadget
    from gadget.cli._output import redact, secrets_in_play

    src_config = config_for(args, "src", args.src)
    dst_config = config_for(args, "dst", args.dst)
    # the secrets of both sides, wherever they came from, are never printed
    secrets = secrets_in_play(
        [src_config.password, src_config.token, dst_config.password, dst_config.token]
    )
    try:
        with (
            gadget.connect(config=src_config) as src,
            gadget.connect(config=dst_config, create=True) as dst,
        ):
            report = _copy(src, dst, args)
    except GadgetError as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {redact(message, secrets)}", file=sys.stderr)
        return 2
    if args.as_json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        print(redact(report.summary(), secrets))
    return 0


def _copy(src: Session, dst: Session, args: argparse.Namespace) -> Any:
    import gadget

    tty = sys.stderr.isatty() and not args.as_json
    with _progress(tty) as progress:
        return gadget.copy(src, dst, args.project, dst_project=args.dst_project, progress=progress)
