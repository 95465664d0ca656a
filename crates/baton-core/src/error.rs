//! The one error type: a list of `{code, path, message}` issues with stable codes.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::document::member_rank;

/// A stable error or warning code (SPEC §4). The wire form is the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// A value has the wrong JSON type.
    Type,
    /// A required member is missing, or a patch sets `goal` to `null`.
    Required,
    /// A string that must not be blank is blank.
    Empty,
    /// A member the spec does not define.
    UnknownField,
    /// `version` is not 1.
    Version,
    /// A patch tries to remove from or empty `decision_log`, or a diff drops decisions.
    AppendOnly,
    /// A list-edit object has a key other than `add` and `remove`.
    UnknownOp,
    /// A patch sets `history` or `version`.
    ReadOnly,
    /// Text is not valid UTF-8 JSON, or a number is out of range.
    InvalidJson,
    /// An object in JSON text repeats a key.
    DuplicateKey,
    /// Nesting beyond the documented limits.
    TooDeep,
    /// A history `at` is not an RFC 3339 UTC timestamp.
    Timestamp,
    /// A blank stage, a malformed `at` argument or a bad option.
    InvalidArgument,
    /// No JSON object was found in a reply.
    NoPatch,
    /// The history does not replay to the baton's fields.
    HistoryMismatch,
    /// A diff that no baton patch can express.
    Unrepresentable,
    /// The rendering does not fit the token budget.
    OverBudget,
    /// Warning: an entry appears twice in one list.
    Duplicate,
}

impl Code {
    /// The wire name of the code, e.g. `"unknown_field"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Type => "type",
            Code::Required => "required",
            Code::Empty => "empty",
            Code::UnknownField => "unknown_field",
            Code::Version => "version",
            Code::AppendOnly => "append_only",
            Code::UnknownOp => "unknown_op",
            Code::ReadOnly => "read_only",
            Code::InvalidJson => "invalid_json",
            Code::DuplicateKey => "duplicate_key",
            Code::TooDeep => "too_deep",
            Code::Timestamp => "timestamp",
            Code::InvalidArgument => "invalid_argument",
            Code::NoPatch => "no_patch",
            Code::HistoryMismatch => "history_mismatch",
            Code::Unrepresentable => "unrepresentable",
            Code::OverBudget => "over_budget",
            Code::Duplicate => "duplicate",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a stable code, an RFC 6901 JSON Pointer and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The stable code programs match on.
    pub code: Code,
    /// Where: an RFC 6901 JSON Pointer into the input the operation names.
    pub path: String,
    /// What, in English (lowercase, no trailing period).
    pub message: String,
}

impl Issue {
    /// Builds an issue.
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            code,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        write!(f, "{} at {}: {}", self.code, path, self.message)
    }
}

/// The error every fallible operation returns: all the issues found, never empty,
/// in the order SPEC §4 fixes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    issues: Vec<Issue>,
}

impl Error {
    /// An error holding the given issues, sorted and deduplicated (SPEC §4).
    ///
    /// An empty list is replaced by a single internal-consistency issue rather than
    /// producing an error that says nothing.
    pub fn new(mut issues: Vec<Issue>) -> Self {
        sort_issues(&mut issues);
        if issues.is_empty() {
            issues.push(Issue::new(Code::InvalidArgument, "", "unspecified error"));
        }
        Error { issues }
    }

    /// An error with one issue.
    pub fn single(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            issues: vec![Issue::new(code, path, message)],
        }
    }

    /// The issues, at least one.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Takes the issues out.
    pub fn into_issues(self) -> Vec<Issue> {
        self.issues
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.issues[0])?;
        if self.issues.len() > 1 {
            write!(f, " (and {} more)", self.issues.len() - 1)?;
        }
        Ok(())
    }
}

/// Sorts issues by path (SPEC §4's segment order), then code, and drops repeated
/// `(code, path)` pairs.
pub(crate) fn sort_issues(issues: &mut Vec<Issue>) {
    issues.sort_by(|a, b| compare_paths(&a.path, &b.path).then(a.code.cmp_name(b.code)));
    issues.dedup_by(|a, b| a.code == b.code && a.path == b.path);
}

impl Code {
    fn cmp_name(self, other: Code) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn compare_paths(a: &str, b: &str) -> Ordering {
    let sa: Vec<String> = a.split('/').skip(1).map(unescape).collect();
    let sb: Vec<String> = b.split('/').skip(1).map(unescape).collect();
    for (i, (x, y)) in sa.iter().zip(sb.iter()).enumerate() {
        let ord = if i == 0 {
            member_rank(x).cmp(&member_rank(y))
        } else {
            match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(n), Ok(m)) if is_index(x) && is_index(y) => n.cmp(&m),
                _ => x.as_str().cmp(y.as_str()),
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    sa.len().cmp(&sb.len())
}

fn is_index(s: &str) -> bool {
    s == "0" || (!s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
}

/// Escapes one JSON Pointer segment (RFC 6901 §3): `~` as `~0`, `/` as `~1`.
pub fn escape_segment(name: &str) -> String {
    if name.contains(['~', '/']) {
        name.replace('~', "~0").replace('/', "~1")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sort_in_canonical_member_order_then_numeric_indices() {
        let mut paths = vec![
            "/decison_log",
            "/history/0/at",
            "/x-a",
            "/decision_log",
            "/current_state/10",
            "/current_state/2",
            "/goal",
            "/version",
            "",
        ];
        paths.sort_by(|a, b| compare_paths(a, b));
        assert_eq!(
            paths,
            [
                "",
                "/version",
                "/goal",
                "/current_state/2",
                "/current_state/10",
                "/decision_log",
                "/x-a",
                "/history/0/at",
                "/decison_log"
            ]
        );
    }

    #[test]
    fn same_code_and_path_is_reported_once() {
        let err = Error::new(vec![
            Issue::new(Code::Type, "/goal", "a"),
            Issue::new(Code::Type, "/goal", "b"),
            Issue::new(Code::Empty, "/goal", "c"),
        ]);
        let codes: Vec<_> = err.issues().iter().map(|i| i.code).collect();
        assert_eq!(codes, [Code::Empty, Code::Type]);
    }
}
