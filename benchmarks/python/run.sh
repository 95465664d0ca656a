#!/usr/bin/env bash
# Runs the Python benchmark (bench.py) from any directory:
#
#   benchmarks/python/run.sh [--no-breakdown] [--profile]
#
# Creates benchmarks/python/.venv once (git-ignored by the root .gitignore's
# `.venv/`), installs the pinned competitors of requirements.txt and the
# package from ./python (a maturin release build, about a minute), and then
# only reinstalls what changed: the requirements when requirements.txt is
# newer than the venv's stamp, the package when any of python/, bindings/python/
# or crates/baton-core/ holds a file newer than it. REBUILD=1 forces the package
# rebuild. Set PYTHON to pick the interpreter (default: python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
py="$venv/bin/python"

if [ ! -x "$py" ]; then
  echo "== creating $venv" >&2
  "${PYTHON:-python3}" -m venv "$venv"
  "$py" -m pip install --quiet --upgrade pip
fi

if [ ! -f "$venv/.requirements-stamp" ] || [ "$here/requirements.txt" -nt "$venv/.requirements-stamp" ]; then
  echo "== installing benchmarks/python/requirements.txt" >&2
  "$py" -m pip install --quiet -r "$here/requirements.txt"
  touch "$venv/.requirements-stamp"
fi

stamp="$venv/.package-stamp"
if [ "${REBUILD:-0}" = 1 ] || [ ! -f "$stamp" ] || ! "$py" -c "import baton" 2>/dev/null \
  || [ -n "$(find "$root/python" "$root/bindings/python" "$root/crates/baton-core" "$root/Cargo.toml" "$root/Cargo.lock" \
              -newer "$stamp" -type f -not -path '*/__pycache__/*' -print -quit)" ]; then
  echo "== installing the package from ./python (maturin release build)" >&2
  "$py" -m pip install --quiet --force-reinstall --no-deps "$root/python"
  touch "$stamp"
fi

exec "$py" "$here/bench.py" "$@"
