//! `baton demo`: the seed's four-stage pipeline (planner, implementer, tester,
//! reviewer). Each stage gets the prompt, "replies" with scripted text the way a
//! model would, and its patch is extracted and applied by the core.

use baton_core::{
    apply_patch, create, estimate_tokens, extract_patch, prompt, render_markdown, verify, Error,
    RenderOptions, Value,
};

/// The pipeline: the initial fields (the seed's example before any stage has
/// run) and what each stage's agent answers, its patch in a fenced block as
/// models write it. The relay demo (`scripts/relay-demo.sh`) runs the same file
/// across Python and TypeScript stages.
const PIPELINE: &str = include_str!("../../../examples/relay/pipeline.json");

/// Runs the pipeline and returns everything it prints.
pub fn run() -> Result<String, Error> {
    let pipeline = baton_core::parse_json(PIPELINE)?;
    let mut baton = create(&pipeline["initial"], "init", None)?;
    let stages = pipeline["stages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = String::new();
    let options = RenderOptions::default();
    for (i, step) in stages.iter().enumerate() {
        let stage = step["stage"].as_str().unwrap_or_default();
        let reply = step["reply"].as_str().unwrap_or_default();
        // The prompt is what a real pipeline would send to the model for this stage.
        let sent = prompt(&baton, stage)?;
        let patch: Value = extract_patch(reply)?;
        baton = apply_patch(&baton, &patch, stage, None)?;
        let markdown = render_markdown(&baton, &options)?;
        out.push_str(&format!(
            "=== stage {}/{}: {stage} (prompt {} tokens, baton now {} tokens) ===\n\n",
            i + 1,
            stages.len(),
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
