// The Node side of the parity test (../test_parity.py): runs every job of a
// JSON file (see cases.py) through the npm package and writes the results, in
// the shape runtimes.py documents, to another JSON file.
//
//   node node_runner.mjs jobs.json results.json

import { readFileSync, writeFileSync } from 'node:fs';

const api = await import(new URL('../../../npm/src/node.js', import.meta.url).href);

const issues = (errors) => errors.map((e) => [e.code, e.path, e.message]);

function run(job, native) {
  const a = (name) => {
    const given = job.in[name];
    return native && given.native ? JSON.parse(given.text) : given.text;
  };
  const at = job.at === null ? undefined : job.at;
  try {
    switch (job.op) {
      case 'validate': {
        const r = api.validate(a('document'), job.budget === null ? undefined : { budget: job.budget });
        return { ok: { report: { valid: r.valid, errors: issues(r.errors), warnings: issues(r.warnings) } } };
      }
      case 'apply_patch':
      case 'create': {
        const out = job.op === 'apply_patch'
          ? api.applyPatch(a('baton'), a('patch'), { stage: job.stage, at, json: true })
          : api.createBaton(a('fields'), { stage: job.stage, at, json: true });
        return { ok: { json: out, pretty: api.toJson(out, { pretty: true }) } };
      }
      case 'verify': {
        const r = api.verify(a('baton'));
        return r.ok ? { ok: { verify: 'ok' } } : { errors: issues(r.errors) };
      }
      case 'diff':
        return { ok: { json: api.diff(a('old'), a('new'), { json: true }) } };
      case 'merge_patch':
        return { ok: { json: api.mergePatch(a('target'), a('patch'), { json: true }) } };
      case 'render': {
        const o = job.options;
        let opts;
        if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
          // The wire form in the package's camelCase; other names as given (as npm/test/vector-runner.js does).
          opts = {};
          for (const [k, v] of Object.entries(o)) opts[k === 'max_tokens' ? 'maxTokens' : k] = v;
        } else if (o !== null) {
          opts = o;
        }
        const md = api.render(a('baton'), opts);
        return { ok: { markdown: md, tokens: api.estimateTokens(md) } };
      }
      case 'to_json': {
        const b = a('baton');
        return { ok: { json: api.toJson(b), pretty: api.toJson(b, { pretty: true }) } };
      }
      case 'prompt':
        return { ok: { text: api.prompt(a('baton'), job.stage) } };
      case 'extract_patch':
        return { ok: { json: api.extractPatch(job.reply, { json: true }) } };
      case 'estimate_tokens':
        return { ok: { tokens: api.estimateTokens(job.text) } };
      default:
        throw new Error(`unknown op ${job.op}`);
    }
  } catch (err) {
    if (err instanceof api.BatonError) return { errors: issues(err.errors) };
    if (err instanceof Error && err.message.startsWith('unknown op')) throw err;
    return { exception: `${err?.name ?? typeof err}: ${err?.message ?? String(err)}` };
  }
}

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = {};
for (const job of jobs) {
  const res = { text: run(job, false) };
  if (Object.values(job.in).some((v) => v.native)) res.native = run(job, true);
  results[job.id] = res;
}
writeFileSync(process.argv[3], JSON.stringify(results));
