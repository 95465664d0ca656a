#!/usr/bin/env bash
# Runs every test of the project from a fresh clone: formatting, lints, the Rust
# unit/property/CLI/relay tests and the shared vectors, the relay again on a
# throwaway PostgreSQL, the npm package (built from source) in Node and in
# headless Chromium, the Python package in a fresh virtual environment, and the
# cross-language relay demo. Idempotent; installs what it needs, and skips each
# install when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
total=0

# Runs `cargo test` with the given arguments; adds its passed count to `total`.
cargo_tests() {
  local log=target/test-output.txt
  cargo test --locked "$@" >"$log" 2>&1 || true
  grep -E "^(test result|running)|panicked|vectors passed" "$log" || true
  if grep -qE "^test result: FAILED|^error(\[|:)" "$log" || ! grep -q "^test result: ok" "$log"; then
    tail -80 "$log"
    echo "test result: FAILED"
    exit 1
  fi
  total=$((total + $(grep -oE "^test result: ok\. [0-9]+ passed" "$log" | awk '{s+=$4} END {print s}')))
}

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== fuzz target builds"
cargo build --quiet --manifest-path fuzz/Cargo.toml --locked

echo "== cargo test (unit, property, CLI, shared vectors)"
cargo_tests --workspace

echo "== relay on PostgreSQL (a throwaway cluster; the SQLite run is in the workspace tests)"
# The cluster stays up until the end: the npm and Python client tests run on
# both SQLite and this PostgreSQL (BATON_TEST_DATABASE_URL).
# shellcheck source=postgres-test.sh
source scripts/postgres-test.sh
trap baton_pg_stop EXIT
baton_pg_start
cargo_tests -p baton-relay -p baton-cli

echo "== baton-core without jsonschema (the structural interpreter the wasm build uses)"
cargo_tests -p baton-core --no-default-features --lib --test vectors

echo "== npm package: build from source"
scripts/build-npm.sh

# The relay client tests (npm and Python) and the parity test start this CLI.
cargo build --quiet --locked -p baton-cli

echo "== npm package: Node tests (vectors, API, bad input, relay client) and tsc on the typed example"
node_log=target/node-test-output.txt
if ! (cd npm && npm test) >"$node_log" 2>&1; then
  grep -E "^not ok|^# (pass|fail)" "$node_log" || true
  tail -60 "$node_log"
  echo "test result: FAILED"
  exit 1
fi
grep -E "^# (tests|pass|fail)" "$node_log"
total=$((total + $(awk '/^# pass /{print $3}' "$node_log")))

echo "== npm pack installs and imports"
npm/test/pack.sh

echo "== npm package in headless Chromium (vectors, playground)"
if ! command -v chromium >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null
fi
node npm/test/browser.js

echo "== Python package: pip install ./python into a fresh venv, then pytest"
venv=target/py-venv
scripts/python-env.sh --fresh >/dev/null
py_log=target/pytest-output.txt
# pytest exits 5 when it collects nothing: any non-zero exit is a failure here.
if ! "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider >"$py_log" 2>&1; then
  tail -60 "$py_log"
  echo "test result: FAILED"
  exit 1
fi
tail -1 "$py_log"
total=$((total + $(grep -oE "[0-9]+ passed" "$py_log" | tail -1 | awk '{print $1}')))

echo "== the main job: the relay demo across Python and TypeScript"
demo_log=target/relay-demo-output.txt
if ! scripts/relay-demo.sh >"$demo_log" 2>&1; then
  tail -60 "$demo_log"
  echo "test result: FAILED"
  exit 1
fi
# Four stages rendered, in order and languages, every handoff done, the history replays.
stages=$(grep -oE '^=== stage [1-4]/4: [a-z]+ \((Python|TypeScript)\)' "$demo_log" | tr '\n' '|')
want='=== stage 1/4: planner (Python)|=== stage 2/4: implementer (TypeScript)|=== stage 3/4: tester (Python)|=== stage 4/4: reviewer (TypeScript)|'
if [ "$stages" != "$want" ] || [ "$(grep -c '^- .* done ' "$demo_log")" != 3 ] || ! grep -q 'history verified' "$demo_log"; then
  cat "$demo_log"
  echo "relay demo: unexpected output"
  echo "test result: FAILED"
  exit 1
fi
echo "relay demo: four stages across Python and TypeScript, every handoff done, history verified"

echo "test result: ok. ${total} passed; 0 failed"
