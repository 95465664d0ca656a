#!/usr/bin/env bash
# Runs every test of the project from a fresh clone: formatting, lints, the Rust
# unit/property/CLI tests and the shared vectors. Idempotent; installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== fuzz target builds"
cargo build --quiet --manifest-path fuzz/Cargo.toml --locked

echo "== cargo test (unit, property, CLI, shared vectors)"
cargo test --workspace --locked 2>&1 | tee target/test-output.txt | grep -E "^(test result|running|error|failures|---- )|panicked|vectors passed" || true
if grep -qE "^test result: FAILED|^error(\[|:)" target/test-output.txt || ! grep -q "^test result: ok" target/test-output.txt; then
  cat target/test-output.txt | tail -80
  echo "test result: FAILED"
  exit 1
fi
passed=$(grep -oE "^test result: ok\. [0-9]+ passed" target/test-output.txt | awk '{s+=$4} END {print s}')
echo "test result: ok. ${passed} passed; 0 failed"
