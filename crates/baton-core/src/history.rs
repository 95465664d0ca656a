//! History (SPEC §6): `create` records the origin; `verify` replays the history.

use serde_json::{Map, Value};

use crate::document::{Baton, HistoryEntry, LIST_FIELDS};
use crate::error::{escape_segment, Code, Error, Issue};
use crate::patch::{apply_checked, arguments, check_patch};
use crate::validate::check_document;

/// A new baton from its initial fields; its history starts with those fields
/// (the origin entry), so replaying the history rebuilds them.
pub fn create(fields: &Value, stage: &str, at: Option<&str>) -> Result<Baton, Error> {
    let at = arguments(stage, at)?;
    if let Some(obj) = fields.as_object().filter(|o| o.contains_key("history")) {
        let mut without = obj.clone();
        without.remove("history");
        let mut issues = check_document(&Value::Object(without))
            .err()
            .map(Error::into_issues)
            .unwrap_or_default();
        issues.push(Issue::new(
            Code::ReadOnly,
            "/history",
            "`history` is read-only: `create` starts a new one",
        ));
        return Err(Error::new(issues));
    }
    let mut baton = Baton::from_value(fields)?;
    let origin = baton.fields_value();
    baton.history.push(HistoryEntry {
        stage: stage.to_owned(),
        at,
        patch: origin,
    });
    Ok(baton)
}

/// Replays the history from its origin and reports every field where the result
/// disagrees with the baton (`history_mismatch`). An empty history verifies.
pub fn verify(baton: &Baton) -> Result<(), Error> {
    let Some((origin, rest)) = baton.history.split_first() else {
        return Ok(());
    };
    let mut state = replay_origin(&origin.patch).ok_or_else(|| {
        Error::single(
            Code::HistoryMismatch,
            "/history/0",
            "the first history entry must hold the initial fields as a valid document",
        )
    })?;
    for (i, entry) in rest.iter().enumerate() {
        let patch = Value::Object(entry.patch.clone());
        match check_patch(&patch) {
            Ok(changes) => apply_checked(&mut state, changes),
            Err(e) => {
                return Err(Error::single(
                    Code::HistoryMismatch,
                    format!("/history/{}", i + 1),
                    format!("this patch does not apply: {}", e.issues()[0]),
                ))
            }
        }
    }
    let mut issues = Vec::new();
    let mut mismatch = |name: &str| {
        issues.push(Issue::new(
            Code::HistoryMismatch,
            format!("/{}", escape_segment(name)),
            format!("replaying the history gives a different `{name}`"),
        ));
    };
    if state.goal != baton.goal {
        mismatch("goal");
    }
    for field in LIST_FIELDS {
        if state.list(field) != baton.list(field) {
            mismatch(field.name());
        }
    }
    for name in state.extensions.keys().chain(baton.extensions.keys()) {
        if state.extensions.get(name) != baton.extensions.get(name) {
            mismatch(name);
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::new(issues))
    }
}

fn replay_origin(origin: &Map<String, Value>) -> Option<Baton> {
    if origin.contains_key("version") || origin.contains_key("history") {
        return None;
    }
    Baton::from_value(&Value::Object(origin.clone())).ok()
}
