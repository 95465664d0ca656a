#!/usr/bin/env bash
# Instructions per call of one of our calls, by callgrind (repeatable where
# timings on a shared machine are not):
#
#   benchmarks/python/callgrind.sh <op> <seed|1k|tiny> [n]    # ops: see calls.py
#
# Runs calls.py under valgrind twice, with n calls (default 200) and with none,
# and prints the difference divided by n; the profile of the n-call run is left
# in benchmarks/python/.venv/callgrind.<op>.<doc> for callgrind_annotate
# (--inclusive=yes). Uses the venv that run.sh made (run it once first).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="$here/.venv/bin/python"
op=$1 doc=$2 n=${3:-200}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
[ -x "$py" ] || { echo "no $py: run benchmarks/python/run.sh once" >&2; exit 1; }
export PYTHONHASHSEED=0  # the same dict layouts in both runs
count() {
  valgrind --tool=callgrind --callgrind-out-file="$2" "$py" "$here/calls.py" "$op" "$doc" "$1" 2>&1 \
    | awk '/Collected/ {print $NF}'
}
none=$(count 0 /dev/null)
some=$(count "$n" "$here/.venv/callgrind.$op.$doc")
echo "$op $doc: $(( (some - none) / n )) instructions per call"
