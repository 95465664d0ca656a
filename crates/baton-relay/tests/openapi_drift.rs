//! The committed `schema/openapi.json` must equal the generated document.
//! Regenerate with `BATON_BLESS=1 cargo test -p baton-relay --test openapi_drift`.

use std::path::PathBuf;

#[test]
fn openapi_document_is_committed() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/openapi.json");
    let generated = baton_core::to_json(&baton_relay::openapi_document(), true) + "\n";
    if std::env::var_os("BATON_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write schema/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date; regenerate with BATON_BLESS=1 cargo test -p baton-relay --test openapi_drift",
        path.display()
    );
}

#[test]
fn the_document_holds_baton_cores_schemas() {
    let doc = baton_relay::openapi_document();
    let core = baton_core::schema(baton_core::SchemaKind::Baton);
    let component = &doc["components"]["schemas"]["Baton"];
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["properties"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(names(component), names(&core));
    assert!(!names(&core).is_empty());
    assert_eq!(component["required"], core["required"]);
    assert_eq!(
        component["additionalProperties"],
        core["additionalProperties"]
    );
    for path in [
        "/api/pass",
        "/api/catch/{id}",
        "/api/done/{id}",
        "/api/status/{id}",
        "/api/handoffs",
        "/healthz",
        "/api/openapi.json",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["paths"]["/api/catch/{id}"]["get"].is_object());
    assert!(doc["paths"]["/api/catch/{id}"]["post"].is_object());
}
