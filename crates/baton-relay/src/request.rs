//! Reading requests: bodies as strict JSON objects (baton-core's parser, whatever
//! the Content-Type), their members, query strings and headers. Every rule
//! breaks into `{code, path, message}` findings, all reported at once.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use baton_core::{is_blank, parse_json_bytes, Map, Value};

use crate::model::HandoffStatus;
use crate::problem::{FieldIssue, Problem, ProblemCode};

/// The largest TTL: 30 days.
pub const MAX_TTL_SECONDS: i64 = 2_592_000;
/// The TTL when the pass gives none: 1 day.
pub const DEFAULT_TTL_SECONDS: i64 = 86_400;
/// The largest lease: 1 day.
pub const MAX_LEASE_SECONDS: i64 = 86_400;
/// The lease when the pass gives none: 15 minutes.
pub const DEFAULT_LEASE_SECONDS: i64 = 900;
/// The longest long-poll; larger `wait` values are clamped to it.
pub const MAX_WAIT_SECONDS: u64 = 60;
/// The page size when the list gives none.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page.
pub const MAX_LIMIT: i64 = 200;

/// The body as a JSON object. An empty body is `{}` where `empty_is_object`.
pub(crate) fn body_object(
    body: Result<Bytes, BytesRejection>,
    empty_is_object: bool,
) -> Result<Map<String, Value>, Problem> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                ProblemCode::PayloadTooLarge,
                "the request body is larger than the server accepts",
            )
        } else {
            Problem::new(
                ProblemCode::MalformedBody,
                format!("the request body could not be read: {rejection}"),
            )
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if empty_is_object {
            return Ok(Map::new());
        }
        return Err(Problem::new(
            ProblemCode::MalformedBody,
            "the body is empty; expected a JSON object",
        ));
    }
    match parse_json_bytes(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Problem::new(
            ProblemCode::MalformedBody,
            format!("the body is {}; expected a JSON object", kind(&other)),
        )),
        Err(e) => {
            let first = e
                .issues()
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            Err(Problem::new(
                ProblemCode::MalformedBody,
                format!("the body is not JSON: {first}"),
            ))
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The findings so far; [`Findings::finish`] turns any into a 422.
#[derive(Default)]
struct Findings(Vec<FieldIssue>);

impl Findings {
    fn push(&mut self, code: &str, name: &str, message: String) {
        self.0.push(FieldIssue::new(
            code,
            format!("/{}", baton_core::escape_segment(name)),
            message,
        ));
    }

    fn unknown(&mut self, names: impl Iterator<Item = String>, known: &[&str]) {
        for name in names.filter(|n| !known.contains(&n.as_str())) {
            let message = baton_core::unknown_field_message(&name, known);
            self.push("unknown_field", &name, message);
        }
    }

    fn finish(mut self, what: &str) -> Result<(), Problem> {
        if self.0.is_empty() {
            return Ok(());
        }
        self.0
            .sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.code.cmp(&b.code)));
        self.0.dedup();
        let n = self.0.len();
        let detail = match n {
            1 => format!("the {what} has 1 error"),
            _ => format!("the {what} has {n} errors"),
        };
        Err(Problem::with_errors(
            ProblemCode::InvalidRequest,
            detail,
            self.0,
        ))
    }

    /// A non-blank string member; `None` when absent or null (or wrong, with a finding).
    fn text(&mut self, map: &Map<String, Value>, name: &str, required: bool) -> Option<String> {
        match map.get(name) {
            None | Some(Value::Null) if required => {
                self.push("required", name, format!("`{name}` is required"));
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if is_blank(s) => {
                self.push("empty", name, format!("`{name}` must not be blank"));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.push("type", name, format!("`{name}` must be a string"));
                None
            }
        }
    }

    /// An integer member in `min..=max`, or `default` when absent or null.
    fn integer(
        &mut self,
        map: &Map<String, Value>,
        name: &str,
        min: i64,
        max: i64,
        default: i64,
    ) -> i64 {
        match map.get(name) {
            None | Some(Value::Null) => default,
            Some(Value::Number(n)) => match integral(n) {
                Some(v) if (min..=max).contains(&v) => v,
                Some(_) => {
                    self.push(
                        "range",
                        name,
                        format!("`{name}` must be between {min} and {max}"),
                    );
                    default
                }
                None => {
                    self.push("type", name, format!("`{name}` must be an integer"));
                    default
                }
            },
            Some(_) => {
                self.push("type", name, format!("`{name}` must be an integer"));
                default
            }
        }
    }
}

/// A JSON number with an integral value (`5` and `5.0` alike: SPEC §1's model).
fn integral(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|v| v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0)
            // The range check makes the cast exact.
            .map(|v| v as i64)
    })
}

/// A member that is any JSON, null when absent.
fn any(map: &Map<String, Value>, name: &str) -> Value {
    map.get(name).cloned().unwrap_or(Value::Null)
}

/// A checked pass body.
#[derive(Debug, Clone)]
pub(crate) struct PassInput {
    pub task: String,
    pub output: Value,
    pub context: Value,
    pub constraints: Value,
    pub baton: Option<Value>,
    pub to: Option<String>,
    pub ttl_seconds: i64,
    pub lease_seconds: i64,
}

const PASS_MEMBERS: [&str; 8] = [
    "task",
    "output",
    "context",
    "constraints",
    "baton",
    "to",
    "ttl_seconds",
    "lease_seconds",
];

/// Checks a pass body's members (the baton itself is baton-core's to check).
pub(crate) fn pass_input(map: &Map<String, Value>) -> Result<PassInput, Problem> {
    let mut f = Findings::default();
    f.unknown(map.keys().cloned(), &PASS_MEMBERS);
    let task = f.text(map, "task", true);
    let to = f.text(map, "to", false);
    let ttl_seconds = f.integer(map, "ttl_seconds", 1, MAX_TTL_SECONDS, DEFAULT_TTL_SECONDS);
    let lease_seconds = f.integer(
        map,
        "lease_seconds",
        1,
        MAX_LEASE_SECONDS,
        DEFAULT_LEASE_SECONDS,
    );
    f.finish("request body")?;
    Ok(PassInput {
        task: task.unwrap_or_default(),
        output: any(map, "output"),
        context: any(map, "context"),
        constraints: any(map, "constraints"),
        baton: map.get("baton").filter(|v| !v.is_null()).cloned(),
        to,
        ttl_seconds,
        lease_seconds,
    })
}

/// A checked done body.
#[derive(Debug, Clone)]
pub(crate) struct DoneInput {
    pub output: Value,
    pub baton_patch: Option<Value>,
    pub stage: Option<String>,
    pub lease_token: Option<String>,
}

const DONE_MEMBERS: [&str; 4] = ["output", "baton_patch", "stage", "lease_token"];

/// Checks a done body's members (the patch itself is baton-core's to check).
pub(crate) fn done_input(map: &Map<String, Value>) -> Result<DoneInput, Problem> {
    let mut f = Findings::default();
    f.unknown(map.keys().cloned(), &DONE_MEMBERS);
    let stage = f.text(map, "stage", false);
    let lease_token = f.text(map, "lease_token", false);
    f.finish("request body")?;
    Ok(DoneInput {
        output: any(map, "output"),
        baton_patch: map.get("baton_patch").filter(|v| !v.is_null()).cloned(),
        stage,
        lease_token,
    })
}

/// Checks a catch body: it has no members.
pub(crate) fn catch_input(map: &Map<String, Value>) -> Result<(), Problem> {
    let mut f = Findings::default();
    f.unknown(map.keys().cloned(), &[]);
    f.finish("request body")
}

/// Query parameters as an object: each name once, only known names.
fn query_map(pairs: &[(String, String)], known: &[&str]) -> Result<Map<String, Value>, Problem> {
    let mut f = Findings::default();
    f.unknown(pairs.iter().map(|(k, _)| k.clone()), known);
    let mut map = Map::new();
    for (k, v) in pairs {
        if map.insert(k.clone(), Value::String(v.clone())).is_some() {
            f.push("duplicate_key", k, format!("`{k}` is given more than once"));
        }
    }
    f.finish("query")?;
    Ok(map)
}

/// An unsigned decimal integer query value, saturating; `None` when it is not one.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

/// `GET /api/status/{id}`'s query: how long to wait (clamped to 60 s).
pub(crate) fn wait_seconds(pairs: &[(String, String)]) -> Result<u64, Problem> {
    let map = query_map(pairs, &["wait"])?;
    let Some(Value::String(raw)) = map.get("wait") else {
        return Ok(0);
    };
    let mut f = Findings::default();
    let wait = match digits(raw) {
        Some(n) => n.min(MAX_WAIT_SECONDS),
        None if raw.strip_prefix('-').and_then(digits).is_some() => {
            f.push(
                "range",
                "wait",
                format!("`wait` must be between 0 and {MAX_WAIT_SECONDS}"),
            );
            0
        }
        None => {
            f.push("type", "wait", "`wait` must be an integer".to_owned());
            0
        }
    };
    f.finish("query")?;
    Ok(wait)
}

/// A checked list query.
#[derive(Debug, Clone)]
pub(crate) struct ListInput {
    pub to: Option<String>,
    pub status: Option<HandoffStatus>,
    pub limit: i64,
    pub after: Option<(i64, String)>,
}

/// `GET /api/handoffs`'s query.
pub(crate) fn list_input(pairs: &[(String, String)]) -> Result<ListInput, Problem> {
    let map = query_map(pairs, &["to", "status", "limit", "after"])?;
    let mut f = Findings::default();
    let to = f.text(&map, "to", false);
    let status = match map.get("status").and_then(Value::as_str) {
        None => None,
        Some(s) => match HandoffStatus::ALL.into_iter().find(|st| st.as_str() == s) {
            Some(st) => Some(st),
            None => {
                f.push(
                    "range",
                    "status",
                    "`status` must be one of `pending`, `caught`, `done`, `expired`".to_owned(),
                );
                None
            }
        },
    };
    let limit = match map.get("limit").and_then(Value::as_str) {
        None => DEFAULT_LIMIT,
        Some(s) => match digits(s).map(|n| i64::try_from(n).unwrap_or(i64::MAX)) {
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                f.push(
                    "range",
                    "limit",
                    format!("`limit` must be between 1 and {MAX_LIMIT}"),
                );
                DEFAULT_LIMIT
            }
            None if s.strip_prefix('-').and_then(digits).is_some() => {
                f.push(
                    "range",
                    "limit",
                    format!("`limit` must be between 1 and {MAX_LIMIT}"),
                );
                DEFAULT_LIMIT
            }
            None => {
                f.push("type", "limit", "`limit` must be an integer".to_owned());
                DEFAULT_LIMIT
            }
        },
    };
    let after = match map.get("after").and_then(Value::as_str) {
        None => None,
        Some(s) => match decode_cursor(s) {
            Some(c) => Some(c),
            None => {
                f.push(
                    "type",
                    "after",
                    "`after` must be a `next` value from an earlier page".to_owned(),
                );
                None
            }
        },
    };
    f.finish("query")?;
    Ok(ListInput {
        to,
        status,
        limit,
        after,
    })
}

/// The opaque cursor after a handoff: base64url of `<created_at ms>.<id>`.
pub(crate) fn encode_cursor(created_at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_at}.{id}"))
}

fn decode_cursor(s: &str) -> Option<(i64, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (created, id) = text.split_once('.')?;
    let created = created.parse::<i64>().ok()?;
    crate::ids::is_handoff_id(id).then(|| (created, id.to_owned()))
}

/// The `Idempotency-Key` header: absent, or 1 to 255 visible ASCII characters.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let mut values = headers.get_all("idempotency-key").iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    let ok = values.next().is_none()
        && (1..=255).contains(&bytes.len())
        && bytes.iter().all(|b| (0x21..=0x7e).contains(b));
    if !ok {
        return Err(Problem::with_errors(
            ProblemCode::InvalidRequest,
            "the `Idempotency-Key` header is invalid",
            vec![FieldIssue::new(
                "range",
                "",
                "`Idempotency-Key` must be one header of 1 to 255 visible ASCII characters",
            )],
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn codes(p: &Problem) -> Vec<(String, String)> {
        p.errors
            .iter()
            .flatten()
            .map(|e| (e.code.clone(), e.path.clone()))
            .collect()
    }

    #[test]
    fn pass_members_are_checked_together() {
        let err = pass_input(&obj(
            json!({"taks": "x", "ttl_seconds": 0, "to": " ", "lease_seconds": 1.5}),
        ))
        .unwrap_err();
        assert_eq!(err.code, ProblemCode::InvalidRequest);
        assert_eq!(
            codes(&err),
            [
                ("type".into(), "/lease_seconds".into()),
                ("unknown_field".into(), "/taks".into()),
                ("required".into(), "/task".into()),
                ("empty".into(), "/to".into()),
                ("range".into(), "/ttl_seconds".into()),
            ]
        );
        let message = &err.errors.as_ref().unwrap()[1].message;
        assert_eq!(message, "unknown field `taks`, did you mean `task`?");
        let ok = pass_input(&obj(json!({"task": "t", "ttl_seconds": 5.0, "to": null}))).unwrap();
        assert_eq!((ok.ttl_seconds, ok.lease_seconds, ok.to), (5, 900, None));
    }

    #[test]
    fn bodies_must_be_objects() {
        assert!(body_object(Ok(Bytes::from_static(b"")), true)
            .unwrap()
            .is_empty());
        let empty = body_object(Ok(Bytes::from_static(b" ")), false).unwrap_err();
        assert_eq!(empty.code, ProblemCode::MalformedBody);
        let array = body_object(Ok(Bytes::from_static(b"[]")), true).unwrap_err();
        assert!(array.detail.contains("an array"), "{}", array.detail);
        let dup = body_object(Ok(Bytes::from_static(b"{\"a\":1,\"a\":2}")), true).unwrap_err();
        assert!(dup.detail.contains("duplicate_key"), "{}", dup.detail);
    }

    #[test]
    fn queries_are_strict_but_wait_is_clamped() {
        let q = |s: &[(&str, &str)]| -> Vec<(String, String)> {
            s.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(wait_seconds(&q(&[])).unwrap(), 0);
        assert_eq!(wait_seconds(&q(&[("wait", "7")])).unwrap(), 7);
        assert_eq!(
            wait_seconds(&q(&[("wait", "99999999999999999999999")])).unwrap(),
            60
        );
        assert_eq!(
            codes(&wait_seconds(&q(&[("wait", "1.5")])).unwrap_err()),
            [("type".into(), "/wait".into())]
        );
        assert_eq!(
            codes(&wait_seconds(&q(&[("wait", "-1")])).unwrap_err()),
            [("range".into(), "/wait".into())]
        );
        assert_eq!(
            codes(&wait_seconds(&q(&[("wiat", "1")])).unwrap_err()),
            [("unknown_field".into(), "/wiat".into())]
        );
        let l = list_input(&q(&[("to", "tester"), ("status", "done"), ("limit", "3")])).unwrap();
        assert_eq!(
            (l.to.as_deref(), l.status, l.limit),
            (Some("tester"), Some(HandoffStatus::Done), 3)
        );
        let bad = list_input(&q(&[
            ("limit", "0"),
            ("status", "x"),
            ("after", "zz"),
            ("to", "a"),
            ("to", "b"),
        ]))
        .unwrap_err();
        assert_eq!(codes(&bad), [("duplicate_key".into(), "/to".into())]);
        let bad = list_input(&q(&[("limit", "0"), ("status", "x"), ("after", "zz")])).unwrap_err();
        assert_eq!(
            codes(&bad),
            [
                ("type".into(), "/after".into()),
                ("range".into(), "/limit".into()),
                ("range".into(), "/status".into()),
            ]
        );
        let id = "9b2f5a84-8b1c-4d6e-9f0a-1c2d3e4f5a6b";
        assert_eq!(
            decode_cursor(&encode_cursor(42, id)),
            Some((42, id.to_owned()))
        );
    }
}
