#!/usr/bin/env bash
# The packaging stage of `make test`: build the sdist and the wheel (the wheel
# from the sdist, so a file missing from the sdist shows), install the wheel in
# a fresh virtual environment with its dependencies from the package index, as
# a studio would, and run the installed command from an empty folder:
# `gadget --version` (it must print the version the wheel is named after),
# `gadget --help` and `gadget demo`. Then the DCC recipe of docs/dcc.md: a
# folder of wheels (`pip wheel`), installed with `pip install --no-index
# --find-links <wheels> --target <folder>` into an empty folder, imported from
# there alone by a Python without its site-packages (`-S`, PYTHONPATH only),
# as a DCC's own Python would, and `gadget.publish` run on a SQLite tracker.
#
#   tools/check-package.sh          (BIN: the venv with `build`, default .venv/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
BIN=$(cd "$BIN" && pwd)   # absolute: the checks below run from other folders
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

# the DCC recipe (docs/dcc.md): the wheels of gadget and its dependencies in one
# folder, installed from that folder only onto a DCC's script path
"$BIN/python" -m pip wheel -q "$wheel" -w "$work/wheels" >"$work/wheels.log" 2>&1 || {
    cat "$work/wheels.log"
    exit 1
}
"$BIN/python" -m pip install -q --no-index --find-links "$work/wheels" --target "$work/dcc-scripts" \
    gadget >>"$work/wheels.log" 2>&1 || {
    cat "$work/wheels.log"
    exit 1
}
mkdir "$work/dcc-run"
cd "$work/dcc-run"
# -S: no site-packages (neither the venv's nor the user's), only PYTHONPATH and the stdlib
env -u TRACKER_URL -u TRACKER_PROJECT -u TRACKER_LOGIN -u GADGET_ENV_FILE \
    PYTHONPATH="$work/dcc-scripts" GADGET_OUTBOX_DIR="$work/dcc-run/outbox" \
    "$BIN/python" -S -c '
import os, sys
from pathlib import Path
import attrs, gadget, yaml
from gadget.testing.png import write_gradient_png
folder = os.environ["PYTHONPATH"]
for module in (gadget, attrs, yaml):
    assert module.__file__.startswith(folder + os.sep), f"{module.__name__} from {module.__file__}"
session = gadget.connect("sqlite:///" + str(Path("studio.db").resolve()), create=True)
project = session.projects.new(name="DCC", production_type="featurefilm")
session.task_types.ensure(name="Anim", for_shots=True)
shot = project.shots.new(name="sh010", sequence=project.sequences.ensure(name="sq010"))
task = shot.tasks.new(task_type="Anim")
png = write_gradient_png(Path("preview.png"), (20, 40, 80), (200, 160, 90))
handle = gadget.publish(task, "from a DCC", preview=[png], background=True)
result = handle.result(timeout=60)
assert result.posted, result
session.clear_cache()
assert [c.text for c in task.comments] == ["from a DCC"]
session.close()
print(f"gadget {gadget.__version__} from --target: published {result.comment.text!r}")
'
