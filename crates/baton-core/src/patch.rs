//! Patches (SPEC §5): checking a whole patch before touching anything, then
//! applying it and recording it in the history.

use foldhash::HashSet;

use serde_json::{Map, Value};

use crate::document::{Baton, HistoryEntry, ListField, KNOWN_MEMBERS};
use crate::error::{escape_segment, Code, Error, Issue};
use crate::json::depth_exceeds;
use crate::merge::merge;
use crate::text::is_blank;
use crate::timestamp;
use crate::validate::{unknown_field_message, MAX_EXTENSION_DEPTH};

/// Applies a patch to a baton and records it in the history (SPEC §5, §6).
///
/// `at` defaults to now. Atomic: on any error the baton is untouched and every
/// error is returned, with paths into the patch.
pub fn apply_patch(
    baton: &Baton,
    patch: &Value,
    stage: &str,
    at: Option<&str>,
) -> Result<Baton, Error> {
    let at = arguments(stage, at)?;
    let changes = check_patch(patch)?;
    let mut next = baton.clone();
    if next.history.is_empty() {
        next.history.push(HistoryEntry {
            stage: stage.to_owned(),
            at: at.clone(),
            patch: baton.fields_value(),
        });
    }
    apply_checked(&mut next, changes);
    next.history.push(HistoryEntry {
        stage: stage.to_owned(),
        at,
        patch: changes.clone(),
    });
    Ok(next)
}

/// Checks the `stage` and `at` arguments of [`apply_patch`] and [`create`](crate::create)
/// (SPEC §5, §6): `invalid_argument` for a blank stage or a malformed `at`.
///
/// Bindings and the CLI call it before parsing the patch or fields text, so that
/// argument errors come before the patch's own, as the spec orders them.
pub fn check_arguments(stage: &str, at: Option<&str>) -> Result<(), Error> {
    arguments(stage, at).map(drop)
}

/// Checks the `stage` and `at` arguments; returns the timestamp to record.
pub(crate) fn arguments(stage: &str, at: Option<&str>) -> Result<String, Error> {
    if is_blank(stage) {
        return Err(Error::single(
            Code::InvalidArgument,
            "",
            "`stage` must not be blank",
        ));
    }
    match at {
        None => Ok(timestamp::now()),
        Some(at) if timestamp::is_valid(at) => Ok(at.to_owned()),
        Some(at) => Err(Error::single(
            Code::InvalidArgument,
            "",
            format!(
                "`at` must be an RFC 3339 UTC timestamp like `2026-01-31T12:00:00Z`, got `{at}`"
            ),
        )),
    }
}

/// Checks a whole patch; returns it as an object when it has no errors.
pub(crate) fn check_patch(patch: &Value) -> Result<&Map<String, Value>, Error> {
    let Some(members) = patch.as_object() else {
        return Err(Error::single(
            Code::Type,
            "",
            "a patch must be a JSON object",
        ));
    };
    let mut issues = Vec::new();
    for (name, value) in members {
        let path = format!("/{}", escape_segment(name));
        match name.as_str() {
            "goal" => match value {
                Value::String(s) if is_blank(s) => {
                    issues.push(Issue::new(Code::Empty, path, "`goal` must not be blank"));
                }
                Value::String(_) => {}
                Value::Null => issues.push(Issue::new(
                    Code::Required,
                    path,
                    "`goal` cannot be removed; give a new goal instead",
                )),
                _ => issues.push(Issue::new(Code::Type, path, "`goal` must be a string")),
            },
            "history" | "version" => issues.push(Issue::new(
                Code::ReadOnly,
                path,
                format!("`{name}` is read-only"),
            )),
            _ if name.starts_with("x-") => {
                if depth_exceeds(value, MAX_EXTENSION_DEPTH) {
                    issues.push(Issue::new(
                        Code::TooDeep,
                        path,
                        format!("extension nested deeper than {MAX_EXTENSION_DEPTH} levels"),
                    ));
                }
            }
            _ => match ListField::from_name(name) {
                Some(ListField::DecisionLog) => check_decisions(value, &path, &mut issues),
                Some(_) => check_list(value, &path, &mut issues),
                None => issues.push(Issue::new(
                    Code::UnknownField,
                    path,
                    unknown_field_message(name, KNOWN_MEMBERS),
                )),
            },
        }
    }
    if issues.is_empty() {
        Ok(members)
    } else {
        Err(Error::new(issues))
    }
}

fn check_list(value: &Value, path: &str, issues: &mut Vec<Issue>) {
    match value {
        Value::Null => {}
        Value::Array(entries) => check_entries(entries, path, issues),
        Value::Object(ops) => {
            for (op, arg) in ops {
                let op_path = format!("{path}/{}", escape_segment(op));
                match (op.as_str(), arg) {
                    ("add" | "remove", Value::Array(entries)) => {
                        check_entries(entries, &op_path, issues)
                    }
                    ("add" | "remove", _) => issues.push(Issue::new(
                        Code::Type,
                        op_path,
                        format!("`{op}` must be an array of strings"),
                    )),
                    _ => issues.push(Issue::new(
                        Code::UnknownOp,
                        op_path,
                        format!("unknown list operation `{op}`; use `add` or `remove`"),
                    )),
                }
            }
        }
        _ => issues.push(Issue::new(
            Code::Type,
            path,
            "a list change must be an array, null or `{\"add\": [...], \"remove\": [...]}`",
        )),
    }
}

fn check_decisions(value: &Value, path: &str, issues: &mut Vec<Issue>) {
    match value {
        Value::Null => issues.push(Issue::new(
            Code::AppendOnly,
            path,
            "`decision_log` is append-only and cannot be emptied",
        )),
        Value::Array(entries) => check_entries(entries, path, issues),
        Value::Object(ops) => {
            for (op, arg) in ops {
                let op_path = format!("{path}/{}", escape_segment(op));
                match (op.as_str(), arg) {
                    ("add", Value::Array(entries)) => check_entries(entries, &op_path, issues),
                    ("add", _) => issues.push(Issue::new(
                        Code::Type,
                        op_path,
                        "`add` must be an array of strings",
                    )),
                    ("remove", _) => issues.push(Issue::new(
                        Code::AppendOnly,
                        op_path,
                        "`decision_log` is append-only: decisions cannot be removed",
                    )),
                    _ => issues.push(Issue::new(
                        Code::UnknownOp,
                        op_path,
                        format!("unknown operation `{op}` on `decision_log`; use `add`"),
                    )),
                }
            }
        }
        _ => issues.push(Issue::new(
            Code::Type,
            path,
            "`decision_log` changes must be an array or `{\"add\": [...]}`",
        )),
    }
}

fn check_entries(entries: &[Value], path: &str, issues: &mut Vec<Issue>) {
    for (i, entry) in entries.iter().enumerate() {
        match entry {
            Value::String(s) if is_blank(s) => {
                issues.push(Issue::new(
                    Code::Empty,
                    format!("{path}/{i}"),
                    "entries must not be blank",
                ));
            }
            Value::String(_) => {}
            _ => issues.push(Issue::new(
                Code::Type,
                format!("{path}/{i}"),
                "entries must be strings",
            )),
        }
    }
}

/// Applies a patch that [`check_patch`] accepted. Cannot fail.
pub(crate) fn apply_checked(baton: &mut Baton, changes: &Map<String, Value>) {
    for (name, value) in changes {
        if name == "goal" {
            if let Some(goal) = value.as_str() {
                baton.goal = goal.to_owned();
            }
        } else if name.starts_with("x-") {
            if value.is_null() {
                baton.extensions.remove(name);
            } else {
                let merged = merge(baton.extensions.get(name), value);
                baton.extensions.insert(name.clone(), merged);
            }
        } else if let Some(field) = ListField::from_name(name) {
            let list = baton.list_mut(field);
            match value {
                Value::Null => list.clear(),
                Value::Array(entries) if field == ListField::DecisionLog => {
                    append_missing(list, entries)
                }
                Value::Array(entries) => *list = strings(entries).map(str::to_owned).collect(),
                Value::Object(ops) => {
                    if let Some(Value::Array(remove)) = ops.get("remove") {
                        let gone: HashSet<&str> = strings(remove).collect();
                        list.retain(|e| !gone.contains(e.as_str()));
                    }
                    if let Some(Value::Array(add)) = ops.get("add") {
                        append_missing(list, add);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Appends each entry not already present, in order; linear in both lengths.
fn append_missing(list: &mut Vec<String>, entries: &[Value]) {
    let mut added = Vec::new();
    {
        let mut present: HashSet<&str> = list.iter().map(String::as_str).collect();
        for entry in strings(entries) {
            if present.insert(entry) {
                added.push(entry.to_owned());
            }
        }
    }
    list.extend(added);
}

fn strings(entries: &[Value]) -> impl Iterator<Item = &str> {
    entries.iter().filter_map(Value::as_str)
}
