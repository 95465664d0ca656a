// The playground: validate a baton, apply a patch, render the result. Every
// rule is the package's (../src/browser.js, the wasm core); this file only
// reads the inputs and writes the outputs.

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

const SEED_PATCH = {
  decision_log: { add: ['Refresh tokens rotate on use'] },
  open_questions: { add: ['Rate-limit login?'] },
};

const SEED_STAGE = 'planner';

const $ = (id) => document.getElementById(id);

const el = {
  load: $('load-status'),
  form: $('inputs'),
  baton: $('baton-input'),
  patch: $('patch-input'),
  stage: $('stage-input'),
  history: $('opt-history'),
  extensions: $('opt-extensions'),
  apply: $('apply-button'),
  reset: $('reset-button'),
  validationStatus: $('validation-status'),
  validationErrors: $('validation-errors'),
  validationWarnings: $('validation-warnings'),
  patchStatus: $('patch-status'),
  patchErrors: $('patch-errors'),
  patched: $('patched-output'),
  markdownSource: $('markdown-source'),
  markdown: $('markdown-output'),
  tokens: $('token-count'),
};

/** Fills the inputs with the seed example. */
function seed() {
  el.baton.value = JSON.stringify(SEED_BATON, null, 2);
  el.patch.value = JSON.stringify(SEED_PATCH, null, 2);
  el.stage.value = SEED_STAGE;
  el.history.checked = false;
  el.extensions.checked = false;
}

/** Writes `text` with a state (`ok`, `error`, `warning`, `idle`) for styling and tests. */
function status(node, text, state) {
  node.textContent = text;
  node.dataset.state = state;
}

/** A table of issues (code, path, message) in `container`, or nothing for none. */
function issueTable(container, issues, caption) {
  container.replaceChildren();
  if (issues.length === 0) return;
  const table = document.createElement('table');
  table.className = 'issues';
  const cap = table.createCaption();
  cap.textContent = caption;
  const head = table.createTHead().insertRow();
  for (const name of ['Code', 'Path', 'Message']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const issue of issues) {
    const row = body.insertRow();
    row.dataset.code = issue.code;
    row.dataset.path = issue.path;
    const code = row.insertCell();
    code.className = 'code';
    code.textContent = issue.code;
    const path = row.insertCell();
    path.className = 'path';
    path.textContent = issue.path;
    if (issue.path === '') path.title = 'the whole input';
    const message = row.insertCell();
    message.className = 'message';
    message.textContent = issue.message;
  }
  container.appendChild(table);
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The last patch applied: the same inputs give the same result (and timestamp) until the button is pressed. */
let applied = { key: null, patched: null, errors: null };

function update(api, { fresh = false } = {}) {
  const batonText = el.baton.value;
  const patchText = el.patch.value;
  const stage = el.stage.value;

  // 1. Validation of the baton as given (never throws on the document).
  const report = api.validate(batonText);
  if (report.valid) {
    status(el.validationStatus, report.warnings.length ? `valid (${plural(report.warnings.length, 'warning')})` : 'valid', report.warnings.length ? 'warning' : 'ok');
  } else {
    status(el.validationStatus, `invalid: ${plural(report.errors.length, 'error')}`, 'error');
  }
  issueTable(el.validationErrors, report.errors, 'Errors in the baton');
  issueTable(el.validationWarnings, report.warnings, 'Warnings');

  // 2. The patch, applied as `stage`.
  let patched = null;
  el.patchErrors.replaceChildren();
  el.patched.textContent = '';
  if (!report.valid) {
    status(el.patchStatus, 'not applied: fix the baton first', 'idle');
  } else {
    const key = JSON.stringify([batonText, patchText, stage]);
    if (fresh || key !== applied.key) {
      applied = { key, patched: null, errors: null };
      try {
        applied.patched = api.applyPatch(batonText, patchText, { stage, json: true });
      } catch (err) {
        if (!(err instanceof api.BatonError)) throw err;
        applied.errors = err.errors;
      }
    }
    patched = applied.patched;
    if (patched !== null) {
      el.patched.textContent = api.toJson(patched, { pretty: true });
      status(el.patchStatus, `applied as stage “${stage}”`, 'ok');
    } else {
      status(el.patchStatus, `not applied: ${plural(applied.errors.length, 'error')}`, 'error');
      issueTable(el.patchErrors, applied.errors, 'Errors in the patch');
    }
  }

  // 3. The Markdown of the patched baton, or of the baton as given when the patch failed.
  const source = patched ?? (report.valid ? batonText : null);
  if (source === null) {
    el.markdownSource.textContent = 'nothing to render: the baton is invalid';
    el.markdown.textContent = '';
    el.tokens.textContent = '–';
    delete el.markdown.dataset.of;
    return;
  }
  const markdown = api.render(source, { history: el.history.checked, extensions: el.extensions.checked });
  el.markdown.textContent = markdown;
  el.markdown.dataset.of = patched ? 'patched' : 'input';
  el.markdownSource.textContent = patched ? 'of the patched baton' : 'of the baton as given (the patch did not apply)';
  el.tokens.textContent = String(api.estimateTokens(markdown));
}

async function main() {
  seed();
  let api;
  try {
    api = await import('../src/browser.js');
  } catch (err) {
    status(el.load, `Could not load the WebAssembly core: ${err.message}`, 'error');
    throw err;
  }
  const run = () => update(api);
  el.form.addEventListener('input', run);
  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    update(api, { fresh: true });
  });
  el.reset.addEventListener('click', () => {
    seed();
    run();
  });
  el.apply.disabled = false;
  el.reset.disabled = false;
  run();
  status(el.load, 'Ready.', 'ok');
  document.documentElement.dataset.ready = 'true';
}

main();
