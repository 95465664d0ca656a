//! The fast way from plain Python data into the core, without building a
//! `Value` or copying a string: one walk over the objects records them as a
//! flat list of JSON events (a "tape") whose strings point into the UTF-8 that
//! CPython keeps inside each `str`, and the core reads the tape through a serde
//! [`Deserializer`] (`validate_deserializer`, `from_deserializer`).
//!
//! The tape decides nothing: it takes only the exact types that
//! [`convert`](crate::convert) maps one to one onto JSON (`dict` with `str` keys,
//! `list`, `tuple`, `str`, `int` within ±2^53, finite `float`, `bool`, `None`,
//! nesting within `MAX_DEPTH`) and gives up on anything else (a subclass, a
//! set, a NaN, a big integer, a lone surrogate, ...). The caller then converts
//! with [`convert::to_value`](crate::convert::to_value), which reports every
//! problem with its code, path and message exactly as before.
//!
//! Why the borrowed strings stay valid:
//! - While the tape is built, and while it is read with the GIL held, no Python
//!   code runs: only C calls that never call back into Python on these exact
//!   types and allocate no object the garbage collector tracks. So no container
//!   changes and every string stays referenced by its container. (A failure is
//!   the exception: a lone surrogate raises inside CPython, and making the
//!   exception may run a collection, hence finalizers; the tape is then thrown
//!   away unread.)
//! - To read it without the GIL (large inputs), [`Tape::hold`] first takes a
//!   reference to every string whose UTF-8 the tape points into; a `str` is
//!   immutable and its UTF-8 buffer lives as long as the object. Containers
//!   may then change under other threads, but the tape no longer looks at them:
//!   their structure was copied into the events. The references are dropped
//!   when the tape is, with the GIL held again.

use std::cell::Cell;
use std::mem::take;
use std::ptr::{addr_of_mut, null_mut};

use baton_core::MAX_DEPTH;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Integers beyond this magnitude are left to `convert` (SPEC §1 turns them into doubles).
const MAX_SAFE: u64 = 1 << 53;

#[derive(Clone, Copy)]
enum Event {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// UTF-8 inside a `str` object (see the module docs for why it stays valid).
    Str {
        ptr: *const u8,
        len: usize,
    },
    /// An array of `len` items; its events end before index `end`.
    Seq {
        len: usize,
        end: usize,
    },
    /// An object of `len` members (a key event, then the value's events).
    Map {
        len: usize,
        end: usize,
    },
}

/// Python data as JSON events; see the module docs.
pub(crate) struct Tape {
    events: Vec<Event>,
    /// Every `str` object the events point into.
    strings: Vec<*mut ffi::PyObject>,
    /// String bytes plus one per item: what the GIL decision is based on.
    size: usize,
    /// Whether this tape holds a reference to each of `strings`.
    held: bool,
}

// SAFETY: a tape shared with a thread that does not hold the GIL is only read:
// its events (plain data, and pointers into the UTF-8 of `str` objects that
// `hold` keeps alive; that UTF-8 never changes). The object pointers in
// `strings` are only used by `hold` and `drop`, which take `&mut self` and run
// with the GIL held.
unsafe impl Sync for Tape {}

impl Tape {
    /// Records `obj`; `None` when it holds anything but the plain JSON types
    /// (the caller then converts it the slow way, which reports what is wrong).
    pub(crate) fn read(obj: &Bound<'_, PyAny>) -> Option<Tape> {
        if !BORROWED_UTF8 {
            return None;
        }
        let (mut events, mut strings) = SPARE.try_with(Cell::take).unwrap_or_default();
        events.reserve(32);
        strings.reserve(16);
        let mut tape = Tape {
            events,
            strings,
            size: 0,
            held: false,
        };
        // SAFETY: `obj` is alive and the GIL is held for the whole walk (the
        // `Bound` proves both); see `value`.
        let complete = unsafe { tape.value(obj.as_ptr(), 1) };
        complete.then_some(tape)
    }

    /// String bytes plus one per item.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Takes a reference to every string, so that the tape can be read without
    /// the GIL (see the module docs). The `Python` token proves the GIL is held.
    pub(crate) fn hold(&mut self, _py: Python<'_>) {
        if !self.held {
            for &s in &self.strings {
                // SAFETY: the GIL is held and `s` is alive (it is referenced by
                // its container, which cannot have changed since `read`).
                unsafe { ffi::Py_IncRef(s) };
            }
            self.held = true;
        }
    }

    /// A deserializer over the whole tape.
    pub(crate) fn reader(&self) -> TapeSource<'_> {
        TapeSource(Reader {
            events: &self.events,
            pos: 0,
        })
    }

    /// Records one value; false when it is not plain JSON (the tape is then
    /// abandoned).
    ///
    /// # Safety
    /// The GIL is held and `obj` is alive. Nothing called here runs Python code
    /// (exact built-in types only), so nothing reachable from `obj` changes.
    unsafe fn value(&mut self, obj: *mut ffi::PyObject, depth: usize) -> bool {
        let ty = ffi::Py_TYPE(obj);
        if ty == addr_of_mut!(ffi::PyUnicode_Type) {
            return self.string(obj);
        }
        if obj == ffi::Py_None() {
            self.events.push(Event::Null);
            self.size += 4;
            return true;
        }
        if ty == addr_of_mut!(ffi::PyBool_Type) {
            self.events.push(Event::Bool(obj == ffi::Py_True()));
            self.size += 4;
            return true;
        }
        if ty == addr_of_mut!(ffi::PyLong_Type) {
            let mut overflow = 0;
            // Sets no exception for an exact `int`: overflow is reported in `overflow`.
            let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
            if overflow != 0 || v.unsigned_abs() > MAX_SAFE {
                return false;
            }
            self.events.push(Event::Int(v));
            self.size += 8;
            return true;
        }
        if ty == addr_of_mut!(ffi::PyFloat_Type) {
            let v = ffi::PyFloat_AsDouble(obj);
            if !v.is_finite() {
                return false;
            }
            self.events.push(Event::Float(v));
            self.size += 8;
            return true;
        }
        // Containers nest one level deeper; `convert` reports `too_deep` (and a
        // container that contains itself ends here too).
        if depth > MAX_DEPTH {
            return false;
        }
        if ty == addr_of_mut!(ffi::PyList_Type) {
            return self.seq(obj, ffi::PyList_Size(obj), ffi::PyList_GetItem, depth);
        }
        if ty == addr_of_mut!(ffi::PyDict_Type) {
            return self.map(obj, depth);
        }
        if ty == addr_of_mut!(ffi::PyTuple_Type) {
            return self.seq(obj, ffi::PyTuple_Size(obj), ffi::PyTuple_GetItem, depth);
        }
        false
    }

    /// # Safety
    /// As [`Tape::value`]; `obj` is an exact `str`.
    #[inline(always)]
    unsafe fn string(&mut self, obj: *mut ffi::PyObject) -> bool {
        match utf8(obj) {
            Some((ptr, len)) => {
                self.events.push(Event::Str { ptr, len });
                self.strings.push(obj);
                self.size += len;
                true
            }
            None => false,
        }
    }

    /// # Safety
    /// As [`Tape::value`]; `obj` is an exact `list` or `tuple` of `len` items
    /// and `get` its item getter (a borrowed reference).
    unsafe fn seq(
        &mut self,
        obj: *mut ffi::PyObject,
        len: ffi::Py_ssize_t,
        get: unsafe extern "C" fn(*mut ffi::PyObject, ffi::Py_ssize_t) -> *mut ffi::PyObject,
        depth: usize,
    ) -> bool {
        let Ok(n) = usize::try_from(len) else {
            ffi::PyErr_Clear();
            return false;
        };
        let at = self.events.len();
        self.events.push(Event::Seq { len: n, end: 0 });
        // Most lists are lists of strings: room for all of them at once.
        self.events.reserve(n);
        self.strings.reserve(n);
        for i in 0..len {
            let item = get(obj, i);
            if item.is_null() {
                ffi::PyErr_Clear();
                return false;
            }
            // Lists of strings are most of a baton: no call for them.
            let done = if ffi::Py_TYPE(item) == addr_of_mut!(ffi::PyUnicode_Type) {
                self.string(item)
            } else {
                self.value(item, depth + 1)
            };
            if !done {
                return false;
            }
        }
        self.size += n + 2;
        self.events[at] = Event::Seq {
            len: n,
            end: self.events.len(),
        };
        true
    }

    /// # Safety
    /// As [`Tape::value`]; `obj` is an exact `dict`.
    unsafe fn map(&mut self, obj: *mut ffi::PyObject, depth: usize) -> bool {
        let at = self.events.len();
        self.events.push(Event::Map { len: 0, end: 0 });
        let (mut pos, mut key, mut value) = (0, null_mut(), null_mut());
        let mut n = 0;
        // Borrowed references; the dict cannot change during the loop (no Python code runs).
        while ffi::PyDict_Next(obj, &mut pos, &mut key, &mut value) != 0 {
            // Only exact `str` keys: a subclass could make two keys with the same text.
            if ffi::Py_TYPE(key) != addr_of_mut!(ffi::PyUnicode_Type) || !self.string(key) {
                return false;
            }
            if !self.value(value, depth + 1) {
                return false;
            }
            n += 1;
        }
        self.size += n + 2;
        self.events[at] = Event::Map {
            len: n,
            end: self.events.len(),
        };
        true
    }
}

impl Drop for Tape {
    fn drop(&mut self) {
        if self.held {
            // Tapes are dropped where they were made, in a call that holds the
            // GIL (`Python::detach` takes it back before returning or unwinding).
            for &s in &self.strings {
                // SAFETY: the GIL is held, and `hold` took this reference.
                unsafe { ffi::Py_DecRef(s) };
            }
        }
        let (mut events, mut strings) = (take(&mut self.events), take(&mut self.strings));
        if events.capacity() <= KEEP && strings.capacity() <= KEEP {
            events.clear();
            strings.clear();
            // During thread teardown there is nothing to keep them for.
            let _ = SPARE.try_with(|spare| spare.set((events, strings)));
        }
    }
}

thread_local! {
    /// The emptied vectors of this thread's last small tape: most calls then
    /// allocate nothing.
    static SPARE: Cell<(Vec<Event>, Vec<*mut ffi::PyObject>)> =
        const { Cell::new((Vec::new(), Vec::new())) };
}

/// Vectors up to this many items are kept for the next tape.
const KEEP: usize = 4096;

/// The UTF-8 of a `str` without copying it (CPython caches it in the object),
/// when this ABI offers that: `PyUnicode_AsUTF8AndSize` is in the stable ABI
/// since 3.10.
#[cfg(any(Py_3_10, not(Py_LIMITED_API)))]
const BORROWED_UTF8: bool = true;

/// # Safety
/// The GIL is held and `obj` is a live `str`.
#[cfg(any(Py_3_10, not(Py_LIMITED_API)))]
unsafe fn utf8(obj: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
    let mut len: ffi::Py_ssize_t = 0;
    let ptr = ffi::PyUnicode_AsUTF8AndSize(obj, &mut len);
    utf8_result(ptr, len)
}

// The abi3 wheel for CPython ≥ 3.9: the function is not in 3.9's stable ABI,
// but every CPython exports it (it is public API since 3.3), and on Unix an
// extension's symbols resolve against the running interpreter. On Windows an
// abi3 extension links against python3.dll, whose 3.9 version lacks it: there
// the tape is off and strings are copied as before.
#[cfg(all(Py_LIMITED_API, not(Py_3_10), not(windows)))]
const BORROWED_UTF8: bool = true;

#[cfg(all(Py_LIMITED_API, not(Py_3_10), not(windows)))]
extern "C" {
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const std::ffi::c_char;
}

/// # Safety
/// The GIL is held and `obj` is a live `str`.
#[cfg(all(Py_LIMITED_API, not(Py_3_10), not(windows)))]
unsafe fn utf8(obj: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
    let mut len: ffi::Py_ssize_t = 0;
    let ptr = PyUnicode_AsUTF8AndSize(obj, &mut len);
    utf8_result(ptr, len)
}

#[cfg(all(Py_LIMITED_API, not(Py_3_10), windows))]
const BORROWED_UTF8: bool = false;

#[cfg(all(Py_LIMITED_API, not(Py_3_10), windows))]
unsafe fn utf8(_obj: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
    None
}

/// `None` (and the exception cleared) when the string has a lone surrogate.
#[cfg(any(Py_3_10, not(Py_LIMITED_API), not(windows)))]
unsafe fn utf8_result(
    ptr: *const std::ffi::c_char,
    len: ffi::Py_ssize_t,
) -> Option<(*const u8, usize)> {
    if ptr.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    Some((ptr.cast(), usize::try_from(len).ok()?))
}

/// The UTF-8 of a `str` argument, borrowed from it where the ABI allows; `None`
/// when it has a lone surrogate or cannot be borrowed (the caller then takes
/// the copying path, which also reports the surrogate).
pub(crate) fn borrow_str<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a str> {
    // SAFETY: the GIL is held and `s` is a live `str` (the `Bound` proves both).
    let (ptr, len) = unsafe { utf8(s.as_ptr())? };
    // SAFETY: CPython's UTF-8 of a `str` is valid UTF-8, lives as long as the
    // object (borrowed for 'a) and never changes.
    Some(unsafe { str_at(ptr, len) })
}

/// # Safety
/// `ptr..ptr + len` is valid UTF-8 that lives, unchanged, for `'a`.
unsafe fn str_at<'a>(ptr: *const u8, len: usize) -> &'a str {
    std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len))
}

/// The visitor's own errors (the core's fast path giving up); the tape never
/// raises one itself: it holds only plain JSON.
#[derive(Debug)]
pub(crate) struct ReadError(String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ReadError(msg.to_string())
    }
}

/// A cursor over a tape's events.
struct Reader<'t> {
    events: &'t [Event],
    pos: usize,
}

/// The deserializer the core reads a tape with.
pub(crate) struct TapeSource<'t>(Reader<'t>);

impl<'de> Deserializer<'de> for TapeSource<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, ReadError> {
        (&mut self.0).deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        let Some(&event) = self.events.get(self.pos) else {
            return Err(de::Error::custom("the tape ended early"));
        };
        self.pos += 1;
        match event {
            Event::Null => visitor.visit_unit(),
            Event::Bool(b) => visitor.visit_bool(b),
            Event::Int(i) => visitor.visit_i64(i),
            Event::Float(f) => visitor.visit_f64(f),
            // SAFETY: see the module docs: the string's object outlives the
            // tape's borrow 'de, and its UTF-8 does not change.
            Event::Str { ptr, len } => visitor.visit_borrowed_str(unsafe { str_at(ptr, len) }),
            Event::Seq { len, end } => {
                let v = visitor.visit_seq(Counted {
                    reader: &mut *self,
                    left: len,
                })?;
                // Past whatever the visitor left unread.
                self.pos = end;
                Ok(v)
            }
            Event::Map { len, end } => {
                let v = visitor.visit_map(Counted {
                    reader: &mut *self,
                    left: len,
                })?;
                self.pos = end;
                Ok(v)
            }
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The items of an array, or the members of an object: `left` more to read
/// (a member is its key's events, then its value's).
struct Counted<'r, 'de> {
    reader: &'r mut Reader<'de>,
    left: usize,
}

impl<'de> Counted<'_, 'de> {
    /// The next item or key, if any is left.
    fn next<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, ReadError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

impl<'de> SeqAccess<'de> for Counted<'_, 'de> {
    type Error = ReadError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, ReadError> {
        self.next(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> MapAccess<'de> for Counted<'_, 'de> {
    type Error = ReadError;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, ReadError> {
        self.next(seed)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, ReadError> {
        seed.deserialize(&mut *self.reader)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}
