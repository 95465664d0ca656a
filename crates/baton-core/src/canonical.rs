//! Canonical JSON output (SPEC §9): fixed member order, minimal escaping,
//! JavaScript number formatting, compact or `JSON.stringify(v, null, 2)` pretty.

use serde_json::{Map, Number, Value};

use crate::document::{member_rank, Baton, LIST_FIELDS};

/// Writes any JSON value canonically, objects with members sorted by code point.
pub fn to_json(value: &Value, pretty: bool) -> String {
    let mut w = Writer::new(pretty);
    w.value(value);
    w.out
}

/// Writes a patch canonically: top-level members in baton member order (SPEC §9).
pub fn patch_to_json(patch: &Value, pretty: bool) -> String {
    let mut w = Writer::new(pretty);
    match patch {
        Value::Object(map) => w.patch(map),
        other => w.value(other),
    }
    w.out
}

pub(crate) fn baton_to_string(baton: &Baton, pretty: bool) -> String {
    let mut w = Writer::new(pretty);
    w.open('{');
    w.member(true, "version");
    w.out.push('1');
    w.member(false, "goal");
    w.string(&baton.goal);
    for field in LIST_FIELDS {
        w.member(false, field.name());
        w.strings(baton.list(field));
    }
    for (name, value) in &baton.extensions {
        w.member(false, name);
        w.value(value);
    }
    w.member(false, "history");
    w.open('[');
    for (i, entry) in baton.history.iter().enumerate() {
        w.item(i == 0);
        w.open('{');
        w.member(true, "stage");
        w.string(&entry.stage);
        w.member(false, "at");
        w.string(&entry.at);
        w.member(false, "patch");
        w.patch(&entry.patch);
        w.close('}', false);
    }
    w.close(']', baton.history.is_empty());
    w.close('}', false);
    w.out
}

struct Writer {
    out: String,
    pretty: bool,
    depth: usize,
}

impl Writer {
    fn new(pretty: bool) -> Self {
        Writer {
            out: String::with_capacity(256),
            pretty,
            depth: 0,
        }
    }

    fn open(&mut self, c: char) {
        self.out.push(c);
        self.depth += 1;
    }

    fn close(&mut self, c: char, empty: bool) {
        self.depth -= 1;
        if self.pretty && !empty {
            self.newline();
        }
        self.out.push(c);
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn item(&mut self, first: bool) {
        if !first {
            self.out.push(',');
        }
        if self.pretty {
            self.newline();
        }
    }

    fn member(&mut self, first: bool, key: &str) {
        self.item(first);
        self.string(key);
        self.out.push(':');
        if self.pretty {
            self.out.push(' ');
        }
    }

    fn strings(&mut self, list: &[String]) {
        self.open('[');
        for (i, s) in list.iter().enumerate() {
            self.item(i == 0);
            self.string(s);
        }
        self.close(']', list.is_empty());
    }

    fn patch(&mut self, map: &Map<String, Value>) {
        let mut members: Vec<(&String, &Value)> = map.iter().collect();
        members.sort_by(|a, b| member_rank(a.0).cmp(&member_rank(b.0)));
        self.open('{');
        for (i, (k, v)) in members.iter().enumerate() {
            self.member(i == 0, k);
            self.value(v);
        }
        self.close('}', members.is_empty());
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.string(s),
            Value::Array(a) => {
                self.open('[');
                for (i, v) in a.iter().enumerate() {
                    self.item(i == 0);
                    self.value(v);
                }
                self.close(']', a.is_empty());
            }
            Value::Object(o) => {
                // serde_json's map is a BTreeMap: iteration is already code point order.
                self.open('{');
                for (i, (k, v)) in o.iter().enumerate() {
                    self.member(i == 0, k);
                    self.value(v);
                }
                self.close('}', o.is_empty());
            }
        }
    }

    fn number(&mut self, n: &Number) {
        const MAX_SAFE: u64 = 1 << 53;
        if let Some(u) = n.as_u64().filter(|u| *u <= MAX_SAFE) {
            self.out.push_str(itoa::Buffer::new().format(u));
        } else if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= MAX_SAFE) {
            self.out.push_str(itoa::Buffer::new().format(i));
        } else {
            let f = n.as_f64().unwrap_or(0.0);
            self.out.push_str(ryu_js::Buffer::new().format(f));
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let escape: &str = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0x00..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(&s[start..i]);
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.out.push_str("\\u00");
                self.out.push(HEX[(b >> 4) as usize] as char);
                self.out.push(HEX[(b & 0xf) as usize] as char);
            } else {
                self.out.push_str(escape);
            }
            start = i + 1;
        }
        self.out.push_str(&s[start..]);
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pretty_matches_json_stringify_layout() {
        let v = json!({"b": [1, {"c": []}], "a": {}});
        assert_eq!(
            to_json(&v, true),
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": []\n    }\n  ]\n}"
        );
    }

    #[test]
    fn numbers_are_written_as_javascript_does() {
        let v = json!([1e21, 1.5e-7, 0.1, 100, 123456789.5, -2.5e-6]);
        assert_eq!(
            to_json(&v, false),
            "[1e+21,1.5e-7,0.1,100,123456789.5,-0.0000025]"
        );
    }

    #[test]
    fn only_quote_backslash_and_controls_are_escaped() {
        let v = json!("a\"\\\u{1}\u{7f}\u{2028}é\t");
        assert_eq!(to_json(&v, false), "\"a\\\"\\\\\\u0001\u{7f}\u{2028}é\\t\"");
    }
}
