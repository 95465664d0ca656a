//! The structural pass of validation (SPEC §3 step 1): the document against the
//! generated baton schema.
//!
//! Two interchangeable checkers produce the same [`Finding`]s. The default one
//! is the `jsonschema` crate. Without the `jsonschema` feature (the WebAssembly
//! build, where that crate's regex engines and Unicode tables would make up
//! most of the download) a small interpreter walks the same generated schema,
//! supporting exactly the keywords that schema uses. A property test checks the
//! two agree on arbitrary documents, and every runtime runs the shared vectors.

use serde_json::{Map, Value};

use crate::error::escape_segment;

/// One structural failure, before it is mapped to a code (see `validate`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Finding {
    /// Wrong JSON type (or any keyword without a more precise code).
    Type,
    /// A required member is missing.
    Required(String),
    /// A member neither in `properties` nor matching `patternProperties`.
    Unexpected(String),
    /// A `const` mismatch (only `version` has one).
    Const,
    /// A string shorter than `minLength`.
    MinLength,
}

/// Every structural finding, each with the RFC 6901 path of the offending value.
pub(crate) fn findings(document: &Value) -> Vec<(Finding, String)> {
    #[cfg(feature = "jsonschema")]
    {
        with_jsonschema(document)
    }
    #[cfg(not(feature = "jsonschema"))]
    {
        with_interpreter(document)
    }
}

#[cfg(feature = "jsonschema")]
pub(crate) fn with_jsonschema(document: &Value) -> Vec<(Finding, String)> {
    use jsonschema::error::ValidationErrorKind;
    let validator = crate::schema::baton_validator();
    if validator.is_valid(document) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for error in validator.iter_errors(document) {
        let path = error.instance_path().as_str().to_owned();
        match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default().to_owned();
                out.push((Finding::Required(name), path));
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    out.push((Finding::Unexpected(name.clone()), path.clone()));
                }
            }
            ValidationErrorKind::Constant { .. } => out.push((Finding::Const, path)),
            ValidationErrorKind::MinLength { .. } => out.push((Finding::MinLength, path)),
            _ => out.push((Finding::Type, path)),
        }
    }
    out
}

/// The keywords the interpreter understands; the generated schema may use no other
/// (a unit test checks it).
#[cfg(test)]
const SUPPORTED_KEYWORDS: [&str; 13] = [
    "$schema",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "const",
    "minLength",
    "required",
    "properties",
    "patternProperties",
    "additionalProperties",
    "items",
];

#[cfg_attr(feature = "jsonschema", allow(dead_code))]
pub(crate) fn with_interpreter(document: &Value) -> Vec<(Finding, String)> {
    use std::sync::OnceLock;
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    let root = SCHEMA.get_or_init(|| crate::schema::schema(crate::schema::SchemaKind::Baton));
    let mut out = Vec::new();
    walk(root, root, document, &mut String::new(), &mut out);
    out
}

fn walk(
    root: &Value,
    schema: &Value,
    value: &Value,
    path: &mut String,
    out: &mut Vec<(Finding, String)>,
) {
    let Some(s) = schema.as_object() else {
        // `true`/`{}`-like schemas accept everything; `false` never appears.
        return;
    };
    if let Some(target) = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| resolve(root, r))
    {
        walk(root, target, value, path, out);
    }
    if let Some(ty) = s.get("type").and_then(Value::as_str) {
        if !has_type(value, ty) {
            out.push((Finding::Type, path.clone()));
        }
    }
    if let Some(expected) = s.get("const") {
        if !same_json(expected, value) {
            out.push((Finding::Const, path.clone()));
        }
    }
    match value {
        Value::String(text) => {
            if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
                if (text.chars().count() as u64) < min {
                    out.push((Finding::MinLength, path.clone()));
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push('/');
                    path.push_str(itoa::Buffer::new().format(i));
                    walk(root, item_schema, item, path, out);
                    path.truncate(len);
                }
            }
        }
        Value::Object(members) => object(root, s, members, path, out),
        _ => {}
    }
}

fn object(
    root: &Value,
    s: &Map<String, Value>,
    members: &Map<String, Value>,
    path: &mut String,
    out: &mut Vec<(Finding, String)>,
) {
    for name in s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = name.as_str() {
            if !members.contains_key(name) {
                out.push((Finding::Required(name.to_owned()), path.clone()));
            }
        }
    }
    let properties = s.get("properties").and_then(Value::as_object);
    let patterns = s.get("patternProperties").and_then(Value::as_object);
    let additional = s.get("additionalProperties");
    for (name, member) in members {
        let mut matched = false;
        let len = path.len();
        path.push('/');
        path.push_str(&escape_segment(name));
        if let Some(sub) = properties.and_then(|p| p.get(name)) {
            matched = true;
            walk(root, sub, member, path, out);
        }
        for (pattern, sub) in patterns.into_iter().flatten() {
            if prefix_matches(pattern, name) {
                matched = true;
                walk(root, sub, member, path, out);
            }
        }
        path.truncate(len);
        if !matched {
            match additional {
                Some(Value::Bool(false)) => {
                    out.push((Finding::Unexpected(name.clone()), path.clone()))
                }
                Some(sub @ Value::Object(_)) => {
                    path.push('/');
                    path.push_str(&escape_segment(name));
                    walk(root, sub, member, path, out);
                    path.truncate(len);
                }
                _ => {}
            }
        }
    }
}

/// JSON equality as JSON Schema defines it: numbers compare by value (`1 == 1.0`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| same_json(a, b)))
        }
        _ => a == b,
    }
}

/// `#/$defs/Name` within the root schema.
fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.pointer(reference.strip_prefix('#')?)
}

/// The generated schema's only patterns are anchored literal prefixes (`^x-`); a
/// unit test checks that no other kind of pattern appears.
fn prefix_matches(pattern: &str, name: &str) -> bool {
    pattern
        .strip_prefix('^')
        .is_some_and(|prefix| name.starts_with(prefix))
}

/// Whether a pattern is an anchored literal prefix the interpreter can match.
#[cfg(test)]
fn is_literal_prefix(pattern: &str) -> bool {
    pattern.strip_prefix('^').is_some_and(|rest| {
        rest.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    })
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{schema, SchemaKind};

    fn keywords_used(schema: &Value, out: &mut Vec<String>) {
        let Some(s) = schema.as_object() else { return };
        for (key, value) in s {
            out.push(key.clone());
            match key.as_str() {
                "$defs" | "properties" | "patternProperties" => {
                    for sub in value.as_object().into_iter().flat_map(|m| m.values()) {
                        keywords_used(sub, out);
                    }
                }
                "items" | "additionalProperties" => keywords_used(value, out),
                _ => {}
            }
        }
    }

    #[test]
    fn the_interpreter_supports_every_keyword_the_generated_schema_uses() {
        let baton = schema(SchemaKind::Baton);
        let mut used = Vec::new();
        keywords_used(&baton, &mut used);
        for keyword in &used {
            assert!(
                SUPPORTED_KEYWORDS.contains(&keyword.as_str()),
                "unsupported keyword {keyword}"
            );
        }
        for pattern in baton["patternProperties"].as_object().unwrap().keys() {
            assert!(
                is_literal_prefix(pattern),
                "pattern {pattern} is not a literal prefix"
            );
        }
    }

    #[cfg(feature = "jsonschema")]
    mod agreement {
        use super::super::*;
        use proptest::prelude::*;

        fn sorted(mut v: Vec<(Finding, String)>) -> Vec<(Finding, String)> {
            v.sort();
            v.dedup();
            v
        }

        /// Documents built from the baton's own member names and wrong types, so
        /// that most runs hit real schema paths rather than one `type` at the root.
        fn scalar() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                (-3i64..3).prop_map(Value::from),
                prop_oneof![Just(1.5f64), Just(1.0f64)].prop_map(Value::from),
                prop_oneof![Just(""), Just(" "), Just("a"), Just("2026-01-01T00:00:00Z")]
                    .prop_map(Value::from),
            ]
        }

        fn value() -> impl Strategy<Value = Value> {
            scalar().prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map(name(), inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        fn name() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("goal"),
                Just("version"),
                Just("history"),
                Just("decision_log"),
                Just("current_state"),
                Just("x-a"),
                Just("x-"),
                Just("stage"),
                Just("at"),
                Just("patch"),
                Just("goals"),
                Just("a/b"),
                Just("X-a"),
            ]
            .prop_map(str::to_owned)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn the_interpreter_agrees_with_jsonschema(doc in value()) {
                prop_assert_eq!(sorted(with_interpreter(&doc)), sorted(with_jsonschema(&doc)));
            }

            #[test]
            fn they_agree_on_baton_shaped_documents(
                members in prop::collection::btree_map(name(), value(), 0..6),
                history in prop::collection::vec(
                    prop::collection::btree_map(name(), value(), 0..4), 0..3),
            ) {
                let mut doc: Map<String, Value> = members.into_iter().collect();
                doc.insert("history".into(), Value::Array(
                    history.into_iter().map(|h| Value::Object(h.into_iter().collect())).collect()));
                let doc = Value::Object(doc);
                prop_assert_eq!(sorted(with_interpreter(&doc)), sorted(with_jsonschema(&doc)));
            }
        }
    }
}
