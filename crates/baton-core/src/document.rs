//! The baton document (SPEC §2): the typed form every operation works on.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::canonical;
use crate::error::Error;
use crate::validate;

/// The seven list fields, in canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListField {
    /// `current_state`: where the work stands.
    CurrentState,
    /// `decision_log`: what was decided and why; append-only.
    DecisionLog,
    /// `constraints`: rules the work must keep.
    Constraints,
    /// `open_questions`: what is still unknown.
    OpenQuestions,
    /// `work_scope`: what is in and out of scope.
    WorkScope,
    /// `artifacts`: files, links and outputs produced.
    Artifacts,
    /// `acceptance`: the checks that say the work is done.
    Acceptance,
}

/// Every list field in canonical order.
pub const LIST_FIELDS: [ListField; 7] = [
    ListField::CurrentState,
    ListField::DecisionLog,
    ListField::Constraints,
    ListField::OpenQuestions,
    ListField::WorkScope,
    ListField::Artifacts,
    ListField::Acceptance,
];

/// Every member name the baton's JSON has besides `x-` extensions: a
/// document's (the first ten, in canonical order), a history entry's, and a
/// list edit's. The bindings share these strings across the language boundary
/// (the wasm tape sends one as its index here, the Python layer interns them).
pub const MEMBER_NAMES: [&str; 15] = [
    "version",
    "goal",
    "current_state",
    "decision_log",
    "constraints",
    "open_questions",
    "work_scope",
    "artifacts",
    "acceptance",
    "history",
    "stage",
    "at",
    "patch",
    "add",
    "remove",
];

/// The member names a document may have besides `x-` extensions, for suggestions.
pub(crate) const KNOWN_MEMBERS: &[&str] = MEMBER_NAMES.split_at(10).0;

/// Sort key of a top-level member name: canonical member order (`version`, `goal`,
/// the lists), then `x-` members by code point, `history`, then anything else by
/// code point (SPEC §4, §9).
pub(crate) fn member_rank(name: &str) -> (u8, &str) {
    match name {
        "version" => (0, ""),
        "goal" => (1, ""),
        "history" => (21, ""),
        _ => match ListField::from_name(name) {
            Some(f) => (2 + f as u8, ""),
            None if name.starts_with("x-") => (20, name),
            None => (22, name),
        },
    }
}

impl ListField {
    /// The member name, e.g. `"decision_log"`.
    pub fn name(self) -> &'static str {
        match self {
            ListField::CurrentState => "current_state",
            ListField::DecisionLog => "decision_log",
            ListField::Constraints => "constraints",
            ListField::OpenQuestions => "open_questions",
            ListField::WorkScope => "work_scope",
            ListField::Artifacts => "artifacts",
            ListField::Acceptance => "acceptance",
        }
    }

    /// The section heading used when rendering (SPEC §10).
    pub fn heading(self) -> &'static str {
        match self {
            ListField::CurrentState => "Current state",
            ListField::DecisionLog => "Decisions (append-only)",
            ListField::Constraints => "Constraints",
            ListField::OpenQuestions => "Open questions",
            ListField::WorkScope => "Work scope",
            ListField::Artifacts => "Artifacts",
            ListField::Acceptance => "Acceptance",
        }
    }

    /// The list field with this member name.
    pub fn from_name(name: &str) -> Option<ListField> {
        LIST_FIELDS.iter().copied().find(|f| f.name() == name)
    }
}

/// One recorded patch: who applied it, when, and what it was (SPEC §6).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The pipeline stage that produced the patch (non-blank).
    pub stage: String,
    /// When it was applied: an RFC 3339 UTC timestamp (SPEC §14).
    pub at: String,
    /// The patch as applied; for the first entry, the complete initial fields.
    pub patch: Map<String, Value>,
}

/// A valid baton. Build one with [`Baton::from_value`], [`Baton::from_json`] or
/// [`crate::create`]; every constructor validates, so a `Baton` always satisfies SPEC §2.
#[derive(Debug, Clone, PartialEq)]
pub struct Baton {
    /// What the pipeline is for.
    pub goal: String,
    /// `current_state`.
    pub current_state: Vec<String>,
    /// `decision_log` (append-only).
    pub decision_log: Vec<String>,
    /// `constraints`.
    pub constraints: Vec<String>,
    /// `open_questions`.
    pub open_questions: Vec<String>,
    /// `work_scope`.
    pub work_scope: Vec<String>,
    /// `artifacts`.
    pub artifacts: Vec<String>,
    /// `acceptance`.
    pub acceptance: Vec<String>,
    /// The `x-` members, by name.
    pub extensions: BTreeMap<String, Value>,
    /// The audit trail.
    pub history: Vec<HistoryEntry>,
}

impl Baton {
    /// A baton with this goal and nothing else.
    pub fn new(goal: impl Into<String>) -> Self {
        Baton {
            goal: goal.into(),
            current_state: Vec::new(),
            decision_log: Vec::new(),
            constraints: Vec::new(),
            open_questions: Vec::new(),
            work_scope: Vec::new(),
            artifacts: Vec::new(),
            acceptance: Vec::new(),
            extensions: BTreeMap::new(),
            history: Vec::new(),
        }
    }

    /// Validates a JSON value (SPEC §3) and returns the typed baton, or every error.
    pub fn from_value(value: &Value) -> Result<Baton, Error> {
        validate::check_document(value)?;
        Ok(Baton::from_valid(value))
    }

    /// Parses JSON text (SPEC §1) and validates it.
    pub fn from_json(text: &str) -> Result<Baton, Error> {
        Baton::from_value(&crate::json::parse_json(text)?)
    }

    /// Builds the struct from a value already known to be valid.
    pub(crate) fn from_valid(value: &Value) -> Baton {
        let obj = value.as_object().expect("validated object");
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut baton = Baton::new(obj["goal"].as_str().unwrap_or_default());
        for (key, v) in obj {
            if let Some(field) = ListField::from_name(key) {
                *baton.list_mut(field) = strings(v);
            } else if key.starts_with("x-") {
                baton.extensions.insert(key.clone(), v.clone());
            } else if key == "history" {
                baton.history = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| {
                        let e = e.as_object()?;
                        Some(HistoryEntry {
                            stage: e.get("stage")?.as_str()?.to_owned(),
                            at: e.get("at")?.as_str()?.to_owned(),
                            patch: e.get("patch")?.as_object()?.clone(),
                        })
                    })
                    .collect();
            }
        }
        baton
    }

    /// A list field.
    pub fn list(&self, field: ListField) -> &Vec<String> {
        match field {
            ListField::CurrentState => &self.current_state,
            ListField::DecisionLog => &self.decision_log,
            ListField::Constraints => &self.constraints,
            ListField::OpenQuestions => &self.open_questions,
            ListField::WorkScope => &self.work_scope,
            ListField::Artifacts => &self.artifacts,
            ListField::Acceptance => &self.acceptance,
        }
    }

    /// A list field, mutably.
    pub fn list_mut(&mut self, field: ListField) -> &mut Vec<String> {
        match field {
            ListField::CurrentState => &mut self.current_state,
            ListField::DecisionLog => &mut self.decision_log,
            ListField::Constraints => &mut self.constraints,
            ListField::OpenQuestions => &mut self.open_questions,
            ListField::WorkScope => &mut self.work_scope,
            ListField::Artifacts => &mut self.artifacts,
            ListField::Acceptance => &mut self.acceptance,
        }
    }

    /// Whether two batons have the same fields (goal, lists, extensions), ignoring history.
    pub fn same_fields(&self, other: &Baton) -> bool {
        self.goal == other.goal
            && LIST_FIELDS.iter().all(|&f| self.list(f) == other.list(f))
            && self.extensions == other.extensions
    }

    /// The fields as a JSON object: goal, all seven lists and the `x-` members. This is
    /// what an origin history entry records (SPEC §6).
    pub fn fields_value(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("goal".into(), Value::String(self.goal.clone()));
        for field in LIST_FIELDS {
            let list = self
                .list(field)
                .iter()
                .cloned()
                .map(Value::String)
                .collect();
            out.insert(field.name().into(), Value::Array(list));
        }
        for (k, v) in &self.extensions {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    /// The whole baton as a JSON value (canonical shape: every member present).
    pub fn to_value(&self) -> Value {
        let mut out = self.fields_value();
        out.insert("version".into(), Value::from(1));
        let history = self
            .history
            .iter()
            .map(|h| {
                let mut e = Map::new();
                e.insert("stage".into(), Value::String(h.stage.clone()));
                e.insert("at".into(), Value::String(h.at.clone()));
                e.insert("patch".into(), Value::Object(h.patch.clone()));
                Value::Object(e)
            })
            .collect();
        out.insert("history".into(), Value::Array(history));
        Value::Object(out)
    }

    /// Canonical compact JSON (SPEC §9).
    pub fn to_json(&self) -> String {
        canonical::baton_to_string(self, false)
    }

    /// Canonical pretty JSON (SPEC §9): `JSON.stringify(value, null, 2)` layout.
    pub fn to_json_pretty(&self) -> String {
        canonical::baton_to_string(self, true)
    }
}
