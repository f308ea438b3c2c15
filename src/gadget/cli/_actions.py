"""``gadget actions serve``: receive Kitsu custom actions (see :mod:`gadget.actions`).

Serves the handlers of an :class:`gadget.actions.Actions` found in
``--module`` (a ``.py`` file or an importable module, optionally
``module:attribute``; without the attribute, the module's ``app``, else its
one ``Actions``), or, with no module, a built-in handler at ``/`` that logs
the resolved selection. The selection is resolved through a session with
the settings of the environment / adm_env.yml. One line on stderr says
where it listens (never the token); the request log follows there. Ctrl-C
(or SIGTERM) stops it with exit code 0. The token may come from
GADGET_ACTIONS_TOKEN instead of ``--token`` (other users of the machine can
read a command line, not another process's environment).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from gadget.errors import ConfigError

__all__ = ["load_actions", "register", "run"]


def register(commands: Any) -> None:
    """Add ``gadget actions serve`` to the subparsers ``commands``."""
    actions = commands.add_parser(
        "actions",
        help="receive Kitsu custom actions and run your handlers",
        description="Kitsu custom actions: an HTTP receiver calling the handlers of a "
        "gadget.actions.Actions with the selection resolved into gadget entities.",
    )
    sub = actions.add_subparsers(dest="actions_command", metavar="SUBCOMMAND", required=True)
    serve = sub.add_parser(
        "serve",
        help="listen for the posts of Kitsu custom actions (until Ctrl-C)",
        description="Listen on HOST:PORT for the POSTs Kitsu's custom actions send and run "
        "the handler registered for the URL's path on a worker thread, answering at once "
        "(JSON with CORS headers for ajax actions, an HTML page for form posts). Without "
        "--module, a built-in handler at / logs the resolved selection. Ctrl-C stops it "
        "(exit code 0).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8765, help="port to listen on (8765; 0: any free port)"
    )
    serve.add_argument(
        "--module",
        metavar="PATH_OR_MODULE",
        help="a .py file or module (optionally module:attribute) defining an Actions "
        "(default: the built-in handler at / that logs the selection)",
    )
    serve.add_argument(
        "--token",
        default=os.environ.get("GADGET_ACTIONS_TOKEN") or None,
        help="a shared secret the action URL must carry as ?token=... (a weak one: "
        "Kitsu users can read the URL); posts without it get 403. Default: "
        "GADGET_ACTIONS_TOKEN (an option shows in the process list, a variable does not)",
    )
    serve.add_argument("--workers", type=int, default=4, help="handlers running at once (4)")
    serve.set_defaults(run=__name__)


def load_actions(spec: str | None) -> Any:
    """The :class:`Actions` of ``spec`` (see the module's docstring); ConfigError
    naming what was not found."""
    from gadget.actions import Actions, log_selection

    if spec is None:
        builtin = Actions()
        builtin.action("/")(log_selection)
        return builtin
    target, _, attribute = spec.partition(":")
    if not target:
        raise ConfigError(f"--module {spec!r}: no file or module named")
    path = Path(target)
    if target.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ConfigError(f"--module {spec!r}: no such file {target}")
        loaded = importlib.util.spec_from_file_location(f"gadget_actions_{path.stem}", path)
        if loaded is None or loaded.loader is None:
            raise ConfigError(f"--module {spec!r}: cannot load {target}")
        module = importlib.util.module_from_spec(loaded)
        sys.modules[loaded.name] = module
        loaded.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(target)
        except ModuleNotFoundError as exc:
            raise ConfigError(f"--module {spec!r}: no module {exc.name!r}") from None
    if attribute:
        named = getattr(module, attribute, None)
        if not isinstance(named, Actions):
            raise ConfigError(f"--module {spec!r}: {attribute} is not a gadget.actions.Actions")
        return named
    app = getattr(module, "app", None)
    if isinstance(app, Actions):
        return app
    found = [v for v in vars(module).values() if isinstance(v, Actions)]
    if len(found) != 1:
        raise ConfigError(
            f"--module {spec!r}: {'no' if not found else 'several'} gadget.actions.Actions "
            "defined; name one as module:attribute, or call it app"
        )
    return found[0]


def run(args: argparse.Namespace) -> int:
    """``gadget actions serve``."""
    from gadget.cli._output import redact
    from gadget.cli._session import open_session

    app = load_actions(args.module)
    if not app.paths:
        raise ConfigError(f"--module {args.module}: its Actions has no handler")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("gadget.actions")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if on_main else None
    try:
        with open_session() as session:
            server = app.serve(
                session, args.host, args.port, token=args.token, workers=args.workers
            )
            try:
                paths = ", ".join(app.paths)
                secured = "token required" if args.token else "no token"
                print(
                    redact(f"listening on {server.url} ({secured}): {paths} (Ctrl-C to stop)"),
                    file=sys.stderr,
                    flush=True,
                )
                server.serve_forever()
            except KeyboardInterrupt:
                print("stopped", file=sys.stderr, flush=True)
            finally:
                server.close(wait=True)
    finally:
        log.removeHandler(handler)
        if on_main:
            signal.signal(signal.SIGTERM, previous)
    return 0
