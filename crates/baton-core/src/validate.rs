//! Validation (SPEC §3): structure through the `jsonschema` crate against the
//! `schemars` schema, then the semantic rules, then warnings.

use serde::Deserializer;
use serde_json::Value;

use crate::document::{Baton, KNOWN_MEMBERS, LIST_FIELDS};
use crate::error::{escape_segment, sort_issues, Code, Error, Issue};
use crate::json::{depth_exceeds, from_deserializer, parse_json_bytes};
use crate::lite;
use crate::structure::{self, Finding};
use crate::text::is_blank;
use crate::timestamp;

/// The default token budget for the `over_budget` warning.
pub const DEFAULT_BUDGET: usize = 1000;

/// How deep an `x-` value may nest (SPEC §16).
pub const MAX_EXTENSION_DEPTH: usize = 64;

/// Everything [`validate`] found: the document is valid when `errors` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Errors, in SPEC §4 order.
    pub errors: Vec<Issue>,
    /// Warnings (only computed for a document without errors), in SPEC §4 order.
    pub warnings: Vec<Issue>,
}

impl Report {
    /// Whether the document has no errors.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Validates a document with the default budget (1,000 tokens).
pub fn validate(document: &Value) -> Report {
    validate_with_budget(document, DEFAULT_BUDGET)
}

/// Validates a document: every error, and when there are none, every warning.
pub fn validate_with_budget(document: &Value, budget: usize) -> Report {
    // A valid document is read once, borrowing its strings (lite.rs); only a
    // document that may have errors goes through the schema pass and the rules.
    if let Some(fields) = lite::read_clean(document) {
        return Report {
            errors: Vec::new(),
            warnings: lite::warnings(&fields, budget),
        };
    }
    let errors = document_errors(document);
    if !errors.is_empty() {
        return Report {
            errors,
            warnings: Vec::new(),
        };
    }
    // Not reached while the fast path accepts every valid document; if it ever
    // gave up on one, the warnings are still the same.
    Report {
        errors,
        warnings: lite::warnings(&Baton::from_valid(document), budget),
    }
}

/// Validates JSON text given as bytes: the report of [`parse_json_bytes`]
/// followed by [`validate_with_budget`], a text that does not parse (SPEC §1)
/// giving that one error. Faster than the two steps: a valid document is
/// checked as it is read, its strings borrowed from `bytes`, with no
/// [`Value`] built.
pub fn validate_json_bytes(bytes: &[u8], budget: usize) -> Report {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut de = serde_json::Deserializer::from_str(text);
        if let Some(fields) = lite::read_clean(&mut de).filter(|_| de.end().is_ok()) {
            return Report {
                errors: Vec::new(),
                warnings: lite::warnings(&fields, budget),
            };
        }
    }
    match parse_json_bytes(bytes) {
        Ok(document) => validate_with_budget(&document, budget),
        Err(e) => Report {
            errors: e.into_issues(),
            warnings: Vec::new(),
        },
    }
}

/// Validates a document read from any serde data source, as
/// [`from_deserializer`] followed by [`validate_with_budget`] (a source that is
/// not JSON giving that one error), without building a [`Value`] for a valid
/// document. `source` makes the deserializer; it is called a second time when
/// the document has errors.
pub fn validate_deserializer<'de, D, F>(source: F, budget: usize) -> Report
where
    D: Deserializer<'de>,
    F: Fn() -> D,
{
    if let Some(fields) = lite::read_clean(source()) {
        return Report {
            errors: Vec::new(),
            warnings: lite::warnings(&fields, budget),
        };
    }
    match from_deserializer(source()) {
        Ok(document) => validate_with_budget(&document, budget),
        Err(e) => Report {
            errors: e.into_issues(),
            warnings: Vec::new(),
        },
    }
}

/// The errors of a document, or `Ok` when it is valid.
pub(crate) fn check_document(document: &Value) -> Result<(), Error> {
    let errors = document_errors(document);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::new(errors))
    }
}

pub(crate) fn document_errors(document: &Value) -> Vec<Issue> {
    let mut errors = Vec::new();
    for (finding, path) in structure::findings(document) {
        map_finding(finding, &path, &mut errors);
    }
    semantic_errors(document, &mut errors);
    sort_issues(&mut errors);
    errors
}

fn map_finding(finding: Finding, path: &str, out: &mut Vec<Issue>) {
    match finding {
        Finding::Required(name) => {
            out.push(Issue::new(
                Code::Required,
                format!("{path}/{}", escape_segment(&name)),
                format!("missing required member `{name}`"),
            ));
        }
        Finding::Unexpected(name) => {
            // Top level: suggest a baton member; inside a history entry: one of its three.
            let known: &[&str] = if path.is_empty() {
                KNOWN_MEMBERS
            } else {
                &["stage", "at", "patch"]
            };
            out.push(Issue::new(
                Code::UnknownField,
                format!("{path}/{}", escape_segment(&name)),
                unknown_field_message(&name, known),
            ));
        }
        Finding::Const => {
            out.push(Issue::new(Code::Version, path, "`version` must be 1"));
        }
        Finding::MinLength => {
            out.push(Issue::new(Code::Empty, path, "must not be blank"));
        }
        Finding::Type => {
            out.push(Issue::new(
                Code::Type,
                path,
                format!("expected {}", expected_type(path)),
            ));
        }
    }
}

/// The message of an `unknown_field` issue: ``unknown field `x` ``, with the
/// closest of `known` within edit distance 2 suggested (SPEC §3). Public so that
/// the relay words its own request members' errors the same way.
pub fn unknown_field_message(name: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| (strsim::levenshtein(name, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, k)) => format!("unknown field `{name}`, did you mean `{k}`?"),
        None => format!("unknown field `{name}`"),
    }
}

/// What the schema expects at a path, for the `type` message.
fn expected_type(path: &str) -> &'static str {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    match segments.as_slice() {
        [] => "a JSON object (the baton)",
        ["history"] => "an array of history entries",
        ["history", _] => "a history entry object `{stage, at, patch}`",
        ["history", _, "patch"] => "an object",
        ["history", _, _] => "a string",
        ["goal"] => "a string",
        [_] => "an array of strings",
        _ => "a string",
    }
}

fn semantic_errors(document: &Value, out: &mut Vec<Issue>) {
    let Some(obj) = document.as_object() else {
        return;
    };
    for (key, value) in obj {
        if key == "goal" {
            if value.as_str().is_some_and(is_blank) {
                out.push(Issue::new(Code::Empty, "/goal", "`goal` must not be blank"));
            }
        } else if key.starts_with("x-") {
            if depth_exceeds(value, MAX_EXTENSION_DEPTH) {
                out.push(Issue::new(
                    Code::TooDeep,
                    format!("/{}", escape_segment(key)),
                    format!("extension nested deeper than {MAX_EXTENSION_DEPTH} levels"),
                ));
            }
        } else if key == "history" {
            for (i, entry) in value.as_array().into_iter().flatten().enumerate() {
                history_entry_errors(i, entry, out);
            }
        } else if LIST_FIELDS.iter().any(|f| f.name() == key) {
            for (i, entry) in value.as_array().into_iter().flatten().enumerate() {
                if entry.as_str().is_some_and(is_blank) {
                    out.push(Issue::new(
                        Code::Empty,
                        format!("/{key}/{i}"),
                        "entries must not be blank",
                    ));
                }
            }
        }
    }
}

fn history_entry_errors(i: usize, entry: &Value, out: &mut Vec<Issue>) {
    if let Some(stage) = entry.get("stage").and_then(Value::as_str) {
        if is_blank(stage) {
            out.push(Issue::new(
                Code::Empty,
                format!("/history/{i}/stage"),
                "`stage` must not be blank",
            ));
        }
    }
    if let Some(at) = entry.get("at").and_then(Value::as_str) {
        if !timestamp::is_valid(at) {
            out.push(Issue::new(
                Code::Timestamp,
                format!("/history/{i}/at"),
                format!("`{at}` is not an RFC 3339 UTC timestamp like `2026-01-31T12:00:00Z`"),
            ));
        }
    }
}
