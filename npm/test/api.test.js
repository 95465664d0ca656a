// The JS API itself: object and string inputs, JSON outputs, BatonError, options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as baton from '../src/node.js';
import { BatonError } from '../src/node.js';

const AT = '2026-01-31T12:00:00Z';
const seed = {
  goal: 'Add user auth',
  current_state: ['Routes created', 'Tests passing'],
  decision_log: ['Chose JWT over sessions'],
  constraints: ['No breaking changes'],
  work_scope: ['src/auth/*'],
  artifacts: [],
  open_questions: [],
  acceptance: ['All auth tests green'],
};

test('objects and JSON text give the same results', () => {
  const patch = { decision_log: { add: ['Refresh tokens rotate'] }, 'x-owner': { team: 'auth' } };
  const fromObjects = baton.applyPatch(seed, patch, { stage: 'implementer', at: AT });
  const fromText = baton.applyPatch(JSON.stringify(seed), JSON.stringify(patch), { stage: 'implementer', at: AT });
  assert.deepEqual(fromText, fromObjects);
  assert.deepEqual(fromObjects.decision_log, ['Chose JWT over sessions', 'Refresh tokens rotate']);
  assert.deepEqual(fromObjects['x-owner'], { team: 'auth' });
  assert.deepEqual(baton.validate(JSON.stringify(seed)), baton.validate(seed));
});

test('results are plain objects in canonical member order, or canonical JSON on request', () => {
  const created = baton.createBaton({ goal: 'Ship it' }, { stage: 'planner', at: AT });
  assert.equal(Object.getPrototypeOf(created), Object.prototype);
  assert.deepEqual(Object.keys(created), [
    'version', 'goal', 'current_state', 'decision_log', 'constraints',
    'open_questions', 'work_scope', 'artifacts', 'acceptance', 'history',
  ]);
  const text = baton.createBaton({ goal: 'Ship it' }, { stage: 'planner', at: AT, json: true });
  assert.equal(typeof text, 'string');
  assert.equal(text, baton.toJson(created));
  assert.equal(text, JSON.stringify(created));
  assert.equal(baton.toJson(created, { pretty: true }), JSON.stringify(created, null, 2));
});

test('a failing patch throws a BatonError with every issue and changes nothing', () => {
  const before = structuredClone(seed);
  let error;
  try {
    baton.applyPatch(seed, { decision_log: null, goal: '  ', nope: 1 }, { stage: 'tester', at: AT });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof BatonError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'BatonError');
  assert.ok(error.stack.includes('BatonError'));
  assert.deepEqual(
    error.errors.map((e) => [e.code, e.path]),
    // SPEC §4 order: by member (goal before the lists), then code.
    [['empty', '/goal'], ['append_only', '/decision_log'], ['unknown_field', '/nope']],
  );
  for (const issue of error.errors) assert.deepEqual(Object.keys(issue), ['code', 'path', 'message']);
  assert.equal(error.code, 'empty');
  assert.equal(error.path, '/goal');
  assert.match(error.message, /^empty at \/goal: .+ \(and 2 more\)$/);
  assert.deepEqual(seed, before);
});

test('validate reports, never throws, and warns about duplicates and the budget', () => {
  const report = baton.validate({ ...seed, constraints: ['a', 'a'] }, { budget: 10 });
  assert.equal(report.valid, true);
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.warnings.map((w) => [w.code, w.path]), [['over_budget', ''], ['duplicate', '/constraints/1']]);
  const bad = baton.validate({ goal: 5, decison_log: [] });
  assert.equal(bad.valid, false);
  assert.deepEqual(bad.errors.map((e) => e.code), ['type', 'unknown_field']);
  assert.match(bad.errors[1].message, /did you mean `decision_log`\?/);
  assert.equal(baton.validate('{"goal": "a", "goal": "b"}').errors[0].code, 'duplicate_key');
  assert.throws(() => baton.validate(seed, { budget: -1 }), { code: 'invalid_argument' });
});

test('create, patch, verify, diff round trip', () => {
  const start = baton.createBaton(seed, { stage: 'planner', at: AT });
  const next = baton.applyPatch(start, { open_questions: { add: ['Rate limits?'] } }, { stage: 'tester', at: AT });
  assert.deepEqual(baton.verify(next), { ok: true, errors: [] });
  const tampered = { ...next, goal: 'Something else' };
  const report = baton.verify(tampered);
  assert.equal(report.ok, false);
  assert.equal(report.errors[0].code, 'history_mismatch');
  const patch = baton.diff(start, next);
  assert.deepEqual(patch, { open_questions: ['Rate limits?'] });
  assert.throws(() => baton.diff(next, { ...next, decision_log: [] }), { name: 'BatonError', code: 'append_only' });
});

test('history entries record the stage and a current timestamp by default', () => {
  const before = Date.now();
  const b = baton.applyPatch(seed, { acceptance: { add: ['Docs updated'] } }, { stage: 'reviewer' });
  const last = b.history.at(-1);
  assert.equal(last.stage, 'reviewer');
  assert.match(last.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.ok(Date.parse(last.at) >= before - 1000 && Date.parse(last.at) <= Date.now() + 1000);
});

test('render, options in camelCase, and the token estimate', () => {
  const md = baton.render(seed);
  assert.ok(md.startsWith('# Baton\n\n## Goal\nAdd user auth\n'));
  assert.ok(!md.includes('## History'));
  const withHistory = baton.render(baton.createBaton(seed, { stage: 'planner', at: AT }), { history: true });
  assert.ok(withHistory.includes('## History\n- 2026-01-31T12:00:00Z planner: '));
  const many = { goal: 'g', decision_log: Array.from({ length: 50 }, (_, i) => `decision number ${i}`) };
  const budget = 150;
  const small = baton.render(many, { maxTokens: budget });
  assert.ok(baton.estimateTokens(small) <= budget);
  assert.match(small, /_\d+ earlier decisions left out_/);
  assert.ok(small.includes('- decision number 49\n'));
  assert.throws(() => baton.render(many, { maxTokens: 3 }), { code: 'over_budget' });
  assert.throws(() => baton.render(seed, { maxTokens: -1 }), { code: 'invalid_argument' });
  assert.throws(() => baton.render(seed, { maxTokens: NaN }), { code: 'invalid_argument' });
  assert.throws(() => baton.render(seed, { colour: true }), { code: 'invalid_argument' });
  assert.equal(baton.estimateTokens('hello world'), 4);
});

test('prompt and extractPatch close the loop with a model reply', () => {
  const text = baton.prompt(seed, 'implementer');
  assert.ok(text.includes('# Baton'));
  assert.ok(text.includes('baton_patch'));
  const reply = 'Done.\n```json\n{"baton_patch": {"current_state": {"add": ["Login works"]}}}\n```\n';
  const patch = baton.extractPatch(reply);
  assert.deepEqual(patch, { current_state: { add: ['Login works'] } });
  assert.throws(() => baton.extractPatch('no json here'), { code: 'no_patch' });
});

test('mergePatch is plain RFC 7396 on any JSON', () => {
  assert.deepEqual(baton.mergePatch({ a: 'b', c: { d: 1 } }, { c: { d: null, e: 2 } }), { a: 'b', c: { e: 2 } });
  assert.deepEqual(baton.mergePatch('[1,2]', '{"a":"b"}'), { a: 'b' });
  assert.equal(baton.mergePatch({ a: 1 }, { a: 2 }, { json: true }), '{"a":2}');
});

test('schema returns the committed JSON Schemas', async () => {
  const { readFileSync } = await import('node:fs');
  const committed = (name) => JSON.parse(readFileSync(new URL(`../../schema/${name}.schema.json`, import.meta.url), 'utf8'));
  assert.deepEqual(baton.schema(), committed('baton'));
  assert.deepEqual(baton.schema('patch'), committed('patch'));
  assert.throws(() => baton.schema('other'), { code: 'invalid_argument' });
});
