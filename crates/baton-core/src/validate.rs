//! Validation (SPEC §3): structure through the `jsonschema` crate against the
//! `schemars` schema, then the semantic rules, then warnings.

use foldhash::{HashMap, HashMapExt};

use serde_json::Value;

use crate::document::{Baton, KNOWN_MEMBERS, LIST_FIELDS};
use crate::error::{escape_segment, sort_issues, Code, Error, Issue};
use crate::json::depth_exceeds;
use crate::render;
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
    let errors = document_errors(document);
    if !errors.is_empty() {
        return Report {
            errors,
            warnings: Vec::new(),
        };
    }
    let mut warnings = duplicate_warnings(document);
    // Most batons are far under budget: a bound from byte counts settles that
    // without building the typed baton or laying out the rendering.
    let estimate = if render::estimate_bound(document) <= budget {
        0
    } else {
        render::default_estimate(&Baton::from_valid(document))
    };
    if estimate > budget {
        warnings.push(Issue::new(
            Code::OverBudget,
            "",
            format!("the rendered baton is about {estimate} tokens, over the budget of {budget}"),
        ));
    }
    sort_issues(&mut warnings);
    Report {
        errors: Vec::new(),
        warnings,
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

fn document_errors(document: &Value) -> Vec<Issue> {
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
                &KNOWN_MEMBERS
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

/// `unknown field `x``, with the closest known name within edit distance 2 (SPEC §3).
pub(crate) fn unknown_field_message(name: &str, known: &[&str]) -> String {
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

fn duplicate_warnings(document: &Value) -> Vec<Issue> {
    use std::collections::hash_map::Entry;
    let mut out = Vec::new();
    for field in LIST_FIELDS {
        let list = match document.get(field.name()) {
            Some(Value::Array(list)) => list,
            _ => continue,
        };
        if list.len() < 2 {
            continue;
        }
        // Sized up front: no rehashing while a 10,000-entry log goes in.
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(list.len());
        for (i, entry) in list.iter().enumerate() {
            let Some(entry) = entry.as_str() else {
                continue;
            };
            match seen.entry(entry) {
                Entry::Occupied(first) => out.push(Issue::new(
                    Code::Duplicate,
                    format!("/{}/{i}", field.name()),
                    format!("duplicate of `/{}/{}`", field.name(), first.get()),
                )),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
    }
    out
}
