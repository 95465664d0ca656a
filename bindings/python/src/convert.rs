//! Python values to JSON values (SPEC §1): `str` is JSON text; `dict` (string
//! keys), `list`, `tuple`, `str`, `int`, `float`, `bool` and `None` are data.
//! Anything else (sets, bytes, NaN, non-string keys, objects) is `type` at its
//! path; nesting beyond 100 levels (including a dict that contains itself) is
//! `too_deep`.

use std::borrow::Cow;

use baton_core::{normalize_f64, Code, Error, Value, MAX_DEPTH};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Map;

/// Python data as a JSON value (a `str` here is a string; the callers handle
/// a top-level `str`, which is JSON text, with [`json_text`]).
pub(crate) fn to_value(obj: &Bound<'_, PyAny>) -> Result<Value, Error> {
    convert(obj, 1).map_err(Bad::into_error)
}

/// The text of a `str` argument that holds JSON text: borrowed where the ABI
/// allows, `invalid_json` when it holds a lone surrogate (SPEC §1).
pub(crate) fn json_text<'a>(text: &'a Bound<'_, PyString>) -> Result<Cow<'a, str>, Error> {
    if let Some(borrowed) = crate::pydata::borrow_str(text) {
        return Ok(Cow::Borrowed(borrowed));
    }
    text.to_cow().map_err(|_| {
        Error::single(
            Code::InvalidJson,
            "",
            "the JSON text is not valid Unicode (a lone surrogate)",
        )
    })
}

/// A conversion failure; the path is collected on the way out (innermost first),
/// so converting valid data tracks no path at all.
struct Bad {
    code: Code,
    reversed_path: Vec<String>,
    message: String,
}

impl Bad {
    fn new(code: Code, message: impl Into<String>) -> Bad {
        Bad {
            code,
            reversed_path: Vec::new(),
            message: message.into(),
        }
    }

    fn at(mut self, segment: impl ToString) -> Bad {
        // `too_deep` and `invalid_json` are reported at the root (SPEC §1), as
        // they are for JSON text.
        if !matches!(self.code, Code::TooDeep | Code::InvalidJson) {
            self.reversed_path.push(segment.to_string());
        }
        self
    }

    fn into_error(self) -> Error {
        let pointer: String = self
            .reversed_path
            .iter()
            .rev()
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect();
        Error::single(self.code, pointer, self.message)
    }
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, Bad> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_cow()
            .map(|s| Value::String(s.into_owned()))
            .map_err(|_| {
                Bad::new(
                    Code::InvalidJson,
                    "a string with a lone surrogate is not Unicode text",
                )
            });
    }
    // bool before int: `True` is an `int` in Python.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            // Within ±2^53 an integer; beyond, the nearest double (SPEC §1).
            return Ok(if v.unsigned_abs() <= 1 << 53 {
                Value::from(v)
            } else {
                normalize_f64(v as f64).unwrap_or(Value::Null)
            });
        }
        return i
            .extract::<f64>()
            .ok()
            .and_then(normalize_f64)
            .ok_or_else(|| Bad::new(Code::Type, "an integer too large for a JSON number"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return normalize_f64(f.value())
            .ok_or_else(|| Bad::new(Code::Type, format!("{} is not a JSON number", f.value())));
    }
    if depth > MAX_DEPTH {
        return Err(Bad::new(
            Code::TooDeep,
            format!("nesting deeper than {MAX_DEPTH} levels (or a container that contains itself)"),
        ));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut out = Map::new();
        for (key, item) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(Bad::new(
                    Code::Type,
                    format!("dict keys must be str, got {}", type_name(&key)),
                ));
            };
            let key = key.to_cow().map_err(|_| {
                Bad::new(
                    Code::InvalidJson,
                    "a key with a lone surrogate is not Unicode text",
                )
            })?;
            let v = convert(&item, depth + 1).map_err(|b| b.at(&key))?;
            out.insert(key.into_owned(), v);
        }
        return Ok(Value::Object(out));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return sequence(list.iter(), list.len(), depth);
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return sequence(tuple.iter(), tuple.len(), depth);
    }
    Err(Bad::new(
        Code::Type,
        format!(
            "a {} is not JSON (use dict, list, str, int, float, bool or None)",
            type_name(obj)
        ),
    ))
}

fn sequence<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    len: usize,
    depth: usize,
) -> Result<Value, Bad> {
    let mut out = Vec::with_capacity(len);
    for (i, item) in items.enumerate() {
        out.push(convert(&item, depth + 1).map_err(|b| b.at(i))?);
    }
    Ok(Value::Array(out))
}

/// The `budget` argument of `validate`: `TypeError` unless an `int` (a `bool` is
/// not a count); a negative or oversized one is `invalid_argument` (SPEC §3).
pub(crate) fn budget(obj: &Bound<'_, PyAny>) -> PyResult<Result<usize, Error>> {
    // The common case, an exact non-negative `int` that fits: no comparison call.
    if obj.is_exact_instance_of::<PyInt>() {
        if let Ok(n) = obj.extract::<u64>() {
            return Ok(Ok(usize::try_from(n).unwrap_or(usize::MAX)));
        }
    }
    let int = match obj.cast::<PyInt>() {
        Ok(i) if obj.cast::<PyBool>().is_err() => i,
        _ => {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "`budget` must be an int, not {}",
                type_name(obj)
            )))
        }
    };
    if int.lt(0).unwrap_or(true) {
        return Ok(Err(Error::single(
            Code::InvalidArgument,
            "",
            format!("`budget` must be a non-negative integer, got {obj}"),
        )));
    }
    // Beyond the address space no estimate can reach it: saturate.
    Ok(Ok(int.extract::<usize>().unwrap_or(usize::MAX)))
}

/// A cheap size estimate of a value, to decide whether to release the GIL.
pub(crate) fn rough_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(rough_size).sum::<usize>() + items.len(),
        Value::Object(members) => members.iter().map(|(k, v)| k.len() + rough_size(v)).sum(),
        _ => 8,
    }
}
