//! `baton demo`: the seed's four-stage pipeline (planner, implementer, tester,
//! reviewer). Each stage gets the prompt, "replies" with scripted text the way a
//! model would, and its patch is extracted and applied by the core.

use baton_core::{
    apply_patch, create, estimate_tokens, extract_patch, prompt, render_markdown, verify, Error,
    RenderOptions, Value,
};

/// The initial fields: the seed's example before any stage has run.
const INITIAL: &str = r#"{
  "goal": "Add user auth",
  "constraints": ["No breaking changes"],
  "work_scope": ["src/auth/*"]
}"#;

/// What each stage's agent answers; the patch sits in a fenced block, as models write it.
const STAGES: [(&str, &str); 4] = [
    (
        "planner",
        r#"Plan: issue JWTs from a new /login route and check them in a middleware.

```json
{"baton_patch": {
  "current_state": ["Plan written"],
  "decision_log": {"add": ["Chose JWT over sessions: the API is stateless and runs behind a load balancer"]},
  "open_questions": {"add": ["How long should access tokens live?"]},
  "acceptance": ["All auth tests green"]
}}
```"#,
    ),
    (
        "implementer",
        r#"Done: routes and middleware are in place.

```json
{"baton_patch": {
  "current_state": {"add": ["Routes created"], "remove": ["Plan written"]},
  "decision_log": {"add": ["Access tokens live 15 minutes, refresh tokens 7 days: answers the open question"]},
  "open_questions": {"remove": ["How long should access tokens live?"]},
  "artifacts": {"add": ["src/auth/routes.ts", "src/auth/middleware.ts"]}
}}
```"#,
    ),
    (
        "tester",
        r#"All 14 auth tests pass, including expired and tampered tokens.

```json
{"baton_patch": {
  "current_state": {"add": ["Tests passing"]},
  "decision_log": {"add": ["Tested token expiry with a fake clock instead of sleeping"]},
  "artifacts": {"add": ["tests/auth.test.ts"]}
}}
```"#,
    ),
    (
        "reviewer",
        r#"Reviewed: no breaking changes, the constraints hold.

```json
{"baton_patch": {
  "current_state": {"add": ["Review approved"]},
  "decision_log": {"add": ["Approved for merge: public API unchanged"]},
  "x-review": {"approved": true, "reviewer": "reviewer-agent"}
}}
```"#,
    ),
];

/// Runs the pipeline and returns everything it prints.
pub fn run() -> Result<String, Error> {
    let fields = baton_core::parse_json(INITIAL)?;
    let mut baton = create(&fields, "init", None)?;
    let mut out = String::new();
    let options = RenderOptions::default();
    for (i, (stage, reply)) in STAGES.iter().enumerate() {
        // The prompt is what a real pipeline would send to the model for this stage.
        let sent = prompt(&baton, stage)?;
        let patch: Value = extract_patch(reply)?;
        baton = apply_patch(&baton, &patch, stage, None)?;
        let markdown = render_markdown(&baton, &options)?;
        out.push_str(&format!(
            "=== stage {}/4: {stage} (prompt {} tokens, baton now {} tokens) ===\n\n",
            i + 1,
            estimate_tokens(&sent),
            estimate_tokens(&markdown)
        ));
        out.push_str(&markdown);
        out.push('\n');
    }
    verify(&baton)?;
    out.push_str(&format!(
        "=== done: {} history entries, history verified ===\n",
        baton.history.len()
    ));
    Ok(out)
}
