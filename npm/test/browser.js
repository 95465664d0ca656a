// The browser test (`npm run test:browser`): serves the repository root on
// 127.0.0.1, drives Debian's Chromium with playwright-core and checks
//   (a) every shared vector (tests/vectors/*.json) through the browser entry
//       (npm/src/browser.js) via npm/test/browser.html,
//   (b) the playground (npm/playground/): validation errors with their paths,
//       the patched baton, the Markdown and its token estimate,
//   (c) writes a screenshot of the playground to npm/test/output/playground.png,
//   (d) the relay client in a page calling a `baton serve` on another origin
//       (another port) started with `--cors-origin` for the page's origin.
// Any page error, console error, failed or off-host request fails the run.
// Exits non-zero on failure; never waits longer than OVERALL_TIMEOUT_MS.
//
// Environment: CHROMIUM (default /usr/bin/chromium).

import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as api from '../src/node.js';
import { startRelay } from './relay-server.js';

const OVERALL_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 30_000;
const MIN_VECTORS = 150;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VECTOR_DIR = join(ROOT, 'tests', 'vectors');
const SCREENSHOT = join(ROOT, 'npm', 'test', 'output', 'playground.png');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const SEED_BATON = {
  goal: 'Add user auth',
  current_state: ['Routes created', 'Tests passing'],
  decision_log: ['Chose JWT over sessions'],
  constraints: ['No breaking changes'],
  work_scope: ['src/auth/*'],
  artifacts: [],
  open_questions: [],
  acceptance: ['All auth tests green'],
};
const VALID_PATCH = {
  decision_log: { add: ['Refresh tokens rotate on use'] },
  open_questions: { add: ['Rate-limit login?'] },
};
const INVALID_PATCH = { decision_log: null, goal: '' };
const NEW_DECISION = 'Refresh tokens rotate on use';

// ---------------------------------------------------------------- server

/** A static server for ROOT on 127.0.0.1 and a free port; GET and HEAD only. */
function startServer() {
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
      let file = resolve(ROOT, '.' + pathname);
      const rel = relative(ROOT, file);
      if (rel.startsWith('..') || rel.split(sep).includes('..')) {
        res.writeHead(403).end();
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}\n`);
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveServer(server));
  });
}

function stopServer(server) {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections?.();
  });
}

// ---------------------------------------------------------------- helpers

class TestFailure extends Error {}

function check(condition, message) {
  if (!condition) throw new TestFailure(message);
}

const show = (v) => JSON.stringify(v);

/** Everything that went wrong on the pages besides the checks themselves. */
const problems = [];

/** Opens a page that records page errors, console errors, failed and off-host requests. */
async function openPage(context, origin, label) {
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`${label}: page error: ${err.stack ?? err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${label}: console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (req.url().startsWith(origin)) problems.push(`${label}: request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${label}: HTTP ${res.status()} for ${res.url()}`);
  });
  return page;
}

/** Waits for `predicate` in the page, failing early on the first page problem. */
async function waitInPage(page, predicate, what) {
  const seen = problems.length;
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await page.evaluate(predicate)) return;
    if (problems.length > seen) throw new TestFailure(`while waiting for ${what}: ${problems.slice(seen).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new TestFailure(`timed out after ${STEP_TIMEOUT_MS / 1000} s waiting for ${what}`);
}

/** The rows of an issue table as [{code, path, message}]. */
function issueRows(page, containerId) {
  return page.$$eval(`#${containerId} tbody tr`, (rows) =>
    rows.map((row) => ({
      code: row.querySelector('.code').textContent,
      path: row.querySelector('.path').textContent,
      message: row.querySelector('.message').textContent,
    })),
  );
}

/** A full-page screenshot with the inputs scrolled to their start and nothing focused. */
async function screenshot(page, path) {
  await page.evaluate(() => {
    document.activeElement?.blur();
    for (const area of document.querySelectorAll('textarea')) area.scrollTop = 0;
  });
  await page.screenshot({ path, fullPage: true });
}

const text = (page, id) => page.$eval(`#${id}`, (node) => node.textContent);

// ---------------------------------------------------------------- (a) vectors

async function runVectors(context, origin) {
  const files = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json')).sort();
  check(files.length > 0, `no vector files in ${VECTOR_DIR}`);
  const expectedCases = Object.fromEntries(
    files.map((f) => [f, JSON.parse(readFileSync(join(VECTOR_DIR, f), 'utf8')).cases.length]),
  );
  const page = await openPage(context, origin, 'browser.html');
  await page.goto(`${origin}/npm/test/browser.html?files=${files.map(encodeURIComponent).join(',')}`);
  await waitInPage(page, () => window.vectorResult !== undefined || window.vectorError !== undefined, 'the vector results');
  const error = await page.evaluate(() => window.vectorError);
  check(error === undefined, `the vector page could not run: ${error}`);
  const result = await page.evaluate(() => window.vectorResult);
  const userAgent = await page.evaluate(() => navigator.userAgent);
  await page.close();

  check(
    result.failures.length === 0,
    `${result.failures.length} of ${result.total} vectors failed in the browser:\n` +
      result.failures.map((f) => `  - ${f.replaceAll('\n', '\n    ')}`).join('\n'),
  );
  check(show(result.cases) === show(expectedCases), `the page ran ${show(result.cases)}, the files hold ${show(expectedCases)}`);
  check(result.total >= MIN_VECTORS, `only ${result.total} vectors ran in the browser (at least ${MIN_VECTORS} expected)`);
  return { total: result.total, userAgent };
}

// ---------------------------------------------------------------- (b) playground

/** Fills the playground's inputs; each fill fires `input`, so the outputs update live. */
async function fill(page, { baton, patch, stage }) {
  if (baton !== undefined) await page.fill('#baton-input', typeof baton === 'string' ? baton : JSON.stringify(baton, null, 2));
  if (patch !== undefined) await page.fill('#patch-input', typeof patch === 'string' ? patch : JSON.stringify(patch, null, 2));
  if (stage !== undefined) await page.fill('#stage-input', stage);
}

async function checkPlayground(context, origin) {
  const page = await openPage(context, origin, 'playground');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${origin}/npm/playground/`);
  await waitInPage(page, () => document.documentElement.dataset.ready === 'true', 'the playground to load');

  // The page opens on the seed example, already applied.
  check(JSON.parse(await page.inputValue('#baton-input')).goal === 'Add user auth', 'the baton input is not pre-filled with the seed example');
  check((await text(page, 'validation-status')) === 'valid', `seed: validation status is "${await text(page, 'validation-status')}"`);
  check((await text(page, 'markdown-output')).includes(`- ${NEW_DECISION}\n`), 'seed: the pre-filled patch is not applied on load');

  // An invalid baton: its errors with their paths; nothing is patched or rendered.
  await fill(page, { baton: { ...SEED_BATON, goal: ' ', decision_log: ['ok', 3] }, patch: VALID_PATCH, stage: 'reviewer' });
  const batonErrors = await issueRows(page, 'validation-errors');
  const wantBatonErrors = api.validate({ ...SEED_BATON, goal: ' ', decision_log: ['ok', 3] }).errors;
  check(
    show(batonErrors) === show(wantBatonErrors),
    `invalid baton: the page shows ${show(batonErrors)}, validate gives ${show(wantBatonErrors)}`,
  );
  check(
    show(batonErrors.map((e) => `${e.code} ${e.path}`).sort()) === show(['empty /goal', 'type /decision_log/1']),
    `invalid baton: expected empty at /goal and type at /decision_log/1, the page shows ${show(batonErrors)}`,
  );
  check((await text(page, 'validation-status')).startsWith('invalid'), 'invalid baton: status does not say invalid');
  check((await text(page, 'patched-output')) === '', 'invalid baton: a patched baton is shown');
  check((await text(page, 'markdown-output')) === '', 'invalid baton: Markdown is shown');

  // Unparsable baton text: invalid_json at the root.
  await fill(page, { baton: '{"goal": "x",' });
  const jsonErrors = await issueRows(page, 'validation-errors');
  check(jsonErrors.length === 1 && jsonErrors[0].code === 'invalid_json' && jsonErrors[0].path === '', `unparsable baton: the page shows ${show(jsonErrors)}`);

  // The seed baton with an invalid patch: the patch's errors with their paths.
  await fill(page, { baton: SEED_BATON, patch: INVALID_PATCH, stage: 'reviewer' });
  await page.click('#reset-button'); // back to the seed example, to check the reset button too
  check(JSON.parse(await page.inputValue('#patch-input')).open_questions !== undefined, 'reset: the seed patch is not back');
  await fill(page, { patch: INVALID_PATCH, stage: 'reviewer' });
  check((await text(page, 'validation-status')) === 'valid', 'seed baton: not shown as valid');
  check((await issueRows(page, 'validation-errors')).length === 0, 'seed baton: validation errors shown');
  const patchErrors = await issueRows(page, 'patch-errors');
  const pairs = patchErrors.map((e) => `${e.code} ${e.path}`).sort();
  check(
    show(pairs) === show(['append_only /decision_log', 'empty /goal']),
    `invalid patch: expected append_only at /decision_log and empty at /goal, the page shows ${show(patchErrors)}`,
  );
  check(patchErrors.every((e) => e.message.length > 0), `invalid patch: an error without a message: ${show(patchErrors)}`);
  check((await text(page, 'patch-status')).startsWith('not applied'), 'invalid patch: status does not say not applied');
  check((await text(page, 'patched-output')) === '', 'invalid patch: a patched baton is shown');
  check(
    (await text(page, 'markdown-output')) === api.render(SEED_BATON),
    'invalid patch: the Markdown is not that of the baton as given',
  );

  // A blank stage is an argument error.
  await fill(page, { patch: VALID_PATCH, stage: '  ' });
  const stageErrors = await issueRows(page, 'patch-errors');
  check(stageErrors.length === 1 && stageErrors[0].code === 'invalid_argument', `blank stage: the page shows ${show(stageErrors)}`);

  // The valid patch, as stage "implementer".
  await fill(page, { stage: 'implementer' });
  check((await issueRows(page, 'patch-errors')).length === 0, 'valid patch: errors shown');
  check((await text(page, 'patch-status')).startsWith('applied'), 'valid patch: status does not say applied');
  const patchedText = await text(page, 'patched-output');
  const patched = JSON.parse(patchedText);
  check(patchedText === api.toJson(patched, { pretty: true }), 'valid patch: the patched baton is not pretty canonical JSON');
  check(
    show(patched.decision_log) === show(['Chose JWT over sessions', NEW_DECISION]),
    `valid patch: decision_log is ${show(patched.decision_log)}`,
  );
  check(show(patched.open_questions) === show(['Rate-limit login?']), `valid patch: open_questions is ${show(patched.open_questions)}`);
  check(
    patched.history.length === 2 && patched.history.every((h) => h.stage === 'implementer'),
    `valid patch: history is ${show(patched.history)}`,
  );
  check(api.verify(patched).ok, 'valid patch: the patched baton does not verify');
  const expectedBaton = api.applyPatch(SEED_BATON, VALID_PATCH, { stage: 'implementer', at: patched.history[1].at });
  check(show(patched) === show(expectedBaton), 'valid patch: the patched baton differs from applyPatch in Node');

  const markdown = await text(page, 'markdown-output');
  check(markdown.includes('## Decisions (append-only)\n'), 'valid patch: no "## Decisions (append-only)" heading in the Markdown');
  check(markdown.includes(`- ${NEW_DECISION}\n`), `valid patch: the Markdown lacks the line "- ${NEW_DECISION}"`);
  check(markdown === api.render(patched), 'valid patch: the Markdown differs from render(patched baton) in Node');
  const tokens = await text(page, 'token-count');
  check(/^[1-9][0-9]*$/.test(tokens), `valid patch: token estimate "${tokens}" is not a positive integer`);
  check(Number(tokens) === api.estimateTokens(markdown), `valid patch: ${tokens} tokens shown, estimateTokens gives ${api.estimateTokens(markdown)}`);

  // The render option checkboxes reach render().
  await page.check('#opt-history');
  const withHistory = await text(page, 'markdown-output');
  check(withHistory === api.render(patched, { history: true }), 'history option: the Markdown differs from render(patched, {history: true})');
  check(withHistory.includes('## History\n') && withHistory.includes(' implementer: '), 'history option: no History section naming the stage');
  await page.uncheck('#opt-history');
  check((await text(page, 'markdown-output')) === markdown, 'history option: unchecking does not restore the Markdown');

  // The button applies again (a fresh timestamp, same fields).
  await page.waitForTimeout(20); // so that the millisecond timestamp moves on
  await page.click('#apply-button');
  const again = JSON.parse(await text(page, 'patched-output'));
  check(show({ ...again, history: [] }) === show({ ...patched, history: [] }), 'apply button: the fields changed');
  check(again.history[1].at > patched.history[1].at, `apply button: the timestamp did not move on (${again.history[1].at})`);

  // Screenshots: the valid example (the one asked for) and the invalid patch.
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await screenshot(page, SCREENSHOT);
  await fill(page, { patch: INVALID_PATCH });
  await screenshot(page, join(dirname(SCREENSHOT), 'playground-errors.png'));
  await page.close();
}

// ---------------------------------------------------------------- relay

/**
 * A full pass → catch → done → wait through the relay client in a page whose
 * origin differs from the relay's (another port), which only works because the
 * relay answers the preflights and sends the CORS headers; then a refused call,
 * whose problem document the page can read for the same reason.
 */
async function checkRelayFromPage(context, origin, relay) {
  const page = await openPage(context, origin, 'relay page');
  await page.goto(`${origin}/npm/playground/`);
  const seen = await page.evaluate(
    async ({ url, token, baton }) => {
      const { default: Baton, RelayError, createBaton } = await import('/npm/src/browser.js');
      const client = new Baton(token, { baseUrl: url });
      const handoff = await client.pass(
        { task: 'Review from a page', baton: createBaton(baton, { stage: 'planner' }), to: 'reviewer' },
        { idempotencyKey: 'page-1' },
      );
      const job = await client.catch(handoff.pickup_url);
      await client.done(job.baton_id, {
        output: { verdict: 'ship it' },
        baton_patch: { decision_log: { add: ['Reviewed in a browser'] } },
        stage: 'reviewer',
      });
      const final = await client.wait(handoff.baton_id);
      let refused = null;
      try {
        await client.done(job.baton_id, { output: { verdict: 'changed my mind' } });
      } catch (err) {
        refused = { isRelayError: err instanceof RelayError, status: err.status, code: err.code };
      }
      return { handoff, job, final, refused, location: location.origin };
    },
    { url: relay.url, token: relay.token, baton: SEED_BATON },
  );
  await page.close();
  check(seen.location === origin && seen.location !== relay.url, `relay page: not cross-origin (${seen.location} vs ${relay.url})`);
  check(seen.handoff.status === 'pending' && seen.handoff.pickup_url.startsWith(`${relay.url}/api/catch/`), `relay page: pass answered ${show(seen.handoff)}`);
  check(seen.job.task === 'Review from a page' && seen.job.status === 'caught', `relay page: catch answered ${show(seen.job)}`);
  check(seen.final.status === 'done' && show(seen.final.output) === show({ verdict: 'ship it' }), `relay page: final status ${show(seen.final)}`);
  const history = seen.final.baton?.history ?? [];
  check(
    history.length === 2 && history[1].stage === 'reviewer' && seen.final.baton.decision_log.includes('Reviewed in a browser'),
    `relay page: the patched baton lacks the reviewer's entry: ${show(seen.final.baton)}`,
  );
  check(
    seen.refused?.isRelayError && seen.refused.status === 409 && seen.refused.code === 'already_done',
    `relay page: a different second done should be a readable 409 already_done, got ${show(seen.refused)}`,
  );
  // The 409 itself is what the last step asked for, not a problem.
  const expected = (p) => p.startsWith('relay page: ') && p.includes('409');
  for (let i = problems.length - 1; i >= 0; i -= 1) if (expected(problems[i])) problems.splice(i, 1);
}

// ---------------------------------------------------------------- main

async function main(state) {
  state.server = await startServer();
  const origin = `http://127.0.0.1:${state.server.address().port}`;
  state.relay = await startRelay('sqlite', ['--cors-origin', origin]);
  const relayOrigin = new URL(state.relay.url).origin;
  state.profile = mkdtempSync(join(tmpdir(), 'baton-chromium-'));
  state.context = await chromium.launchPersistentContext(state.profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: STEP_TIMEOUT_MS,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
  const context = state.context;
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  // Nothing may come from anywhere but this server and the relay.
  await context.route(
    (url) => url.origin !== origin && url.origin !== relayOrigin && url.protocol !== 'data:',
    (route) => {
      problems.push(`request off localhost: ${route.request().url()}`);
      return route.abort();
    },
  );

  const vectors = await runVectors(context, origin);
  await checkPlayground(context, origin);
  await checkRelayFromPage(context, origin, state.relay);
  check(problems.length === 0, `problems on the pages:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const version = context.browser()?.version() ?? /Chrome\/([\d.]+)/.exec(vectors.userAgent)?.[1] ?? vectors.userAgent;
  return `browser: ${vectors.total} vectors passed in Chromium ${version}; playground ok; relay client across origins ok; screenshot ${relative(ROOT, SCREENSHOT)}`;
}

async function cleanup(state) {
  if (state.context) {
    await Promise.race([state.context.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  }
  if (state.server) await Promise.race([stopServer(state.server), new Promise((r) => setTimeout(r, 5_000))]);
  state.relay?.stop();
  if (state.profile) rmSync(state.profile, { recursive: true, force: true });
}

const started = Date.now();
const state = {};
let timer;
const timeout = new Promise((_, reject) => {
  timer = setTimeout(() => reject(new TestFailure(`timed out after ${OVERALL_TIMEOUT_MS / 1000} s`)), OVERALL_TIMEOUT_MS);
});

let code = 0;
try {
  const summary = await Promise.race([main(state), timeout]);
  console.log(`${summary} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  code = 1;
  console.error(`browser test FAILED: ${err instanceof TestFailure ? err.message : err.stack ?? err}`);
  const more = problems.filter((p) => !String(err?.message).includes(p));
  if (more.length > 0) console.error(`problems on the pages:\n${more.map((p) => `  - ${p}`).join('\n')}`);
} finally {
  clearTimeout(timer);
  await cleanup(state);
}
process.exit(code);
