#!/usr/bin/env bash
# Runs every test of the project from a fresh clone: formatting, lints, the Rust
# unit/property/CLI tests and the shared vectors, then the npm package (built
# from source) in Node and in headless Chromium. Idempotent; installs what it
# needs, and skips each install when it is already done.
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

echo "== baton-core without jsonschema (the structural interpreter the wasm build uses)"
cargo_tests -p baton-core --no-default-features --lib --test vectors

echo "== npm package: build from source"
scripts/build-npm.sh

echo "== npm package: Node tests (vectors, API, bad input) and tsc on the typed example"
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
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r python/requirements-test.txt
"$venv/bin/pip" install --quiet --disable-pip-version-check ./python
cargo build --quiet --locked -p baton-cli   # the parity test compares the CLI too
py_log=target/pytest-output.txt
# pytest exits 5 when it collects nothing: any non-zero exit is a failure here.
if ! "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider >"$py_log" 2>&1; then
  tail -60 "$py_log"
  echo "test result: FAILED"
  exit 1
fi
tail -1 "$py_log"
total=$((total + $(grep -oE "[0-9]+ passed" "$py_log" | tail -1 | awk '{print $1}')))

echo "test result: ok. ${total} passed; 0 failed"
