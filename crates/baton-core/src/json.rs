//! Strict JSON input (SPEC §1): duplicate keys, a depth limit and I-JSON numbers.
//!
//! Parsing goes through a [`DeserializeSeed`] rather than `serde_json::from_str`
//! so that the same rules apply to any serde data source: the wasm and Python
//! bindings feed native objects through [`from_deserializer`].

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{escape_segment, Code, Error};

/// The deepest nesting of arrays and objects accepted in input (SPEC §16).
pub const MAX_DEPTH: usize = 100;

/// The largest integer magnitude kept exactly: 2^53, as in JavaScript.
const MAX_SAFE: u64 = 1 << 53;

/// Parses JSON text by the rules of SPEC §1.
pub fn parse_json(text: &str) -> Result<Value, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let state = State::default();
    let mut de = serde_json::Deserializer::from_str(text);
    // serde_json's own recursion limit (128) is above ours, so ours always fires first.
    let parsed = ValueSeed {
        state: &state,
        depth: 0,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| state.into_error(&e.to_string()))
}

/// Parses JSON bytes: UTF-8 is checked first (SPEC §1).
pub fn parse_json_bytes(bytes: &[u8]) -> Result<Value, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_json(text),
        Err(e) => Err(Error::single(
            Code::InvalidJson,
            "",
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )),
    }
}

/// Reads a JSON value from any serde data source with the rules of SPEC §1
/// (duplicate keys, depth limit, number normalization).
///
/// Data the source cannot express as JSON (a NaN, a map with non-string keys) is
/// `type` at `""`, with the source's own message.
pub fn from_deserializer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, Error> {
    let state = State::default();
    ValueSeed {
        state: &state,
        depth: 0,
    }
    .deserialize(deserializer)
    .map_err(|e| {
        let message = e.to_string();
        match state.found.into_inner() {
            Some((code, path, message)) => Error::single(code, path, message),
            None => Error::single(Code::Type, "", message),
        }
    })
}

/// Normalizes a number to SPEC §1's model: integral values up to 2^53 are integers,
/// everything else a double. Returns `None` for NaN and infinities.
pub fn normalize_f64(v: f64) -> Option<Value> {
    if !v.is_finite() {
        return None;
    }
    if v.fract() == 0.0 && v.abs() <= MAX_SAFE as f64 {
        // The range check makes the cast exact; `-0.0 as i64` is 0.
        return Some(Value::Number(Number::from(v as i64)));
    }
    Number::from_f64(v).map(Value::Number)
}

fn normalize_u64(v: u64) -> Value {
    if v <= MAX_SAFE {
        Value::Number(v.into())
    } else {
        Value::Number(Number::from_f64(v as f64).expect("finite"))
    }
}

fn normalize_i64(v: i64) -> Value {
    if v.unsigned_abs() <= MAX_SAFE {
        Value::Number(v.into())
    } else {
        Value::Number(Number::from_f64(v as f64).expect("finite"))
    }
}

/// The nesting depth of a value, counting arrays and objects; stops counting at `limit + 1`
/// so that a hostile value costs no more than the limit.
pub fn depth_exceeds(value: &Value, limit: usize) -> bool {
    // Iterative, so a deep value built in memory cannot overflow the stack here.
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(a) => Box::new(a.iter()),
            Value::Object(o) => Box::new(o.values()),
            _ => continue,
        };
        if d > limit {
            return true;
        }
        stack.extend(children.map(|c| (c, d + 1)));
    }
    false
}

/// Reads one value nested inside another (its parent at nesting `depth`) with the
/// rules of SPEC §1, for readers that handle the levels above it themselves (the
/// fast validation path, `lite.rs`). Any failure is an opaque error: such readers
/// fall back to [`parse_json`] / [`from_deserializer`], which report it properly.
pub(crate) struct NestedValue(pub(crate) usize);

impl<'de> DeserializeSeed<'de> for NestedValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        let state = State::default();
        ValueSeed {
            state: &state,
            depth: self.0,
        }
        .deserialize(deserializer)
    }
}

/// Side channel for the errors our visitor raises: serde errors are opaque strings,
/// and we need a code and a path.
///
/// The path of a `duplicate_key` is built while the error unwinds (each level
/// prepends its segment), so parsing valid input tracks no path at all.
#[derive(Default)]
struct State {
    found: RefCell<Option<(Code, String, String)>>,
}

impl State {
    /// Prepends one level to the path of an error on its way out.
    fn locate(&self, segment: &str) {
        if let Some((Code::DuplicateKey, path, _)) = self.found.borrow_mut().as_mut() {
            path.insert_str(0, &format!("/{}", escape_segment(segment)));
        }
    }

    fn fail<E: de::Error>(&self, code: Code, path: String, message: String) -> E {
        let err = E::custom(&message);
        *self.found.borrow_mut() = Some((code, path, message));
        err
    }

    fn into_error(self, serde_message: &str) -> Error {
        match self.found.into_inner() {
            Some((code, path, message)) => {
                // Keep serde_json's position ("at line 1 column 9") for text input.
                let position = serde_message
                    .rfind(" at line ")
                    .map(|i| &serde_message[i..])
                    .unwrap_or("");
                Error::single(code, path, format!("{message}{position}"))
            }
            None => Error::single(Code::InvalidJson, "", serde_message.to_owned()),
        }
    }
}

struct ValueSeed<'s> {
    state: &'s State,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl ValueSeed<'_> {
    fn enter<E: de::Error>(&self) -> Result<usize, E> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(self.state.fail(
                Code::TooDeep,
                String::new(),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(depth)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(normalize_i64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(normalize_u64(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.visit_f64(v as f64)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        normalize_f64(v).ok_or_else(|| {
            self.state.fail(
                Code::Type,
                String::new(),
                format!("`{v}` is not a JSON number"),
            )
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let next = seq
                .next_element_seed(ValueSeed {
                    state: self.state,
                    depth,
                })
                .inspect_err(|_| self.state.locate(itoa::Buffer::new().format(out.len())))?;
            match next {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(self.state.fail(
                    Code::DuplicateKey,
                    format!("/{}", escape_segment(&key)),
                    format!("duplicate key `{key}`"),
                ));
            }
            let value = map
                .next_value_seed(ValueSeed {
                    state: self.state,
                    depth,
                })
                .inspect_err(|_| self.state.locate(&key))?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code_of(text: &str) -> (Code, String) {
        let err = parse_json(text).unwrap_err();
        let i = &err.issues()[0];
        (i.code, i.path.clone())
    }

    #[test]
    fn duplicate_keys_point_at_the_repeated_member() {
        assert_eq!(
            code_of(r#"{"x-a": [{"k": 1, "k": 2}]}"#),
            (Code::DuplicateKey, "/x-a/0/k".into())
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(code_of(&text), (Code::TooDeep, String::new()));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_json(&ok).is_ok());
        let over = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse_json(&over).is_err());
    }

    #[test]
    fn numbers_follow_ijson() {
        assert_eq!(
            parse_json("[1.0, -0, 1e2, 0.5]").unwrap(),
            json!([1, 0, 100, 0.5])
        );
        assert_eq!(code_of("1e400").0, Code::InvalidJson);
        let big = parse_json("9007199254740993").unwrap();
        assert_eq!(big.as_f64(), Some(9007199254740992.0));
        assert!(!big.is_u64());
    }

    #[test]
    fn bom_is_ignored_and_bad_utf8_is_reported() {
        assert_eq!(parse_json("\u{feff}{}").unwrap(), json!({}));
        let err = parse_json_bytes(b"{\"goal\": \"\xff\"}").unwrap_err();
        assert_eq!(err.issues()[0].code, Code::InvalidJson);
        assert!(err.issues()[0].message.contains("byte 10"));
    }
}
