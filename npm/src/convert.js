// Conversion between JS values and what the wasm core reads and writes.
// No baton rule lives here: only what a JS value means as JSON (SPEC.md §1).
//
// Inputs go straight into two scratch buffers in wasm memory (bindings/wasm):
// UTF-8 text into the text buffer (by TextEncoder.encodeInto), and into the
// scratch buffer, for each input, a tag, where its text is, and for a value
// other than a string a tape (bindings/wasm/src/tape.rs) written by one walk
// that also checks that the value is JSON. A string argument is JSON text
// (`J`); any other value is a tape (`T`) whose text is its strings. A call
// writes its inputs with `input()` between `begin()` and `end()`, and passes
// their regions (offset and length in the scratch buffer) to the core.

import * as core from '../wasm/baton.js';
import { batonError } from './errors.js';

const encoder = new TextEncoder();

/** SPEC.md §1: nesting deeper than 100 arrays/objects is `too_deep`. */
const MAX_DEPTH = 100;

/** Above this size the scratch buffer is freed after the call. */
const KEEP_BYTES = 1 << 20;

// Tape tags (bindings/wasm/src/tape.rs).
const TEXT = 0x4a; // J
const TAPE = 0x54; // T
const NULL = 0x6e; // n
const FALSE = 0x66; // f
const TRUE = 0x74; // t
const NUMBER = 0x64; // d
const STRING = 0x73; // s
const KEY = 0x6b; // k
const NAME = 0x4b; // K
const ARRAY = 0x5b; // [
const ARRAY_END = 0x5d; // ]
const OBJECT = 0x7b; // {
const OBJECT_END = 0x7d; // }

/** Member names sent as one byte: their index in baton-core's `MEMBER_NAMES` (crates/baton-core/src/document.rs). */
function nameIndex(key) {
  switch (key) {
    case 'version': return 0;
    case 'goal': return 1;
    case 'current_state': return 2;
    case 'decision_log': return 3;
    case 'constraints': return 4;
    case 'open_questions': return 5;
    case 'work_scope': return 6;
    case 'artifacts': return 7;
    case 'acceptance': return 8;
    case 'history': return 9;
    case 'stage': return 10;
    case 'at': return 11;
    case 'patch': return 12;
    case 'add': return 13;
    case 'remove': return 14;
    default: return -1;
  }
}

// The scratch buffer: `base` its address, `cap` its size, `pos` the next free
// byte (relative to `base`); the text buffer: `textBase`, `textCap`,
// `textPos`. `u8` and `dv` view all of wasm memory, `textView` the text
// buffer; they are renewed when memory grows (which detaches the old
// ArrayBuffer, and their length becomes 0) or a buffer moves.
let memory;
let u8 = new Uint8Array(0);
let dv = new DataView(new ArrayBuffer(0));
let textView = new Uint8Array(0);
let base = 0;
let cap = 0;
let pos = 0;
let textBase = 0;
let textCap = 0;
let textPos = 0;

/** Makes room up to `end` (relative to `base`), and renews the views if memory grew. */
function ensure(end) {
  if (end > cap) {
    const size = Math.max(end, cap * 2, 4096);
    base = address(core.scratch(size));
    cap = size;
  }
  // Any core call may grow memory. (`length`, which V8 inlines, not `byteLength`.)
  if (u8.length === 0) views();
}

/** Makes room in the text buffer up to `end` (relative to `textBase`). */
function ensureText(end) {
  if (end > textCap) {
    const size = Math.max(end, textCap * 2, 4096);
    textBase = address(core.textScratch(size));
    textCap = size;
    views();
  } else if (u8.length === 0 || textView.length === 0) {
    views();
  }
}

function address(at) {
  if (at === 0) throw new RangeError('baton-handoff: out of wasm memory');
  return at;
}

function views() {
  u8 = new Uint8Array(memory.buffer);
  dv = new DataView(memory.buffer);
  textView = u8.subarray(textBase, textBase + textCap);
}

/** Makes room for `n` more bytes. */
function reserve(n) {
  ensure(pos + n);
}

/** How many calls have begun, to notice one made while a value is walked. */
let calls = 0;

/** Starts writing a call's inputs; returns the mark to pass to `end`. */
export function begin() {
  memory ??= core.wasmMemory();
  ensure(pos);
  calls++;
  // A call made while another writes its inputs (from a getter of its
  // argument) writes after them and leaves them alone.
  return pos;
}

/** Ends a call: its inputs are no longer needed. */
export function end(mark) {
  pos = mark;
  if (mark === 0) {
    // (A call made inside another leaves its text after the outer call's.)
    textPos = 0;
    if (cap > KEEP_BYTES || textCap > KEEP_BYTES) {
      core.releaseScratch();
      cap = 0;
      textCap = 0;
    }
  }
}

/** An empty region, for an argument whose conversion failed (its error is raised first). */
export const NO_INPUT = [0, 0];

/**
 * Writes one input and returns its region `[offset, length]`: a string is
 * taken as JSON text as-is; any other value must be JSON (plain objects,
 * arrays, strings, finite numbers, booleans, null). `undefined` members are
 * left out, as JSON.stringify does; everything JSON cannot hold (`undefined`
 * elsewhere, BigInt, NaN, Map, Set, Date, functions, class instances, cycles)
 * is a `BatonError`.
 */
export function input(value) {
  const start = pos;
  if (typeof value === 'string') {
    if (!isWellFormed(value)) {
      throw batonError('invalid_json', '', 'the JSON text holds a lone UTF-16 surrogate (not Unicode text)');
    }
    return text(value);
  }
  if (value === undefined) throw batonError('type', '', 'expected a JSON value or JSON text, got undefined');
  strings = '';
  endsHigh = false;
  plainPrototype = hasNoEnumerable(Object.prototype);
  const before = calls;
  try {
    // The header (filled in below), then the tape.
    reserve(HEADER);
    pos += HEADER;
    pos = walk(value, 1, pos);
    // Every string is well-formed if their concatenation is and none ends in a
    // high surrogate (which could pair with a lone low one starting the next).
    if (endsHigh || !isWellFormed(strings)) throw NOT_JSON;
    // A getter called this package while the value was walked: the tape may
    // have been written into memory that has since moved. Start again as text.
    if (calls !== before) throw AGAIN;
  } catch (err) {
    pos = start;
    strings = '';
    if (err === NOT_JSON) {
      // Something here is not JSON: the checking walk says what and where.
      check(value, 1, []);
    } else if (err !== AGAIN) {
      throw err;
    }
    // (After NOT_JSON not reached: both walks reject the same values.)
    return text(JSON.stringify(value));
  }
  const textAt = encode(strings);
  strings = '';
  header(start, TAPE, textAt);
  return [start, pos - start];
}

/** An input's header: its tag, then where its text is (4 bytes each, little-endian). */
const HEADER = 9;

function header(at, tag, textAt) {
  const length = textPos - textAt;
  u8[base + at] = tag;
  dv.setUint32(base + at + 1, textAt, true);
  dv.setUint32(base + at + 5, length, true);
}

/** JSON text as an input. */
function text(s) {
  const start = pos;
  reserve(HEADER);
  pos += HEADER;
  const textAt = encode(s);
  // Encoding may have grown memory, so the views are renewed before writing.
  ensure(pos);
  header(start, TEXT, textAt);
  return [start, HEADER];
}

/** The strings met by `walk`, one after the other. */
let strings = '';
/** Whether one of them ends in a high surrogate. */
let endsHigh = false;

/**
 * Whether `Object.prototype` has no enumerable property: then `for...in` on a
 * plain object or one without a prototype gives exactly its own enumerable
 * names, in the order of `Object.keys`.
 */
let plainPrototype = true;

function hasNoEnumerable(object) {
  for (const _ in object) return false;
  return true;
}

/**
 * Writes the UTF-8 of `s` (well-formed) into the text buffer with
 * TextEncoder.encodeInto; returns where it starts. Room for one byte per
 * UTF-16 unit first, the common case, then for three per unit left if needed.
 */
function encode(s) {
  const start = textPos;
  let at = start;
  let left = s;
  for (let width = 1; ; width = 3) {
    ensureText(at + width * left.length);
    // The text of a call's first input starts the buffer: no view to make.
    const into = at === 0 ? textView : u8.subarray(textBase + at, textBase + textCap);
    const { read, written } = encoder.encodeInto(left, into);
    at += written;
    if (read === left.length) break;
    left = left.slice(read);
  }
  textPos = at;
  return start;
}

/** UTF-8 bytes of a plain string argument (a reply, a text to estimate). */
export function utf8(value) {
  return encoder.encode(value);
}

/** No lone surrogates (TextEncoder would silently turn them into U+FFFD). */
export function isWellFormed(s) {
  return typeof s.isWellFormed === 'function' ? s.isWellFormed() : !/\p{Surrogate}/u.test(s);
}

/** Thrown by `walk` at the first value that is not JSON; `check` then says why. */
const NOT_JSON = Symbol('not JSON');
const AGAIN = Symbol('again');

// The writers below take the position to write at (relative to `base`) and
// return the position after what they wrote: locals, not module state, in the
// hot loop. Each makes room before it writes; `base` and `u8` change only then.

/** Writes a value as a tape at `p`; throws NOT_JSON at anything JSON cannot hold. */
function walk(value, depth, p) {
  switch (typeof value) {
    case 'string':
      return string(STRING, value, p);
    case 'boolean':
      if (p + 1 > cap) ensure(p + 1);
      u8[base + p] = value ? TRUE : FALSE;
      return p + 1;
    case 'number':
      if (!Number.isFinite(value)) throw NOT_JSON;
      return number(value, p);
    case 'object': {
      if (p + 1 > cap) ensure(p + 1);
      if (value === null) {
        u8[base + p] = NULL;
        return p + 1;
      }
      if (depth > MAX_DEPTH) throw NOT_JSON;
      if (Array.isArray(value)) {
        u8[base + p++] = ARRAY;
        for (let i = 0, n = value.length; i < n; i++) {
          const item = value[i];
          if (typeof item === 'string') {
            p = string(STRING, item, p);
          } else {
            if (item === undefined) throw NOT_JSON;
            p = walk(item, depth + 1, p);
          }
        }
        if (p + 1 > cap) ensure(p + 1);
        u8[base + p] = ARRAY_END;
        return p + 1;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw NOT_JSON;
      u8[base + p++] = OBJECT;
      if (plainPrototype) {
        // The own enumerable names, as Object.keys has them (V8 makes this
        // loop and `value[key]` fast); see `input` for `plainPrototype`.
        for (const key in value) p = member(key, value[key], depth, p);
      } else {
        for (const key of Object.keys(value)) p = member(key, value[key], depth, p);
      }
      if (p + 1 > cap) ensure(p + 1);
      u8[base + p] = OBJECT_END;
      return p + 1;
    }
    default:
      throw NOT_JSON;
  }
}

/** One member of an object at `p` (left out when `undefined`). */
function member(key, value, depth, p) {
  if (value === undefined) {
    // Left out, as JSON.stringify does; its name must still be Unicode text.
    if (!isWellFormed(key)) throw NOT_JSON;
    return p;
  }
  const index = nameIndex(key);
  if (index < 0) {
    p = string(KEY, key, p);
  } else {
    if (p + 2 > cap) ensure(p + 2);
    const at = base + p;
    u8[at] = NAME;
    u8[at + 1] = index;
    p += 2;
  }
  return typeof value === 'string' ? string(STRING, value, p) : walk(value, depth + 1, p);
}

/** A tagged string at `p`: its length in UTF-16 units there, its text in `strings`. */
function string(tag, s, p) {
  if (p + 7 > cap) ensure(p + 7);
  const n = s.length;
  const at = base + p;
  u8[at] = tag;
  strings += s;
  if ((s.charCodeAt(n - 1) & 0xfc00) === 0xd800) endsHigh = true;
  if (n < 0x80) {
    u8[at + 1] = n;
    return p + 2;
  }
  return length(n, at + 1) - base;
}

/** A number at `p`, as JS writes it (read back exactly by the core). */
function number(value, p) {
  const digits = String(value);
  const n = digits.length;
  if (p + 8 + n > cap) ensure(p + 8 + n);
  const at = base + p;
  u8[at] = NUMBER;
  let q = length(n, at + 1);
  for (let i = 0; i < n; i++) u8[q++] = digits.charCodeAt(i);
  return q - base;
}

/** Writes a length as LEB128 (7 bits a byte, low first) at absolute `p`; returns the end. */
function length(n, p) {
  while (n > 0x7f) {
    u8[p++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 128);
  }
  u8[p++] = n;
  return p;
}

/**
 * Walks a value that is not JSON and throws the `BatonError` for the first
 * thing that is not; `path` holds the member names down to it.
 */
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
