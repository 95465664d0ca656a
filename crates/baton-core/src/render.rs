//! Markdown rendering (SPEC §10): fixed sections, one line per entry, and an
//! optional token budget met by leaving out the oldest decisions.
//!
//! One function lays the document out line by line into a [`Sink`]; writing the
//! text and counting its tokens are two sinks, so the budget arithmetic can never
//! disagree with the output.

use serde_json::Value;

use crate::canonical;
use crate::document::{member_rank, Baton, ListField, LIST_FIELDS};
use crate::error::{Code, Error};
use crate::json::normalize_f64;
use crate::text::one_line;
use crate::tokens::estimate_tokens;

/// Options for [`render_markdown`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// The most tokens (SPEC §11) the output may estimate to; `None` for no limit.
    pub max_tokens: Option<usize>,
    /// Add a `## History` section.
    pub history: bool,
    /// Add a `## Extensions` section with the `x-` members.
    pub extensions: bool,
}

impl RenderOptions {
    /// Reads options from their wire form `{"max_tokens", "history", "extensions"}`
    /// (every member optional; `null` is the default), as the bindings receive them.
    ///
    /// Anything else is one `invalid_argument` at `""` naming every bad option.
    pub fn from_value(value: &Value) -> Result<RenderOptions, Error> {
        let mut options = RenderOptions::default();
        let Some(members) = value.as_object() else {
            return Err(Error::single(
                Code::InvalidArgument,
                "",
                "render options must be an object",
            ));
        };
        let mut bad = Vec::new();
        for (name, v) in members {
            match (name.as_str(), v) {
                (_, Value::Null) => {}
                // A number as SPEC §1 reads it: `1e3` and `1000.0` are the integer 1000.
                ("max_tokens", v) => match v
                    .as_f64()
                    .and_then(normalize_f64)
                    .and_then(|n| n.as_u64())
                    // Beyond the address space (2^32 on wasm32) no rendering can reach it.
                    .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
                {
                    Some(n) => options.max_tokens = Some(n),
                    None => bad.push(format!(
                        "`max_tokens` must be a non-negative integer, got {v}"
                    )),
                },
                ("history", Value::Bool(b)) => options.history = *b,
                ("extensions", Value::Bool(b)) => options.extensions = *b,
                ("history" | "extensions", v) => {
                    bad.push(format!("`{name}` must be a boolean, got {v}"))
                }
                _ => bad.push(format!(
                    "unknown render option `{name}` (expected max_tokens, history, extensions)"
                )),
            }
        }
        if bad.is_empty() {
            Ok(options)
        } else {
            Err(Error::single(Code::InvalidArgument, "", bad.join("; ")))
        }
    }
}

/// Renders the baton as Markdown for a prompt.
///
/// Fails with `over_budget` when `max_tokens` is set and even the rendering with
/// every decision left out does not fit.
pub fn render_markdown(baton: &Baton, options: &RenderOptions) -> Result<String, Error> {
    let left_out = match options.max_tokens {
        None => 0,
        Some(max) => fit(baton, options, max)?,
    };
    let mut writer = Writer(String::with_capacity(256 + baton.goal.len()));
    layout(baton, options, left_out, &mut writer);
    Ok(writer.0)
}

/// What the default rendering shows: the goal and the seven lists. A [`Baton`]
/// has them, and so does the borrowed view that fast validation reads from text
/// (`lite.rs`), so both get the one layout below and the same token estimate.
pub(crate) trait Fields {
    /// A list entry.
    type Entry: AsRef<str>;
    /// The goal.
    fn goal(&self) -> &str;
    /// One list field's entries, in order.
    fn list(&self, field: ListField) -> &[Self::Entry];
}

impl Fields for Baton {
    type Entry = String;

    fn goal(&self) -> &str {
        &self.goal
    }

    fn list(&self, field: ListField) -> &[String] {
        Baton::list(self, field)
    }
}

/// Whether the estimate of the default rendering is above `budget`, without
/// building it. The count stops as soon as it passes `budget`, so the cost is
/// bounded by the budget rather than the baton: a 1,000-decision baton is
/// settled after its first few sections.
pub(crate) fn default_exceeds(fields: &impl Fields, budget: usize) -> bool {
    let mut total = Total {
        count: 0,
        cap: budget,
    };
    layout_fields(fields, 0, &mut total);
    total.count > budget
}

/// An upper bound of the default rendering's estimate from byte counts alone:
/// a token never takes less than one byte of the rendering (§11), and an
/// entry's line is at most its bytes plus `- `, an escape and a newline.
pub(crate) fn estimate_bound(fields: &impl Fields) -> usize {
    use std::sync::OnceLock;
    static FIXED: OnceLock<usize> = OnceLock::new();
    let fixed = *FIXED.get_or_init(|| {
        let mut writer = Writer(String::new());
        layout(&Baton::new(""), &RenderOptions::default(), 0, &mut writer);
        writer.0.len()
    });
    let lists: usize = LIST_FIELDS
        .iter()
        .flat_map(|&f| fields.list(f))
        .map(|e| e.as_ref().len() + 4)
        .sum();
    fixed + fields.goal().len() + 1 + lists
}

/// How many of the oldest decisions to leave out so the estimate is at most `max`.
fn fit(baton: &Baton, options: &RenderOptions, max: usize) -> Result<usize, Error> {
    let mut counter = Counter::default();
    layout(baton, options, 0, &mut counter);
    let decisions = &counter.decisions;
    let mut kept: usize = decisions.iter().sum();
    if counter.fixed + kept <= max {
        return Ok(0);
    }
    // The first count that fits is the fewest; costs are additive over lines.
    for left_out in 1..=decisions.len() {
        kept -= decisions[left_out - 1];
        if counter.fixed + estimate_tokens(&note(left_out)) + kept <= max {
            return Ok(left_out);
        }
    }
    let minimum = counter.fixed
        + match decisions.len() {
            0 => 0,
            n => estimate_tokens(&note(n)),
        };
    Err(Error::single(
        Code::OverBudget,
        "",
        format!("the baton needs at least {minimum} tokens, over `max_tokens` of {max}"),
    ))
}

fn note(left_out: usize) -> String {
    if left_out == 1 {
        "_1 earlier decision left out_".to_owned()
    } else {
        format!("_{left_out} earlier decisions left out_")
    }
}

/// The title, the goal and the seven list sections: the default rendering.
fn layout_fields(fields: &impl Fields, left_out: usize, sink: &mut impl Sink) {
    sink.line(&["# Baton"]);
    sink.line(&[]);
    sink.line(&["## Goal"]);
    sink.line(&[&one_line(fields.goal())]);
    for field in LIST_FIELDS {
        sink.line(&[]);
        sink.line(&["## ", field.heading()]);
        let list = fields.list(field);
        if list.is_empty() {
            sink.line(&["(none)"]);
        } else if field == ListField::DecisionLog {
            if left_out > 0 {
                sink.line(&[&note(left_out)]);
            }
            for entry in &list[left_out..] {
                if sink.full() {
                    return;
                }
                sink.decision(&one_line(entry.as_ref()));
            }
        } else {
            for entry in list {
                if sink.full() {
                    return;
                }
                sink.line(&["- ", &one_line(entry.as_ref())]);
            }
        }
    }
}

/// Receives the rendering one line at a time; a line is the concatenation of `parts`.
trait Sink {
    fn line(&mut self, parts: &[&str]);
    /// A decision line: the only kind the budget may leave out.
    fn decision(&mut self, text: &str);
    /// Whether the rest of the rendering can no longer change the answer.
    fn full(&self) -> bool {
        false
    }
}

struct Writer(String);

impl Sink for Writer {
    fn line(&mut self, parts: &[&str]) {
        for p in parts {
            self.0.push_str(p);
        }
        self.0.push('\n');
    }

    fn decision(&mut self, text: &str) {
        self.line(&["- ", text]);
    }
}

/// Counts the tokens of every line, decisions included, until the count passes `cap`.
struct Total {
    count: usize,
    cap: usize,
}

impl Sink for Total {
    fn line(&mut self, parts: &[&str]) {
        // As in `Counter`: the estimate of a line is the sum over its parts.
        self.count += parts.iter().map(|p| estimate_tokens(p)).sum::<usize>();
    }

    fn decision(&mut self, text: &str) {
        self.count += 1 + estimate_tokens(text);
    }

    fn full(&self) -> bool {
        self.count > self.cap
    }
}

#[derive(Default)]
struct Counter {
    fixed: usize,
    decisions: Vec<usize>,
}

impl Sink for Counter {
    fn line(&mut self, parts: &[&str]) {
        // Parts never join two letter/digit runs (they meet at spaces or punctuation),
        // so the estimate of the line is the sum over its parts.
        self.fixed += parts.iter().map(|p| estimate_tokens(p)).sum::<usize>();
    }

    fn decision(&mut self, text: &str) {
        self.decisions.push(1 + estimate_tokens(text));
    }
}

fn layout(baton: &Baton, options: &RenderOptions, left_out: usize, sink: &mut impl Sink) {
    layout_fields(baton, left_out, sink);
    if options.extensions {
        sink.line(&[]);
        sink.line(&["## Extensions"]);
        if baton.extensions.is_empty() {
            sink.line(&["(none)"]);
        }
        for (name, value) in &baton.extensions {
            let text = format!("{name}: {}", canonical::to_json(value, false));
            sink.line(&["- ", &one_line(&text)]);
        }
    }
    if options.history {
        sink.line(&[]);
        sink.line(&["## History"]);
        if baton.history.is_empty() {
            sink.line(&["(none)"]);
        }
        for entry in &baton.history {
            let mut names: Vec<&String> = entry.patch.keys().collect();
            names.sort_by(|a, b| member_rank(a).cmp(&member_rank(b)));
            let changed = if names.is_empty() {
                "(no changes)".to_owned()
            } else {
                names
                    .iter()
                    .map(|n| one_line(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            sink.line(&[
                "- ",
                &one_line(&entry.at),
                " ",
                &one_line(&entry.stage),
                ": ",
                &changed,
            ]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn max_tokens_is_read_as_a_number_not_a_representation() {
        let integral = RenderOptions::from_value(&json!({"max_tokens": 1000.0})).unwrap();
        assert_eq!(integral.max_tokens, Some(1000));
        for bad in [json!(1.5), json!(-1), json!(1e20), json!("10")] {
            let err = RenderOptions::from_value(&json!({ "max_tokens": bad })).unwrap_err();
            assert_eq!(err.issues()[0].code, Code::InvalidArgument);
        }
    }
}
