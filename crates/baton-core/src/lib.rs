//! # baton-core
//!
//! The one implementation of the **baton**: a small JSON document (goal, current
//! state, an append-only decision log, constraints, open questions, work scope,
//! artifacts, acceptance checks) that travels between the stages of a
//! multi-agent pipeline. Every binding (npm, Python, the `baton` CLI) wraps this
//! crate; `SPEC.md` at the repository root is the normative text.
//!
//! ```
//! use baton_core::{apply_patch, create, render_markdown, RenderOptions};
//! use serde_json::json;
//!
//! let baton = create(&json!({"goal": "Ship the login page"}), "planner", Some("2026-01-31T12:00:00Z"))?;
//! let patch = json!({"decision_log": {"add": ["Use OAuth: the client asked for SSO"]}});
//! let baton = apply_patch(&baton, &patch, "implementer", None)?;
//! assert_eq!(baton.decision_log.len(), 1);
//! assert!(render_markdown(&baton, &RenderOptions::default())?.starts_with("# Baton\n"));
//! # Ok::<(), baton_core::Error>(())
//! ```
//!
//! Every fallible function returns [`Error`], a list of [`Issue`]s with a stable
//! [`Code`] and an RFC 6901 path. Nothing here panics on any input.

#![deny(missing_docs)]

mod canonical;
mod diff;
mod document;
mod error;
mod extract;
mod history;
mod json;
mod lite;
mod merge;
mod patch;
mod prompt;
mod render;
mod schema;
mod structure;
mod text;
mod timestamp;
mod tokens;
mod validate;

pub use canonical::{patch_to_json, to_json};
pub use diff::diff;
pub use document::{Baton, HistoryEntry, ListField, LIST_FIELDS, MEMBER_NAMES};
pub use error::{escape_segment, Code, Error, Issue};
pub use extract::extract_patch;
pub use history::{create, verify};
pub use json::{from_deserializer, normalize_f64, parse_json, parse_json_bytes, MAX_DEPTH};
pub use merge::merge_patch;
pub use patch::{apply_patch, check_arguments};
pub use prompt::prompt;
pub use render::{render_markdown, RenderOptions};
pub use schema::{schema, SchemaKind};
pub use text::is_blank;
pub use timestamp::{
    format_millis as format_timestamp, is_valid as is_timestamp, now as timestamp_now,
};
pub use tokens::estimate_tokens;
pub use validate::{
    unknown_field_message, validate, validate_deserializer, validate_json_bytes,
    validate_with_budget, Report, DEFAULT_BUDGET, MAX_EXTENSION_DEPTH,
};

/// Re-exported so callers can build inputs without naming a second `serde_json`.
pub use serde_json::{Map, Value};
