#!/usr/bin/env bash
# The packaging stage of `make test`: build the sdist and the wheel (the wheel
# from the sdist, so a file missing from the sdist shows), install the wheel in
# a fresh virtual environment with its dependencies from the package index, as
# a studio would, and run the installed command from an empty folder:
# `gadget --version` (it must print the version the wheel is named after),
# `gadget --help` and `gadget demo`.
#
#   tools/check-package.sh          (BIN: the venv with `build`, default .venv/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
work=$(mktemp -d /tmp/gadget-package.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$BIN/python" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || {
    cat "$work/build.log"
    exit 1
}
sdist=$(ls "$work"/dist/gadget-*.tar.gz)
wheel=$(ls "$work"/dist/gadget-*-py3-none-any.whl)
echo "built $(basename "$sdist") and $(basename "$wheel")"
version=$(basename "$wheel" | cut -d- -f2)
source_version=$("$BIN/python" -c 'import gadget; print(gadget.__version__)')
if [ "$version" != "$source_version" ]; then
    echo "error: the wheel's version $version is not gadget.__version__ ($source_version)" >&2
    exit 1
fi

# a venv of its own with nothing in it; the build venv's pip installs into it
# (pip --python), which spares seeding the new venv with a pip of its own
"$BIN/python" -m venv --without-pip "$work/venv"
"$BIN/python" -m pip --python "$work/venv/bin/python" install -q "$wheel"
mkdir "$work/run"
cd "$work/run"   # no source tree, no adm_env.yml: only the installed wheel
where=$("$work/venv/bin/python" -c 'import gadget; print(gadget.__file__)')
case "$where" in
    "$work"/venv/*) ;;
    *) echo "error: gadget was imported from $where, not from the installed wheel" >&2; exit 1 ;;
esac
shown=$(env -u TRACKER_URL -u GADGET_ENV_FILE "$work/venv/bin/gadget" --version)
if [ "$shown" != "gadget $version" ]; then
    echo "error: the installed gadget --version printed '$shown', expected 'gadget $version'" >&2
    exit 1
fi
"$work/venv/bin/gadget" --help >/dev/null
env -u TRACKER_URL -u TRACKER_LOGIN -u GADGET_ENV_FILE "$work/venv/bin/gadget" demo >"$work/demo.log" || {
    cat "$work/demo.log"
    exit 1
}
tail -n 3 "$work/demo.log"
test -f "$work/run/gadget-demo.db"
echo "the wheel installs in a fresh venv and its gadget runs: $shown"
