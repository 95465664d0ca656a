#!/usr/bin/env bash
# Builds the npm package `baton-handoff` (npm/) from a fresh checkout, using only
# the package registries: the wasm32 target from rustup, wasm-bindgen-cli from
# crates.io at exactly the Cargo.lock version, wasm-opt from npm's `binaryen`.
# Idempotent: each tool is installed only when missing or at the wrong version.
#
#   scripts/build-npm.sh            optimised build (wasm-opt -O3)
#   BATON_WASM_OPT=0 scripts/...    skip wasm-opt (the tests pass on both)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=npm/wasm

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the `wasm-bindgen` crate exactly ("schema version" check).
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${have:-none})" >&2
  # --locked first; the crates.io mirror here may lack a version its lock file
  # names (seen: webpki-roots 1.0.11), then resolve afresh at the same CLI version.
  cargo install --quiet --locked wasm-bindgen-cli --version "$want" \
    || cargo install --quiet wasm-bindgen-cli --version "$want"
fi

if [ ! -x npm/node_modules/.bin/wasm-opt ] || [ npm/package-lock.json -nt npm/node_modules/.package-lock.json ]; then
  (cd npm && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo build --quiet --locked -p baton-wasm --target wasm32-unknown-unknown --profile wasm
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name baton \
  target/wasm32-unknown-unknown/wasm/baton_wasm.wasm

if [ "${BATON_WASM_OPT:-1}" != 0 ]; then
  npm/node_modules/.bin/wasm-opt -O3 \
    --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-reference-types --enable-multivalue --enable-mutable-globals \
    "$out/baton_bg.wasm" -o "$out/baton_bg.wasm.opt"
  mv "$out/baton_bg.wasm.opt" "$out/baton_bg.wasm"
fi

raw=$(wc -c < "$out/baton_bg.wasm")
gz=$(gzip -9 -c "$out/baton_bg.wasm" | wc -c)
echo "built $root/$out/baton_bg.wasm: $raw bytes raw, $gz bytes gzipped" >&2
