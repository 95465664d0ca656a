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
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    let compiled = COMPILED
        .get_or_init(|| Compiled::new(&crate::schema::schema(crate::schema::SchemaKind::Baton)));
    let mut out = Vec::new();
    compiled.walk(0, document, &Path::Root, &mut out);
    out
}

/// The schema compiled once into a flat tree: `$ref`s resolved, keywords typed,
/// so that checking a 10,000-entry list costs a type test and a length test per
/// entry and no allocation unless something is wrong.
struct Compiled {
    nodes: Vec<Node>,
}

#[derive(Default)]
struct Node {
    /// Schemas this one also applies (`$ref` targets).
    refs: Vec<usize>,
    ty: Option<JsonType>,
    constant: Option<Value>,
    min_length: Option<u64>,
    required: Vec<String>,
    properties: Vec<(String, usize)>,
    prefixes: Vec<(String, usize)>,
    additional: Additional,
    items: Option<usize>,
}

#[derive(Default)]
enum Additional {
    #[default]
    Allowed,
    Denied,
    Schema(usize),
}

#[derive(Clone, Copy)]
enum JsonType {
    Object,
    Array,
    String,
    Boolean,
    Null,
    Number,
    Integer,
    /// A type name the interpreter does not know: nothing matches it.
    Unknown,
}

impl Compiled {
    fn new(root: &Value) -> Compiled {
        let mut compiled = Compiled { nodes: Vec::new() };
        let mut refs = Vec::new();
        compiled.compile(root, root, &mut refs);
        compiled
    }

    /// Compiles `schema` into a new node and returns its index. `seen` maps `$ref`
    /// strings already compiled to their node (the baton schema has no cycles, but
    /// shared definitions are compiled once).
    fn compile(&mut self, root: &Value, schema: &Value, seen: &mut Vec<(String, usize)>) -> usize {
        let index = self.nodes.len();
        self.nodes.push(Node::default());
        let Some(s) = schema.as_object() else {
            return index;
        };
        let mut node = Node::default();
        if let Some(reference) = s.get("$ref").and_then(Value::as_str) {
            let known = seen.iter().find(|(r, _)| r == reference).map(|(_, i)| *i);
            let target = match known {
                Some(i) => Some(i),
                None => resolve(root, reference).map(|target| {
                    let i = self.compile(root, target, seen);
                    seen.push((reference.to_owned(), i));
                    i
                }),
            };
            node.refs.extend(target);
        }
        node.ty = s.get("type").and_then(Value::as_str).map(|t| match t {
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "string" => JsonType::String,
            "boolean" => JsonType::Boolean,
            "null" => JsonType::Null,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            _ => JsonType::Unknown,
        });
        node.constant = s.get("const").cloned();
        node.min_length = s.get("minLength").and_then(Value::as_u64);
        node.required = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect();
        for (name, sub) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let i = self.compile(root, sub, seen);
            node.properties.push((name.clone(), i));
        }
        for (pattern, sub) in s
            .get("patternProperties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let i = self.compile(root, sub, seen);
            let prefix = pattern.strip_prefix('^').unwrap_or(pattern);
            node.prefixes.push((prefix.to_owned(), i));
        }
        node.additional = match s.get("additionalProperties") {
            Some(Value::Bool(false)) => Additional::Denied,
            Some(sub @ Value::Object(_)) => Additional::Schema(self.compile(root, sub, seen)),
            _ => Additional::Allowed,
        };
        if let Some(sub) = s.get("items") {
            node.items = Some(self.compile(root, sub, seen));
        }
        self.nodes[index] = node;
        index
    }

    fn walk(&self, index: usize, value: &Value, path: &Path<'_>, out: &mut Vec<(Finding, String)>) {
        let node = &self.nodes[index];
        for &target in &node.refs {
            self.walk(target, value, path, out);
        }
        if let Some(ty) = node.ty {
            if !has_type(value, ty) {
                out.push((Finding::Type, path.pointer()));
            }
        }
        if let Some(expected) = &node.constant {
            if !same_json(expected, value) {
                out.push((Finding::Const, path.pointer()));
            }
        }
        match value {
            Value::String(text) => {
                if let Some(min) = node.min_length {
                    // Lengths count code points; `len()` is an upper bound in bytes.
                    let short = match min {
                        0 => false,
                        1 => text.is_empty(),
                        _ => (text.chars().count() as u64) < min,
                    };
                    if short {
                        out.push((Finding::MinLength, path.pointer()));
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = node.items {
                    for (i, v) in items.iter().enumerate() {
                        self.walk(item, v, &Path::Index(path, i), out);
                    }
                }
            }
            Value::Object(members) => self.object(node, members, path, out),
            _ => {}
        }
    }

    fn object(
        &self,
        node: &Node,
        members: &Map<String, Value>,
        path: &Path<'_>,
        out: &mut Vec<(Finding, String)>,
    ) {
        for name in &node.required {
            if !members.contains_key(name) {
                out.push((Finding::Required(name.clone()), path.pointer()));
            }
        }
        for (name, member) in members {
            let here = Path::Key(path, name);
            let mut matched = false;
            if let Some((_, sub)) = node.properties.iter().find(|(n, _)| n == name) {
                matched = true;
                self.walk(*sub, member, &here, out);
            }
            for (prefix, sub) in &node.prefixes {
                if name.starts_with(prefix.as_str()) {
                    matched = true;
                    self.walk(*sub, member, &here, out);
                }
            }
            if !matched {
                match node.additional {
                    Additional::Denied => {
                        out.push((Finding::Unexpected(name.clone()), path.pointer()))
                    }
                    Additional::Schema(sub) => self.walk(sub, member, &here, out),
                    Additional::Allowed => {}
                }
            }
        }
    }
}

/// Where the walk is, as a chain of borrowed segments: the JSON Pointer is only
/// built when there is something to report.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn pointer(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Key(parent, name) => format!("{}/{}", parent.pointer(), escape_segment(name)),
            Path::Index(parent, i) => format!("{}/{i}", parent.pointer()),
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

/// Whether a pattern is an anchored literal prefix the interpreter can match.
#[cfg(test)]
fn is_literal_prefix(pattern: &str) -> bool {
    pattern.strip_prefix('^').is_some_and(|rest| {
        rest.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    })
}

fn has_type(value: &Value, ty: JsonType) -> bool {
    match ty {
        JsonType::Object => value.is_object(),
        JsonType::Array => value.is_array(),
        JsonType::String => value.is_string(),
        JsonType::Boolean => value.is_boolean(),
        JsonType::Null => value.is_null(),
        JsonType::Number => value.is_number(),
        JsonType::Integer => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        JsonType::Unknown => false,
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
