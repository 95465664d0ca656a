#!/usr/bin/env bash
# `npm pack` yields a tarball that installs into an empty directory and works
# with a plain `import` in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work")
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "./$tarball"
cat > check.mjs <<'JS'
import { createBaton, applyPatch, render, BatonError } from 'baton-handoff';
const b = applyPatch(createBaton({ goal: 'Packed' }, { stage: 'planner' }), { decision_log: ['Ship the tarball'] }, { stage: 'packer' });
if (!render(b).includes('- Ship the tarball\n')) throw new Error('render from the installed package is wrong');
try { applyPatch(b, { decision_log: null }, { stage: 'x' }); throw new Error('no error'); }
catch (e) { if (!(e instanceof BatonError) || e.code !== 'append_only') throw e; }
console.log('npm pack: installed', process.argv[2], 'and imported it');
JS
node check.mjs "$tarball"
