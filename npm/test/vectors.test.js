// Every shared vector in tests/vectors, unchanged, against the Node build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as api from '../src/node.js';
import { runCase } from './vector-runner.js';

const dir = new URL('../../tests/vectors/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
let total = 0;

for (const file of files) {
  const suite = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  test(file, async (t) => {
    for (const c of suite.cases) {
      total++;
      await t.test(c.name, () => runCase(api, c));
    }
  });
}

test('the shared vectors are all there', () => {
  assert.ok(total >= 150, `only ${total} vectors`);
});
