#!/usr/bin/env bash
# The main job: starts `baton serve` on its embedded default (SQLite in a fresh
# data directory) and runs the seed's four-stage pipeline across languages
# through it: a Python planner passes, a TypeScript implementer catches, patches
# and passes on, a Python tester, a TypeScript reviewer. Each stage prints the
# baton it leaves; the end prints every handoff's final status.
#
# Builds what is missing first (the CLI, the npm package, the Python package in
# target/py-venv); each build is skipped when it is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log() { echo "relay-demo: $*" >&2; }

log "building the baton CLI"
cargo build --quiet --locked -p baton-cli
[ -f npm/wasm/baton_bg.wasm ] || scripts/build-npm.sh
[ -x npm/node_modules/.bin/tsc ] || (cd npm && npm ci --no-audit --no-fund --loglevel=error)
scripts/python-env.sh >/dev/null
python="$root/target/py-venv/bin/python"

# The TypeScript stages import the package by name, as a user's project would.
demo=examples/relay
mkdir -p "$demo/node_modules"
ln -sfn ../../../npm "$demo/node_modules/baton-handoff"
ln -sfn ../../../npm/node_modules/@types "$demo/node_modules/@types"
npm/node_modules/.bin/tsc -p "$demo"

data=$(mktemp -d)
out=$(mktemp)
err=$(mktemp)
target/debug/baton serve --listen 127.0.0.1:0 --data-dir "$data" >"$out" 2>"$err" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data" "$out" "$err"' EXIT
for _ in $(seq 300); do
  grep -q "listening on" "$err" && grep -q '^baton_' "$out" && break
  kill -0 $server 2>/dev/null || { cat "$err" >&2; exit 1; }
  sleep 0.1
done
export BATON_URL BATON_TOKEN
BATON_URL=$(grep -o 'http://[^ ]*' "$err" | head -1)
BATON_TOKEN=$(grep -m1 '^baton_' "$out")
log "relay at $BATON_URL (SQLite in $data)"
echo

"$python" "$demo/stage.py" planner
node "$demo/dist/stage.js" implementer
"$python" "$demo/stage.py" tester
node "$demo/dist/stage.js" reviewer
"$python" "$demo/stage.py" summary
