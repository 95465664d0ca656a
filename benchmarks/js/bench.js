// Run from the repository root:
//
//   npm --prefix benchmarks/js run bench
//
// (once: `npm --prefix benchmarks/js install`; the wasm must be built, see
// scripts/build-npm.sh.)
//
// The npm package `baton-handoff` (the Rust core compiled to WebAssembly) next
// to what a JS/TS user would write without it, in the same process and run:
//
//   validate     ajv (draft 2020-12, the committed schema/baton.schema.json,
//                compiled once, allErrors since ours reports every error)
//   applyPatch   json-merge-patch (RFC 7396; a merge patch cannot append, so
//                its patch carries the whole arrays with the new entry added)
//   render       a template-string Markdown renderer
//
// each from a JS object and from JSON text (theirs then JSON.parse first), on
// the seed example baton and on a 1,000-decision baton. The two sides do not
// do the same work: ours also applies the semantic rules, the duplicate and
// token-budget warnings, the history entry, the append-only check, markdown
// flattening, copies every input into wasm memory (an object as a tape, a
// string as UTF-8) and turns every result back from JSON text. The figures
// say what that costs; nothing here asserts a timing.
//
// Harness: a warm-up, then ROUNDS rounds per function (ours and theirs
// alternate, round by round), each round timing a batch sized to about
// ROUND_MS; the figure is the best round's mean ns/op. Many short rounds and
// the best of them keep the figures steady on a machine shared with other
// work (a round that another process slowed down is simply not the best).
// Results are printed as a table and written to results.json next to this file.

import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createHash } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import jsonMergePatch from 'json-merge-patch';
import { validate, applyPatch, render } from '../../npm/src/node.js';

const WARMUP_MS = 200;
const ROUND_MS = 10;
const ROUNDS = 40;

// ---------------------------------------------------------------- inputs

const SEED = {
  goal: 'Add user auth',
  current_state: ['Routes created', 'Tests passing'],
  decision_log: ['Chose JWT over sessions'],
  constraints: ['No breaking changes'],
  work_scope: ['src/auth/*'],
  artifacts: [],
  open_questions: [],
  acceptance: ['All auth tests green'],
};

const DECISIONS = Array.from(
  { length: 1000 },
  (_, i) => `Decision ${i}: chose option ${i % 7} because of benchmark ${i}`,
);
const BIG = { ...SEED, decision_log: DECISIONS };

const PATCH = { current_state: { add: ['Review done'] }, decision_log: { add: ['Ship it'] } };
const PATCH_TEXT = JSON.stringify(PATCH);
const STAGE = { stage: 'bench', at: '2026-01-01T00:00:00Z' };

/** The RFC 7396 patch with the same effect: whole arrays, new entry appended. */
function wholeArrayPatch(doc) {
  return {
    current_state: [...doc.current_state, 'Review done'],
    decision_log: [...doc.decision_log, 'Ship it'],
  };
}

const DOCS = [
  { name: 'seed', obj: SEED },
  { name: '1k decisions', obj: BIG },
].map((d) => {
  const mergePatch = wholeArrayPatch(d.obj);
  return {
    ...d,
    text: JSON.stringify(d.obj),
    mergePatch,
    mergePatchText: JSON.stringify(mergePatch),
  };
});

// ---------------------------------------------------------------- theirs

const schemaPath = new URL('../../schema/baton.schema.json', import.meta.url);
const ajv = new Ajv2020({ allErrors: true });
const validateFn = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

// Which wasm build was measured (it is rebuilt by scripts/build-npm.sh).
const wasmBytes = readFileSync(new URL('../../npm/wasm/baton_bg.wasm', import.meta.url));
const WASM = {
  bytes: wasmBytes.length,
  sha256: createHash('sha256').update(wasmBytes).digest('hex').slice(0, 16),
};

const SECTIONS = [
  ['current_state', 'Current state'],
  ['decision_log', 'Decisions (append-only)'],
  ['constraints', 'Constraints'],
  ['open_questions', 'Open questions'],
  ['work_scope', 'Work scope'],
  ['artifacts', 'Artifacts'],
  ['acceptance', 'Acceptance'],
];

/** What a JS user writes: template strings, one "- entry" line each, "(none)" when empty. */
function jsRender(b) {
  let out = `# Baton\n\n## Goal\n${b.goal}\n`;
  for (const [field, heading] of SECTIONS) {
    const list = b[field] ?? [];
    out += `\n## ${heading}\n`;
    out += list.length === 0 ? '(none)\n' : list.map((e) => `- ${e}\n`).join('');
  }
  return out;
}

// ---------------------------------------------------------------- harness

let sink; // every result lands here, so no call can be optimised away

function runFor(fn, ms) {
  const end = process.hrtime.bigint() + BigInt(ms * 1e6);
  let n = 0;
  while (process.hrtime.bigint() < end) {
    sink = fn();
    n++;
  }
  return n;
}

/** Mean ns/op of one batch of `iterations` calls. */
function batch(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Best-of-ROUNDS mean ns/op for each function, ours and theirs interleaved. */
function measurePair(ours, theirs) {
  const sizes = [ours, theirs].map((fn) => {
    const n = runFor(fn, WARMUP_MS);
    return Math.max(1, Math.round((n * ROUND_MS) / WARMUP_MS));
  });
  const best = [Infinity, Infinity];
  for (let r = 0; r < ROUNDS; r++) {
    best[0] = Math.min(best[0], batch(ours, sizes[0]));
    best[1] = Math.min(best[1], batch(theirs, sizes[1]));
  }
  return best;
}

// ---------------------------------------------------------------- sanity

function check(condition, message) {
  if (!condition) throw new Error(`sanity check failed: ${message}`);
}

const INVALID = { goal: '', current_state: [1, 'ok'], decision_log: 'nope', extra: true };

function sanity() {
  for (const d of DOCS) {
    const n = d.obj.decision_log.length;
    // validate: both sides accept the valid docs, from an object and from text.
    check(validateFn(d.obj) === true, `ajv rejects ${d.name}`);
    check(validateFn(JSON.parse(d.text)) === true, `ajv rejects ${d.name} (text)`);
    check(validate(d.obj).valid === true, `ours rejects ${d.name}`);
    check(validate(d.text).valid === true, `ours rejects ${d.name} (text)`);

    // applyPatch: both sides append to both lists and leave the input alone.
    for (const [label, result] of [
      ['ours', applyPatch(d.obj, PATCH, STAGE)],
      ['ours (text)', applyPatch(d.text, PATCH_TEXT, STAGE)],
      ['theirs', jsonMergePatch.apply(structuredClone(d.obj), d.mergePatch)],
      ['theirs (text)', jsonMergePatch.apply(JSON.parse(d.text), JSON.parse(d.mergePatchText))],
    ]) {
      check(result.decision_log.length === n + 1, `${label} applyPatch on ${d.name}: decision count`);
      check(result.decision_log.at(-1) === 'Ship it', `${label} applyPatch on ${d.name}: appended decision`);
      check(result.current_state.at(-1) === 'Review done', `${label} applyPatch on ${d.name}: current_state`);
    }
    check(d.obj.decision_log.length === n, `applyPatch mutated the ${d.name} input`);

    // render: both produce every decision, and here the very same Markdown.
    const ours = render(d.obj);
    const theirs = jsRender(d.obj);
    for (const md of [ours, render(d.text), theirs, jsRender(JSON.parse(d.text))]) {
      check(d.obj.decision_log.every((e) => md.includes(`- ${e}\n`)), `render of ${d.name} misses a decision`);
    }
    check(ours === theirs, `the two renderings of ${d.name} differ`);
  }
  // Both validators reject an invalid document, and report several errors.
  check(validateFn(INVALID) === false, 'ajv accepts an invalid document');
  check(validateFn.errors.length >= 3, `ajv reports ${validateFn.errors.length} errors, expected every one`);
  const report = validate(INVALID);
  check(report.valid === false && report.errors.length >= 3, 'ours accepts an invalid document');
  return { ajvErrors: validateFn.errors.length, ourErrors: report.errors.length };
}

// ---------------------------------------------------------------- cases

const TARGETS = {
  // The targets (our time / their time).
  'validate (object)': 3.0,
  'validate (JSON text)': 1.0,
};

function cases(d) {
  return [
    ['validate (object)', () => validate(d.obj), () => validateFn(d.obj)],
    ['validate (JSON text)', () => validate(d.text), () => validateFn(JSON.parse(d.text))],
    [
      'applyPatch (objects)',
      () => applyPatch(d.obj, PATCH, STAGE),
      () => jsonMergePatch.apply(structuredClone(d.obj), d.mergePatch),
    ],
    [
      'applyPatch (JSON text)',
      () => applyPatch(d.text, PATCH_TEXT, STAGE),
      () => jsonMergePatch.apply(JSON.parse(d.text), JSON.parse(d.mergePatchText)),
    ],
    ['render (object)', () => render(d.obj), () => jsRender(d.obj)],
    ['render (JSON text)', () => render(d.text), () => jsRender(JSON.parse(d.text))],
  ];
}

// ---------------------------------------------------------------- main

function opsPerSec(ns) {
  return 1e9 / ns;
}

function fmtOps(ns) {
  const ops = opsPerSec(ns);
  return ops >= 100 ? Math.round(ops).toLocaleString('en-US') : ops.toFixed(1);
}

function fmtTime(ns) {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

const checked = sanity();
const rows = [];
for (const d of DOCS) {
  for (const [name, ours, theirs] of cases(d)) {
    const [oursNs, theirsNs] = measurePair(ours, theirs);
    const ratio = oursNs / theirsNs;
    const target = TARGETS[name];
    rows.push({
      doc: d.name,
      case: name,
      ours_ns: Math.round(oursNs),
      theirs_ns: Math.round(theirsNs),
      ours_ops_per_s: Math.round(opsPerSec(oursNs)),
      theirs_ops_per_s: Math.round(opsPerSec(theirsNs)),
      ratio: Number(ratio.toFixed(3)),
      ...(target === undefined ? {} : { target: target, pass: ratio <= target }),
    });
  }
}

const header = ['case', 'ours ops/s', 'theirs ops/s', 'ours', 'theirs', 'ratio', 'target'];
const table = rows.map((r) => [
  `${r.doc}: ${r.case}`,
  fmtOps(r.ours_ns),
  fmtOps(r.theirs_ns),
  fmtTime(r.ours_ns),
  fmtTime(r.theirs_ns),
  `${r.ratio.toFixed(2)}x`,
  r.target === undefined ? '' : `${r.pass ? 'PASS' : 'MISS'} (≤ ${r.target.toFixed(1)}x)`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) =>
  cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

console.log(`baton-handoff (wasm) vs ajv 8.20.0 / json-merge-patch 1.0.2 / JS renderer`);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs`);
console.log(`npm/wasm/baton_bg.wasm: ${WASM.bytes.toLocaleString('en-US')} bytes, sha256 ${WASM.sha256}…`);
console.log(`best of ${ROUNDS} rounds of ~${ROUND_MS} ms, mean per call; ratio = our time / their time\n`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const t of table) console.log(line(t));
console.log(
  `\nsanity: both validators accept both docs and reject an invalid one (ajv ${checked.ajvErrors} errors, ours ${checked.ourErrors});` +
    ` both patches append; both renderers emit every decision (identical Markdown).`,
);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  cpu: os.cpus()[0]?.model ?? null,
  cpus: os.cpus().length,
  wasm: WASM,
  harness: { warmup_ms: WARMUP_MS, round_ms: ROUND_MS, rounds: ROUNDS, statistic: 'best round mean ns/op' },
  theirs: {
    validate: 'ajv 8.20.0 (Ajv2020, allErrors: true, schema/baton.schema.json compiled once)',
    applyPatch: 'json-merge-patch 1.0.2 apply(structuredClone(obj), wholeArrayPatch); from text: JSON.parse both',
    render: 'template-string renderer in bench.js',
  },
  targets: { 'validate (JSON text)': '≤ 1.0x JSON.parse + ajv', 'validate (object)': '≤ 3x ajv' },
  results: rows,
};
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log('wrote benchmarks/js/results.json');
