// Runs one shared vector (tests/vectors/README.md) against the package's API.
// Used unchanged by the Node tests and by the page the browser test loads.

/** Deep JSON equality: member order does not matter, numbers compare by value. */
export function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

const show = (v) => JSON.stringify(v);

function issuesMatch(expected, actual, what) {
  const same =
    expected.length === actual.length &&
    expected.every(
      (e, i) =>
        e.code === actual[i].code &&
        e.path === actual[i].path &&
        (e.message === undefined || e.message === actual[i].message),
    );
  if (!same) throw new Error(`${what}: expected ${show(expected)}\n got ${show(actual)}`);
}

/**
 * The input `name`, or `name_text` as JSON text. The API reads every string
 * argument as JSON text, so a value that is itself a string goes in as its text.
 */
function input(c, name) {
  if (Object.hasOwn(c.input, name)) {
    const v = c.input[name];
    return typeof v === 'string' ? JSON.stringify(v) : v;
  }
  if (Object.hasOwn(c.input, `${name}_text`)) return c.input[`${name}_text`];
  throw new Error(`input ${name} missing`);
}

/** Runs `fn`; checks `expect.errors` against a thrown BatonError, else `check` on the result. */
function outcome(api, c, key, fn, check) {
  let result;
  try {
    result = fn();
  } catch (err) {
    if (!(err instanceof api.BatonError)) throw err;
    if (!c.expect.errors) throw new Error(`expected success, got ${err.message} ${show(err.errors)}`);
    issuesMatch(c.expect.errors, err.errors, 'errors');
    return;
  }
  if (c.expect.errors) throw new Error(`expected errors ${show(c.expect.errors)}, it succeeded`);
  if (!Object.hasOwn(c.expect, key)) throw new Error(`expect has neither errors nor ${key}`);
  check(c.expect[key], result);
}

function equal(want, got) {
  if (!jsonEqual(want, got)) throw new Error(`expected ${show(want)}\n got ${show(got)}`);
}

function sameText(want, got) {
  if (want !== got) throw new Error(`expected ${show(want)}\n got ${show(got)}`);
}

/** The fields of a baton: everything but `version` and `history`. */
function fields(b) {
  const { version: _v, history: _h, ...rest } = b;
  return rest;
}

/** Runs one case; throws an Error saying what differs. */
export function runCase(api, c) {
  const at = c.input.at;
  switch (c.op) {
    case 'validate': {
      const opts = c.input.budget === undefined ? undefined : { budget: c.input.budget };
      const report = api.validate(input(c, 'document'), opts);
      if (report.valid !== c.expect.valid) throw new Error(`expected valid=${c.expect.valid}: ${show(report.errors)}`);
      issuesMatch(c.expect.errors, report.errors, 'errors');
      issuesMatch(c.expect.warnings, report.warnings, 'warnings');
      return;
    }
    case 'apply_patch':
      return outcome(api, c, 'baton', () => api.applyPatch(input(c, 'baton'), input(c, 'patch'), { stage: c.input.stage, at }), equal);
    case 'create':
      return outcome(api, c, 'baton', () => api.createBaton(input(c, 'fields'), { stage: c.input.stage, at }), equal);
    case 'verify':
      return outcome(api, c, 'ok', () => {
        const report = api.verify(input(c, 'baton'));
        if (!report.ok) throw new api.BatonError(report.errors);
        return true;
      }, equal);
    case 'diff':
      return outcome(api, c, 'patch', () => api.diff(input(c, 'old'), input(c, 'new')), (want, patch) => {
        equal(want, patch);
        // SPEC §7: the diff applied to old gives new's fields.
        const applied = api.applyPatch(input(c, 'old'), patch, { stage: 'diff', at: '2026-01-01T00:00:00Z' });
        const target = JSON.parse(api.toJson(input(c, 'new')));
        equal(fields(target), fields(applied));
      });
    case 'merge_patch':
      return outcome(api, c, 'result', () => api.mergePatch(input(c, 'target'), input(c, 'patch')), equal);
    case 'render': {
      const o = c.input.options;
      const opts = o && { maxTokens: o.max_tokens, history: o.history, extensions: o.extensions };
      if (o) for (const k of Object.keys(o)) if (!['max_tokens', 'history', 'extensions'].includes(k)) opts[k] = o[k];
      return outcome(api, c, 'markdown', () => api.render(input(c, 'baton'), opts), sameText);
    }
    case 'estimate_tokens':
      return equal(c.expect.tokens, api.estimateTokens(c.input.text));
    case 'to_json':
      return outcome(api, c, 'compact', () => api.toJson(input(c, 'baton')), (want, got) => {
        sameText(want, got);
        if (c.expect.pretty !== undefined) sameText(c.expect.pretty, api.toJson(input(c, 'baton'), { pretty: true }));
      });
    case 'prompt':
      return outcome(api, c, 'text', () => api.prompt(input(c, 'baton'), c.input.stage), sameText);
    case 'extract_patch':
      return outcome(api, c, 'patch', () => api.extractPatch(c.input.reply), equal);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

/** Runs every case of every suite; returns the failures as strings. */
export function runSuites(api, suites) {
  const failures = [];
  let total = 0;
  for (const [file, suite] of suites) {
    for (const c of suite.cases) {
      total++;
      try {
        runCase(api, c);
      } catch (err) {
        failures.push(`${file} / ${c.name}: ${err.message}`);
      }
    }
  }
  return { total, failures };
}
