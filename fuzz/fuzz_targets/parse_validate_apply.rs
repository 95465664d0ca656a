//! Arbitrary bytes through every entry point that takes untrusted input:
//! parse → validate → patch → render → verify → diff, and reply extraction.
//! Run with `cargo +nightly fuzz run parse_validate_apply` from the repository root.
#![no_main]

use baton_core::{
    apply_patch, diff, extract_patch, parse_json_bytes, render_markdown, validate, verify, Baton,
    RenderOptions,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first separator splits the input into a baton and a patch.
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (doc, rest) = data.split_at(split);
    let patch_bytes = rest.get(1..).unwrap_or_default();
    if let Ok(text) = std::str::from_utf8(patch_bytes) {
        let _ = extract_patch(text);
    }
    let Ok(value) = parse_json_bytes(doc) else {
        return;
    };
    let _ = validate(&value);
    let Ok(baton) = Baton::from_value(&value) else {
        return;
    };
    let _ = render_markdown(&baton, &RenderOptions { max_tokens: Some(patch_bytes.len()), history: true, extensions: true });
    let Ok(patch) = parse_json_bytes(patch_bytes) else {
        return;
    };
    let verified = verify(&baton).is_ok();
    if let Ok(next) = apply_patch(&baton, &patch, "fuzz", Some("2026-01-01T00:00:00Z")) {
        // Patching a baton whose history verifies keeps it verifying.
        assert!(!verified || verify(&next).is_ok(), "apply_patch broke the history");
        assert!(Baton::from_json(&next.to_json()).is_ok(), "canonical JSON must re-parse");
        let _ = diff(&baton, &next);
    }
});
