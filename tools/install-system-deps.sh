#!/usr/bin/env bash
# Install the system packages that tools/zou_server.py needs to run a real
# Kitsu (Zou) server for the tests: a PostgreSQL server (15 on Debian 12) and
# redis-server. Idempotent: does nothing (and never runs apt-get update) when
# everything is already there. Must run as root (or via sudo) on Debian/Ubuntu.
#
# The harness starts its own postgres/redis instances on free loopback ports;
# it never uses the system services, so it does not matter whether apt
# starts them or not (in containers without systemd it does not).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

have_pg_server() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            return 0
        fi
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 \
        && command -v postgres >/dev/null 2>&1
}

have_redis() {
    command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]
}

missing=()
if ! have_pg_server; then
    # Prefer the distribution's default server (15 on Debian 12).
    missing+=(postgresql)
fi
if ! have_redis; then
    missing+=(redis-server)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-system-deps: nothing to do (postgres server and redis-server present)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -E"
    else
        echo "install-system-deps: need root to install: ${missing[*]}" >&2
        exit 1
    fi
fi

# Keep apt from starting services where policy-rc.d is honoured (containers,
# plain Debian without systemd); only when nobody else set a policy.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    added_policy=1
fi
cleanup() {
    if [ "$added_policy" -eq 1 ]; then
        $SUDO rm -f "$policy"
    fi
}
trap cleanup EXIT

echo "install-system-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"

if ! have_pg_server; then
    echo "install-system-deps: postgres server binaries still missing" >&2
    exit 1
fi
if ! have_redis; then
    echo "install-system-deps: redis-server still missing" >&2
    exit 1
fi
echo "install-system-deps: done"
