// How values cross into wasm (npm/src/convert.js): an object as a tape, a
// string as JSON text. An object must mean exactly what its JSON.stringify text
// means, for every function, in every corner a JS value has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as baton from '../src/node.js';

const AT = '2026-01-31T12:00:00Z';

/** Every result (or error) of the functions that read a document, for one input. */
function outcomes(input) {
  const run = (fn) => {
    try {
      return { ok: fn() };
    } catch (err) {
      assert.ok(err instanceof baton.BatonError, `not a BatonError: ${err}`);
      return { errors: err.errors };
    }
  };
  return {
    validate: run(() => baton.validate(input)),
    validateBudget: run(() => baton.validate(input, { budget: 3 })),
    toJson: run(() => baton.toJson(input)),
    render: run(() => baton.render(input, { extensions: true })),
    mergePatch: run(() => baton.mergePatch(input, { 'x-added': 1 })),
    mergePatchOnto: run(() => baton.mergePatch({ goal: 'base', 'x-n': [1] }, input)),
    applyPatch: run(() => baton.applyPatch(input, { decision_log: { add: ['next'] } }, { stage: 's', at: AT })),
    asPatch: run(() => baton.applyPatch({ goal: 'base' }, input, { stage: 's', at: AT })),
    create: run(() => baton.createBaton(input, { stage: 's', at: AT })),
    diff: run(() => baton.diff({ goal: 'base' }, input)),
  };
}

/** The object and its JSON text give the same outcomes. */
function sameAsText(value, label) {
  const text = JSON.stringify(value);
  assert.deepEqual(outcomes(value), outcomes(text), label ?? text);
}

const GOAL = { goal: 'Add user auth' };

test('numbers cross as the numbers JSON text holds', () => {
  for (const n of [0, -0, 1, -1, 0.1, 1.5, 1e21, 1e-7, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 5e-324, Number.MAX_VALUE]) {
    sameAsText({ ...GOAL, 'x-n': n, 'x-list': [n, { n }] }, String(n));
  }
  sameAsText({ ...GOAL, version: 1 });
  sameAsText({ ...GOAL, version: 1.5 });
  assert.equal(baton.toJson({ ...GOAL, 'x-n': -0 }).includes('"x-n":0'), true);
});

test('member order is the order JS gives: integer-like names first', () => {
  const value = { ...GOAL, 'x-m': { b: 1, 2: 'two', a: 2, 1: 'one', 10: 'ten', '01': 'x' } };
  sameAsText(value);
  // The tape lists members in that order, which is JSON.stringify's.
  assert.equal(baton.toJson(value), baton.toJson(JSON.stringify(value)));
});

test('strings of every kind, short and long, cross unchanged', () => {
  const samples = [
    '', 'a', 'é', '日本', '🎉', 'a🎉b', '\u0000', 'tab\there', 'line\nbreak', '\u2028', '\u0085', '\uffff',
    'é'.repeat(200), '🎉'.repeat(70), 'x'.repeat(127), 'x'.repeat(128), 'y'.repeat(20_000), `${'日'.repeat(5000)}!`,
  ];
  for (const s of samples) {
    sameAsText({ goal: `g ${s}`, constraints: [s, `${s}.`], [`x-${s}`]: s }, JSON.stringify(s).slice(0, 40));
  }
  const all = { goal: 'g', current_state: samples.map((s) => `${s}#`), 'x-keys': Object.fromEntries(samples.map((s) => [s, s])) };
  sameAsText(all);
  assert.equal(baton.toJson(all), baton.toJson(JSON.stringify(all)));
});

test('a lone surrogate anywhere is invalid_json, also when two strings would pair up', () => {
  const lone = [
    { goal: '\ud800' },
    { goal: 'a\udc00' },
    { goal: 'ok', constraints: ['a\ud800', '\udc00b'] },
    { goal: 'ok', constraints: ['a\ud800'] },
    { goal: 'ok', constraints: ['\udc00'] },
    { goal: 'ok', 'x-\ud800': 1 },
    { goal: 'ok', 'x-\ud800': undefined },
    { goal: 'ok', 'x-a': { '\udfff': 'b' } },
    { goal: 'ok', 'x-a': ['\ud83c', '\udf89'] },
  ];
  for (const value of lone) {
    const report = baton.validate(value);
    assert.equal(report.valid, false);
    assert.deepEqual(report.errors.map((e) => [e.code, e.path]), [['invalid_json', '']]);
    assert.throws(() => baton.toJson(value), { code: 'invalid_json', path: '' });
  }
  // A pair inside one string is one character.
  assert.equal(baton.validate({ goal: 'party \ud83c\udf89', constraints: ['\ud83c\udf89', 'x'] }).valid, true);
});

test('undefined members are left out, as JSON.stringify does', () => {
  sameAsText({ ...GOAL, constraints: undefined, 'x-a': { b: undefined, c: 1 } });
  assert.deepEqual(baton.validate({ ...GOAL, history: undefined }), { valid: true, errors: [], warnings: [] });
});

test('only own enumerable members count, whatever Object.prototype holds', () => {
  Object.prototype.polluted = 'yes'; // eslint-disable-line no-extend-native
  try {
    sameAsText({ ...GOAL, 'x-a': { b: 1 } });
    assert.equal(baton.validate(GOAL).valid, true);
  } finally {
    delete Object.prototype.polluted;
  }
  const bare = Object.create(null);
  bare.goal = 'no prototype';
  bare['x-a'] = Object.assign(Object.create(null), { b: [1] });
  assert.equal(baton.toJson(bare), baton.toJson(JSON.stringify(bare)));
  const hidden = { ...GOAL };
  Object.defineProperty(hidden, 'nope', { value: 1, enumerable: false });
  assert.equal(baton.validate(hidden).valid, true);
});

test('getters are read, even one that calls the package while its object is read', () => {
  const value = {
    get goal() {
      // Another call in the middle of this one's conversion, large enough to grow memory.
      baton.validate({ goal: 'inner', decision_log: Array.from({ length: 3000 }, (_, i) => `inner ${i} ${'z'.repeat(50)}`) });
      return 'outer';
    },
    constraints: ['c1', 'c2'],
  };
  assert.equal(baton.render(value).split('\n')[3], 'outer');
  assert.deepEqual(baton.validate(value), baton.validate('{"goal":"outer","constraints":["c1","c2"]}'));
});

test('nesting: objects and text meet the same limits', () => {
  const nest = (n) => {
    let v = 1;
    for (let i = 0; i < n; i++) v = i % 2 ? { a: v } : [v];
    return v;
  };
  for (const n of [63, 64, 65, 98, 99]) sameAsText({ ...GOAL, 'x-deep': nest(n) }, `depth ${n}`);
  assert.equal(baton.validate({ ...GOAL, 'x-deep': nest(100) }).errors[0].code, 'too_deep');
});

test('large values grow the buffers and still agree with their text', () => {
  const big = {
    goal: 'big',
    decision_log: Array.from({ length: 20_000 }, (_, i) => `decision ${i} é ${'w'.repeat(i % 300)}`),
    'x-blob': Array.from({ length: 2000 }, (_, i) => ({ i, s: `${i}`.repeat(i % 50), f: i / 7 })),
  };
  assert.equal(baton.toJson(big), baton.toJson(JSON.stringify(big)));
  assert.deepEqual(baton.validate(big), baton.validate(JSON.stringify(big)));
  // And small calls afterwards still work.
  assert.equal(baton.validate(GOAL).valid, true);
});

test('two object inputs in one call', () => {
  const a = { goal: 'a', constraints: ['x', 'é'] };
  const b = { goal: 'b', constraints: ['x', 'é', '🎉'] };
  assert.deepEqual(baton.diff(a, b), baton.diff(JSON.stringify(a), JSON.stringify(b)));
  assert.deepEqual(baton.mergePatch(a, b), baton.mergePatch(JSON.stringify(a), JSON.stringify(b)));
});
