// The package's API: argument conversion and error mapping around the wasm core
// (bindings/wasm). Every rule is the core's; see SPEC.md.

import * as core from '../wasm/baton.js';
import { BatonError, batonError } from './errors.js';
import { NO_INPUT, begin, end, input, isWellFormed, snakeCase, utf8 } from './convert.js';

export { BatonError };

/** Calls the core; a thrown string is the core's issues as JSON. */
function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (thrown) {
    if (typeof thrown === 'string') throw new BatonError(JSON.parse(thrown));
    throw thrown;
  }
}

function options(value, name) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw batonError('invalid_argument', '', `${name} must be an object`);
  }
  return value;
}

/** A lone surrogate is not Unicode text (SPEC §1), in any string argument. */
function wellFormed(value, name) {
  if (!isWellFormed(value)) throw batonError('invalid_json', '', `\`${name}\` holds a lone surrogate (not Unicode text)`);
  return value;
}

function stageOf(value) {
  if (typeof value !== 'string') throw batonError('invalid_argument', '', '`stage` must be a string');
  return wellFormed(value, 'stage');
}

function atOf(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw batonError('invalid_argument', '', '`at` must be an RFC 3339 UTC timestamp string');
  }
  return wellFormed(value, 'at');
}

function textOf(value, name) {
  if (typeof value !== 'string') throw batonError('invalid_argument', '', `\`${name}\` must be a string`);
  return wellFormed(value, name);
}

/**
 * Runs a conversion whose failure the core must report later, in spec order
 * (SPEC §4: the baton, then the arguments, then the patch): `[result]` or
 * `[undefined, issuesJson]`.
 */
function later(convert) {
  try {
    return [convert(), undefined];
  } catch (err) {
    if (err instanceof BatonError) return [undefined, JSON.stringify(err.errors)];
    throw err;
  }
}

/** JSON text out: parsed into plain objects unless the caller asked for the text. */
function out(text, asJson) {
  return asJson ? text : JSON.parse(text);
}

/** Validates a document (an object, or JSON text): every error and warning at once. */
export function validate(document, opts) {
  const { budget } = options(opts, 'options');
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 0)) {
    throw batonError('invalid_argument', '', `\`budget\` must be a non-negative integer, got ${String(budget)}`);
  }
  const mark = begin();
  try {
    let doc;
    try {
      doc = input(document);
    } catch (err) {
      if (err instanceof BatonError) return { valid: false, errors: err.errors, warnings: [] };
      throw err;
    }
    // 0: valid, nothing to report (the common case, without a report to parse).
    if (core.validate(doc[0], doc[1], budget ?? -1) === 0) return { valid: true, errors: [], warnings: [] };
    return JSON.parse(core.takeReport());
  } finally {
    end(mark);
  }
}

/** Applies a baton patch atomically and records it in the history. */
export function applyPatch(baton, patch, opts) {
  const o = options(opts, 'options');
  const mark = begin();
  try {
    const b = input(baton);
    const [args, argsError] = later(() => [stageOf(o.stage), atOf(o.at)]);
    const [p, patchError] = later(() => input(patch));
    const [stage, at] = args ?? ['', undefined];
    const [pAt, pLen] = p ?? NO_INPUT;
    return out(call(core.applyPatch, b[0], b[1], pAt, pLen, stage, at, argsError, patchError), o.json);
  } finally {
    end(mark);
  }
}

/** A new baton whose history starts with the given fields. */
export function createBaton(fields, opts) {
  const o = options(opts, 'options');
  const stage = stageOf(o.stage);
  const at = atOf(o.at);
  const mark = begin();
  try {
    const [f, fieldsError] = later(() => input(fields));
    const [fAt, fLen] = f ?? NO_INPUT;
    return out(call(core.create, fAt, fLen, stage, at, fieldsError), o.json);
  } finally {
    end(mark);
  }
}

/** Replays the history; `ok` is false with `history_mismatch` issues where it disagrees. */
export function verify(baton) {
  const mark = begin();
  try {
    const b = input(baton);
    return JSON.parse(call(core.verify, b[0], b[1]));
  } finally {
    end(mark);
  }
}

/** The baton patch that turns `oldBaton` into `newBaton`. */
export function diff(oldBaton, newBaton, opts) {
  const o = options(opts, 'options');
  const mark = begin();
  try {
    const a = input(oldBaton);
    const b = input(newBaton);
    return out(call(core.diff, a[0], a[1], b[0], b[1]), o.json);
  } finally {
    end(mark);
  }
}

/** Plain RFC 7396 merge patch on any JSON (strings are JSON text). */
export function mergePatch(target, patch, opts) {
  const o = options(opts, 'options');
  const mark = begin();
  try {
    const t = input(target);
    const p = input(patch);
    return out(call(core.mergePatch, t[0], t[1], p[0], p[1]), o.json);
  } finally {
    end(mark);
  }
}

/** The baton as Markdown for a prompt; `maxTokens` leaves out the oldest decisions. */
export function render(baton, opts) {
  const mark = begin();
  try {
    const b = input(baton);
    const [o, optionsError] = later(() => renderOptions(opts));
    const [oAt, oLen] = o ?? NO_INPUT;
    return call(core.render, b[0], b[1], oAt, oLen, optionsError);
  } finally {
    end(mark);
  }
}

/** Render options in their wire form (`maxTokens` → `max_tokens`), checked by the core. */
function renderOptions(opts) {
  const wire = {};
  for (const [name, value] of Object.entries(options(opts, 'render options'))) {
    if (value === undefined) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw batonError('invalid_argument', '', `\`${name}\` must be a non-negative integer`);
    }
    wire[snakeCase(name)] = value;
  }
  try {
    return input(wire);
  } catch (err) {
    throw err instanceof BatonError ? batonError('invalid_argument', '', err.message) : err;
  }
}

/** The token estimate of SPEC.md §11. */
export function estimateTokens(text) {
  return core.estimateTokens(utf8(textOf(text, 'text')));
}

/** Canonical JSON of a baton (SPEC.md §9), compact or pretty. */
export function toJson(baton, opts) {
  const o = options(opts, 'options');
  const mark = begin();
  try {
    const b = input(baton);
    return call(core.toJson, b[0], b[1], o.pretty === true);
  } finally {
    end(mark);
  }
}

/** The Markdown to put before a stage, with instructions for returning a patch. */
export function prompt(baton, stage) {
  const mark = begin();
  try {
    const b = input(baton);
    const [s, stageError] = later(() => stageOf(stage));
    return call(core.prompt, b[0], b[1], s ?? '', stageError);
  } finally {
    end(mark);
  }
}

/** The baton patch in a model's reply (a fenced json block, a bare object or a wrapper). */
export function extractPatch(reply, opts) {
  const o = options(opts, 'options');
  return out(call(core.extractPatch, utf8(textOf(reply, 'reply'))), o.json);
}

/** The JSON Schema of a baton (`"baton"`, the default) or of a patch (`"patch"`). */
export function schema(kind = 'baton') {
  return JSON.parse(call(core.schema, textOf(kind, 'kind')));
}
