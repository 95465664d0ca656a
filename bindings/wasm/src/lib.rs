//! The wasm-bindgen layer under the npm package `baton-handoff`.
//!
//! Everything crosses the boundary as JSON text: values come in as UTF-8 JSON
//! text (the package's JS side turns objects into text after checking that they
//! are JSON, see `npm/src/convert.js`, and encodes it: one native copy instead of
//! wasm-bindgen's per-character string loop), results go out as JSON text that
//! the JS side parses into plain objects. One string each way is faster than walking a JS
//! object graph value by value, and it reuses the core's parser, so duplicate
//! keys, depth, `1e400` and UTF-8 are handled exactly as in every other runtime.
//!
//! Failures throw a JS string holding the issues as a JSON array; the JS side
//! turns it into a `BatonError`. No function here has semantics of its own.

use baton_core::{Baton, Error, Issue, RenderOptions, SchemaKind, Value};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What every fallible export returns: JSON text, or the issues as JSON text.
type JsResult = Result<String, JsValue>;

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

fn parse(text: &[u8]) -> Result<Value, JsValue> {
    baton_core::parse_json_bytes(text).map_err(fail)
}

fn baton(text: &[u8]) -> Result<Baton, JsValue> {
    Baton::from_value(&parse(text)?).map_err(fail)
}

/// Plain JSON text (not the baton's canonical form) for results that are not batons.
fn plain(value: &Value) -> String {
    to_text(value)
}

/// `validate(document, budget)`: a report `{valid, errors, warnings}`; never throws.
/// The JS side has checked `budget` is a non-negative integer; past the address
/// space it saturates (no estimate can reach it).
#[wasm_bindgen]
pub fn validate(document: &[u8], budget: Option<f64>) -> String {
    let budget = budget.map_or(baton_core::DEFAULT_BUDGET, |b| b as usize);
    let (errors, warnings) = match baton_core::parse_json_bytes(document) {
        Ok(doc) => {
            let report = baton_core::validate_with_budget(&doc, budget);
            (report.errors, report.warnings)
        }
        Err(e) => (e.into_issues(), Vec::new()),
    };
    to_text(&ValidationReport {
        valid: errors.is_empty(),
        errors: &errors,
        warnings: &warnings,
    })
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
pub fn apply_patch(
    baton_text: &[u8],
    patch: &[u8],
    stage: &str,
    at: Option<String>,
    args_error: Option<String>,
    patch_error: Option<String>,
) -> JsResult {
    let baton = baton(baton_text)?;
    deferred(args_error)?;
    baton_core::check_arguments(stage, at.as_deref()).map_err(fail)?;
    deferred(patch_error)?;
    let patch = parse(patch)?;
    baton_core::apply_patch(&baton, &patch, stage, at.as_deref())
        .map(|b| b.to_json())
        .map_err(fail)
}

/// `create(fields, stage, at)`: a new baton as canonical JSON (arguments first, SPEC §6).
#[wasm_bindgen]
pub fn create(
    fields: &[u8],
    stage: &str,
    at: Option<String>,
    fields_error: Option<String>,
) -> JsResult {
    baton_core::check_arguments(stage, at.as_deref()).map_err(fail)?;
    deferred(fields_error)?;
    let fields = parse(fields)?;
    baton_core::create(&fields, stage, at.as_deref())
        .map(|b| b.to_json())
        .map_err(fail)
}

/// `verify(baton)`: `{ok, errors}`; throws only when the input is not a valid baton.
#[wasm_bindgen]
pub fn verify(baton_text: &[u8]) -> JsResult {
    let baton = baton(baton_text)?;
    let errors = match baton_core::verify(&baton) {
        Ok(()) => Vec::new(),
        Err(e) => e.into_issues(),
    };
    Ok(to_text(&VerifyReport {
        ok: errors.is_empty(),
        errors: &errors,
    }))
}

/// `diff(old, new)`: the baton patch that turns `old` into `new`.
#[wasm_bindgen]
pub fn diff(old: &[u8], new: &[u8]) -> JsResult {
    let old = baton(old)?;
    let new = baton(new)?;
    baton_core::diff(&old, &new)
        .map(|p| baton_core::patch_to_json(&p, false))
        .map_err(fail)
}

/// `merge_patch(target, patch)`: plain RFC 7396 on any JSON.
#[wasm_bindgen(js_name = mergePatch)]
pub fn merge_patch(target: &[u8], patch: &[u8]) -> JsResult {
    let target = parse(target)?;
    let patch = parse(patch)?;
    baton_core::merge_patch(&target, &patch)
        .map(|v| baton_core::to_json(&v, false))
        .map_err(fail)
}

/// `render_markdown(baton, options)`, the options in their wire form
/// (`{"max_tokens", "history", "extensions"}` as JSON text).
#[wasm_bindgen]
pub fn render(baton_text: &[u8], options: &[u8], options_error: Option<String>) -> JsResult {
    let baton = baton(baton_text)?;
    deferred(options_error)?;
    let options = RenderOptions::from_value(&parse(options)?).map_err(fail)?;
    baton_core::render_markdown(&baton, &options).map_err(fail)
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
pub fn to_json(baton_text: &[u8], pretty: bool) -> JsResult {
    let baton = baton(baton_text)?;
    Ok(if pretty {
        baton.to_json_pretty()
    } else {
        baton.to_json()
    })
}

/// `prompt(baton, stage)`.
#[wasm_bindgen]
pub fn prompt(baton_text: &[u8], stage: &str, stage_error: Option<String>) -> JsResult {
    let baton = baton(baton_text)?;
    deferred(stage_error)?;
    baton_core::prompt(&baton, stage).map_err(fail)
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
