#!/usr/bin/env bash
# Makes target/py-venv: a virtual environment with the test requirements and the
# package built from ./python (`pip install ./python`, a maturin release build).
# Idempotent: the package is rebuilt only when its sources are newer than the
# last install. `--fresh` starts from an empty environment (what the tests use).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/py-venv
stamp=$venv/.baton-installed
[ "${1:-}" = --fresh ] && rm -rf "$venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
pip() { "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"; }
if [ ! -f "$stamp" ] || [ python/requirements-test.txt -nt "$stamp" ]; then
  pip -r python/requirements-test.txt
fi
if [ ! -f "$stamp" ] || [ -n "$(find python/baton python/pyproject.toml python/README.md bindings/python crates/baton-core Cargo.lock Cargo.toml -newer "$stamp" -type f -not -path '*/__pycache__/*' -print -quit)" ]; then
  pip ./python
  touch "$stamp"
fi
echo "$venv/bin/python"
