//! Markdown rendering (SPEC §10): fixed sections, one line per entry, and an
//! optional token budget met by leaving out the oldest decisions.

use crate::canonical;
use crate::document::{member_rank, Baton, ListField, LIST_FIELDS};
use crate::error::{Code, Error};
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

/// Renders the baton as Markdown for a prompt.
///
/// Fails with `over_budget` when `max_tokens` is set and even the rendering with
/// every decision left out does not fit.
pub fn render_markdown(baton: &Baton, options: &RenderOptions) -> Result<String, Error> {
    let layout = Layout::new(baton, options);
    let Some(max) = options.max_tokens else {
        return Ok(layout.write(0));
    };
    let decisions = &layout.decisions;
    let mut kept_cost: usize = decisions.iter().map(|d| d.1).sum();
    if layout.fixed + kept_cost <= max {
        return Ok(layout.write(0));
    }
    // Leave out the oldest decisions one at a time: the first count that fits is the fewest.
    for left_out in 1..=decisions.len() {
        kept_cost -= decisions[left_out - 1].1;
        if layout.fixed + estimate_tokens(&note(left_out)) + kept_cost <= max {
            return Ok(layout.write(left_out));
        }
    }
    let minimum = layout.fixed
        + if decisions.is_empty() {
            0
        } else {
            estimate_tokens(&note(decisions.len()))
        };
    Err(Error::single(
        Code::OverBudget,
        "",
        format!("the baton needs at least {minimum} tokens, over `max_tokens` of {max}"),
    ))
}

/// The estimate of the default rendering, without building it.
pub(crate) fn default_estimate(baton: &Baton) -> usize {
    let layout = Layout::new(baton, &RenderOptions::default());
    layout.fixed + layout.decisions.iter().map(|d| d.1).sum::<usize>()
}

fn note(left_out: usize) -> String {
    if left_out == 1 {
        "_1 earlier decision left out_".to_owned()
    } else {
        format!("_{left_out} earlier decisions left out_")
    }
}

/// The rendering split into the lines before the decisions, the decision lines
/// (each with its token cost) and the lines after them. Lines are joined by `\n`,
/// which estimates to nothing, so costs add up line by line.
struct Layout {
    head: Vec<String>,
    decisions: Vec<(String, usize)>,
    tail: Vec<String>,
    fixed: usize,
}

impl Layout {
    fn new(baton: &Baton, options: &RenderOptions) -> Layout {
        let mut head = vec![
            "# Baton".to_owned(),
            String::new(),
            "## Goal".to_owned(),
            one_line(&baton.goal),
        ];
        let mut tail = Vec::new();
        let mut decisions = Vec::new();
        let mut sections: Vec<(&str, Vec<String>)> = Vec::new();
        for field in LIST_FIELDS {
            let lines = bullets(baton.list(field).iter().map(|s| one_line(s)));
            if field == ListField::DecisionLog {
                decisions = baton
                    .decision_log
                    .iter()
                    .map(|d| {
                        let line = format!("- {}", one_line(d));
                        let cost = estimate_tokens(&line);
                        (line, cost)
                    })
                    .collect();
            }
            sections.push((field.heading(), lines));
        }
        if options.extensions {
            let lines = baton.extensions.iter().map(|(name, value)| {
                one_line(&format!("{name}: {}", canonical::to_json(value, false)))
            });
            sections.push(("Extensions", bullets(lines)));
        }
        if options.history {
            let lines = baton.history.iter().map(|h| {
                let mut names: Vec<&String> = h.patch.keys().collect();
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
                format!("{} {}: {changed}", one_line(&h.at), one_line(&h.stage))
            });
            sections.push(("History", bullets(lines)));
        }
        let mut after_decisions = false;
        for (heading, lines) in sections {
            let target = if after_decisions {
                &mut tail
            } else {
                &mut head
            };
            target.push(String::new());
            target.push(format!("## {heading}"));
            if heading == ListField::DecisionLog.heading() {
                if decisions.is_empty() {
                    head.push("(none)".to_owned());
                }
                after_decisions = true;
            } else {
                target.extend(lines);
            }
        }
        let fixed = head
            .iter()
            .chain(tail.iter())
            .map(|l| estimate_tokens(l))
            .sum();
        Layout {
            head,
            decisions,
            tail,
            fixed,
        }
    }

    fn write(&self, left_out: usize) -> String {
        let mut out = String::new();
        for line in &self.head {
            out.push_str(line);
            out.push('\n');
        }
        if left_out > 0 {
            out.push_str(&note(left_out));
            out.push('\n');
        }
        for (line, _) in &self.decisions[left_out..] {
            out.push_str(line);
            out.push('\n');
        }
        for line in &self.tail {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

fn bullets(entries: impl Iterator<Item = String>) -> Vec<String> {
    let lines: Vec<String> = entries.map(|e| format!("- {e}")).collect();
    if lines.is_empty() {
        vec!["(none)".to_owned()]
    } else {
        lines
    }
}
