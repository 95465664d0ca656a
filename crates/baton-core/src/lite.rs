//! The fast path of validation: a valid baton read straight from its source
//! (JSON text, a binding's native value, a `Value`) into a borrowed view,
//! without building a [`Value`] tree or a [`Baton`](crate::Baton).
//!
//! [`read_clean`] accepts a document only when it can prove that the document
//! has no error at all (SPEC §1–§3); anything else, from a syntax error to a
//! `null` goal, makes it give up, and the caller runs the full path, which
//! finds and reports every error. So this module decides nothing on its own:
//! a document it accepts is one the full path finds no error in (every shared
//! vector and a property test check that), and its warnings are computed from
//! the same strings by the same code ([`warnings`]).
//!
//! What "no error" means, from the generated schema and §3: an object with a
//! string `goal` and otherwise only known members and `x-` members, no member
//! twice; `version` the number 1; each list field an array of strings; `history`
//! an array of objects with exactly `stage` (a string), `at` (a string) and
//! `patch` (an object); no blank goal, entry or stage, every `at` a timestamp;
//! `x-` values nested at most 64 levels; and, for text, JSON that parses by §1
//! (`x-` values and history patches are read with the parser's own rules).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use foldhash::HashSet;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::document::{ListField, LIST_FIELDS};
use crate::error::{sort_issues, Code, Issue};
use crate::json::{depth_exceeds, NestedValue};
use crate::render::{self, Fields};
use crate::text::is_blank;
use crate::timestamp;
use crate::validate::MAX_EXTENSION_DEPTH;

/// The fields of a valid baton, borrowed from its source where the source
/// allows (JSON strings without escapes, a `Value`'s strings).
#[derive(Debug)]
pub(crate) struct Lite<'a> {
    goal: Cow<'a, str>,
    /// Every list entry, list after list, in the order the source has them.
    entries: Vec<Cow<'a, str>>,
    /// Where each list field (in [`LIST_FIELDS`] order) lies in `entries`.
    ranges: [(usize, usize); 7],
}

impl<'a> Fields for Lite<'a> {
    type Entry = Cow<'a, str>;

    fn goal(&self) -> &str {
        &self.goal
    }

    #[inline]
    fn list(&self, field: ListField) -> &[Cow<'a, str>] {
        let (start, end) = self.ranges[field as usize];
        &self.entries[start..end]
    }
}

thread_local! {
    /// The `entries` of the last `Lite` dropped, emptied: most calls then
    /// allocate nothing.
    static SPARE: Cell<Vec<Cow<'static, str>>> = const { Cell::new(Vec::new()) };
}

/// Scratch space up to this many items is kept for the next call on the thread.
const KEEP: usize = 4096;

/// An empty vector for entries, with room for a small baton's.
fn spare_entries<'a>() -> Vec<Cow<'a, str>> {
    let mut entries = SPARE.with(Cell::take);
    entries.reserve(16);
    entries
}

impl Drop for Lite<'_> {
    fn drop(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        if entries.capacity() > KEEP {
            return;
        }
        entries.clear();
        // Empty, so the closure never runs: only the allocation changes hands
        // (collecting into an element type of the same layout reuses it).
        let spare: Vec<Cow<'static, str>> =
            entries.into_iter().map(|_| Cow::Borrowed("")).collect();
        SPARE.with(|cell| cell.set(spare));
    }
}

/// Reads a document that has no error; `None` when it may have one (or does not
/// parse), and the full path must decide.
pub(crate) fn read_clean<'de, D: Deserializer<'de>>(source: D) -> Option<Lite<'de>> {
    let mut lite = Lite {
        goal: Cow::Borrowed(""),
        entries: spare_entries(),
        ranges: [(0, 0); 7],
    };
    source.deserialize_any(Document { lite: &mut lite }).ok()?;
    Some(lite)
}

/// The warnings of a valid document (SPEC §3 step 3), sorted.
pub(crate) fn warnings(fields: &impl Fields, budget: usize) -> Vec<Issue> {
    let mut out = Vec::new();
    for field in LIST_FIELDS {
        duplicates(field, fields.list(field), &mut out);
    }
    // Most batons are far under budget: a bound from byte counts settles that
    // without laying out the rendering.
    if render::estimate_bound(fields) > budget && render::default_exceeds(fields, budget) {
        out.push(Issue::new(
            Code::OverBudget,
            "",
            format!("the rendered baton estimates to more than {budget} tokens (the budget)"),
        ));
    }
    sort_issues(&mut out);
    out
}

/// `duplicate` for each entry equal to an earlier one, naming the first.
fn duplicates(field: ListField, list: &[impl AsRef<str>], out: &mut Vec<Issue>) {
    let mut found = Vec::new();
    if list.len() <= 16 {
        // Short lists: comparing pairs is cheaper than hashing.
        for i in 1..list.len() {
            let entry = list[i].as_ref();
            if let Some(first) = list[..i].iter().position(|e| e.as_ref() == entry) {
                found.push((i, first));
            }
        }
    } else {
        // One table per thread serves every call: no allocation in the common case.
        let (mut table, state) = SEEN.with(Cell::take);
        // Hashing an entry's length and three 8-byte samples costs the same for
        // any length; a list whose different entries share them (more misses
        // than entries) is scanned again with whole entries hashed.
        let sampled = |s: &str| state.hash_one(samples(s));
        if !table.scan(list, sampled, list.len(), &mut found) {
            found.clear();
            table.scan(list, |s| state.hash_one(s), usize::MAX, &mut found);
        }
        if table.slots.capacity() <= 2 * KEEP {
            SEEN.with(|cell| cell.set((table, state)));
        }
    }
    for (i, first) in found {
        out.push(Issue::new(
            Code::Duplicate,
            format!("/{}/{i}", field.name()),
            format!("duplicate of `/{}/{first}`", field.name()),
        ));
    }
}

/// An open-addressing table of entry indices with their hashes, for finding
/// equal entries. Hand-rolled rather than a general map: one probe sequence per
/// entry, over plain indices, is what keeps the duplicate check a small part of
/// validating a long list.
#[derive(Default)]
struct Seen {
    /// Entry indices, `EMPTY` where none; a power of two, at least twice the list.
    slots: Vec<usize>,
    /// The hash of each entry scanned so far, by index.
    hashes: Vec<u64>,
}

const EMPTY: usize = usize::MAX;

impl Seen {
    /// Adds `(index, index of its first occurrence)` to `found` for each entry
    /// equal to an earlier one, finding equal entries by `hash`; false (and
    /// `found` incomplete) once more than `misses` entries had the hash of a
    /// different one.
    fn scan<S: AsRef<str>>(
        &mut self,
        list: &[S],
        hash: impl Fn(&str) -> u64,
        mut misses: usize,
        found: &mut Vec<(usize, usize)>,
    ) -> bool {
        let bits = (2 * list.len()).next_power_of_two().trailing_zeros();
        self.slots.clear();
        self.slots.resize(1 << bits, EMPTY);
        self.hashes.clear();
        let mask = (1 << bits) - 1;
        for (i, entry) in list.iter().enumerate() {
            let entry = entry.as_ref();
            let h = hash(entry);
            self.hashes.push(h);
            // The high bits: the best mixed in a multiplicative hash.
            let mut at = (h >> (64 - bits)) as usize;
            loop {
                let j = self.slots[at];
                if j == EMPTY {
                    self.slots[at] = i;
                    break;
                }
                if self.hashes[j] == h {
                    if list[j].as_ref() == entry {
                        found.push((i, j));
                        break;
                    }
                    if misses == 0 {
                        return false;
                    }
                    misses -= 1;
                }
                at = (at + 1) & mask;
            }
        }
        true
    }
}

/// An entry's length and its first, middle and last 8 bytes (zero-padded):
/// the whole entry when it is at most 16 bytes long.
fn samples(s: &str) -> (usize, u64, u64, u64) {
    let b = s.as_bytes();
    let n = b.len();
    let mut lanes = [0u8; 8];
    if n < 8 {
        lanes[..n].copy_from_slice(b);
        return (n, u64::from_le_bytes(lanes), 0, 0);
    }
    // Fixed-size copies: plain loads, no `memcpy` call.
    let mut word = |at: usize| {
        lanes.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(lanes)
    };
    (n, word(0), word(n / 2 - 4), word(n - 8))
}

thread_local! {
    /// The emptied duplicate table of this thread's last long list, and the
    /// thread's (randomly seeded) hasher.
    static SEEN: Cell<(Seen, RandomState)> = Cell::default();
}

/// Gives up on the fast path (the message is never shown).
fn give_up<E: de::Error>() -> E {
    E::custom("not provably valid")
}

/// A string from any source: borrowed when the source can lend it.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A string that is not blank (goal, entries, stages).
fn non_blank<'de, E: de::Error>(text: Cow<'de, str>) -> Result<Cow<'de, str>, E> {
    if is_blank(&text) {
        Err(give_up())
    } else {
        Ok(text)
    }
}

/// A known top-level member.
#[derive(Clone, Copy)]
enum Member {
    Version,
    Goal,
    History,
    List(ListField),
}

impl Member {
    fn of(name: &str) -> Option<Member> {
        use ListField::*;
        Some(match name {
            "version" => Member::Version,
            "goal" => Member::Goal,
            "history" => Member::History,
            "current_state" => Member::List(CurrentState),
            "decision_log" => Member::List(DecisionLog),
            "constraints" => Member::List(Constraints),
            "open_questions" => Member::List(OpenQuestions),
            "work_scope" => Member::List(WorkScope),
            "artifacts" => Member::List(Artifacts),
            "acceptance" => Member::List(Acceptance),
            _ => return None,
        })
    }

    /// A distinct bit per member, for the duplicate check.
    fn bit(self) -> u16 {
        1 << match self {
            Member::Version => 0,
            Member::Goal => 1,
            Member::History => 2,
            Member::List(field) => 3 + field as u16,
        }
    }
}

/// The top-level object.
struct Document<'l, 'de> {
    lite: &'l mut Lite<'de>,
}

/// The `x-` member names met so far, to catch one given twice: a short list,
/// then a hash set once there are many.
#[derive(Default)]
struct Names<'de> {
    few: Vec<Cow<'de, str>>,
    many: HashSet<Cow<'de, str>>,
}

impl<'de> Names<'de> {
    /// Adds a name; false when it was already there.
    fn insert(&mut self, name: Cow<'de, str>) -> bool {
        if !self.many.is_empty() {
            return self.many.insert(name);
        }
        if self.few.contains(&name) {
            return false;
        }
        self.few.push(name);
        if self.few.len() > 16 {
            self.many.extend(self.few.drain(..));
        }
        true
    }
}

impl<'de> Visitor<'de> for Document<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a baton")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = 0u16;
        // Made at the first `x-` member: most batons have none.
        let mut extensions: Option<Names<'de>> = None;
        while let Some(name) = map.next_key_seed(Text)? {
            let Some(member) = Member::of(&name) else {
                if !name.starts_with("x-") || !extensions.get_or_insert_default().insert(name) {
                    return Err(give_up());
                }
                // Top level is depth 1, so the member's value is read at depth 2.
                let value = map.next_value_seed(NestedValue(1))?;
                if depth_exceeds(&value, MAX_EXTENSION_DEPTH) {
                    return Err(give_up());
                }
                continue;
            };
            if seen & member.bit() != 0 {
                return Err(give_up());
            }
            seen |= member.bit();
            match member {
                Member::Version => map.next_value_seed(Version)?,
                Member::Goal => self.lite.goal = non_blank(map.next_value_seed(Text)?)?,
                Member::History => map.next_value_seed(History)?,
                Member::List(field) => {
                    let start = self.lite.entries.len();
                    map.next_value_seed(List {
                        entries: &mut self.lite.entries,
                    })?;
                    self.lite.ranges[field as usize] = (start, self.lite.entries.len());
                }
            }
        }
        if seen & Member::Goal.bit() == 0 {
            return Err(give_up()); // no goal
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Document<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

/// A list field: an array of non-blank strings.
struct List<'l, 'de> {
    entries: &'l mut Vec<Cow<'de, str>>,
}

impl<'de> DeserializeSeed<'de> for List<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for List<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some(n) = seq.size_hint() {
            self.entries.reserve(n.min(1 << 16));
        }
        while let Some(entry) = seq.next_element_seed(Text)? {
            // Checked here rather than through `non_blank`: no `Result` to move
            // the entry through, once per entry of every list.
            if is_blank(&entry) {
                return Err(give_up());
            }
            self.entries.push(entry);
        }
        Ok(())
    }
}

/// `version`: the number 1 (`1.0` and `1e0` are the same number, SPEC §1).
struct Version;

impl<'de> DeserializeSeed<'de> for Version {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Version {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("1")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        if v == 1 {
            Ok(())
        } else {
            Err(give_up())
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        if v == 1 {
            Ok(())
        } else {
            Err(give_up())
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        if v == 1.0 {
            Ok(())
        } else {
            Err(give_up())
        }
    }
}

/// `history`: an array of entries.
struct History;

impl<'de> DeserializeSeed<'de> for History {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for History {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of history entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Entry)?.is_some() {}
        Ok(())
    }
}

/// One history entry: exactly `stage`, `at` and `patch`.
struct Entry;

impl<'de> DeserializeSeed<'de> for Entry {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Entry {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a history entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = 0u8;
        while let Some(name) = map.next_key_seed(Text)? {
            let bit = match name.as_ref() {
                "stage" => 1,
                "at" => 2,
                "patch" => 4,
                _ => return Err(give_up()),
            };
            if seen & bit != 0 {
                return Err(give_up());
            }
            seen |= bit;
            match bit {
                1 => {
                    non_blank(map.next_value_seed(Text)?)?;
                }
                2 => {
                    if !timestamp::is_valid(&map.next_value_seed(Text)?) {
                        return Err(give_up());
                    }
                }
                _ => {
                    // The document is depth 1, `history` 2, the entry 3.
                    if !map.next_value_seed(NestedValue(3))?.is_object() {
                        return Err(give_up());
                    }
                }
            }
        }
        if seen == 7 {
            Ok(())
        } else {
            Err(give_up())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Baton;
    use crate::json::parse_json;
    use crate::validate::{document_errors, validate_json_bytes, validate_with_budget, Report};
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    /// Every `(i, first)` with entry `i` equal to the earlier entry `first`, by pairs.
    fn duplicate_pairs(list: &[String]) -> Vec<(usize, usize)> {
        (0..list.len())
            .filter_map(|i| Some((i, list[..i].iter().position(|e| *e == list[i])?)))
            .collect()
    }

    fn duplicates_of(list: &[String]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        duplicates(ListField::DecisionLog, list, &mut out);
        out.iter()
            .map(|issue| {
                let index = |p: &str| p.rsplit('/').next().unwrap().parse::<usize>().unwrap();
                let first = issue
                    .message
                    .trim_start_matches("duplicate of `")
                    .trim_end_matches('`');
                (index(&issue.path), index(first))
            })
            .collect()
    }

    #[test]
    fn duplicates_are_found_when_entries_share_their_sampled_bytes() {
        // Equal length, first, middle and last 8 bytes: every entry has the same
        // sampled hash, which the scan must notice and hash whole entries instead.
        let list: Vec<String> = (0..3000)
            .map(|i| {
                format!(
                    "{:8}{:04}{:16}{:04}{:8}",
                    "head",
                    i % 1000,
                    "middle",
                    i * 7 % 1000,
                    "tail"
                )
            })
            .collect();
        let state = RandomState::default();
        let sampled = |s: &str| state.hash_one(samples(s));
        let gave_up = !Seen::default().scan(&list, sampled, list.len(), &mut Vec::new());
        assert!(gave_up, "the sampled scan should give up on this list");
        assert_eq!(duplicates_of(&list), duplicate_pairs(&list));
        assert!(!duplicate_pairs(&list).is_empty());
    }

    proptest! {
        #[test]
        fn duplicates_match_comparing_every_pair(
            list in prop::collection::vec(prop_oneof![
                "[ab]{0,3}",
                "[ab]{14,18}",
                "x{20}[ab]{1,2}x{20}",
                "\\PC{0,30}",
            ], 0..80)
        ) {
            prop_assert_eq!(duplicates_of(&list), duplicate_pairs(&list));
        }
    }

    /// The full path: the schema pass and the rules; warnings from the typed baton.
    fn reference(document: &Value, budget: usize) -> Report {
        let errors = document_errors(document);
        let warnings = if errors.is_empty() {
            warnings(&Baton::from_valid(document), budget)
        } else {
            Vec::new()
        };
        Report { errors, warnings }
    }

    /// Every way in: text, the parsed value; both agree with the full path, and the
    /// fast path takes exactly the documents without errors.
    fn check(text: &str, budget: usize) -> Result<(), TestCaseError> {
        let from_text = validate_json_bytes(text.as_bytes(), budget);
        match parse_json(text) {
            Err(e) => {
                prop_assert_eq!(&from_text.errors, e.issues());
                prop_assert!(from_text.warnings.is_empty());
                let stripped = text.strip_prefix('\u{feff}').unwrap_or(text);
                let mut de = serde_json::Deserializer::from_str(stripped);
                prop_assert!(read_clean(&mut de).is_none() || de.end().is_err());
            }
            Ok(document) => {
                let want = reference(&document, budget);
                prop_assert_eq!(&from_text, &want);
                prop_assert_eq!(&validate_with_budget(&document, budget), &want);
                prop_assert_eq!(read_clean(&document).is_some(), want.errors.is_empty());
                let stripped = text.strip_prefix('\u{feff}').unwrap_or(text);
                let mut de = serde_json::Deserializer::from_str(stripped);
                let clean = read_clean(&mut de).is_some() && de.end().is_ok();
                prop_assert_eq!(clean, want.errors.is_empty(), "{}", text);
            }
        }
        Ok(())
    }

    #[test]
    fn every_validate_vector_agrees_with_the_full_path() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
        let mut seen = 0;
        for file in std::fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let suite: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for case in suite["cases"].as_array().unwrap() {
                let input = &case["input"];
                let text = match (
                    input.get("document"),
                    input.get("baton"),
                    input.get("document_text"),
                    input.get("baton_text"),
                ) {
                    (Some(d), _, _, _) | (None, Some(d), _, _) => serde_json::to_string(d).unwrap(),
                    (None, None, Some(Value::String(t)), _)
                    | (None, None, None, Some(Value::String(t))) => t.clone(),
                    _ => continue,
                };
                let budget = input["budget"]
                    .as_u64()
                    .map_or(crate::validate::DEFAULT_BUDGET, |b| b as usize);
                check(&text, budget)
                    .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), case["name"]));
                seen += 1;
            }
        }
        assert!(seen > 100, "only {seen} documents");
    }

    #[test]
    fn corners_of_the_fast_path() {
        for text in [
            r#"{"goal":"a","version":1.0}"#,
            r#"{"goal":"a","version":1e0}"#,
            r#"{"goal":"a","version":2}"#,
            r#"{"goal":"a","version":"1"}"#,
            r#"{"goal":"a","version":null}"#,
            r#"{"goal":"a","goal":"b"}"#,
            r#"{"goal":"a","x-a":1,"x-a":2}"#,
            r#"{"goal":"a","x-a":{"k":1,"k":2}}"#,
            r#"{"goal":"a","x-a":1e400}"#,
            r#"{"goal":"a","x-":null}"#,
            r#"{"goal":"a\u0000"}"#,
            r#"{"goal":"\u2028"}"#,
            r#"{"goal":"\u200b"}"#,
            r#"{"goal":"a","constraints":["x","\u0078","x"]}"#,
            r#"{"goal":"a","history":[{"stage":"s","at":"2026-01-01T00:00:00Z","patch":{}}]}"#,
            r#"{"goal":"a","history":[{"stage":"s","at":"2026-01-01T00:00:00Z","patch":{"a":1,"a":1}}]}"#,
            r#"{"goal":"a","history":[{"stage":"s","at":"2026-01-01T00:00:00Z","patch":[]}]}"#,
            r#"{"goal":"a","history":[{"stage":"s","at":"2026-01-01T00:00:00Z"}]}"#,
            r#"{"goal":"a","history":[{"stage":" ","at":"2026-01-01T00:00:00Z","patch":{}}]}"#,
            r#"{"goal":"a","history":[{"stage":"s","at":"2026-13-01T00:00:00Z","patch":{}}]}"#,
            r#"{"goal":"a","history":[{"stage":"s","at":"2026-01-01T00:00:00Z","patch":{},"x":1}]}"#,
            r#"{"goal":"a","decision_log":[]} x"#,
            "\u{feff}{\"goal\":\"a\"}",
            r#"{"goal":"a","decision_log":null}"#,
            r#"["goal"]"#,
        ] {
            check(text, 1000).unwrap();
            check(text, 0).unwrap();
        }
        let deep = |n: usize| {
            format!(
                r#"{{"goal":"a","x-a":{}1{}}}"#,
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        for n in [63, 64, 65, 98, 99, 100, 200] {
            check(&deep(n), 1000).unwrap();
        }
        let many: Vec<String> = (0..40)
            .chain([7])
            .map(|i| format!(r#""x-{i}":{i}"#))
            .collect();
        check(&format!(r#"{{"goal":"a",{}}}"#, many.join(",")), 1000).unwrap();
    }

    fn entry() -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => prop_oneof![Just("a"), Just("b"), Just("a b"), Just("## h"), Just("12. x"), Just("日本")]
                .prop_map(Value::from),
            1 => prop_oneof![Just(""), Just(" "), Just("\u{200b}"), Just("\u{1}"), Just("a\u{2028}b")]
                .prop_map(Value::from),
            1 => prop_oneof![Just(Value::Null), Just(json!(1)), Just(json!(["a"]))],
        ]
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            Just(json!(1)),
            Just(json!(1.5)),
            Just(json!("s")),
            Just(json!(true))
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[a-c]", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn history_entry() -> impl Strategy<Value = Value> {
        let member = prop_oneof![
            Just("stage"),
            Just("stage"),
            Just("at"),
            Just("at"),
            Just("patch"),
            Just("patch"),
            Just("x")
        ];
        let value = prop_oneof![
            Just(json!("s")),
            Just(json!(" ")),
            Just(json!("2026-01-01T00:00:00Z")),
            Just(json!({})),
            Just(json!({"goal": "x"})),
            Just(json!([])),
            Just(Value::Null),
        ];
        prop::collection::vec((member, value), 0..5).prop_map(|members| {
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Map<_, _>>(),
            )
        })
    }

    fn member() -> impl Strategy<Value = (String, Value)> {
        let list = prop_oneof![
            "current_state",
            "decision_log",
            "constraints",
            "open_questions",
            "work_scope",
            "artifacts",
            "acceptance"
        ];
        prop_oneof![
            3 => (Just("goal".to_owned()), entry()),
            6 => (list.prop_map(|s| s.to_owned()), prop_oneof![
                4 => prop::collection::vec(entry(), 0..6).prop_map(Value::Array),
                1 => entry(),
            ]),
            1 => (Just("version".to_owned()), prop_oneof![Just(json!(1)), Just(json!(1.0)), Just(json!(2)), Just(json!("1")), Just(Value::Null)]),
            2 => (Just("history".to_owned()), prop_oneof![
                4 => prop::collection::vec(history_entry(), 0..3).prop_map(Value::Array),
                1 => Just(json!({})),
            ]),
            2 => (prop_oneof![Just("x-a"), Just("x-"), Just("x-b")].prop_map(|s| s.to_owned()), any_json()),
            1 => (prop_oneof![Just("goals"), Just("X-a"), Just("a/b")].prop_map(|s| s.to_owned()), any_json()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn the_fast_path_agrees_with_the_full_path(
            members in prop::collection::vec(member(), 0..8),
            budget in prop_oneof![Just(0usize), Just(40), Just(1000)],
            escape in any::<bool>(),
        ) {
            let document = Value::Object(members.into_iter().collect());
            let mut text = serde_json::to_string(&document).unwrap();
            if escape {
                // The same document with escaped strings, which the parser cannot lend.
                text = text.replace('a', "\\u0061");
            }
            check(&text, budget)?;
        }
    }
}
