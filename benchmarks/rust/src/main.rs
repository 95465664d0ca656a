//! `cargo run --release -p baton-bench`: validate + apply_patch + render with
//! baton-core, next to what a Rust user would write without it (serde_json +
//! jsonschema with the same schema + json-patch's RFC 7396 merge + a format!
//! renderer), on the seed's example and on 1,000 / 10,000-decision batons.

use std::hint::black_box;
use std::time::{Duration, Instant};

use baton_core::{
    apply_patch, render_markdown, schema, validate, validate_json_bytes, Baton, RenderOptions,
    SchemaKind, Value, DEFAULT_BUDGET,
};
use serde_json::json;

const SEED: &str = r#"{"goal":"Add user auth","current_state":["Routes created","Tests passing"],"decision_log":["Chose JWT over sessions"],"constraints":["No breaking changes"],"work_scope":["src/auth/*"],"artifacts":[],"open_questions":[],"acceptance":["All auth tests green"]}"#;

/// Runs `f` repeatedly for about `budget` and returns the mean time per call.
fn time<R>(budget: Duration, mut f: impl FnMut() -> R) -> Duration {
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return elapsed / n as u32;
        }
        n *= 2;
    }
}

fn big(decisions: usize) -> Value {
    let log: Vec<String> = (0..decisions)
        .map(|i| {
            format!(
                "Decision {i}: chose option {} because of benchmark {i}",
                i % 7
            )
        })
        .collect();
    json!({"goal": "Add user auth", "current_state": ["Routes created"], "decision_log": log,
           "constraints": ["No breaking changes"], "acceptance": ["All auth tests green"]})
}

/// What a user without baton-core writes: schema check, merge patch, format! rendering.
fn naive(validator: &jsonschema::Validator, doc: &Value, patch: &Value) -> String {
    assert!(validator.is_valid(doc));
    let mut next = doc.clone();
    json_patch::merge(&mut next, patch);
    let mut md = format!(
        "# Baton\n\n## Goal\n{}\n",
        next["goal"].as_str().unwrap_or("")
    );
    for key in [
        "current_state",
        "decision_log",
        "constraints",
        "open_questions",
        "work_scope",
        "artifacts",
        "acceptance",
    ] {
        md.push_str(&format!("\n## {key}\n"));
        for e in next[key].as_array().into_iter().flatten() {
            md.push_str(&format!("- {}\n", e.as_str().unwrap_or("")));
        }
    }
    md
}

/// `baton-bench profile <op> <doc> <n>`: runs one operation n times and nothing
/// else, for `valgrind --tool=callgrind` (repeatable instruction counts).
fn profile(args: &[String]) {
    let [op, doc, n] = args else {
        eprintln!("usage: baton-bench profile <validate|validate-text|patch|render> <seed|1k> <n>");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("n must be a number");
    let doc = match doc.as_str() {
        "seed" => serde_json::from_str::<Value>(SEED).unwrap(),
        "1k" => big(1_000),
        other => panic!("unknown document {other}"),
    };
    let text = serde_json::to_string(&doc).unwrap();
    let baton = Baton::from_value(&doc).unwrap();
    let patch =
        json!({"current_state": {"add": ["Review done"]}, "decision_log": {"add": ["Ship it"]}});
    for _ in 0..n {
        match op.as_str() {
            "validate" => drop(black_box(validate(black_box(&doc)))),
            "validate-text" => drop(black_box(validate_json_bytes(
                black_box(text.as_bytes()),
                DEFAULT_BUDGET,
            ))),
            "patch" => drop(black_box(apply_patch(
                &baton,
                &patch,
                "b",
                Some("2026-01-01T00:00:00Z"),
            ))),
            "render" => drop(black_box(render_markdown(
                &baton,
                &RenderOptions::default(),
            ))),
            other => panic!("unknown op {other}"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("profile") {
        return profile(&args[1..]);
    }
    let budget = Duration::from_millis(300);
    let validator = jsonschema::draft202012::new(&schema(SchemaKind::Baton)).unwrap();
    let patch =
        json!({"current_state": {"add": ["Review done"]}, "decision_log": {"add": ["Ship it"]}});
    // json-patch's merge replaces lists, so its patch carries whole arrays.
    println!(
        "{:<28} {:>12} {:>12} {:>8}",
        "case", "baton-core", "naive", "ratio"
    );
    for (name, doc) in [
        ("seed example", serde_json::from_str::<Value>(SEED).unwrap()),
        ("1,000 decisions", big(1_000)),
        ("10,000 decisions", big(10_000)),
    ] {
        let ours = time(budget, || {
            let report = validate(&doc);
            assert!(report.is_valid());
            let baton = Baton::from_value(&doc).unwrap();
            let next = apply_patch(&baton, &patch, "bench", Some("2026-01-01T00:00:00Z")).unwrap();
            render_markdown(&next, &RenderOptions::default()).unwrap()
        });
        let mut merge = doc.clone();
        merge["decision_log"]
            .as_array_mut()
            .unwrap()
            .push("Ship it".into());
        merge["current_state"]
            .as_array_mut()
            .unwrap()
            .push("Review done".into());
        let merge =
            json!({"current_state": merge["current_state"], "decision_log": merge["decision_log"]});
        let theirs = time(budget, || naive(&validator, &doc, &merge));
        println!(
            "{:<28} {:>10.2}µs {:>10.2}µs {:>7.2}x",
            format!("validate+patch+render {name}"),
            ours.as_secs_f64() * 1e6,
            theirs.as_secs_f64() * 1e6,
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    }
    breakdown();
}

/// Where the time of one validate + patch + render goes, per step.
fn breakdown() {
    let budget = Duration::from_millis(200);
    let patch =
        json!({"current_state": {"add": ["Review done"]}, "decision_log": {"add": ["Ship it"]}});
    println!();
    println!(
        "{:<20} {:>12} {:>12} {:>14} {:>12} {:>12}",
        "baton-core step", "schema only", "validate", "validate text", "apply_patch", "render"
    );
    for (name, doc) in [
        ("seed example", serde_json::from_str::<Value>(SEED).unwrap()),
        ("1,000 decisions", big(1_000)),
    ] {
        let validator = jsonschema::draft202012::new(&schema(SchemaKind::Baton)).unwrap();
        let baton = Baton::from_value(&doc).unwrap();
        let micros = |d: Duration| format!("{:.2}µs", d.as_secs_f64() * 1e6);
        let text = serde_json::to_string(&doc).unwrap();
        println!(
            "{:<20} {:>12} {:>12} {:>14} {:>12} {:>12}",
            name,
            micros(time(budget, || validator.is_valid(&doc))),
            micros(time(budget, || validate(&doc))),
            micros(time(budget, || validate_json_bytes(
                text.as_bytes(),
                DEFAULT_BUDGET
            ))),
            micros(time(budget, || apply_patch(
                &baton,
                &patch,
                "b",
                Some("2026-01-01T00:00:00Z")
            )
            .unwrap())),
            micros(time(budget, || render_markdown(
                &baton,
                &RenderOptions::default()
            )
            .unwrap())),
        );
    }
}
