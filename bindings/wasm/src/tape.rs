//! The tape: how a JS object crosses into wasm without becoming JSON text.
//!
//! `npm/src/convert.js` walks the object once, checking that it is JSON (the
//! same checks as before it is serialised) and writing this encoding into the
//! scratch buffer; here it is a serde data source, so the core reads it with
//! the rules it applies to any source (`baton_core::from_deserializer`,
//! `baton_core::validate_deserializer`).
//!
//! The tape comes with its strings: the UTF-8 of every string in the order
//! met, one after the other (the JS side encodes them all at once). On the
//! tape a value is one tag byte, then:
//!
//! | tag | value | followed by |
//! |---|---|---|
//! | `n` `f` `t` | `null`, `false`, `true` | nothing |
//! | `d` | a number | a length, then the number as JS writes it (`String(n)`) |
//! | `s` | a string | its length in UTF-16 units (its text is the next string) |
//! | `[` | an array | its values, then `]` |
//! | `{` | an object | its members, then `}` |
//!
//! and a member is its name, then its value; a name is `k` followed as `s`, or
//! `K` and one byte, the index in [`NAMES`] of a name that is there. Lengths
//! are LEB128 (7 bits a byte, least significant first).
//!
//! Numbers are the JS numbers themselves (`String(n)` reads back as the same
//! double; the core then normalises them as it does numbers in text: integral
//! values up to 2^53 are integers, `-0` is `0`). Malformed input (never
//! written by convert.js) is an error, never a panic.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

/// Member names sent as one byte (`K`): the index of a name in the core's
/// list of every member name (npm/src/convert.js numbers them the same way).
pub use baton_core::MEMBER_NAMES as NAMES;

/// A tape to read from; a serde `Deserializer` by value.
pub struct Tape<'de> {
    reader: Reader<'de>,
}

impl<'de> Tape<'de> {
    /// A reader of a tape and its strings; every read fails if they are malformed.
    pub fn new(tape: &'de [u8], strings: &'de [u8]) -> Self {
        let strings = std::str::from_utf8(strings).ok();
        Tape {
            reader: Reader {
                valid: strings.is_some(),
                tape,
                strings: strings.unwrap_or_default(),
                ascii: strings.is_some_and(str::is_ascii),
                pos: 0,
                next: 0,
            },
        }
    }
}

/// The read positions in a tape and its strings.
pub struct Reader<'de> {
    tape: &'de [u8],
    strings: &'de str,
    /// Whether all the strings are ASCII: then a UTF-16 length is a byte length.
    ascii: bool,
    valid: bool,
    pos: usize,
    /// Where the next string starts in `strings`.
    next: usize,
}

/// A malformed tape, or an error a visitor raised.
#[derive(Debug)]
pub struct TapeError(String);

impl fmt::Display for TapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TapeError {}

impl de::Error for TapeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TapeError(msg.to_string())
    }
}

fn malformed() -> TapeError {
    TapeError("malformed tape".to_owned())
}

// The reads return `Option` (small, in registers); a `None` becomes the one
// `TapeError` at the serde boundary.
impl<'de> Reader<'de> {
    #[inline]
    fn byte(&mut self) -> Option<u8> {
        let b = *self.tape.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.tape.get(self.pos).copied()
    }

    #[inline]
    fn length(&mut self) -> Option<usize> {
        let first = self.byte()?;
        if first < 0x80 {
            return Some(usize::from(first));
        }
        let mut n = usize::from(first & 0x7f);
        for shift in (7..usize::BITS).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// The next string, whose length (in UTF-16 units) is on the tape.
    #[inline]
    fn string(&mut self) -> Option<&'de str> {
        let units = self.length()?;
        if self.ascii {
            let end = self.next.checked_add(units)?;
            let s = self.strings.get(self.next..end)?;
            self.next = end;
            return Some(s);
        }
        let rest = self.strings.get(self.next..)?;
        // Each character is 1 or 2 UTF-16 units; stop after `units` of them.
        let mut left = units;
        let mut bytes = 0;
        for c in rest.chars() {
            if left == 0 {
                break;
            }
            left = left.checked_sub(c.len_utf16())?;
            bytes += c.len_utf8();
        }
        if left != 0 {
            return None;
        }
        let s = rest.get(..bytes)?;
        self.next += bytes;
        Some(s)
    }

    #[inline]
    fn name(&mut self) -> Option<&'de str> {
        match self.byte()? {
            b'k' => self.string(),
            b'K' => NAMES.get(usize::from(self.byte()?)).copied(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<f64> {
        let len = self.length()?;
        let end = self.pos.checked_add(len)?;
        let digits = self.tape.get(self.pos..end)?;
        self.pos = end;
        std::str::from_utf8(digits).ok()?.parse().ok()
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = TapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TapeError> {
        match self.byte().ok_or_else(malformed)? {
            b's' => visitor.visit_borrowed_str(self.string().ok_or_else(malformed)?),
            b'[' => visitor.visit_seq(Items { reader: self }),
            b'{' => visitor.visit_map(Members { reader: self }),
            b'n' => visitor.visit_unit(),
            b'f' => visitor.visit_bool(false),
            b't' => visitor.visit_bool(true),
            b'd' => visitor.visit_f64(self.number().ok_or_else(malformed)?),
            _ => Err(malformed()),
        }
    }

    /// What a string's visitor asks for: the common case without the whole match.
    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TapeError> {
        if self.peek() == Some(b's') {
            self.pos += 1;
            return visitor.visit_borrowed_str(self.string().ok_or_else(malformed)?);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TapeError> {
        self.deserialize_str(visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::Deserializer<'de> for Tape<'de> {
    type Error = TapeError;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TapeError> {
        if !self.reader.valid {
            return Err(malformed());
        }
        let value = (&mut self.reader).deserialize_any(visitor)?;
        let reader = &self.reader;
        if reader.pos == reader.tape.len() && reader.next == reader.strings.len() {
            Ok(value)
        } else {
            Err(malformed())
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct Items<'r, 'de> {
    reader: &'r mut Reader<'de>,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = TapeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TapeError> {
        if self.reader.peek().ok_or_else(malformed)? == b']' {
            self.reader.pos += 1;
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

struct Members<'r, 'de> {
    reader: &'r mut Reader<'de>,
}

/// A member name, handed to the key's visitor as a string.
struct Name<'de>(&'de str);

impl<'de> de::Deserializer<'de> for Name<'de> {
    type Error = TapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TapeError> {
        visitor.visit_borrowed_str(self.0)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Members<'_, 'de> {
    type Error = TapeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TapeError> {
        if self.reader.peek().ok_or_else(malformed)? == b'}' {
            self.reader.pos += 1;
            return Ok(None);
        }
        seed.deserialize(Name(self.reader.name().ok_or_else(malformed)?))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, TapeError> {
        seed.deserialize(&mut *self.reader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn length(mut n: usize, out: &mut Vec<u8>) {
        while n > 0x7f {
            out.push(0x80 | (n & 0x7f) as u8);
            n >>= 7;
        }
        out.push(n as u8);
    }

    /// A tape being written: the tape itself and the strings after it.
    #[derive(Default)]
    pub(crate) struct Writer {
        tape: Vec<u8>,
        strings: String,
    }

    impl Writer {
        fn string(&mut self, tag: u8, s: &str) {
            self.tape.push(tag);
            length(s.encode_utf16().count(), &mut self.tape);
            self.strings.push_str(s);
        }

        fn raw(&mut self, bytes: &[u8]) {
            self.tape.extend_from_slice(bytes);
        }

        fn number(&mut self, text: &str) {
            self.tape.push(b'd');
            length(text.len(), &mut self.tape);
            self.tape.extend_from_slice(text.as_bytes());
        }

        /// What convert.js writes for a JSON value.
        pub(crate) fn value(&mut self, value: &serde_json::Value) {
            use serde_json::Value;
            match value {
                Value::Null => self.raw(b"n"),
                Value::Bool(b) => self.raw(if *b { b"t" } else { b"f" }),
                Value::Number(n) => self.number(&n.to_string()),
                Value::String(s) => self.string(b's', s),
                Value::Array(items) => {
                    self.raw(b"[");
                    items.iter().for_each(|v| self.value(v));
                    self.raw(b"]");
                }
                Value::Object(members) => {
                    self.raw(b"{");
                    for (k, v) in members {
                        match NAMES.iter().position(|n| n == k) {
                            Some(i) => self.raw(&[b'K', i as u8]),
                            None => self.string(b'k', k),
                        }
                        self.value(v);
                    }
                    self.raw(b"}");
                }
            }
        }

        pub(crate) fn finish(self) -> (Vec<u8>, String) {
            (self.tape, self.strings)
        }
    }

    pub(crate) fn encode(value: &serde_json::Value) -> (Vec<u8>, String) {
        let mut w = Writer::default();
        w.value(value);
        w.finish()
    }

    #[test]
    fn reads_every_kind_of_value_with_the_cores_rules() {
        let mut w = Writer::default();
        w.raw(b"{K\x01");
        w.string(b's', "日本 🎉");
        w.string(b'k', "x-a");
        w.raw(b"[");
        for n in ["1", "0", "0.5", "9007199254740994", "1e+21", "5e-324"] {
            w.number(n);
        }
        w.raw(b"ntf]");
        w.string(b'k', &"long name ".repeat(20));
        w.string(b's', &"é".repeat(100));
        w.raw(b"}");
        let (t, strings) = w.finish();
        let value = baton_core::from_deserializer(Tape::new(&t, strings.as_bytes())).unwrap();
        assert_eq!(
            value,
            json!({"goal": "日本 🎉", "x-a": [1, 0, 0.5, 9007199254740994.0, 1e21, 5e-324, null, true, false],
                   "long name ".repeat(20): "é".repeat(100)})
        );
        assert_eq!(
            baton_core::parse_json(&serde_json::to_string(&value).unwrap()).unwrap(),
            value
        );
    }

    /// `BATON_PROFILE=<n> cargo test --release -p baton-wasm -- --ignored profile`:
    /// validates the seed from a tape n times, for callgrind.
    #[test]
    #[ignore]
    fn profile() {
        let n: usize = std::env::var("BATON_PROFILE").map_or(1, |n| n.parse().unwrap());
        let seed = json!({"goal": "Add user auth", "current_state": ["Routes created", "Tests passing"],
            "decision_log": ["Chose JWT over sessions"], "constraints": ["No breaking changes"],
            "work_scope": ["src/auth/*"], "artifacts": [], "open_questions": [],
            "acceptance": ["All auth tests green"]});
        let (t, strings) = encode(&seed);
        for _ in 0..n {
            let report = baton_core::validate_deserializer(
                || Tape::new(std::hint::black_box(&t), strings.as_bytes()),
                1000,
            );
            assert!(std::hint::black_box(report).errors.is_empty());
        }
    }

    /// Every JSON value in the shared vectors, as a tape, reads as its text does,
    /// and validates as its text does.
    #[test]
    fn every_vector_value_reads_and_validates_as_its_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
        let mut seen = 0;
        for file in std::fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let suite: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for case in suite["cases"].as_array().unwrap() {
                let Some(inputs) = case["input"].as_object() else {
                    continue;
                };
                for (name, value) in inputs {
                    if name.ends_with("_text") || value.is_string() {
                        continue;
                    }
                    let text = serde_json::to_string(value).unwrap();
                    let (tape, strings) = encode(value);
                    let from_tape =
                        baton_core::from_deserializer(Tape::new(&tape, strings.as_bytes()));
                    assert_eq!(
                        from_tape,
                        baton_core::parse_json(&text),
                        "{}: {name}",
                        case["name"]
                    );
                    for budget in [0, 1000] {
                        assert_eq!(
                            baton_core::validate_deserializer(
                                || Tape::new(&tape, strings.as_bytes()),
                                budget
                            ),
                            baton_core::validate_json_bytes(text.as_bytes(), budget),
                            "{}: {name}",
                            case["name"]
                        );
                    }
                    seen += 1;
                }
            }
        }
        assert!(seen > 300, "only {seen} values");
    }

    #[test]
    fn malformed_tapes_are_errors() {
        let tape = |t: &[u8], strings: &str| (t.to_vec(), strings.as_bytes().to_vec());
        let cases = [
            tape(b"", ""),
            tape(b"{", ""),
            tape(b"[", ""),
            tape(b"s\x05", "ab"),
            tape(b"s\x02", "abc"),
            tape(b"s\x02", "a"),
            tape(b"{s\x00n}", ""),
            tape(b"nn", ""),
            tape(b"d\x01x", ""),
            tape(b"d\x05", ""),
            tape(b"{K\x0fn}", ""),
            tape(b"{K", ""),
            tape(b"s\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", ""),
            tape(b"s\x02", "é"),
            tape(b"s\x01", "🎉"),
            tape(b"s\x03", "🎉"),
            tape(b"[s\x01s\x01]", "🎉"),
            (b"s\x01".to_vec(), vec![0xff]),
        ];
        for (t, strings) in cases {
            let read = baton_core::from_deserializer(Tape::new(&t, &strings));
            assert!(read.is_err(), "{t:?} {strings:?}");
        }
        let ok =
            |t: &[u8], s: &str| baton_core::from_deserializer(Tape::new(t, s.as_bytes())).is_ok();
        assert!(ok(b"s\x01", "é"));
        assert!(ok(b"[s\x02s\x00]", "🎉"));
    }
}
