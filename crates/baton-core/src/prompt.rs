//! The prompt block put before a stage (SPEC §12).

use crate::document::Baton;
use crate::error::{Code, Error};
use crate::render::{render_markdown, RenderOptions};
use crate::text::{is_blank, one_line};

const INSTRUCTIONS: &str = r#"You are the `{stage}` stage. The baton above is the shared context of this pipeline. Do your part of the work, then end your reply with the changes you made to the baton, as a fenced JSON block holding a `baton_patch` object with only the fields you change:

- `goal`: a string replaces the goal.
- `decision_log`: append-only; add what you decided and why with `{"add": ["..."]}`.
- `current_state`, `constraints`, `open_questions`, `work_scope`, `artifacts`, `acceptance`: `{"add": [...], "remove": [...]}` edits the list, an array replaces it, `null` empties it.
- `x-` fields: any JSON, merged as RFC 7396 (`null` removes).

```json
{"baton_patch": {"current_state": {"add": ["..."]}, "decision_log": {"add": ["..."]}}}
```
"#;

/// The Markdown to put before a stage: the rendered baton, then how to answer with
/// a `baton_patch`.
pub fn prompt(baton: &Baton, stage: &str) -> Result<String, Error> {
    if is_blank(stage) {
        return Err(Error::single(
            Code::InvalidArgument,
            "",
            "`stage` must not be blank",
        ));
    }
    let mut out = render_markdown(baton, &RenderOptions::default())?;
    out.push_str("\n---\n\n");
    out.push_str(&INSTRUCTIONS.replace("{stage}", &one_line(stage)));
    Ok(out)
}
