#!/usr/bin/env bash
# Run one stage of the build and print how long it took, so a slow stage is
# visible in the CI log:  tools/timed.sh NAME command args...
set -uo pipefail
name=$1; shift
start=$(date +%s%N)
echo "==> stage ${name}: start"
"$@"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf '==> stage %s: %d.%01d s (exit %d)\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$rc"
exit $rc
