// The page npm/test/browser.html loads: fetches the shared vector files named in
// `?files=` (relative to /tests/vectors/), runs them with the same runner as the
// Node tests against the browser entry, and publishes the outcome as
// `window.vectorResult = {total, failures, files, cases}` (or
// `window.vectorError = message` when it could not run at all).
import * as api from '../src/browser.js';
import { runSuites } from './vector-runner.js';

const VECTORS = new URL('../../tests/vectors/', import.meta.url);

async function run() {
  const names = (new URLSearchParams(location.search).get('files') ?? '').split(',').filter(Boolean);
  if (names.length === 0) throw new Error('no vector files given: open browser.html?files=a.json,b.json');
  const suites = [];
  const cases = {};
  for (const name of names) {
    const response = await fetch(new URL(name, VECTORS));
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    const suite = await response.json();
    suites.push([name, suite]);
    cases[name] = suite.cases.length;
  }
  return { ...runSuites(api, suites), files: names, cases };
}

const status = document.getElementById('status');
try {
  const result = await run();
  status.textContent = `${result.total - result.failures.length} of ${result.total} vectors passed`;
  document.getElementById('failures').textContent = result.failures.join('\n\n');
  window.vectorResult = result;
} catch (err) {
  status.textContent = `could not run: ${err.message}`;
  window.vectorError = String(err?.stack ?? err);
}
