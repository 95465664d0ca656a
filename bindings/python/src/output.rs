//! The core's canonical JSON text as Python objects, built directly (no Python
//! `str` of the whole text, no `json.loads`): dicts keep the text's member
//! order, which is the canonical order, and numbers follow SPEC §1 as the
//! package's `json.loads(text, parse_int=...)` did (integers beyond ±2^53
//! become floats).

use std::cell::RefCell;
use std::fmt;

use baton_core::MEMBER_NAMES as NAMES;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyNone, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The largest integer magnitude kept as an `int` (SPEC §1).
const MAX_SAFE: u64 = 1 << 53;

/// The Python value of JSON text the core wrote.
pub(crate) fn to_python<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let failed = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let built = Build {
        py,
        failed: &failed,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match (built, failed.into_inner()) {
        (Ok(v), _) => Ok(v),
        // A Python error while building (memory): raise it as it is.
        (Err(_), Some(e)) => Err(e),
        // Not reached: the core writes valid JSON.
        (Err(e), None) => Err(PyRuntimeError::new_err(format!(
            "the core wrote JSON that does not parse: {e}"
        ))),
    }
}

#[derive(Clone, Copy)]
struct Build<'a, 'py> {
    py: Python<'py>,
    /// The Python error that stopped the build, if one did.
    failed: &'a RefCell<Option<PyErr>>,
}

impl<'py> Build<'_, 'py> {
    fn check<T, E: de::Error>(&self, result: PyResult<T>) -> Result<T, E> {
        result.map_err(|e| {
            *self.failed.borrow_mut() = Some(e);
            E::custom("python error")
        })
    }

    fn integer(&self, v: Option<i64>, wide: f64) -> Bound<'py, PyAny> {
        match v {
            Some(i) if i.unsigned_abs() <= MAX_SAFE => PyInt::new(self.py, i).into_any(),
            _ => PyFloat::new(self.py, wide).into_any(),
        }
    }
}

impl<'de, 'py> DeserializeSeed<'de> for Build<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Build<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(PyNone::get(self.py).to_owned().into_any())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.integer(Some(v), v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.integer(i64::try_from(v).ok(), v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.py, v).into_any())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, v).into_any())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        let list = self.check(PyList::new(self.py, items))?;
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(key) = map.next_key_seed(Key(self))? {
            let value = map.next_value_seed(self)?;
            self.check(dict.set_item(key, value))?;
        }
        Ok(dict.into_any())
    }
}

/// An object key: one of the core's member names as a `str` made once (a
/// result's keys are mostly these, and an interned `str` carries its hash: no
/// allocation and no hashing per key), any other made as a new `str`.
struct Key<'a, 'py>(Build<'a, 'py>);

impl<'de, 'py> DeserializeSeed<'de> for Key<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        static INTERNED: PyOnceLock<[Py<PyString>; NAMES.len()]> = PyOnceLock::new();
        let py = self.0.py;
        if let Some(i) = NAMES.iter().position(|n| *n == v) {
            let names =
                INTERNED.get_or_init(py, || NAMES.map(|n| PyString::intern(py, n).unbind()));
            return Ok(names[i].bind(py).clone().into_any());
        }
        Ok(PyString::new(py, v).into_any())
    }
}
