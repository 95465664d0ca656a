//! The wasm-bindgen layer under the npm package `baton-handoff`.
//!
//! Inputs cross the boundary through two scratch buffers in wasm memory that
//! the JS side writes into directly (`npm/src/convert.js`): no per-call
//! allocation or copy by the glue. UTF-8 text goes into the text buffer, the
//! rest into the scratch buffer, where each input is a region named by its
//! offset and length: a tag byte, the offset and length (4 bytes each,
//! little-endian) of its text in the text buffer, then for a tape the tape.
//!
//! - `J`: JSON text (a string argument, written with `TextEncoder.encodeInto`),
//!   read by the core's parser, so duplicate keys, depth, `1e400` and UTF-8 are
//!   handled exactly as in every other runtime;
//! - `T`: a JS object as a tape (see [`tape`]) written while the JS side checks
//!   that it is JSON, its strings as the text, read by the core as a serde
//!   data source.
//!
//! Results go out as JSON text that the JS side parses into plain objects;
//! `validate` returns only a status for a document without issues. Failures
//! throw a JS string holding the issues as a JSON array; the JS side turns it
//! into a `BatonError`. No function here has semantics of its own.

mod tape;

use std::cell::Cell;

use baton_core::{Baton, Error, Issue, RenderOptions, Report, SchemaKind, Value};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::tape::Tape;

/// What every fallible export returns: JSON text, or the issues as JSON text.
type JsResult = Result<String, JsValue>;

thread_local! {
    /// Where the JS side writes each input's tag, text region and tape.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// Where it writes UTF-8 text: JSON text, and the strings of tapes.
    static TEXT: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// The last `validate` report with issues, until the JS side takes it.
    static REPORT: Cell<String> = const { Cell::new(String::new()) };
}

/// The module's memory, for the JS side's views of the scratch buffers.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Grows a buffer to at least `len` bytes (keeping what it holds) and returns
/// its address, which moves when it grows; 0 when there is no memory for it.
fn grow(cell: &Cell<Vec<u8>>, len: usize) -> *mut u8 {
    let mut buf = cell.take();
    if buf.len() < len {
        if buf.try_reserve_exact(len - buf.len()).is_err() {
            cell.set(buf);
            return std::ptr::null_mut();
        }
        buf.resize(len, 0);
    }
    let ptr = buf.as_mut_ptr();
    cell.set(buf);
    ptr
}

/// The address of the scratch buffer, grown to at least `len` bytes.
#[wasm_bindgen]
pub fn scratch(len: usize) -> *mut u8 {
    SCRATCH.with(|cell| grow(cell, len))
}

/// The address of the text buffer, grown to at least `len` bytes.
#[wasm_bindgen(js_name = textScratch)]
pub fn text_scratch(len: usize) -> *mut u8 {
    TEXT.with(|cell| grow(cell, len))
}

/// Frees both buffers (after a large input).
#[wasm_bindgen(js_name = releaseScratch)]
pub fn release_scratch() {
    SCRATCH.with(|cell| drop(cell.take()));
    TEXT.with(|cell| drop(cell.take()));
}

/// One input, borrowed from the buffers.
enum Input<'a> {
    Text(&'a [u8]),
    Tape(&'a [u8], &'a [u8]),
}

/// The input whose region in the scratch buffer is `at..at + len`. A region
/// that does not hold one is empty text: an argument the JS side could not
/// convert, whose error is raised before the input would be read (`deferred`).
fn input<'a>(scratch: &'a [u8], text: &'a [u8], at: usize, len: usize) -> Input<'a> {
    let word = |bytes: &[u8]| {
        let mut word = [0u8; 4];
        word.copy_from_slice(bytes);
        u32::from_le_bytes(word) as usize
    };
    let region = at.checked_add(len).and_then(|end| scratch.get(at..end));
    let Some([kind, a0, a1, a2, a3, l0, l1, l2, l3, tape @ ..]) = region else {
        return Input::Text(&[]);
    };
    let (text_at, text_len) = (word(&[*a0, *a1, *a2, *a3]), word(&[*l0, *l1, *l2, *l3]));
    let Some(text) = text_at
        .checked_add(text_len)
        .and_then(|end| text.get(text_at..end))
    else {
        return Input::Text(&[]);
    };
    match kind {
        b'T' => Input::Tape(tape, text),
        b'J' => Input::Text(text),
        _ => Input::Text(&[]),
    }
}

/// Runs `f` on the inputs at these regions of the scratch buffer.
fn with_inputs<const N: usize, R>(
    regions: [(usize, usize); N],
    f: impl FnOnce([Input<'_>; N]) -> R,
) -> R {
    SCRATCH.with(|scratch| {
        TEXT.with(|text| {
            let (s, t) = (scratch.take(), text.take());
            let result = f(regions.map(|(at, len)| input(&s, &t, at, len)));
            scratch.set(s);
            text.set(t);
            result
        })
    })
}

/// `{valid, errors, warnings}`, members in this order for people reading it.
#[derive(Serialize)]
struct ValidationReport<'a> {
    valid: bool,
    errors: &'a [Issue],
    warnings: &'a [Issue],
}

/// `{ok, errors}`.
#[derive(Serialize)]
struct VerifyReport<'a> {
    ok: bool,
    errors: &'a [Issue],
}

fn to_text(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn fail(error: Error) -> JsValue {
    JsValue::from_str(&to_text(&error.issues()))
}

fn parse(input: &Input<'_>) -> Result<Value, JsValue> {
    match input {
        Input::Text(text) => baton_core::parse_json_bytes(text),
        Input::Tape(tape, strings) => baton_core::from_deserializer(Tape::new(tape, strings)),
    }
    .map_err(fail)
}

fn baton(input: &Input<'_>) -> Result<Baton, JsValue> {
    Baton::from_value(&parse(input)?).map_err(fail)
}

/// Plain JSON text (not the baton's canonical form) for results that are not batons.
fn plain(value: &Value) -> String {
    to_text(value)
}

/// `validate(document, budget)` on the input at `at..at + len`: 0 for a valid
/// document without warnings, else 1, and [`take_report`] gives the report
/// `{valid, errors, warnings}`. Never throws. A negative `budget` is the
/// default; the JS side has checked it is otherwise a non-negative integer
/// (past the address space it saturates: no estimate can reach it).
#[wasm_bindgen]
pub fn validate(at: usize, len: usize, budget: f64) -> u32 {
    let budget = if budget >= 0.0 {
        budget as usize
    } else {
        baton_core::DEFAULT_BUDGET
    };
    let report: Report = with_inputs([(at, len)], |[input]| match input {
        Input::Text(text) => baton_core::validate_json_bytes(text, budget),
        Input::Tape(tape, strings) => {
            baton_core::validate_deserializer(|| Tape::new(tape, strings), budget)
        }
    });
    if report.errors.is_empty() && report.warnings.is_empty() {
        return 0;
    }
    REPORT.with(|cell| {
        cell.set(to_text(&ValidationReport {
            valid: report.errors.is_empty(),
            errors: &report.errors,
            warnings: &report.warnings,
        }))
    });
    1
}

/// The report of the last [`validate`] that returned 1, as JSON text.
#[wasm_bindgen(js_name = takeReport)]
pub fn take_report() -> String {
    REPORT.with(Cell::take)
}

/// Throws issues the JS side found while converting an argument, at the point
/// where the core would have found them (SPEC §4 orders the baton's errors first,
/// then the arguments', then the patch's).
fn deferred(issues: Option<String>) -> Result<(), JsValue> {
    match issues {
        Some(issues) => Err(JsValue::from_str(&issues)),
        None => Ok(()),
    }
}

/// `apply_patch(baton, patch, stage, at)`: the patched baton as canonical JSON.
/// `args_error` / `patch_error`: conversion failures of the JS side, raised in order.
#[wasm_bindgen(js_name = applyPatch)]
#[allow(clippy::too_many_arguments)]
pub fn apply_patch(
    baton_at: usize,
    baton_len: usize,
    patch_at: usize,
    patch_len: usize,
    stage: &str,
    at: Option<String>,
    args_error: Option<String>,
    patch_error: Option<String>,
) -> JsResult {
    with_inputs([(baton_at, baton_len), (patch_at, patch_len)], |[b, p]| {
        let baton = baton(&b)?;
        deferred(args_error)?;
        baton_core::check_arguments(stage, at.as_deref()).map_err(fail)?;
        deferred(patch_error)?;
        let patch = parse(&p)?;
        baton_core::apply_patch(&baton, &patch, stage, at.as_deref())
            .map(|b| b.to_json())
            .map_err(fail)
    })
}

/// `create(fields, stage, at)`: a new baton as canonical JSON (arguments first, SPEC §6).
#[wasm_bindgen]
pub fn create(
    fields_at: usize,
    fields_len: usize,
    stage: &str,
    at: Option<String>,
    fields_error: Option<String>,
) -> JsResult {
    with_inputs([(fields_at, fields_len)], |[fields]| {
        baton_core::check_arguments(stage, at.as_deref()).map_err(fail)?;
        deferred(fields_error)?;
        let fields = parse(&fields)?;
        baton_core::create(&fields, stage, at.as_deref())
            .map(|b| b.to_json())
            .map_err(fail)
    })
}

/// `verify(baton)`: `{ok, errors}`; throws only when the input is not a valid baton.
#[wasm_bindgen]
pub fn verify(baton_at: usize, baton_len: usize) -> JsResult {
    with_inputs([(baton_at, baton_len)], |[b]| {
        let baton = baton(&b)?;
        let errors = match baton_core::verify(&baton) {
            Ok(()) => Vec::new(),
            Err(e) => e.into_issues(),
        };
        Ok(to_text(&VerifyReport {
            ok: errors.is_empty(),
            errors: &errors,
        }))
    })
}

/// `diff(old, new)`: the baton patch that turns `old` into `new`.
#[wasm_bindgen]
pub fn diff(old_at: usize, old_len: usize, new_at: usize, new_len: usize) -> JsResult {
    with_inputs([(old_at, old_len), (new_at, new_len)], |[old, new]| {
        let old = baton(&old)?;
        let new = baton(&new)?;
        baton_core::diff(&old, &new)
            .map(|p| baton_core::patch_to_json(&p, false))
            .map_err(fail)
    })
}

/// `merge_patch(target, patch)`: plain RFC 7396 on any JSON.
#[wasm_bindgen(js_name = mergePatch)]
pub fn merge_patch(
    target_at: usize,
    target_len: usize,
    patch_at: usize,
    patch_len: usize,
) -> JsResult {
    with_inputs(
        [(target_at, target_len), (patch_at, patch_len)],
        |[target, patch]| {
            let target = parse(&target)?;
            let patch = parse(&patch)?;
            baton_core::merge_patch(&target, &patch)
                .map(|v| baton_core::to_json(&v, false))
                .map_err(fail)
        },
    )
}

/// `render_markdown(baton, options)`, the options in their wire form
/// (`{"max_tokens", "history", "extensions"}`).
#[wasm_bindgen]
pub fn render(
    baton_at: usize,
    baton_len: usize,
    options_at: usize,
    options_len: usize,
    options_error: Option<String>,
) -> JsResult {
    with_inputs(
        [(baton_at, baton_len), (options_at, options_len)],
        |[b, options]| {
            let baton = baton(&b)?;
            deferred(options_error)?;
            let options = RenderOptions::from_value(&parse(&options)?).map_err(fail)?;
            baton_core::render_markdown(&baton, &options).map_err(fail)
        },
    )
}

/// `estimate_tokens(text)`, the text UTF-8 encoded (by `TextEncoder`, so always
/// well-formed; `from_utf8_lossy` then borrows without copying).
#[wasm_bindgen(js_name = estimateTokens)]
pub fn estimate_tokens(text: &[u8]) -> u32 {
    let text = String::from_utf8_lossy(text);
    u32::try_from(baton_core::estimate_tokens(&text)).unwrap_or(u32::MAX)
}

/// Canonical JSON of a baton, compact or pretty.
#[wasm_bindgen(js_name = toJson)]
pub fn to_json(baton_at: usize, baton_len: usize, pretty: bool) -> JsResult {
    with_inputs([(baton_at, baton_len)], |[b]| {
        let baton = baton(&b)?;
        Ok(if pretty {
            baton.to_json_pretty()
        } else {
            baton.to_json()
        })
    })
}

/// `prompt(baton, stage)`.
#[wasm_bindgen]
pub fn prompt(
    baton_at: usize,
    baton_len: usize,
    stage: &str,
    stage_error: Option<String>,
) -> JsResult {
    with_inputs([(baton_at, baton_len)], |[b]| {
        let baton = baton(&b)?;
        deferred(stage_error)?;
        baton_core::prompt(&baton, stage).map_err(fail)
    })
}

/// `extract_patch(reply)`: the patch found in a model's reply.
#[wasm_bindgen(js_name = extractPatch)]
pub fn extract_patch(reply: &[u8]) -> JsResult {
    baton_core::extract_patch(&String::from_utf8_lossy(reply))
        .map(|p| baton_core::patch_to_json(&p, false))
        .map_err(fail)
}

/// The JSON Schema of the baton (`"baton"`) or of a patch (`"patch"`).
#[wasm_bindgen]
pub fn schema(kind: &str) -> JsResult {
    let kind = match kind {
        "baton" => SchemaKind::Baton,
        "patch" => SchemaKind::Patch,
        other => {
            return Err(fail(Error::single(
                baton_core::Code::InvalidArgument,
                "",
                format!("schema kind must be \"baton\" or \"patch\", got {other:?}"),
            )))
        }
    };
    Ok(plain(&baton_core::schema(kind)))
}
