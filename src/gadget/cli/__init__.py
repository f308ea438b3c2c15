"""The ``gadget`` command.

::

    gadget demo [--db PATH] [--fresh]      build a small studio in a local tracker and walk it
    gadget ls KIND [filters] [--json]      projects, episodes, sequences, shots, assets,
                                           tasks, comments or persons
    gadget show ENTITY [--json]            a shot or an asset: fields, tasks, casting, comments
    gadget publish ENTITY TASK_TYPE ...    post a comment, status, previews, attachments
    gadget watch [EVENT ...] [--json]      the tracker's events as they come
    gadget config [--json]                 the settings in use and where each came from
    gadget doctor [--project NAME]         check config, tracker, server, login and project
    gadget copy SRC_URL DST_URL --project NAME [--json]   copy a project between trackers
    gadget outbox list|flush|drop          the publishes kept on this machine
    gadget actions serve [--module M]      receive Kitsu custom actions, run your handlers
    gadget --version

Exit codes: 0 success; 1 a ``doctor`` check failed, or ``outbox flush`` left
entries unposted; 2 bad usage or a gadget
error, printed as one line ``error: ...`` on stderr (no traceback, secrets
shown as ``***``); 3 ``publish`` kept the publish in the outbox; 130 interrupted (``gadget watch`` ends on Ctrl-C with 0).

Each command is a module of this package with ``register(commands)``, which
adds its subparser (and sets ``run`` to the module's name), and
``run(args) -> int``; :data:`COMMANDS` lists them in the order ``--help``
shows them, so one more command is one more module and one more line there.
Nothing in :mod:`gadget` imports this package; rich loads only when a
command prints.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from gadget.errors import GadgetError

__all__ = ["COMMANDS", "main"]

#: the commands, as ``--help`` lists them: name -> the module of this package defining it
COMMANDS: dict[str, str] = {
    "demo": "gadget.cli._demo",
    "ls": "gadget.cli._listing",
    "show": "gadget.cli._show",
    "publish": "gadget.cli._publish",
    "watch": "gadget.cli._watch",
    "config": "gadget.cli._config",
    "doctor": "gadget.cli._doctor",
    "copy": "gadget.cli._copy",
    "outbox": "gadget.cli._outbox",
    "actions": "gadget.cli._actions",
}


def _parser() -> argparse.ArgumentParser:
    from gadget import __version__

    parser = argparse.ArgumentParser(
        prog="gadget",
        description="gadget: one entity layer over production trackers (Kitsu, local SQLite).",
        epilog="Settings come from the environment or adm_env.yml: TRACKER_URL, TRACKER_LOGIN, "
        "TRACKER_PASSWORD (or TRACKER_TOKEN), TRACKER_PROJECT. Exit codes: 0 success, "
        "1 a doctor check failed or outbox entries are left, 2 bad usage or a gadget error, "
        "3 a publish kept in the outbox, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        importlib.import_module(module).register(commands)
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    code: int = importlib.import_module(args.run).run(args)
    return code


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gadget`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return _exit_code(exc.code)
    try:
        return _dispatch(args)
    except GadgetError as exc:
        from gadget.cli._output import redact

        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {redact(message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
