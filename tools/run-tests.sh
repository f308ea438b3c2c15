#!/usr/bin/env bash
# The test stage of `make test`: installs what the Kitsu tests need, starts ONE
# real Kitsu server for the whole pytest session, runs pytest, and stops the
# server it started. Each stage prints its time (tools/timed.sh).
#
#   tools/run-tests.sh [pytest args...]
#
# Set GADGET_KITSU_STATE to a running server's state dir to reuse it instead.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
TIMED=tools/timed.sh

if [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; then
    $TIMED system-deps bash tools/install-system-deps.sh
fi

started=""
if [ -z "${GADGET_KITSU_STATE:-}" ]; then
    $TIMED zou-venv "$BIN/python" tools/zou_server.py venv
    state=$(mktemp -d /tmp/gadget-kitsu-test.XXXXXX)
    stop_server() {
        "$BIN/python" tools/zou_server.py stop --state "$state" >/dev/null 2>&1 || true
        rm -rf "$state"
    }
    trap stop_server EXIT
    # its JSON (no secrets) goes to the log; the stage time follows it
    $TIMED kitsu-server-start "$BIN/python" tools/zou_server.py start --state "$state"
    export GADGET_KITSU_STATE=$state
    started=yes
fi

$TIMED tests "$BIN/pytest" -q "$@"
if [ -n "$started" ]; then
    trap - EXIT
    $TIMED kitsu-server-stop "$BIN/python" tools/zou_server.py stop --state "$state"
    rm -rf "$state"
fi
