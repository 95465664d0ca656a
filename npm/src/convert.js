// Conversion between JS values and the JSON text the wasm core reads and writes.
// No baton rule lives here: only what a JS value means as JSON (SPEC.md §1).

import { batonError } from './errors.js';

const encoder = new TextEncoder();

/** SPEC.md §1: nesting deeper than 100 arrays/objects is `too_deep`. */
const MAX_DEPTH = 100;

/**
 * The JSON text of an input: a string is taken as JSON text as-is; any other
 * value must be JSON (plain objects, arrays, strings, finite numbers, booleans,
 * null) and is serialised. `undefined` members are left out, as JSON.stringify
 * does; everything JSON cannot hold (`undefined` elsewhere, BigInt, NaN, Map,
 * Set, Date, functions, class instances, cycles) is a `BatonError`.
 */
export function jsonText(value) {
  if (typeof value === 'string') {
    if (!isWellFormed(value)) {
      throw batonError('invalid_json', '', 'the JSON text holds a lone UTF-16 surrogate (not Unicode text)');
    }
    return value;
  }
  if (value === undefined) throw batonError('type', '', 'expected a JSON value or JSON text, got undefined');
  const path = [];
  check(value, 1, path);
  return JSON.stringify(value);
}

/** A JS value's JSON text, UTF-8 encoded for the core. */
export function jsonBytes(value) {
  return encoder.encode(jsonText(value));
}

/** UTF-8 bytes of a plain string argument (a reply, a text to estimate). */
export function utf8(text) {
  return encoder.encode(text);
}

/** No lone surrogates (TextEncoder would silently turn them into U+FFFD). */
export function isWellFormed(text) {
  return typeof text.isWellFormed === 'function' ? text.isWellFormed() : !/\p{Surrogate}/u.test(text);
}

/** Walks a value once; `path` holds the member names down to it, for errors only. */
function check(value, depth, path) {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) surrogate();
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} is not a JSON number`);
      return;
    case 'object': {
      if (value === null) return;
      if (depth > MAX_DEPTH) {
        throw batonError('too_deep', '', `nesting deeper than ${MAX_DEPTH} levels (or a cyclic object)`);
      }
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          path.push(String(i));
          if (item === undefined) fail(path, 'an array element is undefined (JSON has no undefined)');
          check(item, depth + 1, path);
          path.pop();
        }
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const kind = value.constructor?.name ?? 'object';
        fail(path, `a ${kind} is not JSON; pass a plain object`);
      }
      for (const key of Object.keys(value)) {
        if (!isWellFormed(key)) surrogate();
        const member = value[key];
        if (member === undefined) continue;
        path.push(key);
        check(member, depth + 1, path);
        path.pop();
      }
      return;
    }
    default:
      fail(path, `a ${typeof value} is not JSON`);
  }
}

/** As in JSON text, a lone surrogate is `invalid_json` at the root (SPEC §1). */
function surrogate() {
  throw batonError('invalid_json', '', 'a string holds a lone surrogate (not Unicode text)');
}

function fail(path, message) {
  const pointer = path.map((s) => '/' + s.replaceAll('~', '~0').replaceAll('/', '~1')).join('');
  throw batonError('type', pointer, message);
}

/** `maxTokens` → `max_tokens`: option names cross to the core in the wire form. */
export function snakeCase(name) {
  return name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}
