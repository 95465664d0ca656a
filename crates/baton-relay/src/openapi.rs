//! The OpenAPI 3.1 document, generated from the handlers' annotations (utoipa),
//! with baton-core's own JSON Schemas for the baton and the patch inserted as
//! components rather than derived a second time.

use baton_core::{schema, SchemaKind, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::Modify;

use crate::model::{HandoffStatus, PassResponse};
use crate::problem::{FieldIssue, ProblemBody};

/// The document's fixed parts; the paths come from [`crate::app::api_routes`].
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Baton relay",
        description = "Hand work between AI agents: one agent passes a task (and optionally a baton), another catches it, \
                       does the work and marks it done. Every `/api/` call needs `Authorization: Bearer baton_...`. \
                       Errors are RFC 9457 `application/problem+json` with a stable `code`. SPEC.md §17 is the normative text.",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(ProblemBody, FieldIssue, HandoffStatus, PassResponse)),
    tags(
        (name = "handoffs", description = "Pass, catch, finish and watch handoffs."),
        (name = "service", description = "Health and this document."),
    )
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A workspace token: `baton_` and 43 base64url characters.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI document as JSON, exactly as `GET /api/openapi.json` serves it
/// and `schema/openapi.json` holds it.
pub fn document() -> Value {
    let (_, api) = crate::app::api_routes().split_for_parts();
    finish(&api)
}

/// Serializes the generated document and puts baton-core's schemas in place of
/// the `Baton` and `BatonPatch` placeholders.
pub(crate) fn finish(api: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(api).unwrap_or(Value::Null);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        insert_core_schema(schemas, "Baton", SchemaKind::Baton);
        insert_core_schema(schemas, "BatonPatch", SchemaKind::Patch);
    }
    doc
}

/// Inserts a core schema as component `name`; its `$defs` become components
/// `<name><Def>` so that every `$ref` resolves inside the OpenAPI document.
fn insert_core_schema(schemas: &mut baton_core::Map<String, Value>, name: &str, kind: SchemaKind) {
    let mut root = schema(kind);
    let Some(object) = root.as_object_mut() else {
        return;
    };
    object.remove("$schema");
    let defs = object.remove("$defs");
    if let Some(Value::Object(defs)) = defs {
        for (def, mut value) in defs {
            rewrite_refs(&mut value, name);
            schemas.insert(format!("{name}{def}"), value);
        }
    }
    rewrite_refs(&mut root, name);
    schemas.insert(name.to_owned(), root);
}

fn rewrite_refs(value: &mut Value, prefix: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(def) = v.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
                        *v = Value::String(format!("#/components/schemas/{prefix}{def}"));
                    }
                } else {
                    rewrite_refs(v, prefix);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, prefix)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_ref_resolves_inside_the_document() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.iter().any(|r| r == "#/components/schemas/Baton"));
        for r in all {
            let pointer = r.strip_prefix('#').unwrap_or(&r);
            assert!(doc.pointer(pointer).is_some(), "dangling {r}");
        }
        assert_eq!(
            doc.pointer("/components/schemas/Baton/properties/goal/$ref"),
            Some(&Value::from("#/components/schemas/BatonEntry"))
        );
    }
}
