// Bad input of every kind gets a BatonError with a code, never a wasm trap, and
// the module keeps answering afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as baton from '../src/node.js';
import { BatonError } from '../src/node.js';

const good = { goal: 'Still works' };
const AT = '2026-01-31T12:00:00Z';

function stillAnswers() {
  const b = baton.createBaton(good, { stage: 'check', at: AT });
  assert.equal(baton.render(b).split('\n')[3], 'Still works');
}

function deep(n) {
  let v = {};
  for (let i = 0; i < n; i++) v = { 'x-a': v };
  return v;
}

const cyclic = { goal: 'loop' };
cyclic['x-self'] = cyclic;

// [label, value, expected code, expected path]
const badBatons = [
  ['undefined', undefined, 'type', ''],
  ['null', null, 'type', ''],
  ['a number', 42, 'type', ''],
  ['an array', [], 'type', ''],
  ['a BigInt', 10n, 'type', ''],
  ['a BigInt member', { goal: 'a', 'x-n': 10n }, 'type', '/x-n'],
  ['a Map', new Map([['goal', 'a']]), 'type', ''],
  ['a Set member', { goal: 'a', 'x-s': new Set([1]) }, 'type', '/x-s'],
  ['a Date member', { goal: 'a', 'x-d': new Date(0) }, 'type', '/x-d'],
  ['a function', () => 1, 'type', ''],
  ['a function member', { goal: 'a', 'x-f': () => 1 }, 'type', '/x-f'],
  ['a symbol member', { goal: 'a', 'x-s': Symbol('s') }, 'type', '/x-s'],
  ['NaN', { goal: 'a', 'x-n': NaN }, 'type', '/x-n'],
  ['Infinity in an array', { goal: 'a', 'x-n': [1, Infinity] }, 'type', '/x-n/1'],
  ['undefined in an array', { goal: 'a', constraints: [undefined] }, 'type', '/constraints/0'],
  ['a cyclic object', cyclic, 'too_deep', ''],
  ['100,000-deep nesting', deep(100_000), 'too_deep', ''],
  ['100,000-deep JSON text', '['.repeat(100_000) + ']'.repeat(100_000), 'too_deep', ''],
  ['invalid JSON text', '{"goal": ', 'invalid_json', ''],
  ['a lone surrogate in JSON text', '{"goal": "\\ud800"}', 'invalid_json', ''],
  ['1e400', '{"goal": "a", "x-n": 1e400}', 'invalid_json', ''],
  ['a duplicate key', '{"goal": "a", "goal": "b"}', 'duplicate_key', '/goal'],
  ['a goal of 10 MB of spaces', { goal: ' '.repeat(10 * 1024 * 1024) }, 'empty', '/goal'],
];

for (const [label, value, code, path] of badBatons) {
  test(`applyPatch rejects ${label} with ${code}`, () => {
    assert.throws(
      () => baton.applyPatch(value, {}, { stage: 's', at: AT }),
      (err) => err instanceof BatonError && err.code === code && err.path === path,
    );
    stillAnswers();
  });
  test(`validate reports ${label} as ${code}`, () => {
    const report = baton.validate(value);
    assert.equal(report.valid, false);
    assert.equal(report.errors[0].code, code);
    assert.equal(report.errors[0].path, path);
    stillAnswers();
  });
}

test('every function rejects bad arguments with a BatonError, never a TypeError', () => {
  const calls = [
    () => baton.applyPatch(good, {}, undefined),
    () => baton.applyPatch(good, {}, { stage: 42 }),
    () => baton.applyPatch(good, {}, { stage: '   ' }),
    () => baton.applyPatch(good, {}, { stage: 's', at: 'yesterday' }),
    () => baton.applyPatch(good, {}, { stage: 's', at: 12 }),
    () => baton.applyPatch(good, undefined, { stage: 's' }),
    () => baton.applyPatch(good, new Map(), { stage: 's' }),
    () => baton.createBaton(undefined, { stage: 's' }),
    () => baton.createBaton(good, 'planner'),
    () => baton.verify(undefined),
    () => baton.diff(good, 5),
    () => baton.mergePatch(undefined, {}),
    () => baton.mergePatch({}, 10n),
    () => baton.render(good, 'big'),
    () => baton.render(good, { maxTokens: '10' }),
    () => baton.render(good, { history: 1 }),
    () => baton.estimateTokens(undefined),
    () => baton.estimateTokens(42),
    () => baton.toJson(cyclic),
    () => baton.prompt(good, undefined),
    () => baton.extractPatch(undefined),
    () => baton.extractPatch({}),
    () => baton.schema(1),
  ];
  for (const call of calls) {
    assert.throws(call, (err) => err instanceof BatonError && typeof err.code === 'string' && err.errors.length > 0);
    stillAnswers();
  }
});

test('10 MB inputs are handled, not trapped', () => {
  const big = 'word '.repeat(2 * 1024 * 1024);
  assert.equal(baton.estimateTokens(big), 2 * 1024 * 1024);
  const b = baton.applyPatch(good, { constraints: [big] }, { stage: 's', at: AT });
  assert.equal(b.constraints[0].length, big.length);
  assert.throws(() => baton.extractPatch('{'.repeat(10 * 1024 * 1024)), BatonError);
  stillAnswers();
});
