//! The `baton` command end to end: exit codes, stdout/stderr, stdin, bad input.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const SEED: &str = r#"{
  "goal": "Add user auth",
  "current_state": ["Routes created", "Tests passing"],
  "decision_log": ["Chose JWT over sessions"],
  "constraints": ["No breaking changes"],
  "work_scope": ["src/auth/*"],
  "artifacts": [],
  "open_questions": [],
  "acceptance": ["All auth tests green"]
}"#;

fn baton() -> Command {
    Command::cargo_bin("baton").unwrap()
}

fn temp(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn validate_accepts_the_seed_example() {
    baton()
        .args(["validate", "-"])
        .write_stdin(SEED)
        .assert()
        .success()
        .stdout("valid (0 warnings)\n");
}

#[test]
fn validate_reports_every_error_with_code_and_path_and_exits_1() {
    baton()
        .args(["validate", "-"])
        .write_stdin(r#"{"goal": " ", "decison_log": [], "constraints": [1]}"#)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "error: empty at /goal: `goal` must not be blank\n\
             error: type at /constraints/0: expected a string\n\
             error: unknown_field at /decison_log: unknown field `decison_log`, did you mean `decision_log`?\n",
        );
}

#[test]
fn json_flag_gives_machine_readable_reports() {
    let out = baton()
        .args(["--json", "validate", "-", "--budget", "10"])
        .write_stdin(SEED)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["warnings"][0]["code"], "over_budget");
    assert_eq!(report["warnings"][0]["path"], "");
}

#[test]
fn errors_are_json_on_stderr_with_the_json_flag() {
    let out = baton()
        .args(["--json", "patch", "-", "-", "--stage", "s"])
        .write_stdin(SEED)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("only one input"));
    let patch = temp("bad-patch.json", r#"{"decision_log": null, "history": []}"#);
    let out = baton()
        .args(["--json", "patch", "-"])
        .arg(&patch)
        .args(["--stage", "s"])
        .write_stdin(SEED)
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .stderr
        .clone();
    let errors: Value = serde_json::from_slice(&out).unwrap();
    let pairs: Vec<(String, String)> = errors["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().into(),
                e["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("append_only".to_string(), "/decision_log".to_string()),
            ("read_only".to_string(), "/history".to_string())
        ]
    );
}

#[test]
fn create_patch_verify_round_trip_through_files() {
    let fields = temp("fields.json", SEED);
    let created = baton()
        .arg("create")
        .arg(&fields)
        .args(["--stage", "planner", "--at", "2026-11-25T10:00:00Z"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let created_path = temp("created.json", &String::from_utf8(created).unwrap());
    let patch = temp(
        "patch.json",
        r#"{"decision_log": {"add": ["Refresh tokens rotate"]}, "open_questions": {"add": ["Rate limits?"]}}"#,
    );
    let patched = baton()
        .arg("patch")
        .arg(&created_path)
        .arg(&patch)
        .args(["--stage", "implementer", "--at", "2026-11-25T10:05:00Z"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let value: Value = serde_json::from_slice(&patched).unwrap();
    assert_eq!(
        value["decision_log"],
        serde_json::json!(["Chose JWT over sessions", "Refresh tokens rotate"])
    );
    assert_eq!(value["history"][1]["stage"], "implementer");
    assert_eq!(value["history"][1]["at"], "2026-11-25T10:05:00Z");
    baton()
        .args(["verify", "-"])
        .write_stdin(patched.clone())
        .assert()
        .success();
    baton()
        .args(["diff"])
        .arg(&created_path)
        .arg("-")
        .write_stdin(patched)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"decision_log\": {\n    \"add\": [\n      \"Refresh tokens rotate\"",
        ));
}

#[test]
fn bad_input_never_crashes() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    baton()
        .args(["validate", "-"])
        .write_stdin(deep)
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: too_deep at (root)"));
    baton()
        .args(["validate", "-"])
        .write_stdin(b"{\"goal\": \"\xff\xfe\"}".to_vec())
        .assert()
        .code(1)
        .stderr("error: invalid_json at (root): invalid UTF-8 at byte 10\n");
    baton()
        .args(["validate", "-"])
        .write_stdin(r#"{"goal": "a", "goal": "b"}"#)
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: duplicate_key at /goal"));
    baton()
        .args(["validate", "-"])
        .write_stdin(r#"{"goal": "a", "x-n": 1e400}"#)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid_json"));
    let huge = format!(r#"{{"goal": "{}"}}"#, "a".repeat(10 << 20));
    baton()
        .args(["validate", "-", "--budget", "100000000"])
        .write_stdin(huge)
        .assert()
        .success();
}

#[test]
fn a_budget_that_cannot_be_met_leaves_no_partial_output() {
    baton()
        .args(["render", "-", "--max-tokens", "5"])
        .write_stdin(SEED)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with("error: over_budget at (root)"));
}

#[test]
fn usage_errors_exit_2() {
    baton().args(["patch", "a.json"]).assert().code(2);
    baton()
        .args(["validate", "/nonexistent/baton.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    baton().arg("frobnicate").assert().code(2);
}

#[test]
fn extract_finds_the_patch_in_a_reply() {
    baton()
        .args(["--json", "extract", "-"])
        .write_stdin("Done.\n```json\n{\"baton_patch\": {\"goal\": \"g\"}}\n```\n")
        .assert()
        .success()
        .stdout("{\"goal\":\"g\"}\n");
    baton()
        .args(["extract", "-"])
        .write_stdin("nothing here")
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: no_patch"));
}

#[test]
fn schema_prints_the_committed_schemas() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema");
    for which in ["baton", "patch"] {
        let committed = std::fs::read_to_string(dir.join(format!("{which}.schema.json"))).unwrap();
        baton()
            .args(["schema", which])
            .assert()
            .success()
            .stdout(committed);
    }
}

#[test]
fn demo_prints_the_four_rendered_stages() {
    let out = baton()
        .arg("demo")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for (i, stage) in ["planner", "implementer", "tester", "reviewer"]
        .iter()
        .enumerate()
    {
        assert!(
            text.contains(&format!("=== stage {}/4: {stage}", i + 1)),
            "{stage}"
        );
    }
    assert_eq!(text.matches("# Baton\n").count(), 4);
    assert!(text.contains("- Approved for merge: public API unchanged\n"));
    assert!(text.ends_with("history verified ===\n"));
}
