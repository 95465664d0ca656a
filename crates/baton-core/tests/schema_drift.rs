//! The committed schemas under `schema/` must equal the generated ones.
//! Regenerate with `BATON_BLESS=1 cargo test -p baton-core --test schema_drift`.

use std::path::PathBuf;

use baton_core::{schema, to_json, SchemaKind};

fn check(kind: SchemaKind, file: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schema")
        .join(file);
    let generated = to_json(&schema(kind), true) + "\n";
    if std::env::var_os("BATON_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date; regenerate with BATON_BLESS=1 cargo test -p baton-core --test schema_drift",
        path.display()
    );
}

#[test]
fn baton_schema_is_committed() {
    check(SchemaKind::Baton, "baton.schema.json");
}

#[test]
fn patch_schema_is_committed() {
    check(SchemaKind::Patch, "patch.schema.json");
}

#[test]
fn the_schema_accepts_the_seed_example_and_rejects_unknown_members() {
    let validator = jsonschema::draft202012::new(&schema(SchemaKind::Baton)).unwrap();
    let seed = serde_json::json!({
        "goal": "Add user auth",
        "current_state": ["Routes created", "Tests passing"],
        "decision_log": ["Chose JWT over sessions"],
        "constraints": ["No breaking changes"],
        "work_scope": ["src/auth/*"],
        "artifacts": [],
        "open_questions": [],
        "acceptance": ["All auth tests green"],
        "x-team": {"owner": "ana"}
    });
    assert!(validator.is_valid(&seed));
    assert!(!validator.is_valid(&serde_json::json!({"goal": "g", "decison_log": []})));
}
