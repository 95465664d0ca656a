//! Diff (SPEC §7): the baton patch that turns one baton's fields into another's.

use foldhash::{HashSet, HashSetExt};

use serde_json::{Map, Value};

use crate::document::{Baton, ListField, LIST_FIELDS};
use crate::error::{escape_segment, Code, Error, Issue};

/// The patch that turns `old`'s fields into `new`'s. History is ignored.
///
/// Fails with `append_only` when `new` drops or reorders decisions, and with
/// `unrepresentable` when an `x-` change needs a literal `null` in an object.
pub fn diff(old: &Baton, new: &Baton) -> Result<Value, Error> {
    let mut patch = Map::new();
    let mut issues = Vec::new();
    if old.goal != new.goal {
        patch.insert("goal".into(), Value::String(new.goal.clone()));
    }
    for field in LIST_FIELDS {
        let (o, n) = (old.list(field), new.list(field));
        if o == n {
            continue;
        }
        let change = if field == ListField::DecisionLog {
            match appended(o, n) {
                Some(added) => serde_json::json!({ "add": added }),
                None => {
                    issues.push(Issue::new(
                        Code::AppendOnly,
                        "/decision_log",
                        "the new baton must keep every old decision, in order, and only add distinct new ones",
                    ));
                    continue;
                }
            }
        } else {
            list_change(o, n)
        };
        patch.insert(field.name().into(), change);
    }
    for name in old.extensions.keys().chain(new.extensions.keys()) {
        if patch.contains_key(name) {
            continue;
        }
        let path = format!("/{}", escape_segment(name));
        match (old.extensions.get(name), new.extensions.get(name)) {
            (Some(_), None) => {
                patch.insert(name.clone(), Value::Null);
            }
            (o, Some(n)) if o != Some(n) => {
                patch.insert(name.clone(), value_diff(o, n, &path, &mut issues));
            }
            _ => {}
        }
    }
    if issues.is_empty() {
        Ok(Value::Object(patch))
    } else {
        Err(Error::new(issues))
    }
}

/// The entries `new` adds after `old`, when `new` is `old` followed by distinct new entries.
fn appended<'a>(old: &[String], new: &'a [String]) -> Option<&'a [String]> {
    if new.len() < old.len() || new[..old.len()] != *old {
        return None;
    }
    let added = &new[old.len()..];
    let mut seen: HashSet<&str> = old.iter().map(String::as_str).collect();
    added.iter().all(|e| seen.insert(e)).then_some(added)
}

fn list_change(old: &[String], new: &[String]) -> Value {
    if new.is_empty() {
        return Value::Array(Vec::new());
    }
    let old_set: HashSet<&str> = old.iter().map(String::as_str).collect();
    let new_set: HashSet<&str> = new.iter().map(String::as_str).collect();
    let mut removed_seen = HashSet::new();
    let remove: Vec<&str> = old
        .iter()
        .map(String::as_str)
        .filter(|e| !new_set.contains(e) && removed_seen.insert(*e))
        .collect();
    let mut added_seen = HashSet::new();
    let add: Vec<&str> = new
        .iter()
        .map(String::as_str)
        .filter(|e| !old_set.contains(e) && added_seen.insert(*e))
        .collect();
    // The edit form only when it is smaller and reproduces `new` exactly.
    let mut edited: Vec<&str> = old
        .iter()
        .map(String::as_str)
        .filter(|e| new_set.contains(e))
        .collect();
    edited.extend(add.iter().copied());
    if add.len() + remove.len() < new.len() && edited == new {
        let mut edit = Map::new();
        if !add.is_empty() {
            edit.insert("add".into(), add.into());
        }
        if !remove.is_empty() {
            edit.insert("remove".into(), remove.into());
        }
        Value::Object(edit)
    } else {
        new.into()
    }
}

/// The RFC 7396 patch from `old` to `new` (which differ).
fn value_diff(old: Option<&Value>, new: &Value, path: &str, issues: &mut Vec<Issue>) -> Value {
    match (old, new) {
        (Some(Value::Object(o)), Value::Object(n)) => {
            let mut out = Map::new();
            for (k, ov) in o {
                if !n.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                } else if n[k] != *ov {
                    let sub = format!("{path}/{}", escape_segment(k));
                    out.insert(k.clone(), value_diff(Some(ov), &n[k], &sub, issues));
                }
            }
            for (k, nv) in n {
                if !o.contains_key(k) {
                    let sub = format!("{path}/{}", escape_segment(k));
                    out.insert(k.clone(), value_diff(None, nv, &sub, issues));
                }
            }
            Value::Object(out)
        }
        _ => {
            check_no_null(new, path, issues);
            new.clone()
        }
    }
}

/// A value written whole by a merge patch must not hold `null` where merging would
/// read it as "remove": itself, or any object member.
fn check_no_null(value: &Value, path: &str, issues: &mut Vec<Issue>) {
    match value {
        Value::Null => issues.push(Issue::new(
            Code::Unrepresentable,
            path,
            "a merge patch cannot set a literal `null`",
        )),
        Value::Object(o) => {
            for (k, v) in o {
                check_no_null(v, &format!("{path}/{}", escape_segment(k)), issues);
            }
        }
        _ => {}
    }
}
